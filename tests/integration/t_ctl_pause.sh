#!/usr/bin/env bash
# Maintenance mode. Paused, a killed primary is not failed over (epoch stays, status says PAUSED
# and shows the primary down); resume lets the automatic failover happen. history then shows both
# events (bootstrap and failover) with phases and outcome. Paused again, a manual
# failover --to NODE of a dead primary is still carried out.
source "$(dirname "$0")/lib_ctl.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
for i in 1 2 3; do app_sql node1 "INSERT INTO t VALUES ($i)" || fail "insert $i"; done

run ctl pause
expect_rc "pause" 0
expect_match "pause says what it means" "paused by [^ ]+@[^ ]+: the coordinator will not fail over automatically" "$OUT"
old_pos=$(sql node1 "SELECT @@gtid_binlog_pos")
log "kill -9 mysqld on node1 while paused (at $old_pos)"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 10 "status shows node1 down" state_is node1 down
# Well past detection (2 failed probes 500 ms apart) and fencing: nothing may move.
sleep 6
expect_eq "epoch while paused" 1 "$(st .epoch)"
expect_eq "primary while paused" node1 "$(st .primary)"
expect_eq "paused in --json" true "$(st .paused)"
run ctl status
expect_match "status shows PAUSED" '\*\*\* PAUSED' "$OUT"
expect_match "status shows node1 down" "node1 +[a-z]+ +down" "$OUT"
expect_eq "read_only on node2 while paused" 1 "$(read_only_of node2)"
expect_eq "read_only on node3 while paused" 1 "$(read_only_of node3)"
grep -q "cluster is paused: no automatic failover" "$SB"/node*/failoverd.log ||
    fail "no coordinator log line says it held back because the cluster is paused"

run ctl resume
expect_rc "resume" 0
wait_for 20 "the automatic failover after resume (epoch 2)" epoch_is 2
new=$(st .primary)
[ "$new" = node2 ] || [ "$new" = node3 ] || fail "primary after resume: expected node2 or node3, saw $new"
wait_for 15 "$new writable" state_is "$new" writable
app_sql "$new" "INSERT INTO t VALUES (4)" || fail "insert on the new primary $new"

# history: newest first, every event (bootstrap, pause, resume, failover), with phases and outcome
# (the failover's record follows the repoint).
hist_total_is() { is_eq "$(hist '.total')" "$1"; }
wait_for 15 "the failover's history record" hist_total_is 4
expect_eq "record 1: the resume" "resume resumed" "$(hist '.records[1] | "\(.type) \(.outcome)"')"
expect_eq "record 2: the pause" "pause paused" "$(hist '.records[2] | "\(.type) \(.outcome)"')"
expect_eq "record 0 (newest)" "failover $new 2 success" "$(hist '.records[0] | "\(.type) \(.new) \(.epoch) \(.outcome)"')"
expect_eq "record 0 old primary" node1 "$(hist '.records[0].old')"
expect_eq "record 3" "bootstrap node1 1 adopted" "$(hist '.records[3] | "\(.type) \(.new) \(.epoch) \(.outcome)"')"
for ph in detect fence catchup promote repoint total; do
    v=$(hist ".records[0].phases_ms.$ph")
    [[ "$v" =~ ^[0-9]+$ ]] || fail "failover record: phases_ms.$ph: expected a number of ms, saw '$v'"
done
expect_eq "failover record lost_count" 0 "$(hist '.records[0].lost_count')"
expect_eq "failover record new_primary_gtid" "$(sql "$new" "SELECT @@gtid_slave_pos")" "$(hist '.records[0].new_primary_gtid')"
expect_eq "failover record candidates" 2 "$(hist '.records[0].candidates | length')"
run ctl history
expect_rc "history" 0
expect_match "history header" "cluster $CLUSTER: 4 of 4 record\(s\), newest first" "$OUT"
expect_match "history failover line" "#[0-9]+ +[0-9-]+ [0-9:.]+ +failover +node1 -> $new +epoch 2 +success" "$OUT"
expect_match "history bootstrap line" "#[0-9]+ +[0-9-]+ [0-9:.]+ +bootstrap +- -> node1 +epoch 1 +adopted" "$OUT"
expect_match "history phases" "phases: detect [0-9.]+ m?s, fence [0-9.]+ m?s, catch-up [0-9.]+ m?s, promote [0-9.]+ m?s, repoint [0-9.]+ m?s, total" "$OUT"
# The old primary's last position as it was, not as its agent last published it (up to a settle
# interval old: the three inserts came less than a second before the kill).
expect_eq "failover record old_primary_gtid" "$old_pos" "$(hist '.records[0].old_primary_gtid')"
expect_match "history data accounting" "data: .*$new promoted at 0-1-[0-9]+" "$OUT"
[ "$(printf '%s\n' "$OUT" | grep -n 'failover  *node1' | cut -d: -f1)" -lt "$(printf '%s\n' "$OUT" | grep -n 'bootstrap' | cut -d: -f1)" ] ||
    fail "history: the failover (newest) should come before the bootstrap"
run ctl history -n 1 --json
expect_eq "history -n 1" "1 failover" "$(printf '%s' "$OUT" | jq -r '"\(.records | length) \(.records[0].type)"')"

# Paused again, a manual failover of a dead primary still happens.
log "restart node1; it rejoins as a replica of $new"
"$SANDBOX" start-mysqld "$SB" node1 || fail "start-mysqld node1"
wait_for 30 "node1 rejoined" replicates_from node1 "$new"
wait_for 15 "node1 streaming in status" state_is node1 streaming
run ctl pause
expect_rc "pause again" 0
log "kill -9 mysqld on $new while paused"
"$SANDBOX" kill-mysqld "$SB" "$new" KILL
wait_for 10 "status shows $new down" state_is "$new" down
sleep 2
expect_eq "epoch while paused (again)" 2 "$(st .epoch)"
run ctl_c explain --json
expect_rc "explain" 0
cand=$(printf '%s' "$OUT" | jq -r .candidate)
expect_eq "explain while paused: no automatic failover, held by the pause" "confirmed-dead false paused" \
    "$(printf '%s' "$OUT" | jq -r '"\(.detection) \(.automatic_failover) \(.held_by)"')"
run ctl_c explain
expect_match "explain while paused says so" "loss confirmed, but the cluster is paused \(by [^ ]+@[^ ]+: no reason given\), so no automatic failover would start" "$OUT"
[ -n "$cand" ] && [ "$cand" != null ] && [ "$cand" != "$new" ] || fail "explain names no usable candidate: $cand"
run ctl failover --to "$cand"
expect_rc "failover --to $cand while paused" 0
expect_match "failover notes the pause" "cluster $CLUSTER is paused; a manual failover is still carried out" "$OUT"
expect_match "failover fence step" "$new fenced: its agent reports its mysqld down" "$OUT"
expect_match "failover outcome" "failover $new -> $cand: success at epoch 3" "$OUT"
expect_eq "primary after the manual failover" "$cand" "$(st .primary)"
expect_eq "epoch after the manual failover" 3 "$(st .epoch)"
wait_for 15 "$cand writable" state_is "$cand" writable
expect_eq "newest record" "manual-failover success" "$(hist '.records[0] | "\(.type) \(.outcome)"')"
expect_eq "still paused after the manual failover" true "$(st .paused)"
app_sql "$cand" "INSERT INTO t VALUES (5)" || fail "insert on $cand"
log "PASS"
