# scenarios.sh -- the chaos suite's faults, one function each (sc_NAME), on a fresh cluster whose
# primary is node1. A scenario injects its fault and undoes it (the driver also heals and resumes
# everything afterwards, whatever happened); hold_fault is how long it lasts. Optional:
# prepare_NAME runs before the sandbox is up (files its options name, @RD@ being the run's
# directory), setup_NAME on the settled cluster before the run counts (its failovers are not the
# fault's). Each is declared in SCENARIOS below:
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
large_transaction|semisync|no|
clock_step|semisync|no|--clock-shift
coordinator_stall|semisync|yes|--set node1:failover.hook_pre_failover=@RD@/hook.node1 --set node2:failover.hook_pre_failover=@RD@/hook.node2 --set node3:failover.hook_pre_failover=@RD@/hook.node3
"

FAULT_S=${FAULT_S:-10}            # how long most faults last
FAULT_AFTER_S=${FAULT_AFTER_S:-3} # with EXPECT=yes: how long a fault lasts after the failover

# failed_over: /primary names another node than at the start of the fault, at a higher epoch,
# not fencing, and that node is writable.
failed_over() {
    local j p
    # status exits 1 or 2 on a degraded cluster (an anti-flap hold, a node down) and still
    # prints the cluster: only no output (no ZooKeeper) is no answer.
    j=$(ctl status --json 2>/dev/null)
    [ -n "$j" ] || return 1
    p=$(jq -r .primary <<<"$j")
    [ -n "$p" ] && [ "$p" != null ] && [ "$p" != "$FAULT_PRIMARY" ] || return 1
    [ "$(jq -r .epoch <<<"$j")" -gt "$FAULT_EPOCH" ] && [ "$(jq -r .fencing <<<"$j")" = false ] || return 1
    [ "$(jq -r --arg p "$p" '.nodes[] | select(.name == $p and .agent != false) | .state' <<<"$j")" = writable ]
}

# hold_fault [SECONDS]: the fault lasts SECONDS (FAULT_S); when the scenario expects a failover
# (EXPECT=yes), it ends FAULT_AFTER_S after the failover instead, if that comes first: from then on
# the old primary's fence and the new primary's writes are what the run checks, and they are
# checked whether the fault lasts 3 s more or 7 (the workload writes on, straight at the old
# primary too, through the heal). Faults where none or any is expected always last SECONDS: they
# must outlast the detection they tempt.
hold_fault() {
    local secs=${1:-$FAULT_S} t0
    if [ "$EXPECT" != yes ]; then sleep "$secs"; return 0; fi
    t0=$(date +%s%N)
    if wait_until "$secs" failed_over; then
        event "failover done after $((($(date +%s%N) - t0) / 1000000)) ms: $(primary) writable; the fault lasts ${FAULT_AFTER_S} s more"
        sleep "$FAULT_AFTER_S"
    fi
    return 0
}

pid_of() { "$SANDBOX" pid "$SB" "$@"; }

# runnable NAME: whether NAME can run on this machine; if not, SKIP_WHY says why. Asked before
# any cluster is up (a skipped run costs nothing; --mix leaves such scenarios out of the deck).
runnable() {
    SKIP_WHY=""
    case "$1" in
    clock_step)
        [ -r "$WALLSHIFT_LIB" ] || { SKIP_WHY="no $WALLSHIFT_LIB (make $WALLSHIFT_LIB)"; return 1; } ;;
    netem_*)
        if [ -z "${NETEM_OK:-}" ]; then
            if netem_works; then NETEM_OK=1; else NETEM_OK=0; NETEM_SKIP="$NETEM_WHY; the suite has no user-space delaying proxy"; fi
        fi
        [ "$NETEM_OK" = 1 ] || { SKIP_WHY=$NETEM_SKIP; return 1; } ;;
    esac
    return 0
}

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
    hold_fault
    event "start mysqld node1"; sbx start-mysqld node1
}
sc_mysqld_kill_async() { sc_mysqld_kill; }

sc_agent_kill() {
    event "kill -9 agent node1"; sbx kill-agent node1 KILL
    hold_fault
    event "start agent node1"; sbx start-agent node1
}

sc_both_kill() {
    event "kill -9 agent and mysqld node1"; sbx kill-agent node1 KILL; sbx kill-mysqld node1 KILL
    hold_fault
    event "start mysqld and agent node1"; sbx start-mysqld node1; sbx start-agent node1
}

# Issue 10 case 3: SIGSTOP of the primary's mysqld only, its agent alive.
sc_stalled_mysqld() {
    local p
    p=$(pid_of node1 mysqld)
    event "SIGSTOP mysqld node1"; kill -STOP "$p"
    hold_fault
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
    hold_fault
    event "SIGCONT agent node1"; kill -CONT "$p"
}

sc_both_stop() {
    local a m
    a=$(pid_of node1 agent); m=$(pid_of node1 mysqld)
    event "SIGSTOP agent and mysqld node1 (a paused host)"; kill -STOP "$a" "$m"
    hold_fault
    event "SIGCONT agent and mysqld node1"; kill -CONT "$m" "$a"
    restart_if_killed node1
}

sc_partition_full() {
    event "partition-group node1 (alone, links up)"; sbx partition-group node1
    hold_fault
    event "heal-all"; sbx heal-all
}

sc_partition_oneway() {
    event "oneway node1 all (what node1 sends is dropped)"; sbx oneway node1 all
    hold_fault
    event "heal-all"; sbx heal-all
}

# The primary loses the replicas both ways, keeps ZooKeeper and the clients.
sc_partition_partial() {
    event "cut node1 <-> node2, node3 (ZooKeeper and clients still reach node1)"
    sbx oneway node1 node2 node3; sbx oneway node2 node1; sbx oneway node3 node1
    hold_fault
    event "heal-all"; sbx heal-all
}

# The primary cut off together with a ZooKeeper follower its agent is not connected to.
sc_partition_with_follower() {
    local mine f pick=""
    mine=$(agent_server node1)
    for f in $(zk_followers); do [ "$f" != "$mine" ] && { pick=$f; break; }; done
    [ -n "$pick" ] || { event "no follower other than the agent's ($mine): cutting node1 alone"; }
    event "partition-group node1 $pick (node1's agent is on ${mine:-?})"; sbx partition-group node1 $pick
    hold_fault
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
    hold_fault
    event "heal-all"; sbx heal-all
}

# The same with Debian's ZooKeeper timing (tickTime 2000, syncLimit 5): a cut-off follower may
# answer from stale state for 10 s, longer than the session timeout (the sandbox's tickTime 250
# makes that 1.25 s and can hide case 2).
sc_follower_cut_debian_tick() { sc_follower_cut_with_primary; }

# Issue 10 case 1: failsafe = on, the primary's host cut off from ZooKeeper and the other hosts.
sc_failsafe_partition() {
    event "partition-group node1 (failsafe = on)"; sbx partition-group node1
    hold_fault 15
    event "heal-all"; sbx heal-all
}

sc_zk_leader_kill() {
    local l p
    l=$(sbx zk-leader); p=$(pid_of "$l")
    event "kill -9 ZooKeeper leader $l"; kill -KILL "$p"
    hold_fault
    event "start-zk $l"; sbx start-zk "$l"
}

sc_zk_follower_kill() {
    local mine f pick="" p
    mine=$(agent_server node1)
    for f in $(zk_followers); do [ "$f" != "$mine" ] && { pick=$f; break; }; done
    [ -n "$pick" ] || pick=$(zk_followers | head -n 1)
    p=$(pid_of "$pick")
    event "kill -9 ZooKeeper follower $pick (node1's agent is on $mine)"; kill -KILL "$p"
    hold_fault
    event "start-zk $pick"; sbx start-zk "$pick"
}

# Issue 10 case 6: the ZooKeeper server the primary's agent is connected to, cut off.
sc_zk_server_loss() {
    local s l
    s=$(agent_server node1); l=$(sbx zk-leader)
    event "partition-group $s (node1's agent's server; leader $l)"; sbx partition-group "$s"
    hold_fault
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
    hold_fault
    event "start node1 and node2"
    sbx start-mysqld node1; sbx start-mysqld node2; sbx start-agent node1; sbx start-agent node2
}

sc_netem() {
    if ! netem_works; then
        echo "SKIP: $NETEM_WHY; the suite has no user-space delaying proxy" >"$RD/skip"
        return 0
    fi
    event "netem node1 $1"; sbx netem node1 "$1"
    hold_fault
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
    hold_fault 20
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
    hold_fault
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
    # A fence that killed node1's mysqld leaves it down: start it, or no settling (40 s lost).
    restart_if_killed node1
    wait_until 40 settled
    p=$(primary)
    st=$(sql "$p" "SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'app' AND EVENT_NAME = 'e'" 2>/dev/null)
    [ "$p" = node1 ] || [ "$st" = ENABLED ] ||
        echo "event app.e on the new primary $p: expected ENABLED, saw '${st:-none}' (scheduled jobs stop after a failover)" >>"$RD/extra.fail"
}

# The issue's suspect: a coordinator stopped (SIGSTOP) mid-failover that wakes and runs MySQL side
# effects or the pre-failover hook before its ZooKeeper write fails. The coordinator must re-check
# its leadership with a leader-ordered read right before each side effect.
# Setup: the primary moves off the coordinator's node (a switchover), so that the coordinator C
# survives the primary P's loss. Fault: both replicas' SQL threads are held behind a global read
# lock (FLUSH TABLES WITH READ LOCK: a candidate with a relay log to apply), P's mysqld is killed;
# C fences P (P's agent acknowledges), picks a candidate and waits for it to apply its relay log
# (MASTER_GTID_WAIT, seen in the candidate's processlist): its next step is the pre-failover hook.
# At that moment C's agent is stopped (SIGSTOP), agent only: its mysqld goes on answering and
# replicating, so whatever C does when it wakes lands at once on live servers (with its mysqld
# stopped too, its own node would drop out as a candidate and as a target, and stale side effects
# aimed at it would fail harmlessly). The locks are released; C stays stopped past its session
# timeout until another agent, coordinator now, has promoted a new primary; then it is woken,
# holding a finished plan. Checks (RD/extra.fail): the stall landed before C's move completed;
# after waking, C ran no side effect: no statement sent to a mysqld over TCP (db_exec logs each
# one), no fencing, history, promotion, catch-up or IO-thread change, no hook (each node's
# pre-failover hook records its runs in RD/hooks.log); and C's log shows that it gave up (its
# leadership re-check failed, or its session expired). Survivors, acknowledged rows and
# double-writable windows are the checker's.
prepare_coordinator_stall() {
    local n
    for n in node1 node2 node3; do
        printf '#!/bin/sh\necho "$(/bin/date +%%s%%N) %s $FAILOVER_OLD_PRIMARY $FAILOVER_NEW_PRIMARY $FAILOVER_EPOCH" >>%s/hooks.log\n' \
            "$n" "$RD" >"$RD/hook.$n"
        chmod 755 "$RD/hook.$n"
    done
}

setup_coordinator_stall() {
    local c p o
    c=$(st .coordinator); p=$(primary)
    [ -n "$c" ] && [ "$c" != null ] || { say "no coordinator in failoverctl status"; return 1; }
    if [ "$c" = "$p" ]; then
        for o in $NODES; do [ "$o" != "$c" ] && break; done
        say "  setup: the coordinator $c is the primary: switchover to $o"
        ctl switchover --to "$o" --yes || { say "switchover to $o failed"; return 1; }
        wait_until 40 settled || { say "not settled after the switchover"; return 1; }
    fi
    say "  setup: primary $(primary), coordinator $(st .coordinator)"
}

# gtid_waiting: "NODE" of a replica where a MASTER_GTID_WAIT runs (the coordinator's catch-up).
gtid_waiting() {
    local n
    for n in $NODES; do
        [ "$(sql "$n" "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT MASTER_GTID_WAIT%'" 2>/dev/null)" -gt 0 ] 2>/dev/null &&
            { echo "$n"; return 0; }
    done
    return 1
}

# A large transaction on the primary (LARGE_TXN_MB, default 300, one INSERT ... SELECT of 1 MiB
# rows, as root over the socket) while the workload writes: the replicas' received position does
# not move while it streams (no heartbeat either, the dump thread is busy), semi-sync holds every
# other commit behind it, and the primary is busy writing its binlog. None of that is a loss: no
# failover. (Issue 10 saw none with 213 MB; this one is bigger.)
LARGE_TXN_MB=${LARGE_TXN_MB:-300}
sc_large_transaction() {
    sbx sql node1 "CREATE TABLE app.big (id INT PRIMARY KEY, pad LONGBLOB) ENGINE=InnoDB" || return 1
    event "one ${LARGE_TXN_MB} MiB transaction on node1"
    local t0=$SECONDS
    sbx sql node1 "USE app; SET SESSION max_statement_time=0; INSERT INTO app.big SELECT seq, REPEAT('x', 1048576) FROM seq_1_to_${LARGE_TXN_MB}" ||
        event "the ${LARGE_TXN_MB} MiB transaction failed (see scenario.log)"
    event "the ${LARGE_TXN_MB} MiB transaction returned after $((SECONDS - t0)) s"
    hold_fault 5
}

# Every agent's wall clock (CLOCK_REALTIME only, as an NTP step; sandbox up --clock-shift) jumps
# an hour ahead, then an hour behind the true time, then back. Deadlines run on the monotonic clock
# and the anti-flap hold on ZooKeeper's: nothing fails over.
sc_clock_step() {
    local half=$((FAULT_S / 2)) n
    event "every agent's wall clock +1h"; for n in $NODES; do sbx clock "$n" +1h; done
    hold_fault "$half"
    event "every agent's wall clock -1h"; for n in $NODES; do sbx clock "$n" -1h; done
    hold_fault "$half"
    event "every agent's wall clock back to the true time"; for n in $NODES; do sbx clock "$n" +0; done
}

sc_coordinator_stall() {
    local c p a n e0 wake_real wake_iso lockers="" cand=""
    c=$(st .coordinator); p=$(primary); e0=$(st .epoch)
    if [ "$c" = "$p" ] || [ -z "$c" ] || [ "$c" = null ]; then
        echo "coordinator_stall: expected the coordinator off the primary, saw coordinator $c, primary $p" >>"$RD/extra.fail"
        return 0
    fi
    a=$(pid_of "$c" agent)
    # The replicas' SQL threads behind a read lock: held by a root session each, released by KILL.
    for n in $NODES; do
        [ "$n" = "$p" ] && continue
        mariadb --no-defaults --socket="$(sock_of "$n")" -uroot -e "FLUSH TABLES WITH READ LOCK; SELECT SLEEP(90)" \
            >/dev/null 2>&1 </dev/null &
        lockers="$lockers $n"
    done
    sleep 1.5 # the workload's rows pile up in the relay logs (received and acknowledged, not applied)
    event "read lock on$lockers (relay logs pile up); kill -9 mysqld of the primary $p (coordinator $c, agent pid $a)"
    sbx kill-mysqld "$p" KILL
    # shellcheck disable=SC2317
    waiting() { cand=$(gtid_waiting); }
    if wait_until 20 waiting; then
        kill -STOP "$a"
        event "SIGSTOP agent $c (coordinator), waiting for $cand to apply its relay log (MASTER_GTID_WAIT in its processlist)"
    else
        kill -STOP "$a"
        event "SIGSTOP agent $c (coordinator) without seeing its catch-up wait in 20 s"
    fi
    if grep -q "coordinator: [a-z]*: $p -> .* at epoch" "$SB/$c/failoverd.log"; then
        echo "coordinator_stall: expected the stall to land mid-failover, but $c had already promoted: $(grep "coordinator: [a-z]*: $p -> " "$SB/$c/failoverd.log" | tail -n 1)" >>"$RD/extra.fail"
    fi
    for n in $lockers; do
        sql "$n" "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(90)'" 2>/dev/null |
            while read -r id; do sql "$n" "KILL $id" 2>/dev/null; done
    done
    event "read locks released"
    # Past the session timeout: another agent becomes coordinator and finishes.
    # shellcheck disable=SC2317
    taken_over() { local k; k=$(st .coordinator); [ -n "$k" ] && [ "$k" != null ] && [ "$k" != "$c" ] && failed_over; }
    if wait_until 40 taken_over; then
        event "$(st .coordinator) is coordinator, $(primary) writable at epoch $(st .epoch) (was $e0); $c still stopped"
    else
        event "no takeover within 40 s (coordinator $(st .coordinator), primary $(primary))"
    fi
    sleep 1
    wake_real=$(date +%s.%N)
    kill -CONT "$a"
    event "SIGCONT agent $c"
    wake_iso=$(date -u -d "@$wake_real" +%Y-%m-%dT%H:%M:%S.%3NZ)
    sbx start-mysqld "$p"
    event "started mysqld of $p"
    wait_until 30 settled
    sleep 1
    # What the woken coordinator did, from its log after the wake.
    awk -v w="$wake_iso" '$1 >= w' "$SB/$c/failoverd.log" >"$RD/woken.$c.log"
    local acts gave
    acts=$(grep -E "coordinator: (fencing|unfencing|catching|.* is delayed|could not put|cannot catch|stop IO thread|failsafe on: waiting|restart IO thread|history record|bootstrap: adopted|[a-z]+: .* -> .* at epoch)|hook (pre|post)_failover" "$RD/woken.$c.log"
        grep -E ": sql [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+:[0-9]+: " "$RD/woken.$c.log" | grep -vE ": sql [0-9.]+:[0-9]+: SELECT ")
    gave=$(grep -E "leadership not confirmed|session expired: dropping leadership|writing /primary failed" "$RD/woken.$c.log")
    event "woken coordinator $c: $(wc -l <"$RD/woken.$c.log") log lines after the wake; gave up: $(echo "${gave:-none}" | head -n 3 | sed 's/^[^ ]* [A-Z]* failoverd\[[a-z0-9]*\]: //' | tr '\n' '|')"
    [ -z "$acts" ] || echo "coordinator_stall: the woken coordinator $c acted after SIGCONT: $(echo "$acts" | head -n 3 | tr '\n' '|')" >>"$RD/extra.fail"
    [ -n "$gave" ] || echo "coordinator_stall: expected $c's log to show it gave up after waking (leadership not confirmed, or session expired), saw neither" >>"$RD/extra.fail"
    awk -v c="$c" -v w="$(date -d "@$wake_real" +%s%N)" '$2 == c && $1 >= w' "$RD/hooks.log" 2>/dev/null >"$RD/hooks.after-wake"
    [ -s "$RD/hooks.after-wake" ] && echo "coordinator_stall: the woken coordinator $c ran the pre-failover hook after SIGCONT: $(head -n 1 "$RD/hooks.after-wake")" >>"$RD/extra.fail"
    return 0
}
