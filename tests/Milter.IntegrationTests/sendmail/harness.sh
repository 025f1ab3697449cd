#!/usr/bin/env bash
# A private, throw-away Sendmail 8.17 for the integration tests, plus an smtp-sink that dumps every relayed
# message to a file. Sendmail runs from the .debs unpacked by tests/install-dependencies.sh (SENDMAIL_ROOT), never
# from a system install, with its own configuration, queue and log in DIR. Needs root.
#
#   harness.sh start DIR SMTP_PORT SINK_PORT MILTER_PORT[,MILTER_PORT...]   (milters "tests", "tests2", ... in that order)
#   harness.sh stop DIR
#   harness.sh exec DIR COMMAND...      e.g. exec DIR sendmail -bp -qQ (the sendmail binary is found in SENDMAIL_ROOT)
#
# Sendmail resolves its own host name before it reads any configuration and sleeps 60 s when that fails, so
# every Sendmail command runs in its own mount and UTS namespace (unshare) with a private host name,
# /etc/hosts, nsswitch.conf (files only) and resolv.conf. There is no syslog on a test machine: a private /dev
# in that namespace has a /dev/log served by syslog.py, which writes DIR/maillog.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

here=$(cd "$(dirname "$0")" && pwd)
root=${SENDMAIL_ROOT:-/opt/milter-tests/sendmail}
sendmail=$root/usr/libexec/sendmail/sendmail
cf_tree=$root/usr/share/sendmail/cf
host=mta.harness.test

die() { echo "harness: $*" >&2; exit 1; }

# Something LISTENs on 127.0.0.1:PORT. Read from /proc, not by connecting: a probe would start an SMTP session.
listening() { grep -qE "^ *[0-9]+: 0100007F:$(printf '%04X' "$1") [0-9A-F:]+ 0A " /proc/net/tcp 2>/dev/null; }

# Alive and not a zombie: the reaper here collects orphans late, and kill -0 succeeds on zombies.
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

wait_listen() {
  local port=$1 pid=$2 name=$3 i
  for i in $(seq 1 1000); do
    listening "$port" && return 0
    alive "$pid" || die "$name exited before listening on $port: $(tail -5 "$dir/sendmail.out" "$dir/maillog" 2>/dev/null)"
    sleep 0.02
  done
  die "$name did not listen on $port within 20 s"
}

write_namespace() {
  mkdir -p "$dir/ns/dev"
  printf '127.0.0.1\tlocalhost %s %s\n' "$host" "${host%%.*}" > "$dir/ns/hosts"
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\nservices: files\nnetworks: files\nprotocols: files\n' > "$dir/ns/nsswitch.conf"
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$dir/ns/resolv.conf"
  cat > "$dir/ns/enter.sh" <<SH
#!/bin/sh
# Run by unshare -m -u: private host name, name service files and /dev/log, then exec the command.
set -e
hostname '$host'
mount --bind '$dir/ns/hosts' /etc/hosts
mount --bind '$dir/ns/nsswitch.conf' /etc/nsswitch.conf
mount --bind '$dir/ns/resolv.conf' /etc/resolv.conf
mount -t tmpfs -o mode=755 sendmail-dev '$dir/ns/dev'
for n in null zero full random urandom tty; do touch '$dir/ns/dev/'\$n; mount --bind /dev/\$n '$dir/ns/dev/'\$n; done
ln -s /proc/self/fd '$dir/ns/dev/fd'
touch '$dir/ns/dev/log'
mount --bind '$dir/syslog.sock' '$dir/ns/dev/log'
mount --move '$dir/ns/dev' /dev
exec "\$@"
SH
  chmod 755 "$dir/ns/enter.sh"
}

# The .mc: relay everything to the sink, the milter on MILTER_PORT with F=T (tempfail when it is down),
# all files in DIR, no DNS, no load-average refusals, full milter logging.
write_config() {
  local smtp_port=$1 sink_port=$2 milter_port=$3
  cat > "$dir/harness.mc" <<MC
divert(-1)
divert(0)dnl
define(\`_CF_DIR_', \`$cf_tree/')dnl
include(\`$cf_tree/m4/cf.m4')dnl
VERSIONID(\`milter-integration-tests')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$host')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`QUEUE_DIR', \`$dir/queue')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`STATUS_FILE', \`$dir/statistics')dnl
define(\`ALIAS_FILE', \`$dir/aliases')dnl
define(\`HELP_FILE', \`$dir/helpfile')dnl
define(\`confCW_FILE', \`-o $dir/local-host-names')dnl
define(\`confCT_FILE', \`-o $dir/trusted-users')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`GroupWritableDirPathSafe')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confMIN_FREE_BLOCKS', \`0')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`confMILTER_LOG_LEVEL', \`14')dnl
define(\`confPRIVACY_FLAGS', \`authwarnings')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $sink_port')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA, Addr=127.0.0.1, Port=$smtp_port')dnl
$(filters "$milter_port")
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MC
  m4 "$dir/harness.mc" > "$dir/harness.cf" 2> "$dir/m4.err" || die "m4 failed: $(cat "$dir/m4.err")"
}

# One INPUT_MAIL_FILTER per port, F=T: tempfail while a milter is down.
filters() {
  local n=1 port name
  for port in ${1//,/ }; do
    name=tests; [ $n -gt 1 ] && name=tests$n
    echo "INPUT_MAIL_FILTER(\`$name', \`S=inet:$port@127.0.0.1, F=T, T=C:10s;S:30s;R:30s;E:60s')dnl"
    n=$((n + 1))
  done
}

in_namespace() { unshare -m -u "$dir/ns/enter.sh" "$@"; }

start() {
  local smtp_port=$1 sink_port=$2 milter_port=$3
  [ -x "$sendmail" ] || die "no Sendmail in $root (run tests/install-dependencies.sh as root)"
  mkdir -p "$dir/queue" "$dir/sink"
  chmod 0755 "$dir"
  chmod 0700 "$dir/queue"
  chown postfix "$dir/sink"
  cp "$root/etc/mail/helpfile" "$dir/helpfile"
  printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' > "$dir/aliases"
  printf '%s\nlocalhost\n' "$host" > "$dir/local-host-names"
  : > "$dir/trusted-users"; : > "$dir/statistics"; : > "$dir/maillog"
  write_namespace
  write_config "$smtp_port" "$sink_port" "$milter_port"

  /usr/bin/python3 "$here/syslog.py" "$dir/syslog.sock" "$dir/maillog" < /dev/null >> "$dir/syslog.out" 2>&1 &
  echo $! > "$dir/syslog.pid"
  local i
  for i in $(seq 1 250); do [ -S "$dir/syslog.sock" ] && break; sleep 0.02; done
  [ -S "$dir/syslog.sock" ] || die "the syslog receiver did not start: $(cat "$dir/syslog.out")"

  /usr/sbin/smtp-sink -u postfix -d "$dir/sink/%Y%m%d%H%M%S." "127.0.0.1:$sink_port" 64 < /dev/null >> "$dir/smtp-sink.out" 2>&1 &
  echo $! > "$dir/sink.pid"

  in_namespace "$sendmail" -C "$dir/harness.cf" -bi >> "$dir/sendmail.out" 2>&1 || die "newaliases failed: $(cat "$dir/sendmail.out")"
  # In the foreground: unshare, enter.sh and sendmail all exec, so $! is the daemon itself.
  unshare -m -u "$dir/ns/enter.sh" "$sendmail" -bD -C "$dir/harness.cf" -L sendmail-tests < /dev/null >> "$dir/sendmail.out" 2>&1 &
  echo $! > "$dir/sendmail.daemon.pid"

  wait_listen "$sink_port" "$(cat "$dir/sink.pid")" smtp-sink
  wait_listen "$smtp_port" "$(cat "$dir/sendmail.daemon.pid")" sendmail
}

stop_pid() {
  [ -f "$1" ] || return 0
  local pid i
  pid=$(cat "$1")
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do alive "$pid" || break; sleep 0.05; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

stop() {
  stop_pid "$dir/sendmail.daemon.pid"
  # Delivery and queue-runner children carry our configuration's path on their command line.
  pkill -TERM -f -- "-C $dir/harness.cf" 2>/dev/null || true
  stop_pid "$dir/sink.pid"
  stop_pid "$dir/syslog.pid"
}

command=${1:-}
[ $# -ge 2 ] || die "usage: harness.sh start DIR SMTP_PORT SINK_PORT MILTER_PORT | stop DIR | exec DIR COMMAND..."
mkdir -p "$2"
dir=$(cd "$2" && pwd)
shift 2
case $command in
  start) [ $# -eq 3 ] || die "usage: harness.sh start DIR SMTP_PORT SINK_PORT MILTER_PORT"; start "$@" ;;
  stop) stop ;;
  exec)
    [ "${1:-}" = sendmail ] && { shift; set -- "$sendmail" -C "$dir/harness.cf" "$@"; }
    in_namespace "$@" ;;
  *) die "unknown command $command" ;;
esac
