#!/usr/bin/env bash
# Installs what the integration tests drive for real. Needs root; idempotent and quiet.
#   postfix: a private instance per test run (tests/Milter.IntegrationTests/postfix/harness.sh);
#            preseeded to "No configuration" so nothing is set up or started system-wide.
#   python3-milter, opendkim, opendkim-tools: milters nobody here wrote, for the client tests; python3-milter also
#            runs the libmilter reference milters (tests/Milter.IntegrationTests/milters/*.py).
#   miltertest: OpenDKIM's MTA-side test client, a third peer that runs the samples' Lua scripts.
#   knot: an authoritative DNS server started per test run on a loopback port, serving the DKIM keys, SPF and DMARC
#            records of the test domains (Support/MailDns.cs); publicsuffix: the public suffix list DMARC reads.
#   python3-dkim: dkimpy's test data, signatures made elsewhere (RFC 8463's, Exim's) that Milter.Authentication.Tests verifies;
#            dkimpy also verifies OpenDKIM's signature relayed by ExternalMilter (milters/dkim_verify.py).
#   python3-authres: an RFC 8601 parser that reads every Authentication-Results Milter.Authentication.Tests writes.
#   python3-spf: the RFC 7208 test suite (rfc7208-tests.yml.gz); python3-yaml reads it and ValiMail's ARC suites.
#   redis-server, haproxy: the shared store and the balancer of the scaling tests (several milter instances); each
#            test starts its own on free ports, so the system-wide services are kept from starting (policy-rc.d).
#   faketime, sqlite3, openssl: the store fault tests (Milter.State.Tests) run a process on a clock 4 s ahead, hold a
#            SQLite lock from another process, and make the certificates of a TLS Redis; ExternalMilterOracleTests runs
#            OpenDKIM on a frozen clock, so two signatures of one message are the same.
#   gcc, libc6-dev, libmilter-dev: build the C load driver and the libmilter milter of tests/perf (PerfComparisonTests).
#   Sendmail 8.17: conflicts with postfix as a package, so it is not installed: its .debs are downloaded and
#            unpacked into $SENDMAIL_ROOT (tests/Milter.IntegrationTests/sendmail/harness.sh runs it from there);
#            m4 builds its configuration, liblockfile1 and libwrap0 are the libraries it needs that postfix does not.
set -euo pipefail
packages=(postfix python3-milter opendkim opendkim-tools miltertest m4 liblockfile1 libwrap0 swaks knot publicsuffix python3-dkim python3-authres python3-spf python3-yaml redis-server haproxy gcc libc6-dev libmilter-dev faketime sqlite3 openssl)
SENDMAIL_ROOT=${SENDMAIL_ROOT:-/opt/milter-tests/sendmail}

export DEBIAN_FRONTEND=noninteractive
updated=
update() { [ -n "$updated" ] || { apt-get update -qq; updated=1; }; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  update
  # No service of these packages may start system-wide: a policy-rc.d that says no, unless the machine has one.
  policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
fi

if [ ! -x "$SENDMAIL_ROOT/usr/libexec/sendmail/sendmail" ]; then
  update
  debs=$(mktemp -d)
  trap 'rm -rf "$debs"' EXIT
  # apt-get download runs as the _apt user where it can; a world-writable folder keeps it quiet.
  chmod 777 "$debs"
  (cd "$debs" && apt-get download -qq sendmail-bin sendmail-base sendmail-cf >/dev/null 2>&1)
  mkdir -p "$SENDMAIL_ROOT"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$SENDMAIL_ROOT"; done
fi
