#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with the .NET 10 SDK:
# installs what the integration tests need (when run as root), then runs every test project.
# Ends with one line "N passed, N failed, N skipped" and a non-zero exit if anything failed or nothing ran.
set -uo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ] && [ "${MILTER_SKIP_INSTALL:-}" != 1 ]; then
  ./tests/install-dependencies.sh || echo "warning: installing test dependencies failed; tests that need them will be skipped" >&2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Milter.sln --configuration Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Microsoft.Testing.Platform ends with "total: N / failed: N / succeeded: N / skipped: N".
read -r total failed succeeded skipped < <(awk '
  /^[[:space:]]*total:/     { t=$2 }
  /^[[:space:]]*failed:/    { f=$2 }
  /^[[:space:]]*succeeded:/ { s=$2 }
  /^[[:space:]]*skipped:/   { k=$2 }
  END { printf "%d %d %d %d\n", t, f, s, k }' "$log")

echo "${succeeded} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$total" -eq 0 ]; then
  exit 1
fi
