#!/usr/bin/env bash
# failoverctl failover --to NODE --force while the coordinator is stuck (issue 10, case 4). With
# semi-sync, node3 acknowledged the last writes but its SQL thread is stopped, node2 never got
# them (IO thread stopped): after the primary dies node3 cannot apply and node2 may not be
# promoted (it received less), so the coordinator records no-candidate and /primary stays
# fencing. The operator decides: failover --to node2 --force goes through (it is not refused as
# "being fenced"), names exactly the transactions that may be lost, and node2 becomes primary.
source "$(dirname "$0")/lib.sh"

no_candidate_records() { "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq '[.records[] | select(.outcome=="no-candidate")] | length'; }
has_no_candidate() { [ "$(no_candidate_records)" -ge 1 ]; }
got_io() { [ "$(slave_status node3 | sed -n 's/^ *Gtid_IO_Pos: //p')" = "$(sql node1 'SELECT @@gtid_binlog_pos')" ]; }

sb_up --replicas 2 --semi-sync --set failover.catchup_timeout_ms=3000
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
for n in node2 node3; do wait_for 10 "table on $n" sql_is "$n" "SELECT COUNT(*) FROM app.t" 0; done
sql node3 "STOP SLAVE SQL_THREAD" || fail "stop SQL thread on node3"
sql node2 "STOP SLAVE IO_THREAD" || fail "stop IO thread on node2"
for i in 1 2 3; do
    timeout 8 "$SANDBOX" app-sql "$SB" node1 "USE app; INSERT INTO t (id) VALUES ($i)" ||
        fail "insert $i: expected an acknowledgement from node3 (semi-sync), saw none"
done
wait_for 10 "node3 received the 3 rows" got_io
log "kill -9 mysqld on node1"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 60 "a no-candidate history record (node3 cannot apply, node2 received less)" has_no_candidate
expect_eq "epoch while stuck" 1 "$(st .epoch)"

log "failoverctl failover --to node2 --force"
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" failover --to node2 --force --timeout 3 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
expect_eq "failoverctl failover --to node2 --force exit status" 0 "$rc"
echo "$out" | grep -q "being fenced: the coordinator is already" &&
    fail "failover --force: expected it to go through while the coordinator is stuck, saw it refused as 'being fenced'"
echo "$out" | grep -Eq "3 transaction\(s\) 0-1-[0-9]+\.\.0-1-[0-9]+: on node3" ||
    fail "failover --force: expected a line naming the 3 transactions on node3 that node2 lacks, saw none"
lost=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -r '[.records[] | select(.outcome=="success")] | last | .lost_count')
expect_eq "lost_count in the history record of the forced failover (node3's 3 transactions)" 3 "$lost"
expect_eq "primary after the forced failover" node2 "$(st .primary)"
wait_for 15 "node2 writable" state_is node2 writable
log "PASS"
