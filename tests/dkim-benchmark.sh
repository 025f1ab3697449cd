#!/usr/bin/env bash
# The OpenDKIM comparison of docs/performance.md: the same key, the same messages, the same client (milter-test), one
# connection at a time. Signs each message with OpenDKIM (Mode s) and with the AuthMilter sample published with
# NativeAOT (Mode s), then verifies an OpenDKIM-signed copy with each (Mode v; the key from a private Knot, cached after
# the first message), and prints milter-test's rate and latency; then times opendkim-testmsg, a process per message, as
# a second look at OpenDKIM's own cost. Needs root for nothing; needs opendkim, opendkim-tools, knot and unbound's library
# (OpenDKIM's). Usage: tests/dkim-benchmark.sh [COUNT=2000]
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

start_opendkim() { # NAME MODE-SETTINGS
  local port; port=$(free_port)
  printf 'Syslog no\nSocket inet:%s@127.0.0.1\nPidFile %s/%s.pid\nRequireSafeKeys false\nQueryCache yes\nCanonicalization relaxed/simple\n%b\n' \
    "$port" "$out" "$1" "$2" > "$out/$1.conf"
  opendkim -f -x "$out/$1.conf" & pids+=($!)
  wait_port "$port"; echo "$port"
}
start_ours() { # ARGS...
  local port; port=$(free_port)
  "$out/auth/AuthMilter" --Milter:Listen:0 "inet:$port@127.0.0.1" --Logging:LogLevel:Default Warning --AuthMilter:Canonicalization relaxed/simple "$@" & pids+=($!)
  wait_port "$port"; echo "$port"
}
odkim_sign=$(start_opendkim sign "Mode s\nDomain example.org\nSelector rsa\nKeyFile $out/rsa.private\nInternalHosts 127.0.0.1")
odkim_verify=$(start_opendkim verify "Mode v\nInternalHosts 192.0.2.1\nResolverConfiguration $out/unbound.conf")
ours_sign=$(start_ours --AuthMilter:Mode s --AuthMilter:Domain:0 example.org --AuthMilter:Selector rsa --AuthMilter:KeyFile "$out/rsa.private")
ours_verify=$(start_ours --AuthMilter:Mode v --AuthMilter:Nameservers:0 "127.0.0.1:$dns")

load() { # LABEL PORT MESSAGE
  printf '%-34s %-14s ' "$1" "$(basename "$3")"
  milter_test send "inet:$2@127.0.0.1" "$3" --from alice@example.org --count "$count" --concurrency 1 --macro i=4ABCDEF --macro j=mta.example.org | tail -n 2 | tr '\n' ' '
  echo
}
for message in "${messages[@]}"; do
  opendkim-testmsg -C -d example.org -s rsa -k "$out/rsa.private" < "$message" > "$out/signed-$(basename "$message")"
  load "sign: OpenDKIM" "$odkim_sign" "$message"
  load "sign: AuthMilter (NativeAOT)" "$ours_sign" "$message"
  load "verify: OpenDKIM" "$odkim_verify" "$out/signed-$(basename "$message")"
  load "verify: AuthMilter (NativeAOT)" "$ours_verify" "$out/signed-$(basename "$message")"
done

# opendkim-testmsg: one process per message; the empty run is the process and library start-up alone.
per_run() { local start end; start=$(date +%s%N); for _ in $(seq 1 500); do "$@" > /dev/null 2>&1 || true; done; end=$(date +%s%N); echo $(( (end - start) / 500000 )); }
echo "opendkim-testmsg, 500 runs each, microseconds per run:"
printf '  start-up only (empty input):  %s\n' "$(per_run sh -c "opendkim-testmsg -d example.org -s rsa -k $out/rsa.private < /dev/null")"
for message in "${messages[@]}"; do
  printf '  sign %-24s %s\n' "$(basename "$message"):" "$(per_run sh -c "opendkim-testmsg -d example.org -s rsa -k $out/rsa.private < $message")"
done
