#!/usr/bin/env bash
# No false failover: the primary's agent dying alone, or the coordinator's agent dying, changes
# nothing but the coordinator; restarted agents re-register (replacing their stale ephemerals).
source "$(dirname "$0")/lib.sh"

still_node1_epoch1() {
    expect_eq "primary ($1)" node1 "$(st .primary)"
    expect_eq "epoch ($1)" 1 "$(st .epoch)"
    expect_eq "read_only on node1 ($1)" 0 "$(read_only_of node1)"
}
registered() { is_eq "$(node_field "$1" healthy)" true; }
coordinator_is_not() { local c; c=$(st .coordinator); [ -n "$c" ] && [ "$c" != null ] && [ "$c" != "$1" ]; }

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"

log "kill -9 node1's agent only"
"$SANDBOX" kill-agent "$SB" node1 KILL
# Longer than the 4 s session timeout, so its session expires and its ephemerals go.
sleep 7
still_node1_epoch1 "agent of the primary dead"
app_sql node1 "INSERT INTO t (id) VALUES (1)" || fail "primary stopped taking writes while only its agent was dead"
wait_for 10 "a coordinator other than node1" coordinator_is_not node1

log "restart node1's agent"
"$SANDBOX" start-agent "$SB" node1
wait_for 20 "node1 registered again" registered node1
still_node1_epoch1 "agent restarted"
app_sql node1 "INSERT INTO t (id) VALUES (2)" || fail "primary read-only after its agent restarted"

log "kill -9 an agent twice in a row (stale ephemeral from the previous incarnation)"
"$SANDBOX" kill-agent "$SB" node1 KILL
"$SANDBOX" start-agent "$SB" node1
sleep 1.5
wait_for 20 "node1 registered by its new incarnation" registered node1
still_node1_epoch1 "agent restarted before its old session expired"

coord=$(st .coordinator)
[ "$coord" = node2 ] || [ "$coord" = node3 ] || fail "coordinator: expected a replica (node2/node3) after node1's agent restarted, saw $coord"
log "kill -9 the coordinator's agent ($coord)"
"$SANDBOX" kill-agent "$SB" "$coord" KILL
wait_for 20 "a new coordinator" coordinator_is_not "$coord"
sleep 5
still_node1_epoch1 "coordinator dead"
"$SANDBOX" start-agent "$SB" "$coord"
wait_for 20 "$coord registered again" registered "$coord"
wait_for 20 "cluster settled" cluster_settled
still_node1_epoch1 "end"
log "PASS"
