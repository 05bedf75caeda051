#!/usr/bin/env bash
# Host loss: kill -9 the primary's agent and mysqld together. After the agent's ZooKeeper session
# expires, a replica is promoted, the other follows it, and no acknowledged row is lost.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
expect_eq "primary after bootstrap" node1 "$(st .primary)"
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
start_writer node1 "$SB/acked"
sleep 2
log "kill -9 agent and mysqld on node1"
t0=$(date +%s%N)
"$SANDBOX" kill-agent "$SB" node1 KILL
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 40 "a new primary at epoch 2" epoch_is 2
t1=$(date +%s%N)
stop_writer
new=$(st .primary)
[ "$new" = node2 ] || [ "$new" = node3 ] || fail "new primary: expected node2 or node3, saw $new"
# The session timeout is 4 s: promoting sooner would mean promoting before the old agent's session
# could have expired, i.e. before it was fenced.
ms=$(((t1 - t0) / 1000000))
log "failover after ${ms} ms"
[ "$ms" -ge 2000 ] || fail "promotion came ${ms} ms after host loss: expected it to wait for the session to expire (>= 2000 ms)"
other=node2; [ "$new" = node2 ] && other=node3
wait_for 15 "$new writable" state_is "$new" writable
expect_eq "read_only on $new" 0 "$(read_only_of "$new")"
wait_for 15 "$other replicating from $new" replicates_from "$other" "$new"
every_acked_row_on "$new" "$SB/acked"
log "PASS"
