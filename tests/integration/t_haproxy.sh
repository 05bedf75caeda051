#!/usr/bin/env bash
# HAProxy with "option httpchk GET /primary" (scripts/haproxy/haproxy.cfg.example) sends writes
# to the writable primary and, after a failover, to the new one, with no other glue.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY, server INT)" || fail "create table"

# The example config, pointed at the sandbox: loopback addresses and its ports.
H=$(mktemp -d /tmp/fo-haproxy.XXXXXX)
CLEANUP_PATHS+=("$H")
LB=$((BASE_PORT + 90))
sed -e "s/127.0.0.1:3307/127.0.0.1:$LB/" -e "s/127.0.0.1:3308/127.0.0.1:$((LB + 1))/" \
    -e "s/10.0.0.1:3306 check port 8008/127.0.0.1:$NODE1_PORT check port $NODE1_HTTP_PORT/" \
    -e "s/10.0.0.2:3306 check port 8008/127.0.0.1:$NODE2_PORT check port $NODE2_HTTP_PORT/" \
    -e "s/10.0.0.3:3306 check port 8008/127.0.0.1:$NODE3_PORT check port $NODE3_HTTP_PORT/" \
    "$ROOT/scripts/haproxy/haproxy.cfg.example" >"$H/haproxy.cfg"
haproxy -f "$H/haproxy.cfg" -p "$H/haproxy.pid" -D || fail "haproxy did not start"
on_exit 'kill "$(cat "$H/haproxy.pid")"' 

sleep 1.5 # HAProxy counts servers up until their first check (inter 500ms, fall 1)
via_lb() { mariadb -h127.0.0.1 -P"$LB" -u"$APP_USER" -p"$APP_PASSWORD" app -N -B -e "$1" 2>/dev/null; }
served_by() { is_eq "$(via_lb 'SELECT @@server_id')" "$1"; }
for i in 1 2 3 4 5 6; do served_by 1 || fail "connection $i through haproxy: expected node1 (server_id 1), saw $(via_lb 'SELECT @@server_id')"; done
via_lb "INSERT INTO t VALUES (1, @@server_id)" || fail "write through haproxy before the failover: $(mariadb -h127.0.0.1 -P"$LB" -u"$APP_USER" -p"$APP_PASSWORD" app -e "INSERT INTO t VALUES (1, @@server_id)" 2>&1)"

"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 15 "writes through haproxy reach $new" served_by "${new#node}"
via_lb "INSERT INTO t VALUES (2, @@server_id)" || fail "write through haproxy after the failover"
expect_eq "rows on $new" 2 "$(sql "$new" 'SELECT COUNT(*) FROM app.t')"
log "PASS"
