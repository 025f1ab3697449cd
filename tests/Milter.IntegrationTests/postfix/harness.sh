#!/usr/bin/env bash
# A private, throw-away Postfix instance for the integration tests, plus an smtp-sink that dumps every
# relayed message to a file. It never touches /etc/postfix or /var/spool/postfix. Needs root.
#
#   harness.sh start DIR SMTP_PORT SINK_PORT MILTER [PLAIN_PORT [OTHER_PORT OTHER_MILTERS]]
#   harness.sh stop DIR
#
# MILTER is in Postfix syntax (inet:127.0.0.1:8890, unix:/path, several separated by spaces) or "none".
# PLAIN_PORT, when given, is a second smtpd listener without the milter, to compare against; OTHER_PORT a third
# one with OTHER_MILTERS instead. Logs go to DIR/maillog (no syslog).
# Environment: RELAY_PORT relays all mail to smtpd on 127.0.0.1:RELAY_PORT (another instance) instead of a sink;
# HOSTS names a file that stands for /etc/hosts for this instance alone (it runs in a mount namespace of its own).
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

die() { echo "harness: $*" >&2; exit 1; }

# Something LISTENs on 127.0.0.1:PORT. Read from /proc, not by connecting: a probe connection to smtpd
# would reach the milter.
listening() { grep -qE "^ *[0-9]+: 0100007F:$(printf '%04X' "$1") [0-9A-F:]+ 0A " /proc/net/tcp 2>/dev/null; }

wait_listen() {
  local i
  for i in $(seq 1 1000); do listening "$1" && return 0; sleep 0.02; done
  return 1
}

start() {
  local dir=$1 smtp_port=$2 sink_port=$3 milter=$4 plain_port=${5:-} other_port=${6:-} other_milters=${7:-}
  [ "$milter" = none ] && milter=""
  # The postlog socket path must fit in sun_path (107 bytes).
  [ ${#dir} -le 86 ] || die "DIR too long: $dir"
  mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/sink"
  # The postfix user must reach DIR (master locks DIR/data after dropping privileges; smtp-sink writes DIR/sink).
  chmod 0755 "$dir" "$dir/etc" "$dir/spool"
  chown postfix:postfix "$dir/data" "$dir/sink"
  : > "$dir/maillog"

  cat > "$dir/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
syslog_name = postfix-harness
myhostname = mta.harness.test
mydomain = harness.test
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
relayhost = [127.0.0.1]:${RELAY_PORT:-$sink_port}
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
biff = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtpd_milters = $milter
non_smtpd_milters =
milter_protocol = 6
milter_default_action = tempfail
milter_connect_timeout = 5s
milter_command_timeout = 10s
milter_content_timeout = 20s
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connection_cache_on_demand = no
smtpd_error_sleep_time = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
enable_long_queue_ids = yes
message_size_limit = 20480000
CF

  {
    echo "127.0.0.1:$smtp_port inet n - n - - smtpd"
    [ -n "$plain_port" ] && echo "127.0.0.1:$plain_port inet n - n - - smtpd -o smtpd_milters="
    [ -n "$other_port" ] && echo "127.0.0.1:$other_port inet n - n - - smtpd -o {smtpd_milters=$other_milters}"
    cat <<MCF
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
MCF
  } > "$dir/etc/master.cf"
  # Postfix waits until main.cf is 2 s old before it trusts it ("cooling down"); back-date it.
  touch -d '-1 minute' "$dir/etc/main.cf" "$dir/etc/master.cf"

  # smtp-sink dumps each transaction to DIR/sink/<time>.<id>: envelope as X-*-Args lines, then the message.
  if [ -z "${RELAY_PORT:-}" ]; then
    setsid /bin/sh -c 'echo $$ > "$0"; exec "$@"' "$dir/sink.pid" \
      smtp-sink -u postfix -h sink.harness.test -d "$dir/sink/%Y%m%d%H%M%S." "127.0.0.1:$sink_port" 64 \
      </dev/null >>"$dir/sink.log" 2>&1 &
  fi

  local run=()
  # The master and every daemon it starts see HOSTS as /etc/hosts; nothing outside the namespace does.
  [ -z "${HOSTS:-}" ] || run=(unshare --mount --propagation private /bin/sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$HOSTS")
  "${run[@]}" postfix -c "$dir/etc" start >>"$dir/start.log" 2>&1 || { cat "$dir/start.log" >&2; stop "$dir"; die "postfix did not start"; }
  [ -n "${RELAY_PORT:-}" ] || wait_listen "$sink_port" || { stop "$dir"; die "smtp-sink did not listen on $sink_port"; }
  wait_listen "$smtp_port" || { stop "$dir"; die "smtpd did not listen on $smtp_port"; }
}

stop() {
  local dir=$1 pid i
  if [ -f "$dir/spool/pid/master.pid" ]; then
    pid=$(sed 1q "$dir/spool/pid/master.pid" | tr -d ' ')
    # The master is a process group leader and takes its children down on SIGTERM.
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
    kill -9 -- "-$pid" 2>/dev/null || true
  fi
  if [ -f "$dir/sink.pid" ]; then
    pid=$(cat "$dir/sink.pid")
    kill "$pid" 2>/dev/null || true
    rm -f "$dir/sink.pid"
  fi
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
