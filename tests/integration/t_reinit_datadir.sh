#!/usr/bin/env bash
# Issue 11 point 4: a replica whose datadir is gone (a lost disk: mysqld killed, data deleted) is
# rebuilt by `failoverctl reinit`: its agent asks the most caught-up other replica's agent for a
# mariadb-backup stream, prepares it, swaps it in with [node] mysqld_stop/mysqld_start (the
# sandbox's), sets the GTID position from the backup and replicates from the primary again, with
# the same data (CHECKSUM TABLE) and read-only. Progress is published while it copies.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200))" || fail "create table"
vals=$(for i in $(seq 1 2000); do printf "(%d, REPEAT('x', 150))," "$i"; done)
app_sql node1 "INSERT INTO t VALUES ${vals%,}" || fail "insert 2000 rows"
for n in node2 node3; do wait_for 20 "rows on $n" sql_is "$n" "SELECT COUNT(*) FROM app.t" 2000; done

# node3 loses its disk.
"$SANDBOX" kill-mysqld "$SB" node3 KILL
rm -rf "$SB/node3/data"
wait_for 20 "node3 reported down" state_is node3 down
# Refused: the primary itself, an unknown donor, a donor that is the node.
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" reinit node1 2>&1); rc=$?
expect_eq "reinit of the primary: exit status (refused) [$out]" 6 "$rc"
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" reinit node3 --from nodeX 2>&1); rc=$?
expect_eq "reinit --from an unknown node: exit status (not found) [$out]" 7 "$rc"
# The cluster moves on meanwhile.
app_sql node1 "INSERT INTO t VALUES (5000, 'after the loss')" || fail "insert after the loss"

t0=$(date +%s%N)
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" reinit node3 --timeout 50 2>&1) ||
    fail "failoverctl reinit node3: exit $?: $out"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "$out" | grep -q "^node3 re-cloned: re-cloned from node2 in" ||
    fail "failoverctl reinit node3: expected 're-cloned from node2' (the replica, not the primary), saw: $out"
log "reinit took ${ms} ms: $(echo "$out" | tail -1)"
wait_for 20 "node3 streaming from node1" state_is node3 streaming
wait_for 20 "node3 replicates from node1" replicates_from node3 node1
app_sql node1 "INSERT INTO t VALUES (5001, 'after the reinit')" || fail "insert after the reinit"
wait_for 20 "node3 has every row" sql_is node3 "SELECT COUNT(*) FROM app.t" 2002
expect_eq "CHECKSUM TABLE app.t on node3" "$(sql node1 "CHECKSUM TABLE app.t" | cut -f2)" "$(sql node3 "CHECKSUM TABLE app.t" | cut -f2)"
expect_eq "read_only on node3" 1 "$(read_only_of node3)"
expect_eq "node3's repair state" rejoined "$(node_field node3 repair.state)"
# Progress: in the agent's log (bytes, estimate, rate, ETA) and in what failoverctl printed.
grep -q "reclone: copying from node2: [0-9.]* MiB of ~[0-9.]* MiB ([0-9]*%), [0-9.]* MiB/s, ETA" "$SB/node3/failoverd.log" ||
    fail "node3's log: expected a progress line 'reclone: copying from node2: N MiB of ~M MiB (P%), R MiB/s, ETA ...', saw: $(grep "reclone:" "$SB/node3/failoverd.log")"
echo "$out" | grep -q "^node3: copying from node2: [0-9.]* MiB of ~" ||
    fail "failoverctl reinit: expected a progress line 'node3: copying from node2: ...', saw: $out"
grep -q "reclone donor: streaming a mariadb-backup" "$SB/node2/failoverd.log" ||
    fail "node2's log: expected 'reclone donor: streaming a mariadb-backup ...'"
[ -z "$(ls -d "$SB"/node3/data.old-* "$SB"/node3/data.reclone 2>/dev/null)" ] ||
    fail "left behind: $(ls -d "$SB"/node3/data.*)"
log "PASS"
