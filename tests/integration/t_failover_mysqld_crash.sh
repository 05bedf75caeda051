#!/usr/bin/env bash
# Kill -9 the primary's mysqld while a client writes (its agent stays alive): a replica is promoted
# and writable, the other replicates from it, the epoch rises, no acknowledged row is lost; the old
# primary restarted comes up read-only and rejoins as a replica of the new one.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2
wait_for 40 "bootstrap: node1 writable, node2 and node3 streaming from it" cluster_settled
expect_eq "primary after bootstrap" node1 "$(st .primary)"
expect_eq "epoch after bootstrap" 1 "$(st .epoch)"

app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table on node1"
start_writer node1 "$SB/acked"
sleep 2
log "kill -9 mysqld on node1"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
log "new primary: $new"
[ "$new" = node2 ] || [ "$new" = node3 ] || fail "new primary: expected node2 or node3, saw $new"
stop_writer
other=node2; [ "$new" = node2 ] && other=node3

wait_for 15 "$new writable" state_is "$new" writable
expect_eq "read_only on $new" 0 "$(read_only_of "$new")"
app_sql "$new" "INSERT INTO t (id) VALUES (1000000)" || fail "app insert on new primary $new failed"
wait_for 15 "$other replicating from $new" replicates_from "$other" "$new"
expect_eq "read_only on $other" 1 "$(read_only_of "$other")"
every_acked_row_on "$new" "$SB/acked"

log "restart mysqld on node1"
"$SANDBOX" start-mysqld "$SB" node1 || fail "start-mysqld node1"
expect_eq "read_only on the restarted old primary" 1 "$(read_only_of node1)"
wait_for 30 "node1 rejoined as a replica of $new" replicates_from node1 "$new"
expect_eq "read_only on node1 after rejoin" 1 "$(read_only_of node1)"
wait_for 15 "row 1000000 replicated to node1" sql_is node1 "SELECT COUNT(*) FROM app.t WHERE id=1000000" 1
wait_for 15 "status shows node1 streaming" state_is node1 streaming
expect_eq "epoch still" 2 "$(st .epoch)"
log "PASS"
