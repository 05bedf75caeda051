# lib.sh -- the chaos suite's plumbing: one run of one scenario on a fresh sandbox (3 MariaDB
# nodes, a 3-server ZooKeeper ensemble, every host a network namespace), the workload, the
# read-only sampler, fault events, the quiet period, and the files the checker reads.
set -u
CHAOS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$CHAOS_DIR/../.." && pwd -P)
SANDBOX="$ROOT/scripts/sandbox"
CTL="$ROOT/failoverctl"
export FAILOVERD="${FAILOVERD:-$ROOT/failoverd}"
BUILD="${BUILD:-$ROOT/build}"
WORKLOAD="${WORKLOAD:-$BUILD/chaos-workload}"
export WALLSHIFT_LIB="${WALLSHIFT_LIB:-$BUILD/wallshift.so}" # the clock_step scenario's clocks

# Conditions, each with a deadline, rather than fixed sleeps:
WARMUP_S=${WARMUP_S:-3}      # at most this long for the writes before the fault: until the writer
WARMUP_OKS=${WARMUP_OKS:-25} #   that follows /primary has this many OKs and every writer and the
                             #   read-only sampler have reported
SETTLE_S=${SETTLE_S:-60}     # how long the quiet period may wait for a settled cluster
QUIET_S=${QUIET_S:-3}        # at most this long for writes on the settled cluster: until the
QUIET_OKS=${QUIET_OKS:-25}   #   writer that follows /primary has this many more OKs
SILENT_S=${SILENT_S:-20}     # an agent unregistered (or its znode unchanged under writes) this long

SB=""          # the run's sandbox directory
RD=""          # the run's results directory
WL_PID=""      # the workload
RO_PID=""      # the read-only sampler

say() { echo "[$(date +%T.%3N)] $*"; }
mono_ns() { "$WORKLOAD" --now; }
real_ms() { echo $(($(date +%s%N) / 1000000)); }

# phase NAME: NAME ended now; "NAME MS" (ms since the previous phase ended) into RD/phases.
phase() {
    local now
    now=$(date +%s%N)
    echo "$1 $(((now - ${PHASE_T:-$now}) / 1000000))" >>"$RD/phases"
    PHASE_T=$now
}

# event TEXT: a fault (or heal) with both clocks, for the history and the checker.
event() {
    local m
    m=$(mono_ns)
    printf '%s %s %s\n' "$m" "$(real_ms)" "$*" >>"$RD/events"
    say "  event: $*"
}

ctl() { "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" "$@"; }
st() { ctl status --json 2>/dev/null | jq -r "$1" 2>/dev/null; }
sql() { "$SANDBOX" sql "$SB" "$@"; }
sbx() { "$SANDBOX" "$1" "$SB" "${@:2}"; }
primary() { st .primary; }
sock_of() { local v="${1^^}_SOCK"; echo "${!v}"; }

# settled: /primary's node writable, every other node streaming from it or set aside (diverged).
settled() {
    local j p n s
    j=$(ctl status --json 2>/dev/null) # exit 1/2 on a degraded cluster: the JSON is what counts
    [ -n "$j" ] || return 1
    p=$(jq -r .primary <<<"$j")
    [ -n "$p" ] && [ "$p" != null ] || return 1
    # (.agent != false: status also lists a node whose agent is gone; settled needs the agent)
    [ "$(jq -r ".nodes[] | select(.name==\"$p\" and .agent != false) | .state" <<<"$j")" = writable ] || return 1
    for n in $NODES; do
        [ "$n" = "$p" ] && continue
        s=$(jq -r ".nodes[] | select(.name==\"$n\" and .agent != false) | .state" <<<"$j")
        [ "$s" = streaming ] || [ "$s" = diverged ] || return 1
    done
}

wait_until() { # SECONDS CMD...: poll every 0.2 s; returns 1 on timeout
    local end=$(($(date +%s%N) + $1 * 1000000000))
    shift
    until "$@"; do
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.2
    done
}

# run_up RESULTS_DIR [sandbox up options]: a fresh cluster, the table, settled.
run_up() {
    RD=$1
    shift
    mkdir -p "$RD"
    SB=$(mktemp -d /tmp/fo-chaos.XXXXXX)
    : >"$RD/events"
    if ! "$SANDBOX" up "$SB" --zk 3 --netns --replicas 2 "$@" >"$RD/up.log" 2>&1; then
        say "sandbox up failed: $(tail -n 3 "$RD/up.log" | tr '\n' ' ')"
        return 1
    fi
    # shellcheck disable=SC1091
    source "$SB/sandbox.env"
    wait_until 40 settled || { say "the new cluster did not settle in 40 s"; return 1; }
    "$SANDBOX" app-sql "$SB" node1 "CREATE TABLE app.chaos (id BIGINT PRIMARY KEY, w VARCHAR(32) NOT NULL)" ||
        { say "cannot create app.chaos"; return 1; }
    return 0
}

# start_load: the workload (via /primary and straight at each node) and the read-only sampler.
start_load() {
    local args=() n
    for n in $NODES; do args+=(--node "$n=$(sock_of "$n")"); done
    "$WORKLOAD" --zk "$ZK_HOSTS" --znode "$ZK_ROOT/$CLUSTER/primary" --log "$RD/workload.log" \
        --rate "${CHAOS_RATE:-50}" --direct-rate "${CHAOS_DIRECT_RATE:-20}" "${args[@]}" \
        >>"$RD/workload.err" 2>&1 </dev/null &
    WL_PID=$!
    # "MONO_NS RO(node1) RO(node2) RO(node3)" every ~200 ms, over the unix sockets (no partition
    # cuts them); "?" when a mysqld does not answer within 1 s (stopped, down).
    (
        while :; do
            line=$(mono_ns)
            for n in $NODES; do
                ro=$(timeout -k 1 1 mariadb --no-defaults --socket="$(sock_of "$n")" -uroot -N -B \
                    --connect-timeout=1 -e "SELECT @@read_only" 2>/dev/null) || ro=""
                line="$line ${ro:-?}"
            done
            echo "$line" >>"$RD/ro.samples"
            sleep 0.2
        done
    ) </dev/null >/dev/null 2>&1 &
    RO_PID=$!
}

# via_oks: how many OKs the writer that follows /primary has logged.
via_oks() {
    local n
    n=$(awk '$1 == "OK" && $3 == "via" { n++ } END { print n + 0 }' "$RD/workload.log" 2>/dev/null)
    echo "${n:-0}"
}

# warmed: WARMUP_OKS acknowledged writes through /primary, every direct writer heard from (an OK,
# or a read-only refusal on a replica), two read-only samples: the run has a baseline.
warmed() {
    local n
    [ "$(via_oks)" -ge "$WARMUP_OKS" ] || return 1
    [ "$(wc -l <"$RD/ro.samples" 2>/dev/null || echo 0)" -ge 2 ] || return 1
    for n in $NODES; do
        awk -v n="$n" '($1 == "OK" || $1 == "ERR") && $3 == n { f = 1; exit } END { exit !f }' "$RD/workload.log" || return 1
    done
}

# warmup: the writes before the fault (warmed, at most WARMUP_S).
warmup() { wait_until "$WARMUP_S" warmed || say "  warmup: not warmed after ${WARMUP_S} s (via OKs: $(via_oks))"; }

stop_load() {
    if [ -n "$RO_PID" ]; then kill "$RO_PID" 2>/dev/null; wait "$RO_PID" 2>/dev/null; RO_PID=""; fi
    if [ -n "$WL_PID" ]; then
        kill -TERM "$WL_PID" 2>/dev/null
        local i
        for i in $(seq 1 50); do kill -0 "$WL_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$WL_PID" 2>/dev/null
        wait "$WL_PID" 2>/dev/null
        WL_PID=""
    fi
}

# run_down: everything this run started, by PID (the sandbox's pid files, our two children).
# The run is judged and its data thrown away, so nothing needs a clean shutdown: agents first
# (none may react to the rest going), then mysqld and ZooKeeper, all with SIGKILL by their
# recorded PIDs (sandbox down would give each SIGTERM and wait); down then removes the hosts.
run_down() {
    local n p
    stop_load
    if [ -n "$SB" ] && [ -d "$SB" ]; then
        # Logs a replay may want, before the directory goes.
        for n in ${NODES:-}; do
            cp "$SB/$n/failoverd.log" "$RD/$n.failoverd.log" 2>/dev/null
            cp "$SB/$n/mysqld.err" "$RD/$n.mysqld.err" 2>/dev/null
        done
        for n in ${NODES:-}; do "$SANDBOX" kill-agent "$SB" "$n" KILL >/dev/null 2>&1; done
        for n in ${NODES:-}; do "$SANDBOX" kill-mysqld "$SB" "$n" KILL >/dev/null 2>&1; done
        for n in $(seq 1 "${ZK_COUNT:-0}"); do
            p=$("$SANDBOX" pid "$SB" "zk$n" 2>/dev/null) && kill -KILL "$p" 2>/dev/null
        done
        # Nothing may be left stopped, or down cannot end it cleanly.
        "$SANDBOX" heal-all "$SB" >/dev/null 2>&1
        "$SANDBOX" down "$SB" >/dev/null 2>&1
        rm -rf "$SB"
    fi
    SB=""
}

# resume_all: SIGCONT every process of the sandbox (a scenario that failed half-way may leave
# one stopped), by its recorded PID.
resume_all() {
    local n p
    for n in $NODES; do
        for p in mysqld agent; do
            p=$("$SANDBOX" pid "$SB" "$n" "$p" 2>/dev/null) && kill -CONT "$p" 2>/dev/null
        done
    done
    for n in $(seq 1 "$ZK_COUNT"); do
        p=$("$SANDBOX" pid "$SB" "zk$n" 2>/dev/null) && kill -CONT "$p" 2>/dev/null
    done
    return 0
}

# quiet: the cluster settles (or SETTLE_S passes), then writes on the settled cluster (QUIET_OKS
# more OKs through /primary, at most QUIET_S); silent agents are looked for while the workload
# still writes; the workload stops; the facts the checker needs are collected.
quiet() {
    local n p pos t0 oks
    t0=$(date +%s)
    if wait_until "$SETTLE_S" settled; then
        say "  settled $(($(date +%s) - t0)) s after the heal on $(primary)"
    else
        say "  NOT settled after ${SETTLE_S} s: $(ctl status 2>&1 | tr -s ' ' | tr '\n' ';' | head -c 400)"
    fi
    phase settle
    oks=$(via_oks)
    # shellcheck disable=SC2317 # called through wait_until
    more_oks() { [ "$(via_oks)" -ge $((oks + QUIET_OKS)) ]; }
    wait_until "$QUIET_S" more_oks || say "  quiet: fewer than $QUIET_OKS OKs through /primary in ${QUIET_S} s"
    silent_agents
    phase quiet
    stop_load
    ctl status --json >"$RD/final.json" 2>/dev/null
    ctl history --json >"$RD/history.json" 2>/dev/null
    p=$(jq -r .primary "$RD/final.json" 2>/dev/null)
    echo "${p:-}" >"$RD/final_primary"
    pos=""
    [ -n "$p" ] && [ "$p" != null ] && pos=$(sql "$p" "SELECT @@gtid_binlog_pos" 2>/dev/null)
    for n in $NODES; do
        # Survivors: replicas streaming from the final primary, caught up with it. A node its
        # agent set aside as diverged never catches up: not waited for (20 s for nothing).
        if [ "$n" != "$p" ] && [ -n "$pos" ]; then
            if [ "$(jq -r --arg n "$n" '.nodes[] | select(.name == $n) | .state' "$RD/final.json" 2>/dev/null)" = diverged ]; then
                echo "-1 (diverged: not waited for)" >"$RD/caughtup.$n"
            else
                sql "$n" "SELECT MASTER_GTID_WAIT('$pos', 20)" >"$RD/caughtup.$n" 2>&1
            fi
        fi
        sql "$n" "SELECT id FROM app.chaos ORDER BY id" >"$RD/rows.$n" 2>/dev/null
        sql "$n" "CHECKSUM TABLE app.chaos" 2>/dev/null | awk '{ print $2 }' >"$RD/checksum.$n"
        mariadb --no-defaults --socket="$(sock_of "$n")" -uroot -e "SHOW SLAVE STATUS\G" 2>/dev/null |
            sed -n 's/^ *\(Master_Host\|Master_Port\|Slave_IO_Running\|Slave_SQL_Running\): /\1=/p' |
            tr '\n' ' ' >"$RD/slave.$n"
    done
    phase collect
}

# agent_silence NODE: prints why NODE's agent looks stuck, nothing when it does not (or does not
# run): its process runs but it is not registered under /nodes, or its znode has not changed for
# SILENT_S while the workload writes (its position would have moved) and its log is as silent.
agent_silence() {
    local n=$1 j pid age logage upd now
    pid=$("$SANDBOX" pid "$SB" "$n" agent 2>/dev/null) || return 0
    age=$(ps -o etimes= -p "$pid" 2>/dev/null | tr -d ' ')
    [ -n "$age" ] || return 0
    j=$(ctl status --json 2>/dev/null) # exit 1/2 on a degraded cluster: the JSON is what counts
    [ -n "$j" ] || return 0 # no ZooKeeper: the checker says what is wrong (jq 1.6 -e says yes to empty input)
    now=$(date +%s)
    logage=$((now - $(stat -c %Y "$SB/$n/failoverd.log" 2>/dev/null || echo "$now")))
    if ! jq -e --arg n "$n" '.nodes[] | select(.name == $n and .agent != false)' <<<"$j" >/dev/null 2>&1; then
        [ "$age" -ge 5 ] && echo "process $pid runs for $age s, not registered under /nodes; log silent for $logage s"
        return 0
    fi
    upd=$(jq -r --arg n "$n" '.nodes[] | select(.name == $n and .agent != false and (.state == "writable" or .state == "streaming")) | .updated_at // empty' <<<"$j")
    if [ -n "$upd" ] && [ $(($(real_ms) - upd)) -gt $((SILENT_S * 1000)) ] && [ "$logage" -gt "$SILENT_S" ]; then
        echo "process $pid: its /nodes znode unchanged for $((($(real_ms) - upd) / 1000)) s while the workload writes; log silent for $logage s"
    fi
    return 0
}

# silent_agents: an agent that stays silent (agent_silence) for SILENT_S more seconds is stuck:
# its threads' backtraces (gdb) go to RD/NODE.agent-bt.txt and the run fails with the reason
# (RD/extra.fail). The agent is left as it is. Costs one status read when every agent is fine.
silent_agents() {
    local n why bt pid
    for n in $NODES; do
        why=$(agent_silence "$n")
        [ -n "$why" ] || continue
        say "  agent $n looks silent ($why): watching it for ${SILENT_S} s"
        # shellcheck disable=SC2317 # called through wait_until
        spoke() { [ -z "$(agent_silence "$n")" ]; }
        wait_until "$SILENT_S" spoke && continue
        why=$(agent_silence "$n")
        [ -n "$why" ] || continue
        pid=$("$SANDBOX" pid "$SB" "$n" agent 2>/dev/null)
        bt="$RD/$n.agent-bt.txt"
        {
            echo "# agent $n (pid $pid): $why; last log lines:"
            tail -n 15 "$SB/$n/failoverd.log" 2>/dev/null | sed 's/^/#   /'
            timeout -k 5 60 gdb -p "$pid" -batch -ex 'info threads' -ex 'thread apply all bt' 2>&1
        } >"$bt"
        event "agent $n silent ($why): backtrace in $bt"
        echo "agent $n silent: backtrace in $bt ($why)" >>"$RD/extra.fail"
    done
    return 0
}

netem_works() { # NETEM_WHY says why not
    local ns="fochaos$$t" out
    ip netns add "$ns" 2>/dev/null || { NETEM_WHY="cannot create a scratch namespace"; return 1; }
    ip -n "$ns" link set lo up
    out=$(tc -n "$ns" qdisc add dev lo root netem delay 1ms 2>&1)
    local rc=$?
    ip netns del "$ns" 2>/dev/null
    [ $rc = 0 ] && return 0
    NETEM_WHY="tc qdisc add ... netem: ${out:-exit $rc} (the kernel has no sch_netem)"
    return 1
}
