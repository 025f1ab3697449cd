#!/usr/bin/env bash
# The soak of docs/robustness.md: publishes the HeaderStamper sample with NativeAOT, then measures it under the attacks of
# issue 14 (idle connections, half-sent frames, slow frames) and under MINUTES of connection churn, memory sampled every
# minute. Usage: tests/soak.sh [MINUTES=60] [CONCURRENCY=8]; output on standard output.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-60}"
concurrency="${2:-8}"
out="$(mktemp -d)"
trap 'kill "$milter" 2>/dev/null || true; rm -rf "$out"' EXIT

dotnet publish samples/HeaderStamper -c Release -r linux-x64 -o "$out/stamper" > "$out/publish.log"
dotnet build tests/Milter.Soak -c Release -o "$out/soak" > "$out/build.log"
port=$((20000 + RANDOM % 20000))
"$out/stamper/HeaderStamper" "inet:$port@127.0.0.1" 2> "$out/milter.log" &
milter=$!
sleep 1
soak() { dotnet "$out/soak/Milter.Soak.dll" "$1" "inet:$port@127.0.0.1" "$milter" "${@:2}"; }

soak idle 10000
soak halfframes 500
soak slowloris
soak soak "$minutes" "$concurrency"
echo "milter log: $(grep -c . "$out/milter.log") lines, $(grep -c '^fail\|^crit' "$out/milter.log" || true) at error or above"
