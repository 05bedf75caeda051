#!/usr/bin/env bash
# No eligible candidate (every replica promotion=never) after a host loss, with failsafe on: the
# coordinator stops the replicas' IO threads for the failsafe wait, finds nobody to promote,
# records that once (not once per retry), starts the IO threads again, and when the old primary
# returns the cluster carries on at epoch 1.
source "$(dirname "$0")/lib.sh"

io_state() { slave_status "$1" | sed -n 's/^ *Slave_IO_Running: //p'; }
io_not_stopped() { local s; s=$(io_state "$1"); [ -n "$s" ] && [ "$s" != No ]; }
no_candidate_records() { "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq '[.records[] | select(.outcome=="no-candidate")] | length'; }
has_record() { [ "$(no_candidate_records)" -ge 1 ]; }

sb_up --replicas 2 --set failover.failsafe=on --set node2:node.promotion=never --set node3:node.promotion=never
wait_for 40 "bootstrap settled" cluster_settled
log "host loss of node1"
"$SANDBOX" kill-agent "$SB" node1 KILL
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 40 "a no-candidate history record" has_record
sleep 3
expect_eq "no-candidate records after a few more seconds (no retry spam)" 1 "$(no_candidate_records)"
expect_eq "epoch" 1 "$(st .epoch)"
for n in node2 node3; do wait_for 10 "$n IO thread running again after the failed move" io_not_stopped "$n"; done
for n in node2 node3; do expect_eq "read_only on $n" 1 "$(read_only_of "$n")"; done

log "node1 comes back"
"$SANDBOX" start-mysqld "$SB" node1 || fail "start-mysqld node1"
"$SANDBOX" start-agent "$SB" node1 || fail "start-agent node1"
wait_for 30 "cluster settled with node1" cluster_settled
expect_eq "primary" node1 "$(st .primary)"
expect_eq "epoch" 1 "$(st .epoch)"
log "PASS"
