#!/usr/bin/env bash
# tests/run: serial
# Regression (issue 10, case 6): losing one ZooKeeper server must cost no write outage. Three
# ZooKeeper servers and three nodes, each a host of its own. The one server the primary's agent
# is connected to is cut off from everything (links up, nothing crosses: its TCP connections
# simply stall). Before the fix the agent waited on that server and fenced its primary at half
# the session timeout (writes stopped until the client library gave up on the server at 2/3 of
# it). Now the agent moves its session to another server after a quarter of the session timeout
# without an answered sync: the primary must stay writable throughout and nothing fails over.
# Then the same with the server being the leader, with failsafe on: during the ensemble's
# election every agent is without ZooKeeper, and every replica vouches for the primary.
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 0; }

# sample_ro SECONDS FILE: node1's read_only every 100 ms for SECONDS (over its unix socket).
sample_ro() {
    local end=$(($(date +%s) + $1))
    : >"$2"
    while [ "$(date +%s)" -lt "$end" ]; do read_only_sock node1 >>"$2"; sleep 0.1; done
}

# cut_server_of_primary WHAT: cut node1's ZooKeeper server off, watch node1 for 8 s (twice the
# session timeout), heal.
cut_server_of_primary() {
    local zk
    zk=$("$SANDBOX" zk-server-of "$SB" node1) || fail "zk-server-of node1"
    log "$1: cut off $zk, the server node1's agent is connected to (leader: $("$SANDBOX" zk-leader "$SB" 2>/dev/null))"
    "$SANDBOX" partition-group "$SB" "$zk" || fail "partition-group $zk"
    sample_ro 8 "$SB/ro.$zk"
    "$SANDBOX" heal-all "$SB" || fail "heal-all"
    local fenced
    fenced=$(grep -c '^1$' "$SB/ro.$zk")
    expect_eq "$1: samples with node1 read-only after $zk was cut off (of $(wc -l <"$SB/ro.$zk"))" 0 "$fenced"
    expect_eq "$1: epoch (no failover)" 1 "$(st .epoch)"
    grep -q "moving the session to" "$SB/node1/failoverd.log" ||
        fail "$1: node1's log: expected the session moved off $zk"
}

sb_up --replicas 2 --zk 3 --netns
wait_for 60 "bootstrap settled" cluster_settled
leader=$("$SANDBOX" zk-leader "$SB") || fail "zk-leader"
zk=$("$SANDBOX" zk-server-of "$SB" node1) || fail "zk-server-of node1"
if [ "$zk" = "$leader" ]; then
    # Move node1's agent to a follower first: cut the leader with failsafe off would be the
    # election case, which the second half tests with failsafe on.
    log "node1's agent is on the leader $zk; restarting it on a follower"
    # Both followers, and only them: the client picks one at random, and the move has the other.
    followers=""
    for i in 1 2 3; do [ "zk$i" = "$leader" ] || followers="${followers:+$followers,}$(host_of "zk$i"):$(port_of "zk$i")"; done
    restart_agent_on_zk node1 "$followers"
fi
[ "$("$SANDBOX" zk-server-of "$SB" node1)" != "$leader" ] || fail "node1's agent: expected it on a follower, saw it on the leader $leader"
cut_server_of_primary "follower cut"
wait_for 30 "cluster settled after the follower came back" cluster_settled
"$SANDBOX" down "$SB" >/dev/null

log "again: the leader, with failsafe on"
sb_up --replicas 2 --zk 3 --netns --set failover.failsafe=on
wait_for 60 "bootstrap settled (failsafe)" cluster_settled
leader=$("$SANDBOX" zk-leader "$SB") || fail "zk-leader"
if [ "$("$SANDBOX" zk-server-of "$SB" node1)" != "$leader" ]; then
    log "node1's agent is on a follower; restarting it on the leader $leader"
    others=""
    for i in 1 2 3; do [ "zk$i" = "$leader" ] || others="$others,$(host_of "zk$i"):$(port_of "zk$i")"; done
    restart_agent_on_zk node1 "$(host_of "$leader"):$(port_of "$leader")$others"
    # the client picks a server at random from its list: try again until it is the leader
    for _ in $(seq 1 15); do
        [ "$("$SANDBOX" zk-server-of "$SB" node1)" = "$leader" ] && break
        restart_agent_on_zk node1
    done
fi
expect_eq "ZooKeeper server of node1's agent" "$leader" "$("$SANDBOX" zk-server-of "$SB" node1)"
cut_server_of_primary "leader cut, failsafe"
log "PASS"
