#!/usr/bin/env bash
# Issue 11: an old primary that comes back from a host stall (mysqld and agent stopped with
# SIGSTOP) holding acknowledged rows no replica received rewinds itself (rejoin = rewind, the
# default): its errant transactions are archived as replayable SQL, undone with
# mariadb-binlog --flashback, and it replicates from the new primary with an equal CHECKSUM
# TABLE. The failover's history record names exactly the lost transactions, and replaying the
# archive on the new primary gives the lost rows back.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 1
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))" || fail "create table"
app_sql node1 "INSERT INTO t VALUES (1, 'kept')" || fail "insert 1"
wait_for 10 "row 1 on node2" sql_is node2 "SELECT COUNT(*) FROM app.t" 1
sql node2 "STOP SLAVE IO_THREAD" || fail "stop IO on node2"
# Acknowledged on node1, never received by node2: lost at the failover (asynchronous).
app_sql node1 "INSERT INTO t VALUES (2, 'lost'), (3, 'lost')" || fail "insert 2,3"
app_sql node1 "UPDATE t SET v = 'changed' WHERE id = 1" || fail "update 1"
app_sql node1 "INSERT INTO t VALUES (4, 'lost')" || fail "insert 4"
orphan=$(sql node1 "SELECT @@gtid_binlog_pos")
log "node1 holds $orphan; node2 has $(sql node2 'SELECT @@gtid_binlog_pos')"

# The host stalls: mysqld and agent stopped, their ZooKeeper session expires, node2 is promoted.
m1=$("$SANDBOX" pid "$SB" node1 mysqld) || fail "node1 mysqld pid"
a1=$("$SANDBOX" pid "$SB" node1 agent) || fail "node1 agent pid"
kill -STOP "$m1" "$a1"
on_exit "kill -CONT $m1 $a1"
wait_for 30 "node2 promoted (epoch 2)" epoch_is 2
expect_eq "new primary" node2 "$(st .primary)"
wait_for 15 "node2 writable" state_is node2 writable
app_sql node2 "INSERT INTO t VALUES (10, 'new')" || fail "insert 10 on node2"
kill -CONT "$m1" "$a1"

# node1's agent fences, finds 3 errant transactions, archives and undoes them, and rejoins.
wait_for 40 "node1 rewound and streaming from node2" state_is node1 streaming
wait_for 10 "row 10 on node1" sql_is node1 "SELECT COUNT(*) FROM app.t WHERE id = 10" 1
expect_eq "read_only on node1" 1 "$(read_only_of node1)"
c1=$(sql node1 "CHECKSUM TABLE app.t" | cut -f2)
c2=$(sql node2 "CHECKSUM TABLE app.t" | cut -f2)
expect_eq "CHECKSUM TABLE app.t on node1 (node2 has $c2)" "$c2" "$c1"
expect_eq "node1's rows" "1 kept,10 new" "$(sql node1 "SELECT CONCAT(id, ' ', v) FROM app.t ORDER BY id" | paste -sd,)"

# Exact loss accounting in the failover's history record.
rec=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -c '[.records[] | select(.type=="failover")][0]')
seq=${orphan##*-}
expect_eq "history: lost_count" 3 "$(echo "$rec" | jq -r .lost_count)"
expect_eq "history: lost_exact" true "$(echo "$rec" | jq -r .lost_exact)"
expect_eq "history: lost_gtids" "0-1-$((seq - 2))..$orphan" "$(echo "$rec" | jq -r .lost_gtids)"
expect_eq "history: repair" rewound "$(echo "$rec" | jq -r .repair)"
[ "$(echo "$rec" | jq -r '.lost_first_at > 0 and .lost_last_at >= .lost_first_at')" = true ] ||
    fail "history: expected lost_first_at <= lost_last_at, both set; saw $(echo "$rec" | jq -c '{lost_first_at, lost_last_at}')"
archive=$(echo "$rec" | jq -r .archive)
[ -f "$archive" ] || fail "history names archive $archive, which does not exist"
case "$archive" in "$SB/node1/archive/$CLUSTER-node1-e2-0-1-$((seq - 2))..$orphan.sql") ;;
    *) fail "archive name: expected $SB/node1/archive/$CLUSTER-node1-e2-0-1-$((seq - 2))..$orphan.sql, saw $archive" ;; esac
"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history | grep -q "LOST 3 transaction(s)" ||
    fail "failoverctl history: expected 'LOST 3 transaction(s)', saw: $("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history | grep data:)"

expect_eq "status --json: node1's repair" "rejoined 3" "$(node_field node1 repair.state) $(node_field node1 repair.errant_count)"

# The archive holds exactly the lost changes, and replays as new transactions on the primary.
expect_eq "transactions in the archive" 3 "$(grep -c 'GTID 0-1-[0-9]* trans' "$archive")"
expect_eq "rows inserted in the archive" 3 "$(grep -c '^### INSERT INTO `app`.`t`' "$archive")"
mariadb --no-defaults --socket="$NODE2_SOCK" -uroot <"$archive" || fail "replaying $archive on node2"
expect_eq "node2's rows after the replay" "1 changed,2 lost,3 lost,4 lost,10 new" \
    "$(sql node2 "SELECT CONCAT(id, ' ', v) FROM app.t ORDER BY id" | paste -sd,)"
wait_for 10 "the replayed rows on node1" sql_is node1 "SELECT COUNT(*) FROM app.t" 5
log "PASS"
