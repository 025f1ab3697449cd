#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with the .NET 10 SDK:
# installs what the integration tests need (when run as root), then runs every test project.
# Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = 0 ] && [ "${MILTER_SKIP_INSTALL:-}" != 1 ]; then
  ./tests/install-dependencies.sh || echo "warning: installing test dependencies failed; tests that need them will be skipped" >&2
fi

exec dotnet test Milter.sln --configuration Release "$@"
