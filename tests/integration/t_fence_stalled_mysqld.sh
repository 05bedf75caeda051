#!/usr/bin/env bash
# Regression (issue 10, case 3): a stalled mysqld under a live agent is not "fenced". Only the
# primary's mysqld is SIGSTOPped; its agent keeps its ZooKeeper session. The coordinator must not
# take the agent's "not healthy" for a fence: the agent has to see read_only take effect, or kill
# mysqld (SIGKILL) and see it gone, before it acknowledges. Before the fix the coordinator
# promoted at once, and when mysqld was continued its pending commits were acknowledged to
# clients on a server no replica follows any more: acknowledged writes lost.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
old_pid=$("$SANDBOX" pid "$SB" node1 mysqld) || fail "no mysqld pid for node1"
start_writer node1 "$SB/acked"
sleep 2
log "SIGSTOP node1's mysqld only (pid $old_pid); its agent stays up"
kill -STOP "$old_pid"
on_exit "kill -CONT $old_pid"
wait_for 40 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
was_alive=no; alive "$old_pid" && was_alive=yes
log "continuing node1's mysqld (if it still exists: $was_alive)"
kill -CONT "$old_pid" 2>/dev/null
sleep 3
stop_writer
wait_for 15 "$new writable" state_is "$new" writable
every_acked_row_on "$new" "$SB/acked"
# The fence was acknowledged by killing the stalled mysqld, so it could not wake up and commit.
expect_eq "node1's stalled mysqld (pid $old_pid) still existed when $new was promoted" no "$was_alive"
how=$(grep -h "fence: acknowledged to the coordinator" "$SB/node1/failoverd.log" | tail -n 1)
expect_eq "node1's agent acknowledged the fence by killing mysqld (log: $how)" \
    yes "$(echo "$how" | grep -q '(killed)' && echo yes || echo no)"
log "restart node1's mysqld: it boots read-only and rejoins $new"
"$SANDBOX" start-mysqld "$SB" node1 >/dev/null || fail "start-mysqld node1"
wait_for 30 "node1 replicates from $new" replicates_from node1 "$new"
expect_eq "read_only on node1" 1 "$(read_only_of node1)"
log "PASS"
