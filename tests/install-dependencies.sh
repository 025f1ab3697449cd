#!/usr/bin/env bash
# Installs the Debian packages the integration tests drive for real. Needs root; idempotent.
set -euo pipefail
packages=()
if [ ${#packages[@]} -eq 0 ]; then exit 0; fi
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
