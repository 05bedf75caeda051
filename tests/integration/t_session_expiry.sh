#!/usr/bin/env bash
# Session expiry is the end of every belief tied to the session. The primary's agent is stalled
# (SIGSTOP) past its session timeout: the server expires the session and drops its ephemerals.
# Resumed, the agent fences at once (its deadline passed while it slept), starts a new session,
# registers again, and, since /primary still names it, makes its mysqld writable again; no
# failover meanwhile (its mysqld kept answering). A stalled coordinator loses its leadership.
source "$(dirname "$0")/lib.sh"

zk_owner() { /usr/share/zookeeper/bin/zkCli.sh -server "$ZK_HOSTS" stat "$ZK_ROOT/$CLUSTER/nodes/$1" 2>/dev/null | sed -n 's/^ephemeralOwner = //p'; }
coordinator_is_not() { local c; c=$(st .coordinator); [ -n "$c" ] && [ "$c" != null ] && [ "$c" != "$1" ]; }
registered() { is_eq "$(node_field "$1" healthy)" true; }
owner_changed() { local o; o=$(zk_owner node1); [ -n "$o" ] && [ "$o" != "$1" ]; }

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
coord=$(st .coordinator)
before=$(zk_owner node1)
[ -n "$before" ] || fail "could not read node1's registration owner"

log "SIGSTOP node1's agent for longer than the 4 s session timeout"
"$SANDBOX" kill-agent "$SB" node1 STOP
sleep 7
expect_eq "node1's registration while its agent is stalled (expired session)" "" "$(st '.nodes[] | select(.name=="node1" and .agent != false) | .name')"
expect_eq "epoch while node1's agent is stalled" 1 "$(st .epoch)"
expect_eq "read_only on node1 while its agent is stalled" 0 "$(read_only_of node1)"
[ "$coord" != node1 ] || wait_for 10 "a coordinator other than the stalled node1" coordinator_is_not node1

log "SIGCONT: fence, new session, re-register, writable again"
"$SANDBOX" kill-agent "$SB" node1 CONT
wait_for 20 "node1 registered with a new session" owner_changed "$before"
wait_for 20 "node1 writable again" sql_is node1 "SELECT @@read_only" 0
grep -q "session expired" "$SB/node1/failoverd.log" || fail "node1's log: expected a 'session expired' line"
grep -q "fence: mysqld read-only (seen taking effect)" "$SB/node1/failoverd.log" || fail "node1's log: expected it to fence after resuming"
expect_eq "epoch after" 1 "$(st .epoch)"
wait_for 20 "cluster settled" cluster_settled

coord=$(st .coordinator)
log "SIGSTOP the coordinator's agent ($coord)"
"$SANDBOX" kill-agent "$SB" "$coord" STOP
wait_for 20 "a new coordinator" coordinator_is_not "$coord"
"$SANDBOX" kill-agent "$SB" "$coord" CONT
wait_for 20 "$coord registered again" registered "$coord"
c2=$(st .coordinator)
[ "$c2" != "$coord" ] || fail "coordinator: expected the resumed $coord to have lost leadership, saw it leading"
expect_eq "epoch at the end" 1 "$(st .epoch)"
log "PASS"
