#!/usr/bin/env bash
# failoverctl switchover with a client writing to the primary the whole time: exit 0, every step
# narrated, no acknowledged row lost, epoch + 1, the old primary and the other replica replicate
# from the new one, one history record with the outcome. Then a switchover without --to.
source "$(dirname "$0")/lib_ctl.sh"

sb_up --replicas 2
wait_for 40 "bootstrap: node1 writable, node2 and node3 streaming from it" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table on node1"
start_writer node1 "$SB/acked"
sleep 2

run ctl switchover --to node2 --timeout 20 --yes
expect_rc "switchover --to node2" 0
expect_match "fence step" "\+ *[0-9.]+s +fencing node1" "$OUT"
expect_match "fence acknowledged" "node1 fenced: read-only, client sessions cut \([^)]*\) \(acknowledged in [0-9.]+ m?s\)" "$OUT"
expect_match "promotion step" "node2 caught up to 0-1-[0-9]+ and was named primary at epoch 2" "$OUT"
expect_match "writable step" "node2 .*is writable" "$OUT"
expect_match "repoint step" "node3 replicating from node2" "$OUT"
expect_match "rejoin step" "node1 is now a replica of node2" "$OUT"
expect_match "outcome" "switchover node1 -> node2: success at epoch 2" "$OUT"
expect_match "phases" "coordinator phases: .*fence [0-9.]+ m?s.*total" "$OUT"
expect_match "data accounting" "no transaction lost" "$OUT"
sleep 0.5
stop_writer

expect_eq "primary after switchover" node2 "$(st .primary)"
expect_eq "epoch after switchover" 2 "$(st .epoch)"
expect_eq "read_only on node2" 0 "$(read_only_of node2)"
expect_eq "read_only on node1" 1 "$(read_only_of node1)"
expect_eq "read_only on node3" 1 "$(read_only_of node3)"
wait_for 15 "node1 replicating from node2" replicates_from node1 node2
wait_for 15 "node3 replicating from node2" replicates_from node3 node2
every_acked_row_on node2 "$SB/acked"
app_sql node2 "INSERT INTO t (id) VALUES (1000000)" || fail "app insert on the new primary node2"
wait_for 15 "row 1000000 on node1" sql_is node1 "SELECT COUNT(*) FROM app.t WHERE id=1000000" 1
wait_for 15 "row 1000000 on node3" sql_is node3 "SELECT COUNT(*) FROM app.t WHERE id=1000000" 1
every_acked_row_on node1 "$SB/acked"
wait_for 15 "status: node1 streaming" state_is node1 streaming

# One history record for it, matching what we saw.
expect_eq "newest record type" switchover "$(hist '.records[0].type')"
expect_eq "newest record outcome" success "$(hist '.records[0].outcome')"
expect_eq "newest record old/new" "node1 node2" "$(hist '.records[0] | "\(.old) \(.new)"')"
expect_eq "newest record epoch" 2 "$(hist '.records[0].epoch')"
expect_eq "newest record lost_count" 0 "$(hist '.records[0].lost_count')"
[ "$(hist '.records[0].request_at')" -gt 0 ] || fail "newest record has no request_at"
[ "$(hist '.records[0].phases_ms.total')" -ge 0 ] || fail "newest record has no phases_ms.total"
expect_eq "switchover records" 1 "$(hist '[.records[] | select(.type=="switchover")] | length')"

# Without --to: the best ranked replica takes over, and the cluster settles again.
run ctl switchover --yes
expect_rc "switchover (best candidate)" 0
expect_match "outcome without --to" "switchover node2 -> node[13]: success at epoch 3" "$OUT"
new=$(st .primary)
[ "$new" = node1 ] || [ "$new" = node3 ] || fail "primary after the second switchover: expected node1 or node3, saw $new"
wait_for 20 "cluster settled around $new" cluster_settled
expect_eq "epoch after the second switchover" 3 "$(st .epoch)"
log "PASS"
