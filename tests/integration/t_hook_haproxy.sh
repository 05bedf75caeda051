#!/usr/bin/env bash
# scripts/hooks/haproxy against a real HAProxy: its writer slot starts at a dead address; the
# role_change hook of the bootstrap points it at node1 through the runtime API socket; after node1's
# mysqld is killed, the failover's hooks point it at the new primary, and writes through HAProxy
# land there. The hook is deployed as users do: a symlink, with NAME.conf beside it.
source "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || fail "socat missing (scripts/install-deps)"
H=$(mktemp -d /tmp/fo-hkha.XXXXXX)
CLEANUP_PATHS+=("$H")
ln -s "$ROOT/scripts/hooks/haproxy" "$H/haproxy"
cat >"$H/haproxy.conf" <<CONF
HAPROXY_SOCKETS="$H/admin.sock"
HAPROXY_SERVER=mysql_writer/primary
CONF
# Port free? The sandbox picks its ports at random in 20000..40000; HAProxy takes one above.
LB=$((40000 + RANDOM % 20000))
cat >"$H/haproxy.cfg" <<CFG
global
    stats socket $H/admin.sock mode 600 level admin
defaults
    mode tcp
    timeout connect 2s
    timeout client 30s
    timeout server 30s
listen mysql_writer
    bind 127.0.0.1:$LB
    server primary 127.0.0.1:1
CFG
haproxy -f "$H/haproxy.cfg" -p "$H/haproxy.pid" -D || fail "haproxy did not start"
on_exit 'kill "$(cat "$H/haproxy.pid")"'

slot() { echo "show servers state mysql_writer" | socat -t 2 - "UNIX-CONNECT:$H/admin.sock" |
    awk '$4 == "primary" { print $5 ":" $19 " admin=" $7 }'; }
expect_eq "slot before the agents" "127.0.0.1:1 admin=0" "$(slot)"

sb_up --replicas 1 --set failover.hook_role_change="$H/haproxy" \
    --set failover.hook_pre_failover="$H/haproxy" --set failover.hook_post_failover="$H/haproxy"
wait_for 40 "bootstrap settled" cluster_settled
slot_is() { is_eq "$(slot)" "$1"; }
wait_for 10 "slot at node1 (role_change at bootstrap)" slot_is "127.0.0.1:$NODE1_PORT admin=0"
via_lb() { mariadb -h127.0.0.1 -P"$LB" -u"$APP_USER" -p"$APP_PASSWORD" app -N -B -e "$1" 2>&1; }
expect_eq "server through haproxy" 1 "$(via_lb 'SELECT @@server_id')"

log "kill -9 node1's mysqld"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 10 "slot at $new" slot_is "127.0.0.1:$(port_of "$new") admin=0"
served_by_new() { is_eq "$(via_lb 'SELECT @@server_id')" "${new#node}"; }
wait_for 10 "haproxy sends to $new" served_by_new
out=$(via_lb "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)") || fail "write through haproxy after the failover: $out"
grep -hq "hook pre_failover: haproxy: $H/admin.sock: mysql_writer/primary in maint" "$SB"/node*/failoverd.log ||
    fail "coordinator log: expected the pre_failover hook to put the slot in maint"
grep -hq "hook post_failover: haproxy: $H/admin.sock: mysql_writer/primary -> 127.0.0.1:$(port_of "$new") ($new, epoch 2), ready" "$SB"/node*/failoverd.log ||
    fail "coordinator log: expected the post_failover hook to point the slot at $new"
log "PASS"
