#!/usr/bin/env bash
# The side-by-side comparison of issues 15 and 25: the same milters written several ways, driven by the same
# independent C load driver over loopback, one fresh milter process per configuration, three rounds, medians:
#   ours       tests/Milter.Perf, published with NativeAOT
#   base       the same project built on an earlier commit's engine (--baseline, default e504295), in a git worktree
#   libmilter  tests/perf/libmilter_perf.c -N, built here with gcc against Debian's libmilter-dev
#   pymilter   tests/perf/pymilter_perf.py, Debian's python3-milter under /usr/bin/python3
# Two filters, and composition. The ordinary one (OrdinaryFilter: notes the sender, answers each recipient, headers as
# strings, abort, at end of message adds a header, adds a recipient, changes Subject; 3 recipients, 10 headers, 10 KiB
# body) over 8 and 1 persistent connections (many messages each) and 8 connections of one message each: ours, base,
# libmilter. The minimal one (PerfFilter: reads Subject, the same three changes, no reply anywhere else) at 1, 8 and
# 64 connections of one message each and 8 persistent connections, a 1 MiB body at 8 connections with and without NOBODY offered, and 10,000 idle
# connections: ours, libmilter, pymilter. Composition (issue 29): the ordinary filter's work as three filters, chained
# by the driver as Postfix chains three milters (three sockets and processes) against one milter composing them on one
# socket, at 8 persistent connections and 8 connections of one message each (p3_p8, p3_c8): CPU, RSS and allocations
# summed over the processes. Figures: msg/s, p50/p99, CPU µs per message, peak RSS, allocations per message (ours,
# base), KiB per idle connection. It prints the table, writes docs/images/comparison.svg and rewrites the marked
# section of docs/performance.md (--no-docs: print only).
#
# Usage: tests/perf/compare.sh [--rounds N] [--scale F] [--baseline COMMIT|none] [--only KEYS] [--no-docs]
#   (about ten minutes with the defaults on 2 cores)
#   --scale F      multiplies the message counts (0.1 for a quick try; such figures are noisy)
#   --baseline C   the commit whose engine runs the ordinary filter beside ours (none: no baseline column)
#   --only KEYS    runs only these configurations, e.g. o_p8,o_c8 (implies --no-docs)
# Prerequisites: Debian 12 with the .NET 10 SDK; gcc, libc6-dev, libmilter-dev and python3-milter, which it installs
# with apt-get when run as root; a hard limit on open files of at least 10,100 (ulimit -Hn). Not part of ./test.sh
# (too long); Milter.IntegrationTests/PerfComparisonTests checks that each part builds and passes a message.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=3 scale=1 docs=1 baseline=e504295 only=
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --baseline) baseline="$2"; shift 2 ;;
    --only) only="$2"; docs=0; shift 2 ;;
    --no-docs) docs=0; shift ;;
    *) echo "usage: tests/perf/compare.sh [--rounds N] [--scale F] [--baseline COMMIT|none] [--only KEYS] [--no-docs]" >&2
       exit 2 ;;
  esac
done
[ "$baseline" != none ] || baseline=

missing=()
for p in gcc libc6-dev libmilter-dev python3-milter; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "missing: ${missing[*]} (run as root to install them)" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# 10,000 idle connections need as many descriptors in the milters (which inherit this limit) and in the driver.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10100 ]; then
  echo "the open-files limit is $(ulimit -n); 10,000 idle connections need more (raise the hard limit)" >&2
  exit 1
fi

out="$(mktemp -d)"
trap 'git worktree remove --force "$out/base-src" 2>/dev/null || true; rm -rf "$out"' EXIT
gcc -O2 -Wall -Wextra -Werror -pthread -o "$out/perfload" tests/perf/perfload.c tests/perf/mta.c -lm
gcc -O2 -Wall -Wextra -Werror -pthread -o "$out/libmilter_perf" tests/perf/libmilter_perf.c -lmilter
dotnet publish tests/Milter.Perf -c Release -r linux-x64 -o "$out/ours" > "$out/publish.log" \
  || { cat "$out/publish.log"; exit 1; }
measure=(--rounds "$rounds" --scale "$scale")
if [ -n "$baseline" ]; then
  # The baseline engine with today's perf project (the filter and the allocation report), built as ours is.
  git worktree add --detach "$out/base-src" "$baseline" > "$out/base.log" 2>&1 || { cat "$out/base.log"; exit 1; }
  cp tests/Milter.Perf/Milter.Perf.csproj tests/Milter.Perf/Program.cs tests/Milter.Perf/OrdinaryFilter.cs -t \
    "$(mkdir -p "$out/base-src/tests/Milter.Perf" && echo "$out/base-src/tests/Milter.Perf")"
  dotnet publish "$out/base-src/tests/Milter.Perf" -c Release -r linux-x64 -p:BaselineEngine=true -o "$out/base" \
    >> "$out/base.log" 2>&1 || { cat "$out/base.log"; exit 1; }
  git worktree remove --force "$out/base-src"
  measure+=(--baseline "$(git rev-parse --short "$baseline")")
fi
[ -z "$only" ] || measure+=(--only "$only")

/usr/bin/python3 tests/perf/measure.py "$out" "$out/results.json" "${measure[@]}"

command="tests/perf/compare.sh"
[ "$rounds" = 3 ] || command+=" --rounds $rounds"
[ "$scale" = 1 ] || command+=" --scale $scale"
[ "$baseline" = e504295 ] || command+=" --baseline ${baseline:-none}"
commit="$(git rev-parse --short HEAD)"
[ -z "$(git status --porcelain -- src generators tests/Milter.Perf tests/perf)" ] || commit+=" with uncommitted changes"
if [ "$docs" = 1 ]; then
  mkdir -p docs/images
  /usr/bin/python3 tests/perf/report.py "$out/results.json" --command "$command" --commit "$commit" \
    --docs docs/performance.md --chart docs/images/comparison.svg
else
  /usr/bin/python3 tests/perf/report.py "$out/results.json" --command "$command" --commit "$commit"
fi
