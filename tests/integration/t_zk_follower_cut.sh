#!/usr/bin/env bash
# Regression (issue 10, case 2): a ZooKeeper follower cut off with the primary keeps answering
# reads. Three ZooKeeper servers and three nodes, each a host of its own (network namespaces).
# node1 (the primary) has its agent connected to a follower F; node1 and F are cut off together
# from the rest, links up (partition-group): F keeps serving the agent's reads and pings from its
# own state for syncLimit x tickTime, after the leader has expired the agent's session and a new
# primary was promoted. The ensemble here uses tickTime 500 ms and syncLimit 10 (5 s, longer than
# the 4 s session timeout, as Debian's defaults are). Before the fix the heartbeat was a read
# (zoo_aexists), answered by F, so node1 stayed writable while the new primary took writes. Now it
# is a sync, which only the leader can order: node1 must be read-only before any other node is
# writable, and stay so.
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 0; }
export ZK_TICK_MS=500 ZK_SYNC_LIMIT=10
sb_up --replicas 2 --zk 3 --netns
wait_for 60 "bootstrap settled" cluster_settled
expect_eq "primary after bootstrap" node1 "$(st .primary)"

# node1's agent on a follower: restart it (cluster paused) with its config pointing at one
# follower only.
leader=$("$SANDBOX" zk-leader "$SB") || fail "zk-leader"
follower=zk1; [ "$leader" = zk1 ] && follower=zk2
restart_agent_on_zk node1 "$(host_of "$follower"):$(port_of "$follower")"
expect_eq "ZooKeeper server of node1's agent" "$follower" "$("$SANDBOX" zk-server-of "$SB" node1)"
expect_eq "read_only on node1 before the cut" 0 "$(read_only_sock node1)"

start_ro_sampler
sleep 1
log "cut node1 off together with $follower (the follower its agent talks to; leader $leader)"
t0_ms=$(($(date +%s%N) / 1000000))
"$SANDBOX" partition-group "$SB" node1 "$follower" || fail "partition-group node1 $follower"
wait_for 40 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 15 "$new writable" state_is "$new" writable
sleep 6 # past the follower's stale window (syncLimit x tickTime = 5 s)
stop_ro_sampler
read -r split first_ro1 first_w rw1_after <<<"$(awk -v cut="$t0_ms" '
    NF == 4 && $1 >= cut {
        w = ($2 == "0") + ($3 == "0") + ($4 == "0")
        if (w >= 2 && both == "") both = $1
        if ($2 == "1" && ro1 == "") ro1 = $1
        if (($3 == "0" || $4 == "0") && w1 == "") w1 = $1
        if (ro1 != "" && $2 == "0") rw1++
    }
    END { printf "%s %s %s %d\n", (both == "" ? "-" : both), (ro1 == "" ? "-" : ro1),
          (w1 == "" ? "-" : w1), rw1 }' "$SAMPLES")"
[ "$first_ro1" != - ] || fail "node1 read-only after the cut: expected it within the session timeout, never saw it"
[ "$first_w" != - ] || fail "$new writable after the cut: expected it, never saw it in the samples"
log "node1 read-only $((first_ro1 - t0_ms)) ms after the cut, $new writable $((first_w - t0_ms)) ms after it"
[ "$split" = - ] || fail "two nodes writable at +$((split - t0_ms)) ms ($(grep "^$split " "$SAMPLES"))"
[ "$first_ro1" -lt "$first_w" ] || fail "order: expected node1 read-only before $new writable"
[ "$rw1_after" = 0 ] || fail "node1 after its fence: expected read-only throughout, saw writable in $rw1_after sample(s)"
grep -q "fence: mysqld read-only" "$SB/node1/failoverd.log" || fail "node1's log: expected a fence"
"$SANDBOX" heal-all "$SB" || fail "heal-all"
settled_old() { replicates_from node1 "$new" || state_is node1 diverged; }
wait_for 40 "node1 rejoined $new or reported diverged" settled_old
expect_eq "epoch" 2 "$(st .epoch)"
log "PASS"
