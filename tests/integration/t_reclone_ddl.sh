#!/usr/bin/env bash
# Issue 11 point 4: an old primary whose errant tail holds DDL cannot be rewound (flashback cannot
# undo DDL), so with rejoin = rewind (the default) its agent falls back to a re-clone by itself:
# the tail is archived first, then the datadir is replaced by a mariadb-backup copy of the
# replicating replica (not the new primary), and the node replicates from the new primary with
# the same data (CHECKSUM TABLE), read-only; the old datadir is removed once the copy replicates.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200))" || fail "create table"
vals=$(for i in $(seq 1 1000); do printf "(%d, REPEAT('y', 150))," "$i"; done)
app_sql node1 "INSERT INTO t VALUES ${vals%,}" || fail "insert 1000 rows"
for n in node2 node3; do wait_for 20 "rows on $n" sql_is "$n" "SELECT COUNT(*) FROM app.t" 1000; done
for n in node2 node3; do sql "$n" "STOP SLAVE IO_THREAD" || fail "stop IO on $n"; done
# The tail no replica receives: a row, a DDL, a row.
app_sql node1 "INSERT INTO t VALUES (2001, 'lost 1')" || fail "insert 2001"
app_sql node1 "CREATE TABLE u (x INT)" || fail "create table u"
app_sql node1 "INSERT INTO t VALUES (2002, 'lost 2')" || fail "insert 2002"
orphan=$(sql node1 "SELECT @@gtid_binlog_pos")
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
other=node2; [ "$new" = node2 ] && other=node3
wait_for 15 "$new writable" state_is "$new" writable
for i in $(seq 3001 3010); do app_sql "$new" "INSERT INTO t VALUES ($i, 'new primary')" || fail "insert $i on $new"; done

"$SANDBOX" start-mysqld "$SB" node1 || fail "start-mysqld node1"
ddl="0-1-$(( ${orphan##*-} - 1 ))"
wait_for 30 "node1's fallback logged" grep -q "reclone: this node has 3 transaction(s) .* cannot be rewound (.*the first $ddl: flashback cannot undo them): re-cloning instead" "$SB/node1/failoverd.log"
wait_for 50 "node1 re-cloned by its agent" grep -q "reclone: done: re-cloned from" "$SB/node1/failoverd.log"
log "$(grep -o "reclone: done: .*" "$SB/node1/failoverd.log" | head -1)"
grep -q "reclone: donor $other\$" "$SB/node1/failoverd.log" ||
    fail "node1's log: expected the replica $other as donor (not the primary $new), saw: $(grep "reclone: donor" "$SB/node1/failoverd.log")"
wait_for 20 "node1 streaming from $new" state_is node1 streaming
wait_for 20 "node1 replicates from $new" replicates_from node1 "$new"
app_sql "$new" "INSERT INTO t VALUES (4000, 'after the re-clone')" || fail "insert 4000 on $new"
wait_for 20 "node1 has $new's rows" sql_is node1 "SELECT COUNT(*) FROM app.t" 1011
expect_eq "CHECKSUM TABLE app.t on node1" "$(sql "$new" "CHECKSUM TABLE app.t" | cut -f2)" "$(sql node1 "CHECKSUM TABLE app.t" | cut -f2)"
expect_eq "node1's errant table u is gone" 0 "$(sql node1 "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='app' AND table_name='u'")"
expect_eq "read_only on node1" 1 "$(read_only_of node1)"
expect_eq "node1 no longer diverged" false "$(node_field node1 diverged)"
# Nothing thrown away unsaved: the archive holds the two rows and the DDL.
arch=$(ls "$SB"/node1/archive/*.sql 2>/dev/null | head -1)
[ -n "$arch" ] || fail "no archive under $SB/node1/archive"
expect_eq "rows in node1's archive" 2 "$(grep -c '^### INSERT INTO `app`.`t`' "$arch")"
grep -q "CREATE TABLE u" "$arch" || fail "the archive $arch lacks the DDL"
rec=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -c '[.records[] | select(.type=="failover")][0]')
expect_eq "history: lost_count" 3 "$(echo "$rec" | jq -r .lost_count)"
expect_eq "history: lost transactions named" "0-1-$(( ${orphan##*-} - 2 ))..$orphan" "$(echo "$rec" | jq -r .lost_gtids)"
[ -z "$(ls -d "$SB"/node1/data.old-* "$SB"/node1/data.reclone 2>/dev/null)" ] ||
    fail "left behind: $(ls -d "$SB"/node1/data.*)"
log "PASS"
