#!/usr/bin/env bash
# The OpenDKIM comparison of docs/performance.md: the same key, the same messages, the same client (milter-test), one
# connection at a time. Signs each message with OpenDKIM (Mode s) and with the AuthMilter sample published with
# NativeAOT (Mode s), then verifies an OpenDKIM-signed copy with each (Mode v; the key from a private Knot, cached after
# the first message). Each milter first handles one message that is checked (a DKIM-Signature added, dkim=pass
# written); then COUNT messages are sent and the milter process's CPU time (utime + stime from /proc) is divided by
# COUNT, with milter-test's rate and median latency beside it. Needs opendkim, opendkim-tools, knot and unbound's library (OpenDKIM's);
# not root. Usage: tests/dkim-benchmark.sh [COUNT=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-2000}"
out="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$out"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 500); do grep -qE ": 0100007F:$(printf '%04X' "$1") [0-9A-F:]+ 0A " /proc/net/tcp && return; sleep 0.02; done; echo "nothing listens on $1" >&2; exit 1; }

dotnet publish samples/AuthMilter -c Release -r linux-x64 -o "$out/auth" > "$out/publish.log"
dotnet build src/Milter.Cli -c Release -o "$out/cli" > "$out/build.log"
milter_test() { dotnet "$out/cli/milter-test.dll" "$@"; }
opendkim-genkey -b 2048 -D "$out" -d example.org -s rsa
messages=(samples/messages/plain.eml samples/messages/multipart.eml tests/Milter.Benchmarks/messages/large.eml)

# DNS: the key, and the SPF and DMARC records our verifier also asks for.
dns=$(free_port)
mkdir "$out/knot"
{
  printf '$ORIGIN example.org.\n$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
  printf '@ TXT "v=spf1 ip4:127.0.0.0/8 -all"\n_dmarc TXT "v=DMARC1; p=none"\n'
  printf 'rsa._domainkey TXT ( %s )\n' "$(grep -o '"[^"]*"' "$out/rsa.txt" | tr '\n' ' ')"
} > "$out/knot/example.org.zone"
printf 'server:\n  rundir: %s\n  listen: 127.0.0.1@%s\ndatabase:\n  storage: %s\ntemplate:\n  - id: default\n    storage: %s\n    file: "%%s.zone"\nzone:\n  - domain: example.org\n' \
  "$out/knot" "$dns" "$out/knot" "$out/knot" > "$out/knot/knot.conf"
knotd -c "$out/knot/knot.conf" 2> "$out/knot.log" & pids+=($!)
wait_port "$dns"
printf 'server:\n  do-not-query-localhost: no\nstub-zone:\n  name: "example.org."\n  stub-addr: 127.0.0.1@%s\n' "$dns" > "$out/unbound.conf"

# Each daemon runs in the background with its output in a file (inside $(...) it would hold the substitution open);
# its port and process id come back in globals.
started_port=; started_pid=
start_opendkim() { # NAME MODE-SETTINGS
  started_port=$(free_port)
  printf 'Syslog no\nSocket inet:%s@127.0.0.1\nPidFile %s/%s.pid\nRequireSafeKeys false\nQueryCache yes\nCanonicalization relaxed/simple\n%b\n' \
    "$started_port" "$out" "$1" "$2" > "$out/$1.conf"
  opendkim -f -x "$out/$1.conf" > "$out/$1.log" 2>&1 & started_pid=$!; pids+=($!)
  wait_port "$started_port"
}
start_ours() { # NAME ARGS...
  local name=$1; shift
  started_port=$(free_port)
  "$out/auth/AuthMilter" --Milter:Listen:0 "inet:$started_port@127.0.0.1" --Logging:LogLevel:Default Warning --AuthMilter:Canonicalization relaxed/simple "$@" \
    > "$out/$name.log" 2>&1 & started_pid=$!; pids+=($!)
  wait_port "$started_port"
}
start_opendkim odkim-sign "Mode s\nDomain example.org\nSelector rsa\nKeyFile $out/rsa.private\nInternalHosts 127.0.0.1"
odkim_sign=$started_port; odkim_sign_pid=$started_pid
start_opendkim odkim-verify "Mode v\nInternalHosts 192.0.2.1\nResolverConfiguration $out/unbound.conf"
odkim_verify=$started_port; odkim_verify_pid=$started_pid
start_ours ours-sign --AuthMilter:Mode s --AuthMilter:Domain:0 example.org --AuthMilter:Selector rsa --AuthMilter:KeyFile "$out/rsa.private"
ours_sign=$started_port; ours_sign_pid=$started_pid
start_ours ours-verify --AuthMilter:Mode v --AuthMilter:Nameservers:0 "127.0.0.1:$dns"
ours_verify=$started_port; ours_verify_pid=$started_pid

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # utime + stime, in clock ticks
ticks_per_second=$(getconf CLK_TCK)
load() { # LABEL PORT PID MESSAGE EXPECTED
  # One message first, to see that the milter does the work (a signature added, or dkim=pass written), and to warm it.
  milter_test send "inet:$2@127.0.0.1" "$4" --from alice@example.org --macro i=4ABCDEF --macro j=mta.example.org > "$out/one.txt" 2>&1 || true
  grep -q -- "$5" "$out/one.txt" || { echo "$1 did not do its work on $4:" >&2; cat "$out/one.txt" >&2; exit 1; }
  local before after rate
  before=$(cpu_ticks "$3")
  rate=$(milter_test send "inet:$2@127.0.0.1" "$4" --from alice@example.org --count "$count" --concurrency 1 --macro i=4ABCDEF --macro j=mta.example.org | grep '^messages:')
  after=$(cpu_ticks "$3")
  printf '| %s | %s | %s | %s |\n' "$1" "$(basename "$4")" \
    "$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$count" 'BEGIN { printf "%.0f", t / hz / n * 1e6 }')" \
    "$(sed -E 's/.*\(([0-9]+)\/s\).*p50 ([0-9.]+) ms.*/\1 msg\/s, p50 \2 ms/' <<< "$rate")"
}
# What OpenDKIM's signing milter adds (the + lines at the top of milter-test's diff), put on top of the message: the
# input of both verifiers. (opendkim-testmsg signs with rsa-sha1 only, which opendkim-genkey's key record, h=sha256, and
# RFC 8301 refuse.)
signed_by_opendkim() { # MESSAGE OUT
  milter_test send "inet:$odkim_sign@127.0.0.1" "$1" --from alice@example.org --macro i=4ABCDEF --macro j=mta.example.org > "$out/sign.txt"
  { awk '/^\+\+\+ / { diff = 1; next } diff && /^@@/ { next } diff && /^\+/ { printf "%s\r\n", substr($0, 2); next } diff { exit }' "$out/sign.txt"; cat "$1"; } > "$2"
  grep -q '^DKIM-Signature: v=1; a=rsa-sha256' "$2" || { echo "OpenDKIM did not sign $1:" >&2; cat "$out/sign.txt" >&2; exit 1; }
}
echo "milter-test, $count messages each over one connection; CPU of the milter process per message:"
echo "| milter | message | CPU µs/message | rate, latency |"
echo "| --- | --- | ---: | --- |"
for message in "${messages[@]}"; do
  signed_by_opendkim "$message" "$out/signed-$(basename "$message")"
  load "sign: OpenDKIM" "$odkim_sign" "$odkim_sign_pid" "$message" "DKIM-Signature"
  load "sign: AuthMilter (NativeAOT)" "$ours_sign" "$ours_sign_pid" "$message" "DKIM-Signature"
  load "verify: OpenDKIM" "$odkim_verify" "$odkim_verify_pid" "$out/signed-$(basename "$message")" "dkim=pass"
  load "verify: AuthMilter (NativeAOT)" "$ours_verify" "$ours_verify_pid" "$out/signed-$(basename "$message")" "dkim=pass"
done
