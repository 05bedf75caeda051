#!/usr/bin/env bash
# Refused switchovers change nothing. failoverctl refuses on its own checks, in one line with exit
# 6: to a replica whose SQL thread is stopped with transactions to apply (lagging), to a
# promotion=never replica, and with no --to when neither can take over. Then one its checks
# cannot see (the candidate's SQL thread blocked on a lock): the coordinator fences, waits
# --timeout, aborts and hands writes back; failoverctl reports that with exit 6 too.
source "$(dirname "$0")/lib_ctl.sh"

sb_up --replicas 2 --set node3:node.promotion=never
wait_for 40 "bootstrap settled" cluster_settled
expect_eq "node3 promotion" never "$(node_field node3 promotion)"
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
wait_for 10 "table t on node2" sql_is node2 "SELECT COUNT(*) FROM app.t" 0

# node2 lags: its SQL thread is stopped while the primary takes 10 transactions.
sql node2 "STOP SLAVE SQL_THREAD" || fail "stop SQL thread on node2"
for i in $(seq 1 10); do app_sql node1 "INSERT INTO t (id) VALUES ($i)" || fail "insert $i"; done
want=$(sql node1 "SELECT @@gtid_binlog_pos")
# failoverctl judges from what the agents publish: wait until node1 has published its position too
# (positions go out once they hold still, at most every 5 s), or it would count one transaction
# fewer.
node2_received_all() {
    is_eq "$(node_field node2 gtid_received)" "$want" && is_eq "$(node_field node2 sql_running)" false &&
        is_eq "$(node_field node1 gtid_applied)" "$want"
}
wait_for 30 "node2 publishes it received $want with its SQL thread stopped, node1 publishes $want" node2_received_all

before=$(db_snapshot)
hist_before=$(hist '.total')

run ctl switchover --to node2
expect_rc "switchover to the lagging node2" 6
expect_one_line "lagging refusal" "$ERR"
expect_match "lagging refusal says why" "node2 is 10 transaction\(s\) behind node1 .*SQL thread is stopped.*cannot catch up within the 30 s timeout" "$ERR"

run ctl switchover --to node3
expect_rc "switchover to the promotion=never node3" 6
expect_one_line "never refusal" "$ERR"
expect_match "never refusal says why" "node3 has promotion=never" "$ERR"

run ctl switchover
expect_rc "switchover with no candidate able to take over" 6
expect_one_line "no-candidate refusal" "$ERR"
expect_match "no-candidate refusal names both" "no replica can take over from node1 now: .*node2 is 10 transaction.*node3: promotion=never" "$ERR"

run ctl failover --to node2
expect_rc "failover while the primary is alive" 6
expect_one_line "failover refusal" "$ERR"
expect_match "failover refusal says why" "the primary node1 is alive.*use failoverctl switchover --to node2, or failover --force" "$ERR"

# Nothing changed: same GTIDs and read_only everywhere, same primary and epoch, no request left
# behind, no history record, node1 still takes writes.
expect_eq "every node's GTIDs and read_only after the refusals" "$before" "$(db_snapshot)"
expect_eq "primary" node1 "$(st .primary)"
expect_eq "epoch" 1 "$(st .epoch)"
expect_eq "pending request" null "$(st .request)"
expect_eq "fencing" false "$(st .fencing)"
expect_eq "history records" "$hist_before" "$(hist '.total')"
expect_eq "read_only on node1" 0 "$(read_only_of node1)"
app_sql node1 "INSERT INTO t (id) VALUES (100)" || fail "node1 no longer takes writes after the refusals"

# The coordinator's own refusal: node2 looks fine (SQL thread running, no lag yet) but cannot
# apply, because a session holds a lock on the table it must write.
sql node2 "START SLAVE SQL_THREAD" || fail "start SQL thread on node2"
wait_for 15 "node2 caught up" sql_is node2 "SELECT COUNT(*) FROM app.t" 11
mariadb --socket="$NODE2_SOCK" -uroot -e "LOCK TABLES app.t WRITE; SELECT SLEEP(60)" >/dev/null 2>&1 &
locker=$!
sleep 0.5
app_sql node1 "INSERT INTO t (id) VALUES (101)" || fail "insert 101"
blocked() { [ "$(node_field node2 gtid_applied)" != "$(sql node1 'SELECT @@gtid_binlog_pos')" ] && is_eq "$(node_field node2 sql_running)" true; }
wait_for 5 "node2 publishes a blocked SQL thread" blocked
run ctl switchover --to node2 --timeout 2 --yes
kill "$locker" 2>/dev/null
wait "$locker" 2>/dev/null
expect_rc "switchover the coordinator aborts" 6
expect_match "the steps it took" "fencing node1" "$OUT"
expect_match "the fence lifted" "the coordinator lifted the fence: node1 stays primary" "$OUT"
expect_match "abort reason from the history record" "aborted by the coordinator: did not apply .* within 2000 ms; node1 is still primary at epoch 1" "$ERR"
expect_eq "newest history record" "switchover aborted" "$(hist '.records[0] | "\(.type) \(.outcome)"')"
expect_eq "primary after the abort" node1 "$(st .primary)"
expect_eq "epoch after the abort" 1 "$(st .epoch)"
wait_for 10 "node1 writable again" state_is node1 writable
expect_eq "read_only on node1 after the abort" 0 "$(read_only_of node1)"
app_sql node1 "INSERT INTO t (id) VALUES (102)" || fail "node1 does not take writes after the abort"
wait_for 15 "node2 applied everything once the lock is gone" sql_is node2 "SELECT COUNT(*) FROM app.t" 13
log "PASS"
