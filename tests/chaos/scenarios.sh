# scenarios.sh -- the chaos suite's faults, one function each (sc_NAME), on a fresh cluster whose
# primary is node1. A scenario injects its fault and undoes it (the driver also heals and resumes
# everything afterwards, whatever happened). Each is declared in SCENARIOS below:
#   NAME|MODE|EXPECT|SANDBOX UP OPTIONS[|ENVIRONMENT of sandbox up, e.g. ZK_TICK_MS=2000]
# MODE semisync (acknowledged rows must all survive) or async (losses counted per failover);
# EXPECT yes (the fault must cause a failover), no (a failover is a false one), any.
# Sourced by tests/chaos/run after lib.sh.

# The issue's reproduced cases (issue 10) are the ones named after them.
SCENARIOS_TABLE="
mysqld_kill|semisync|yes|
mysqld_kill_async|async|yes|
agent_kill|semisync|no|
both_kill|semisync|yes|
stalled_mysqld|semisync|any|
agent_stop|semisync|no|
both_stop|semisync|any|
partition_full|semisync|yes|
partition_oneway|semisync|yes|
partition_partial|semisync|any|
partition_with_follower|semisync|yes|
follower_cut_with_primary|semisync|yes|
follower_cut_debian_tick|semisync|yes||ZK_TICK_MS=2000 ZK_SYNC_LIMIT=5
failsafe_partition|semisync|yes|--set failover.failsafe=on
zk_leader_kill|semisync|no|
zk_follower_kill|semisync|no|
zk_server_loss|semisync|no|
zk_ensemble_stop|semisync|no|
primary_replica_kill|semisync|yes|
netem_delay|semisync|no|
netem_loss|semisync|any|
delayed_never_semisync|semisync|yes|--set node2:node.promotion=never
event_scheduler|semisync|yes|--set failover.event_scheduler=on
"

FAULT_S=${FAULT_S:-10} # how long most faults last

pid_of() { "$SANDBOX" pid "$SB" "$@"; }

# zk_followers: the ensemble's servers that are not the leader.
zk_followers() {
    local l i
    l=$(sbx zk-leader) || return 1
    for i in $(seq 1 "$ZK_COUNT"); do [ "zk$i" != "$l" ] && echo "zk$i"; done
}

# agent_server NODE: the ZooKeeper server NODE's agent is connected to (waits for one).
agent_server() {
    local s
    for _ in $(seq 1 50); do s=$(sbx zk-server-of "$1" 2>/dev/null) && { echo "$s"; return 0; }; sleep 0.1; done
    return 1
}

sc_mysqld_kill() {
    event "kill -9 mysqld node1"; sbx kill-mysqld node1 KILL
    sleep "$FAULT_S"
    event "start mysqld node1"; sbx start-mysqld node1
}
sc_mysqld_kill_async() { sc_mysqld_kill; }

sc_agent_kill() {
    event "kill -9 agent node1"; sbx kill-agent node1 KILL
    sleep "$FAULT_S"
    event "start agent node1"; sbx start-agent node1
}

sc_both_kill() {
    event "kill -9 agent and mysqld node1"; sbx kill-agent node1 KILL; sbx kill-mysqld node1 KILL
    sleep "$FAULT_S"
    event "start mysqld and agent node1"; sbx start-mysqld node1; sbx start-agent node1
}

# Issue 10 case 3: SIGSTOP of the primary's mysqld only, its agent alive.
sc_stalled_mysqld() {
    local p
    p=$(pid_of node1 mysqld)
    event "SIGSTOP mysqld node1"; kill -STOP "$p"
    sleep "$FAULT_S"
    event "SIGCONT mysqld node1"; kill -CONT "$p"
    restart_if_killed node1
}

# restart_if_killed NODE: a fence that escalated to SIGKILL leaves mysqld down; start it again,
# as the host's service manager would, so that it can rejoin.
restart_if_killed() {
    sleep 2
    if ! pid_of "$1" mysqld >/dev/null; then
        event "mysqld $1 is gone (killed by its fence): start it"; sbx start-mysqld "$1"
    fi
}

sc_agent_stop() {
    local p
    p=$(pid_of node1 agent)
    event "SIGSTOP agent node1"; kill -STOP "$p"
    sleep "$FAULT_S"
    event "SIGCONT agent node1"; kill -CONT "$p"
}

sc_both_stop() {
    local a m
    a=$(pid_of node1 agent); m=$(pid_of node1 mysqld)
    event "SIGSTOP agent and mysqld node1 (a paused host)"; kill -STOP "$a" "$m"
    sleep "$FAULT_S"
    event "SIGCONT agent and mysqld node1"; kill -CONT "$m" "$a"
    restart_if_killed node1
}

sc_partition_full() {
    event "partition-group node1 (alone, links up)"; sbx partition-group node1
    sleep "$FAULT_S"
    event "heal-all"; sbx heal-all
}

sc_partition_oneway() {
    event "oneway node1 all (what node1 sends is dropped)"; sbx oneway node1 all
    sleep "$FAULT_S"
    event "heal-all"; sbx heal-all
}

# The primary loses the replicas both ways, keeps ZooKeeper and the clients.
sc_partition_partial() {
    event "cut node1 <-> node2, node3 (ZooKeeper and clients still reach node1)"
    sbx oneway node1 node2 node3; sbx oneway node2 node1; sbx oneway node3 node1
    sleep "$FAULT_S"
    event "heal-all"; sbx heal-all
}

# The primary cut off together with a ZooKeeper follower its agent is not connected to.
sc_partition_with_follower() {
    local mine f pick=""
    mine=$(agent_server node1)
    for f in $(zk_followers); do [ "$f" != "$mine" ] && { pick=$f; break; }; done
    [ -n "$pick" ] || { event "no follower other than the agent's ($mine): cutting node1 alone"; }
    event "partition-group node1 $pick (node1's agent is on ${mine:-?})"; sbx partition-group node1 $pick
    sleep "$FAULT_S"
    event "heal-all"; sbx heal-all
}

# Issue 10 case 2: the primary cut off together with the follower its agent is connected to.
# If the agent is on the leader, first steer it to a follower: drop what node1 sends to the
# leader until the client moves (its receive timeout is 2/3 of the session timeout, so the
# session survives), then heal.
sc_follower_cut_with_primary() {
    local leader s
    leader=$(sbx zk-leader)
    s=$(agent_server node1)
    if [ "$s" = "$leader" ]; then
        say "  node1's agent is on the leader $leader: steering it to a follower"
        sbx oneway node1 "$leader"
        for _ in $(seq 1 60); do
            s=$(sbx zk-server-of node1 2>/dev/null)
            [ -n "$s" ] && [ "$s" != "$leader" ] && break
            sleep 0.1
        done
        sbx heal-all
        wait_until 20 settled
        s=$(agent_server node1)
        leader=$(sbx zk-leader)
    fi
    if [ "$s" = "$leader" ]; then
        event "could not steer node1's agent off the leader $leader: cutting node1 with the leader"
    fi
    event "partition-group node1 $s (the ZooKeeper server node1's agent is connected to; leader $leader)"
    sbx partition-group node1 "$s"
    sleep "$FAULT_S"
    event "heal-all"; sbx heal-all
}

# The same with Debian's ZooKeeper timing (tickTime 2000, syncLimit 5): a cut-off follower may
# answer from stale state for 10 s, longer than the session timeout (the sandbox's tickTime 250
# makes that 1.25 s and can hide case 2).
sc_follower_cut_debian_tick() { sc_follower_cut_with_primary; }

# Issue 10 case 1: failsafe = on, the primary's host cut off from ZooKeeper and the other hosts.
sc_failsafe_partition() {
    event "partition-group node1 (failsafe = on)"; sbx partition-group node1
    sleep 15
    event "heal-all"; sbx heal-all
}

sc_zk_leader_kill() {
    local l p
    l=$(sbx zk-leader); p=$(pid_of "$l")
    event "kill -9 ZooKeeper leader $l"; kill -KILL "$p"
    sleep "$FAULT_S"
    event "start-zk $l"; sbx start-zk "$l"
}

sc_zk_follower_kill() {
    local mine f pick="" p
    mine=$(agent_server node1)
    for f in $(zk_followers); do [ "$f" != "$mine" ] && { pick=$f; break; }; done
    [ -n "$pick" ] || pick=$(zk_followers | head -n 1)
    p=$(pid_of "$pick")
    event "kill -9 ZooKeeper follower $pick (node1's agent is on $mine)"; kill -KILL "$p"
    sleep "$FAULT_S"
    event "start-zk $pick"; sbx start-zk "$pick"
}

# Issue 10 case 6: the ZooKeeper server the primary's agent is connected to, cut off.
sc_zk_server_loss() {
    local s l
    s=$(agent_server node1); l=$(sbx zk-leader)
    event "partition-group $s (node1's agent's server; leader $l)"; sbx partition-group "$s"
    sleep "$FAULT_S"
    event "heal-all"; sbx heal-all
}

sc_zk_ensemble_stop() {
    event "stop-zk (all three, past the 4 s session timeout)"; sbx stop-zk
    sleep 8
    event "start-zk"; sbx start-zk
}

sc_primary_replica_kill() {
    event "kill -9 agent and mysqld of node1 and node2"
    sbx kill-agent node1 KILL; sbx kill-mysqld node1 KILL; sbx kill-agent node2 KILL; sbx kill-mysqld node2 KILL
    sleep "$FAULT_S"
    event "start node1 and node2"
    sbx start-mysqld node1; sbx start-mysqld node2; sbx start-agent node1; sbx start-agent node2
}

sc_netem() {
    if ! netem_works; then
        echo "SKIP: $NETEM_WHY; the suite has no user-space delaying proxy" >"$RD/skip"
        return 0
    fi
    event "netem node1 $1"; sbx netem node1 "$1"
    sleep "$FAULT_S"
    event "netem node1 off"; sbx netem node1 off
}
sc_netem_delay() { sc_netem "delay 200ms 50ms"; }
sc_netem_loss() { sc_netem "loss 30%"; }

# Issue 10 case 4: with semi-sync, the only replica that received the last writes is
# promotion = never (node2): node3's IO thread is stopped, then the primary's mysqld dies.
sc_delayed_never_semisync() {
    event "STOP SLAVE IO_THREAD on node3 (node2, promotion = never, is the only one receiving)"
    sql node3 "STOP SLAVE IO_THREAD"
    sleep 3
    event "kill -9 mysqld node1 (node3's IO thread: $(mariadb --no-defaults --socket="$(sock_of node3)" -uroot -e 'SHOW SLAVE STATUS\G' 2>/dev/null | sed -n 's/^ *Slave_IO_Running: //p'))"
    sbx kill-mysqld node1 KILL
    sleep 20
    event "start mysqld node1"; sbx start-mysqld node1
}

# Issue 10 case 5: an EVENT defined by root (READ ONLY ADMIN) inserts every second on the
# primary; the primary is cut off and fenced. Rows it writes after its fence, and an event left
# disabled on the new primary, fail the run (extra checks, in RD/extra.fail).
sc_event_scheduler_setup() {
    sql node1 "CREATE TABLE app.ev (id BIGINT UNSIGNED PRIMARY KEY, sid INT, at DATETIME(6));
        SET GLOBAL event_scheduler = ON;
        CREATE EVENT app.e ON SCHEDULE EVERY 1 SECOND DO INSERT INTO app.ev VALUES (UUID_SHORT(), @@server_id, NOW(6));"
}
sc_event_scheduler() {
    sc_event_scheduler_setup || echo "cannot create the event on node1" >>"$RD/extra.fail"
    sleep 2
    event "partition-group node1 (an EVENT inserts every second on it)"; sbx partition-group node1
    sleep "$FAULT_S"
    # Before the heal: what node1 wrote by itself after it was fenced.
    local fence_mono off fence_s n st p
    fence_mono=$(awk -v f="$(awk 'NR == 1 { print $1 }' "$RD/events")" '$1 >= f && $2 == "1" { print $1; exit }' "$RD/ro.samples")
    off=$(awk 'NR == 1 { printf "%.3f", $2 / 1000 - $1 / 1e9 }' "$RD/events")
    if [ -n "$fence_mono" ]; then
        fence_s=$(awk -v m="$fence_mono" -v o="$off" 'BEGIN { printf "%.3f", m / 1e9 + o }')
        n=$(sql node1 "SELECT COUNT(*) FROM app.ev WHERE sid = 1 AND at > FROM_UNIXTIME($fence_s)" 2>/dev/null)
        echo "$n" >"$RD/event_rows_after_fence"
        if [ "${n:-0}" -gt 0 ]; then
            echo "event rows written by node1's EVENT after node1 was fenced: expected 0, saw $n" >>"$RD/extra.fail"
        fi
        event "node1 fenced (read_only=1 seen); event rows on node1 after that: ${n:-?}"
    elif grep -q "fence: mysqld (pid [0-9]*) killed and seen gone" "$SB/node1/failoverd.log"; then
        # Fence-or-kill: with semi-sync, SET GLOBAL read_only waits behind commits held for an
        # acknowledgement that cannot come, so the agent killed mysqld; a dead mysqld runs no event.
        event "node1 fenced by SIGKILL (read_only did not take effect in fence_timeout_ms)"
    else
        echo "node1 fenced after the cut (read_only=1 seen, or killed): expected it, saw neither" >>"$RD/extra.fail"
    fi
    event "heal-all"; sbx heal-all
    wait_until 40 settled
    p=$(primary)
    st=$(sql "$p" "SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'app' AND EVENT_NAME = 'e'" 2>/dev/null)
    [ "$p" = node1 ] || [ "$st" = ENABLED ] ||
        echo "event app.e on the new primary $p: expected ENABLED, saw '${st:-none}' (scheduled jobs stop after a failover)" >>"$RD/extra.fail"
}
