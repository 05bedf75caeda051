#!/usr/bin/env bash
# Host stall: the primary's mysqld and agent are both SIGSTOPped (a frozen VM). Nothing resets
# the sockets, so the replicas' agents notice only by the heartbeats stopping (source_silent),
# and the agent's session must expire before a promotion. Resumed, the old agent fences its
# mysqld at once (its deadline long passed) and either rejoins the new primary or, when it
# finished an in-flight commit on resuming (the known window of a stalled host: mysqld runs again
# before its agent), is kept read-only as diverged; what it holds beyond the new primary must
# never have been acknowledged to a client.
source "$(dirname "$0")/lib_ctl.sh" # lib.sh, and ctl/run for the switchover of phase 2

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
start_writer node1 "$SB/acked"
sleep 2
log "SIGSTOP node1's mysqld and agent"
"$SANDBOX" kill-mysqld "$SB" node1 STOP
"$SANDBOX" kill-agent "$SB" node1 STOP
wait_for 40 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
stop_writer
wait_for 15 "$new writable" state_is "$new" writable
every_acked_row_on "$new" "$SB/acked"
log "SIGCONT node1: it must fence and rejoin"
"$SANDBOX" kill-mysqld "$SB" node1 CONT
"$SANDBOX" kill-agent "$SB" node1 CONT
wait_for 10 "node1 read-only after resuming" sql_is node1 "SELECT @@read_only" 1
settled_old() { replicates_from node1 "$new" || state_is node1 diverged; }
wait_for 30 "node1 rejoined $new or reported diverged" settled_old
expect_eq "read_only on node1" 1 "$(read_only_of node1)"
if state_is node1 diverged; then
    diverged_rows_unacked node1 "$new" "$SB/acked"
fi
expect_eq "epoch" 2 "$(st .epoch)"

# Phase 2: the coordinator on another host, which is the usual case. It does not wait for the
# replicas' IO threads to give up (slave_net_timeout, 4 s in the sandbox): their agents report
# the primary's heartbeats silent, and that confirms the loss.
coord=$(st .coordinator)
target=node2; [ "$coord" = node2 ] && target=node3
if [ "$(st .primary)" != "$target" ]; then
    run ctl switchover --to "$target" --yes
    expect_eq "switchover to $target (stderr: $ERR)" 0 "$RC"
fi
epoch=$(st .epoch)
expect_eq "coordinator unchanged" "$coord" "$(st .coordinator)"
app_sql "$target" "DELETE FROM t" || fail "empty app.t on $target"
start_writer "$target" "$SB/acked2"
sleep 2
log "SIGSTOP $target's mysqld and agent (coordinator: $coord)"
"$SANDBOX" kill-mysqld "$SB" "$target" STOP
"$SANDBOX" kill-agent "$SB" "$target" STOP
wait_for 40 "a new primary at epoch $((epoch + 1))" epoch_is $((epoch + 1))
stop_writer
grep -h "says Yes but has heard nothing from $target" "$SB"/node*/failoverd.log | grep -q . ||
    fail "the coordinator never judged a replica's source silent; its detection log: $(grep -h "primary $target unreachable" "$SB"/node*/failoverd.log | tail -n 2)"
new2=$(st .primary)
wait_for 15 "$new2 writable" state_is "$new2" writable
every_acked_row_on "$new2" "$SB/acked2"
"$SANDBOX" kill-mysqld "$SB" "$target" CONT
"$SANDBOX" kill-agent "$SB" "$target" CONT
wait_for 10 "$target read-only after resuming" sql_is "$target" "SELECT @@read_only" 1
log "PASS"
