#!/usr/bin/env bash
# Stopping the primary's agent (SIGTERM) ends its ZooKeeper session, so it fences its mysqld
# first (a primary is writable only while its agent holds a session); started again, it makes it
# writable again, with no failover. While the cluster is paused it leaves mysqld writable, so an
# agent can be stopped or upgraded without a write outage.
source "$(dirname "$0")/lib.sh"

ctl() { "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" "$@"; }
sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"

log "SIGTERM node1's agent"
"$SANDBOX" kill-agent "$SB" node1 TERM || fail "stop node1's agent"
expect_eq "read_only on node1 after its agent stopped" 1 "$(read_only_of node1)"
grep -q "the agent is stopping" "$SB/node1/failoverd.log" || fail "node1's log: expected the fence-on-stop line"
"$SANDBOX" start-agent "$SB" node1 || fail "start node1's agent"
wait_for 20 "node1 writable again" sql_is node1 "SELECT @@read_only" 0
expect_eq "epoch" 1 "$(st .epoch)"

log "paused: SIGTERM leaves it writable"
ctl pause >/dev/null || fail "failoverctl pause"
sleep 1.5
"$SANDBOX" kill-agent "$SB" node1 TERM || fail "stop node1's agent"
expect_eq "read_only on node1 after its agent stopped while paused" 0 "$(read_only_of node1)"
app_sql node1 "INSERT INTO t (id) VALUES (1)" || fail "app write while node1's agent is stopped during a pause"
"$SANDBOX" start-agent "$SB" node1 || fail "start node1's agent"
ctl resume >/dev/null || fail "failoverctl resume"
wait_for 20 "cluster settled" cluster_settled
expect_eq "epoch" 1 "$(st .epoch)"
log "PASS"
