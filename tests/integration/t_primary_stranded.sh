#!/usr/bin/env bash
# A stranded primary: its agent is stopped (SIGTERM fences mysqld on the way out) and does not
# come back. Its mysqld still answers, read-only, and nothing will ever lift it: before, the
# coordinator saw it answer and did nothing, so the cluster had no writable primary for as long as
# the agent stayed away. Now, once that has lasted a session timeout (T = 4 s here), the
# coordinator moves the primary as a switchover would (the old one answers, so its whole position
# is caught up first): a new primary, every acknowledged row on it, the reason in the history.
# An agent restarted within T changes nothing (t_agent_stop.sh covers that).
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
expect_eq "primary after bootstrap" node1 "$(st .primary)"
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
start_writer node1 "$SB/acked"
sleep 1

log "SIGTERM node1's agent, and leave it stopped"
t0=$(date +%s%3N)
"$SANDBOX" kill-agent "$SB" node1 TERM || fail "stop node1's agent"
expect_eq "read_only on node1 after its agent stopped" 1 "$(read_only_of node1)"
stop_writer
stranded=$("$CTL" -c "$NODE1_CONF" explain --json 2>/dev/null | jq -r .primary_stranded)
expect_eq "failoverctl explain: primary_stranded" true "$stranded"
sleep 1
expect_eq "epoch 2 s after the stop (within T: a restarted agent may still register)" 1 "$(st .epoch)"
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 15 "$new writable" state_is "$new" writable
t1=$(date +%s%3N)
log "$new writable $((t1 - t0)) ms after node1's agent stopped"
[ "$new" != node1 ] || fail "new primary: expected a replica, saw node1"
every_acked_row_on "$new" "$SB/acked"
expect_eq "read_only on node1 (no agent)" 1 "$(read_only_of node1)"
# /primary is written before the move's history record: wait for the record
move_recorded() { [ -n "$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -r '[.records[] | select(.outcome=="success" and .epoch==2)] | last | .at // empty')" ]; }
wait_for 10 "the move's history record" move_recorded
reason=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -r '[.records[] | select(.outcome=="success")] | last | .reason')
case $reason in
*"read-only with no registered agent"*) ;;
*) fail "history reason of the move: expected 'read-only with no registered agent', saw '$reason'" ;;
esac
lost=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -r '[.records[] | select(.outcome=="success")] | last | .lost_count')
expect_eq "lost_count of the move" 0 "$lost"

log "node1's agent returns: node1 rejoins as a replica of $new"
"$SANDBOX" start-agent "$SB" node1 || fail "start node1's agent"
wait_for 30 "node1 replicates from $new" replicates_from node1 "$new"
expect_eq "epoch after node1's agent returned" 2 "$(st .epoch)"
log "PASS"
