#!/usr/bin/env bash
# Issue 11: an errant tail holding DDL cannot be undone by mariadb-binlog --flashback. The old
# primary is not rewound (with rejoin = manual: the default, rewind, re-clones it instead, see
# t_reclone_ddl.sh): it stays read-only and diverged, the reason is published (failoverctl
# status), failoverctl rejoin refuses naming the DDL and pointing at failoverctl reinit, and the
# failover's history record still counts its lost transactions exactly (the DDL among them).
source "$(dirname "$0")/lib.sh"

sb_up --replicas 1 --set failover.rejoin=manual
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
wait_for 10 "table on node2" sql_is node2 "SELECT COUNT(*) FROM app.t" 0
sql node2 "STOP SLAVE IO_THREAD" || fail "stop IO on node2"
app_sql node1 "INSERT INTO t VALUES (1)" || fail "insert 1"
app_sql node1 "CREATE TABLE u (x INT)" || fail "create table u"
app_sql node1 "INSERT INTO t VALUES (2)" || fail "insert 2"
orphan=$(sql node1 "SELECT @@gtid_binlog_pos")
ddl="0-1-$(( ${orphan##*-} - 1 ))"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "node2 promoted (epoch 2)" epoch_is 2
wait_for 15 "node2 writable" state_is node2 writable
"$SANDBOX" start-mysqld "$SB" node1 || fail "start-mysqld node1"

wait_for 30 "node1 reported diverged" state_is node1 diverged
wait_for 10 "node1's refusal logged" grep -q "rejoin refused: this node has 3 transaction" "$SB/node1/failoverd.log"
grep "rejoin refused" "$SB/node1/failoverd.log" | grep -q "DDL or non-transactional statement(s), the first $ddl" ||
    fail "node1's log: expected the refusal to name the DDL $ddl, saw: $(grep "rejoin refused" "$SB/node1/failoverd.log" | head -1)"
expect_eq "read_only on node1" 1 "$(read_only_of node1)"
expect_eq "node1's own rows, untouched" 2 "$(sql node1 "SELECT COUNT(*) FROM app.t")"
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" rejoin node1 --timeout 20 2>&1); rc=$?
expect_eq "failoverctl rejoin node1: exit status (refused) [$out]" 6 "$rc"
echo "$out" | grep -q "flashback cannot undo them" || fail "failoverctl rejoin node1: expected the DDL reason, saw: $out"
echo "$out" | grep -q "failoverctl reinit" || fail "failoverctl rejoin node1: expected a pointer to failoverctl reinit, saw: $out"
expect_eq "node1 still diverged" diverged "$(node_field node1 state)"
# status names them: the problem line and the node's repair object.
expect_eq "status --json: node1's errant count" 3 "$(node_field node1 repair.errant_count)"
expect_eq "status --json: node1's repair state" refused "$(node_field node1 repair.state)"
status_table | grep -q "diverged: node1 has 3 transaction(s) 0-1-$(( ${orphan##*-} - 2 ))..$orphan the primary node2 never had" ||
    fail "failoverctl status: expected node1's 3 errant transactions named, saw: $(status_table | grep -i diverged)"
[ -z "$(ls "$SB/node1/archive/"*.sql 2>/dev/null)" ] || fail "an archive was written though nothing was undone: $(ls "$SB/node1/archive/")"
rec=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -c '[.records[] | select(.type=="failover")][0]')
expect_eq "history: lost_count" 3 "$(echo "$rec" | jq -r .lost_count)"
expect_eq "history: lost_exact" true "$(echo "$rec" | jq -r .lost_exact)"
log "PASS"
