#!/usr/bin/env bash
# A returning old primary that holds transactions no replica received (asynchronous replication,
# replicas' IO threads stopped before the writes) must not rejoin: it stays read-only and is
# reported as diverged, even after the new primary's own writes have overtaken its sequence
# numbers (so only the GTIDs' server ids tell them apart), and it never tries to (issue 11: no
# second guessing a refusal). With rejoin = manual it waits for `failoverctl rejoin`, which
# archives and rewinds its three transactions.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2 --set failover.rejoin=manual
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
for n in node2 node3; do wait_for 10 "table on $n" sql_is "$n" "SELECT COUNT(*) FROM app.t" 0; done
for n in node2 node3; do sql "$n" "STOP SLAVE IO_THREAD" || fail "stop IO on $n"; done
for i in 1 2 3; do app_sql node1 "INSERT INTO t (id) VALUES ($i)" || fail "insert $i on node1"; done
orphan=$(sql node1 "SELECT @@gtid_binlog_pos")
log "node1 holds $orphan, which no replica received"
sleep 1
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 15 "$new writable" state_is "$new" writable
expect_eq "rows on $new (the three were never replicated)" 0 "$(sql "$new" 'SELECT COUNT(*) FROM app.t')"
# Overtake node1's sequence numbers with the new primary's own writes.
for i in $(seq 10 20); do app_sql "$new" "INSERT INTO t (id) VALUES ($i)" || fail "insert $i on $new"; done
log "new primary at $(sql "$new" 'SELECT @@gtid_binlog_pos')"

"$SANDBOX" start-mysqld "$SB" node1 || fail "start-mysqld node1"
wait_for 30 "node1 reported diverged" state_is node1 diverged
expect_eq "read_only on diverged node1" 1 "$(read_only_of node1)"
expect_eq "node1 rows (its own three, nothing from $new)" 3 "$(sql node1 'SELECT COUNT(*) FROM app.t')"
sleep 3
expect_eq "read_only on node1 later" 1 "$(read_only_of node1)"
expect_eq "node1 still diverged" diverged "$(node_field node1 state)"
m=$(curl -s "http://$(host_of node1):$NODE1_HTTP_PORT/metrics")
echo "$m" | grep -qx 'failoverd_diverged{\(cluster="[^"]*",\)\?node="node1"} 1' || fail "node1 /metrics: expected failoverd_diverged 1, saw: $(echo "$m" | grep diverged)"
expect_eq "primary" "$new" "$(st .primary)"
# Data-loss accounting: the failover's history record names the three lost transactions.
rec=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -c '[.records[] | select(.type=="failover")][0]')
expect_eq "history: old primary's position" "$orphan" "$(echo "$rec" | jq -r .old_primary_gtid)"
expect_eq "history: lost transaction count" 3 "$(echo "$rec" | jq -r .lost_count)"
expect_eq "history: lost transactions named" "0-1-$(( ${orphan##*-} - 2 ))..$orphan" "$(echo "$rec" | jq -r .lost_gtids)"
# Never repointed on a guess: not one attempt to replicate from the new primary.
if grep -q "now replicating from" "$SB/node1/failoverd.log"; then
    fail "node1 tried to rejoin while diverged: $(grep "now replicating from" "$SB/node1/failoverd.log" | head -1)"
fi
expect_eq "history: count is exact (from node1's binlog)" true "$(echo "$rec" | jq -r .lost_exact)"

# Never while paused: refused, nothing changed.
"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" pause >/dev/null || fail "failoverctl pause"
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" rejoin node1 2>&1); rc=$?
expect_eq "rejoin while paused: exit status [$out]" 6 "$rc"
expect_eq "node1 while paused" diverged "$(node_field node1 state)"
"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" resume >/dev/null || fail "failoverctl resume"

# failoverctl rejoin: archived, undone, replicating; the same data as the new primary.
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" rejoin node1 --timeout 60 2>&1) || fail "failoverctl rejoin node1: exit $?: $out"
echo "$out" | grep -q "^node1 rejoined: rewound in" || fail "failoverctl rejoin node1: expected 'node1 rejoined: rewound in ...', saw: $out"
wait_for 20 "node1 streaming from $new" state_is node1 streaming
wait_for 10 "node1 has $new's rows" sql_is node1 "SELECT COUNT(*) FROM app.t" 11
expect_eq "CHECKSUM TABLE app.t on node1" "$(sql "$new" "CHECKSUM TABLE app.t" | cut -f2)" "$(sql node1 "CHECKSUM TABLE app.t" | cut -f2)"
expect_eq "read_only on node1 after the rewind" 1 "$(read_only_of node1)"
ls "$SB"/node1/archive/*.sql >/dev/null 2>&1 || fail "no archive under $SB/node1/archive"
expect_eq "rows in node1's archive" 3 "$(cat "$SB"/node1/archive/*.sql | grep -c '^### INSERT INTO `app`.`t`')"
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" rejoin node1 2>&1) || fail "failoverctl rejoin node1 (again): exit $?: $out"
expect_eq "rejoin of a node that is not diverged" "node1 is not diverged: nothing to rejoin (its agent repoints it by itself)" "$out"
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" rejoin "$new" 2>&1); rc=$?
expect_eq "rejoin of the primary: exit status" 6 "$rc"
log "PASS"
