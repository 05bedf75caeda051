#!/usr/bin/env bash
# ZooKeeper lost (every server stopped): the primary's agent makes its mysqld read-only before
# the server side could expire its session (half the 4 s session timeout), and an application
# write then fails. ZooKeeper back within the timeout: the session survives, the primary is
# writable again and there was no failover. With failsafe=on and every replica connected, the
# primary keeps taking writes through the outage instead.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"

log "stop ZooKeeper"
t0=$(date +%s%N)
"$SANDBOX" stop-zk "$SB" || fail "stop-zk"
wait_for 4 "node1 read-only after ZooKeeper loss" sql_is node1 "SELECT @@read_only" 1
ms=$((($(date +%s%N) - t0) / 1000000))
log "node1 fenced ${ms} ms after ZooKeeper stopped"
[ "$ms" -lt 4000 ] || fail "fenced after ${ms} ms: expected before the 4000 ms session timeout"
app_sql node1 "INSERT INTO t (id) VALUES (1)" 2>/dev/null && fail "app write on node1 succeeded while it should be fenced"
for n in node2 node3; do expect_eq "read_only on $n during the outage" 1 "$(read_only_of "$n")"; done

log "start ZooKeeper again"
"$SANDBOX" start-zk "$SB" || fail "start-zk"
wait_for 20 "node1 writable again" sql_is node1 "SELECT @@read_only" 0
app_sql node1 "INSERT INTO t (id) VALUES (2)" || fail "app write on node1 after ZooKeeper returned"
wait_for 20 "cluster settled" cluster_settled
expect_eq "primary after the outage" node1 "$(st .primary)"
expect_eq "epoch after the outage" 1 "$(st .epoch)"
"$SANDBOX" down "$SB" >/dev/null

log "again with failsafe=on"
SB2=$SB
sb_up --replicas 2 --set failover.failsafe=on
rm -rf "$SB2"
wait_for 40 "bootstrap settled (failsafe)" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
two_replicas() { is_eq "$(node_field node1 replicas_connected)" 2; }
wait_for 10 "node1 sees both replicas connected" two_replicas
"$SANDBOX" stop-zk "$SB" || fail "stop-zk"
sleep 3.5
expect_eq "read_only on node1 with failsafe, every replica connected" 0 "$(read_only_of node1)"
app_sql node1 "INSERT INTO t (id) VALUES (3)" || fail "app write on node1 failed during the outage with failsafe on"
log "a replica stops replicating: the failsafe evidence lapses and node1 fences"
sql node2 "STOP SLAVE IO_THREAD" || fail "stop IO on node2"
wait_for 5 "node1 read-only once a replica disconnected" sql_is node1 "SELECT @@read_only" 1
sql node2 "START SLAVE IO_THREAD"
"$SANDBOX" start-zk "$SB" || fail "start-zk"
wait_for 20 "node1 writable again" sql_is node1 "SELECT @@read_only" 0
expect_eq "epoch" 1 "$(st .epoch)"
log "PASS"
