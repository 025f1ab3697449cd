#!/usr/bin/env bash
# Installs the Debian packages the integration tests drive for real. Needs root; idempotent and quiet.
#   postfix: a private instance per test run (tests/Milter.IntegrationTests/postfix/harness.sh);
#            preseeded to "No configuration" so nothing is set up or started system-wide.
#   python3-milter, opendkim, opendkim-tools: milters nobody here wrote, for the client tests.
set -euo pipefail
packages=(postfix python3-milter opendkim opendkim-tools)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
