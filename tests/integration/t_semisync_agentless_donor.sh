#!/usr/bin/env bash
# Semi-sync: the only replica that acknowledged the last writes has lost its agent (kill -9; its
# mysqld runs on). The primary's mysqld then dies. The replica left with an agent received less
# (its IO thread was stopped), and is the only one that can be promoted. Before, the coordinator
# looked only at nodes with a registered agent, promoted it as it was, and acknowledged rows were
# lost (invariant 3). Now a reachable agent-less replica is observed too: never promoted, but a
# donor, so the candidate first fetches what it lacks from it, also when the coordinator is
# elected after node3's agent died (it learns node3's address from /members).
source "$(dirname "$0")/lib.sh"

# node3's agent starts first, so it is the first coordinator: the one elected after it dies has
# never seen node3 registered and knows it only from /members (the case that lost rows before).
sb_up --replicas 2 --semi-sync --no-agents
"$SANDBOX" start-agent "$SB" node3 || fail "start node3's agent"
first_coordinator() { is_eq "$(st .coordinator)" node3; }
wait_for 10 "node3's agent the coordinator" first_coordinator
for n in node1 node2; do "$SANDBOX" start-agent "$SB" "$n" || fail "start $n's agent"; done
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
wait_for 20 "node3 acknowledging semi-sync" sql_is node3 "SELECT @@rpl_semi_sync_slave_enabled" 1

log "kill -9 node3's agent (its mysqld keeps replicating and acknowledging)"
"$SANDBOX" kill-agent "$SB" node3 KILL || fail "kill node3's agent"
gone() { [ -z "$(st '.nodes[] | select(.name=="node3" and .agent != false) | .name')" ]; }
wait_for 15 "node3's registration gone (its session expired)" gone
log "stop node2's IO thread: from now on only node3 receives, and acknowledges, writes"
sql node2 "STOP SLAVE IO_THREAD" || fail "stop node2's IO thread"
io_stopped() { slave_status node2 | grep -q "Slave_IO_Running: No"; }
wait_for 5 "node2's IO thread stopped" io_stopped

start_writer node1 "$SB/acked"
sleep 3
log "kill -9 mysqld on node1"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 40 "a new primary at epoch 2" epoch_is 2
stop_writer
expect_eq "new primary (the one with an agent)" node2 "$(st .primary)"
wait_for 20 "node2 writable" state_is node2 writable
n3=$(sql node3 "SELECT COUNT(*) FROM app.t")
n2_before=$(grep -c . "$SB/acked")
log "node3 holds $n3 rows; $n2_before acknowledged"
every_acked_row_on node2 "$SB/acked"
grep -q "catching node2 up to .* from node3" "$SB"/node*/failoverd.log ||
    fail "coordinator log: expected 'catching node2 up to ... from node3', saw none"
log "PASS"
