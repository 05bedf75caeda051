#!/usr/bin/env bash
# Candidate choice: a promotion=never replica is never promoted, and a lagging replica (SQL thread
# held back) loses to a caught-up one. node2 (never) would otherwise win on name; node3 lags.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 3 --set node2:node.promotion=never
wait_for 40 "bootstrap settled" cluster_settled
expect_eq "node2 promotion" never "$(node_field node2 promotion)"
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
wait_for 10 "table t on node3" sql_is node3 "SELECT COUNT(*) FROM app.t" 0
sql node3 "STOP SLAVE SQL_THREAD" || fail "stop SQL thread on node3"
for i in $(seq 1 20); do app_sql node1 "INSERT INTO t (id) VALUES ($i)" || fail "insert $i"; done
# node3 has received the rows but not applied them.
want=$(sql node1 "SELECT @@gtid_binlog_pos")
io_pos() { slave_status node3 | sed -n 's/^ *Gtid_IO_Pos: //p'; }
received_all() { is_eq "$(io_pos)" "$want"; }
wait_for 10 "node3 received up to $want" received_all
expect_eq "rows applied on node3 while its SQL thread is held back" 0 "$(sql node3 'SELECT COUNT(*) FROM app.t')"
log "kill -9 mysqld on node1"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
# Well under catchup_timeout_ms (30 s): the lagging node3 must not even be tried first.
wait_for 10 "a new primary at epoch 2" epoch_is 2
expect_eq "new primary (node2 is promotion=never, node3 lags)" node4 "$(st .primary)"
wait_for 15 "node4 writable" state_is node4 writable
expect_eq "read_only on node2" 1 "$(read_only_of node2)"
expect_eq "read_only on node3" 1 "$(read_only_of node3)"
wait_for 15 "node2 replicating from node4" replicates_from node2 node4
wait_for 15 "node3 replicating from node4" replicates_from node3 node4
expect_eq "rows on node4" 20 "$(sql node4 'SELECT COUNT(*) FROM app.t')"
wait_for 15 "node3 caught up" sql_is node3 "SELECT COUNT(*) FROM app.t" 20
log "PASS"
