#!/usr/bin/env bash
# failoverctl explain changes nothing (every node's gtid_binlog_pos, gtid_slave_pos and read_only,
# replication threads and client sessions are the same before and after) and names the candidate
# the coordinator would pick: node2 has a stopped SQL thread with a backlog, node3 is
# promotion=never, so node4. Then check-config: OK on a sandbox config, and one FAIL line with the
# right exit code for a bad key, missing privileges, a wrong password and ZooKeeper unreachable.
source "$(dirname "$0")/lib_ctl.sh"

sb_up --replicas 3 --set node3:node.promotion=never
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
wait_for 10 "table t on node2" sql_is node2 "SELECT COUNT(*) FROM app.t" 0
sql node2 "STOP SLAVE SQL_THREAD" || fail "stop SQL thread on node2"
for i in $(seq 1 5); do app_sql node1 "INSERT INTO t VALUES ($i)" || fail "insert $i"; done
want=$(sql node1 "SELECT @@gtid_binlog_pos")
io_pos() { slave_status "$1" | sed -n 's/^ *Gtid_IO_Pos: //p'; }
all_received() { for n in node2 node3 node4; do is_eq "$(io_pos $n)" "$want" || return 1; done; }
wait_for 10 "every replica received $want" all_received
wait_for 10 "node4 applied $want" sql_is node4 "SELECT @@gtid_slave_pos" "$want"
# An application session on the primary: a fence would kill it, explain must only name it.
mariadb -h127.0.0.1 -P"$NODE1_PORT" -u"$APP_USER" -p"$APP_PASSWORD" app -e "SELECT SLEEP(60)" >/dev/null 2>&1 &
app_session=$!
app_session_id() { sql node1 "SELECT ID FROM information_schema.PROCESSLIST WHERE USER='$APP_USER' AND INFO LIKE 'SELECT SLEEP%'"; }
has_app_session() { [ -n "$(app_session_id)" ]; }
wait_for 5 "the application session on node1" has_app_session
sid=$(app_session_id)

threads() { for n in $NODES; do slave_status "$n" | grep -E "Slave_(IO|SQL)_Running:" | tr -d ' \n'; echo; done; }
before=$(db_snapshot)
threads_before=$(threads)

run ctl_c explain
expect_rc "explain" 0
expect_match "detection" "Detection now: the primary answers: no failover would start now \(healthy\)" "$OUT"
expect_match "ranked node4 first" "^ +1 +node4 +neutral +$want +$want +$want +0s +eligible: received $want \(most\)" "$(printf '%s\n' "$OUT" | grep -E '^ +1 ')"
expect_match "ranked node2 second" "^ +2 +node2 +neutral +$want +0-1-[0-9]+ " "$(printf '%s\n' "$OUT" | grep -E '^ +2 ')"
expect_match "node3 not eligible" "node3 +never .*NOT eligible: promotion=never" "$OUT"
expect_match "the candidate" "A failover now would promote node4 \(epoch 1 -> 2\)" "$OUT"
expect_match "the old primary's fence" "SET GLOBAL read_only=ON;" "$OUT"
expect_match "the session a fence would kill" "KILL CONNECTION $sid;? +-- $APP_USER@" "$OUT"
expect_match "the candidate's catch-up" "SELECT MASTER_GTID_WAIT\('$want', 1.000\);" "$OUT"
expect_match "the candidate's detach, in the agent's order" "STOP SLAVE IO_THREAD;.*SELECT MASTER_GTID_WAIT\('<Gtid_IO_Pos once stopped; now $want>', 1.000\);.*STOP SLAVE;.*RESET SLAVE ALL;.*SET GLOBAL read_only=OFF;" "$(printf '%s' "$OUT" | tr '\n' ' ')"
expect_match "the repoint" "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$NODE4_PORT, MASTER_USER='$REPL_USER', MASTER_PASSWORD='\*\*\*', MASTER_USE_GTID=slave_pos" "$OUT"
expect_match "the old primary's rejoin" "SET GLOBAL gtid_slave_pos=@@gtid_binlog_pos;" "$OUT"
expect_no_match "no password in the output" "$REPL_PASSWORD|failover-pass" "$OUT"

run ctl_c explain --json
expect_rc "explain --json" 0
jx() { printf '%s' "$OUT" | jq -r "$1"; }
expect_eq "candidate" node4 "$(jx .candidate)"
expect_eq "detection" healthy "$(jx .detection)"
expect_eq "old primary position (live)" "$want" "$(jx .old_primary_gtid)"
expect_eq "ranks" "node2:2 node3:0 node4:1" "$(jx '[.candidates[] | "\(.name):\(.rank)"] | join(" ")')"
expect_eq "node3 reason" "promotion=never" "$(jx '.candidates[] | select(.name=="node3") | .reason')"
expect_eq "node2 applied (as mysqld says)" "$(sql node2 'SELECT @@gtid_slave_pos')" "$(jx '.candidates[] | select(.name=="node2") | .applied')"
expect_eq "statement roles" "node1:old-primary node4:candidate node2:replica node3:replica" "$(jx '[.statements[] | "\(.node):\(.role)"] | join(" ")')"

expect_eq "every node's GTIDs and read_only after explain" "$before" "$(db_snapshot)"
expect_eq "replication threads after explain" "$threads_before" "$(threads)"
expect_eq "the application session after explain" "$sid" "$(app_session_id)"
kill -0 "$app_session" 2>/dev/null || fail "the application client died during explain"
expect_eq "primary" node1 "$(st .primary)"
expect_eq "epoch" 1 "$(st .epoch)"
kill "$app_session" 2>/dev/null
sql node2 "START SLAVE SQL_THREAD" || fail "start SQL thread on node2"

# ---- check-config ----
run ctl check-config "$NODE2_CONF"
expect_rc "check-config on node2's config" 0
for what in "config $NODE2_CONF" "ZooKeeper $ZK_HOSTS: connected" "mysqld node2 via" "mysqld node2 at 127.0.0.1:$NODE2_PORT" \
    "privileges of \[mysql\] user failover: READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR, CONNECTION ADMIN, PROCESS, RELOAD, BINLOG MONITOR, SUPER" \
    "privileges of \[mysql\] repl_user $REPL_USER"; do
    expect_match "check-config OK line" "^OK +$what" "$OUT"
done
expect_match "check-config verdict" "all checks passed" "$OUT"
run "$CTL" -c "$NODE3_CONF" check-config
expect_rc "check-config with -c" 0

mkconf() { # NAME SED-EXPRESSION: a copy of node2's config with one change
    sed "$2" "$NODE2_CONF" >"$SB/$1.conf" && chmod 600 "$SB/$1.conf"
    echo "$SB/$1.conf"
}
run ctl check-config "$(mkconf badport 's/^port = .*/port = 99999/')"
expect_rc "check-config: bad port" 3
expect_match "bad port names file, line and key" "^FAIL +config .*badport.conf:[0-9]+: .*port" "$OUT"
expect_one_line "bad port stderr" "$ERR"

sql node1 "CREATE USER 'weak'@'%' IDENTIFIED BY 'weak-pass'; GRANT PROCESS, SLAVE MONITOR ON *.* TO 'weak'@'%'" || fail "create user weak"
wait_for 10 "user weak on node2" sql_is node2 "SELECT COUNT(*) FROM mysql.user WHERE user='weak'" 1
run ctl check-config "$(mkconf weak 's/^user = .*/user = weak/; s/^password = .*/password = weak-pass/')"
expect_rc "check-config: missing privileges" 5
expect_match "missing privileges named, with the GRANT" "^FAIL +privileges of \[mysql\] user weak: missing READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, CONNECTION ADMIN, RELOAD, BINLOG MONITOR, SUPER \(.*GRANT READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, CONNECTION ADMIN, RELOAD, BINLOG MONITOR, SUPER ON \*\.\* TO 'weak'" "$OUT"
expect_eq "FAIL lines for missing privileges" 1 "$(printf '%s\n' "$OUT" | grep -c '^FAIL')"

run ctl check-config "$(mkconf badpw 's/^password = .*/password = wrong/')"
expect_rc "check-config: wrong password" 5
expect_match "wrong password" "^FAIL +mysqld node2 via .*Access denied" "$OUT"

run ctl check-config "$(mkconf nozk 's/^zk_hosts = .*/zk_hosts = 127.0.0.1:1/; s/^zk_session_timeout_ms = .*/zk_session_timeout_ms = 1000/')"
expect_rc "check-config: ZooKeeper unreachable" 4
expect_match "ZooKeeper unreachable" "^FAIL +ZooKeeper 127.0.0.1:1: cannot reach ZooKeeper" "$OUT"
expect_match "mysqld still checked" "^OK +mysqld node2 via" "$OUT"

run ctl check-config /nonexistent.conf
expect_rc "check-config: no such file" 3
log "PASS"
