# lib.sh -- shared helpers for integration tests: a sandbox per test (real ZooKeeper and MariaDB
# started by scripts/sandbox), assertions that print expected vs seen, and polling with deadlines.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SANDBOX="${SANDBOX:-$ROOT/scripts/sandbox}"
CTL="${FAILOVERCTL:-$ROOT/failoverctl}"
export FAILOVERD="${FAILOVERD:-$ROOT/failoverd}"
SB=""
WRITER_PID=""
CLEANUP_PATHS=() # more directories a test made, removed at exit
CLEANUP_CMDS=()  # commands run at exit before the sandbox goes down (use on_exit)

# on_exit "COMMAND": run at exit (before the sandbox is torn down), keeping the exit status.
on_exit() { CLEANUP_CMDS+=("$1"); }

log() { echo "[$(date +%T.%3N)] $*"; }

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

sb_cleanup() {
    local rc=$? c
    for c in "${CLEANUP_CMDS[@]+"${CLEANUP_CMDS[@]}"}"; do eval "$c" >/dev/null 2>&1; done
    stop_writer
    if [ -n "$SB" ] && [ -d "$SB" ]; then
        if [ $rc != 0 ]; then
            echo "---- status at failure"
            status_table 2>&1 | sed 's/^/    /'
            for n in $NODES; do
                echo "---- $n failoverd.log (tail)"
                tail -n 25 "$SB/$n/failoverd.log" 2>/dev/null | sed 's/^/    /'
            done
        fi
        if [ $rc != 0 ] && [ "${FO_KEEP_SANDBOX:-0}" = 1 ]; then
            echo "FO_KEEP_SANDBOX=1: left running in $SB (scripts/sandbox down $SB)"
            exit $rc
        fi
        "$SANDBOX" down "$SB" >/dev/null 2>&1
        rm -rf "$SB"
    fi
    [ ${#CLEANUP_PATHS[@]} -gt 0 ] && rm -rf "${CLEANUP_PATHS[@]}"
    exit $rc
}

# sb_up [sandbox up options...]: a fresh cluster in a fresh directory, torn down at exit.
sb_up() {
    SB=$(mktemp -d /tmp/fo-it.XXXXXX)
    NODES=""
    trap sb_cleanup EXIT
    "$SANDBOX" up "$SB" "$@" || fail "scripts/sandbox up $*: exit $?"
    # shellcheck disable=SC1091
    source "$SB/sandbox.env"
}

# alive PID: running (a zombie awaiting its reaper counts as dead; kill -0 would say alive).
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

port_of() { local v="${1^^}_PORT"; echo "${!v}"; }
sql() { "$SANDBOX" sql "$SB" "$@"; }
app_sql() { "$SANDBOX" app-sql "$SB" "$1" "USE app; $2"; }
status_json() { "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" status --json; }
status_table() { "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" status; }
# st FILTER: one jq expression over status --json
st() { status_json 2>/dev/null | jq -r "$1" 2>/dev/null; }
node_field() { st ".nodes[] | select(.name==\"$1\") | .$2"; }

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds, fail with DESCRIPTION.
wait_for() {
    local secs=$1 desc=$2
    shift 2
    local end=$(($(date +%s%N) / 1000000 + secs * 1000))
    until "$@"; do
        [ $(($(date +%s%N) / 1000000)) -lt $end ] || fail "timed out after ${secs}s waiting for: $desc"
        sleep 0.1
    done
}

# expect_eq WHAT EXPECTED SEEN
expect_eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', saw '$3'"; }

is_eq() { [ "$1" = "$2" ]; }
primary_is() { is_eq "$(st .primary)" "$1"; }
epoch_is() { is_eq "$(st .epoch)" "$1"; }
state_is() { is_eq "$(node_field "$1" state)" "$2"; }

# The cluster is up and settled: primary adopted and writable, every replica streaming from it.
cluster_settled() {
    local p
    p=$(st .primary)
    [ -n "$p" ] && [ "$p" != null ] || return 1
    state_is "$p" writable || return 1
    for n in $NODES; do
        [ "$n" = "$p" ] && continue
        state_is "$n" streaming || return 1
        is_eq "$(node_field "$n" source)" "$(addr_of "$p")" || return 1
    done
}

# slave_status NODE: SHOW SLAVE STATUS as "Field: value" lines.
slave_status() {
    local v="${1^^}_SOCK"
    mariadb --socket="${!v}" -uroot -e "SHOW SLAVE STATUS\G" 2>/dev/null
}

replicates_from() { # NODE PRIMARY: SHOW SLAVE STATUS says so, IO and SQL running
    local row
    row=$(slave_status "$1")
    echo "$row" | grep -q "Master_Port: $(port_of "$2")$" &&
        echo "$row" | grep -q "Slave_IO_Running: Yes" &&
        echo "$row" | grep -q "Slave_SQL_Running: Yes"
}

read_only_of() { sql "$1" "SELECT @@read_only" 2>/dev/null; }

# start_writer NODE FILE: autocommit inserts into app.t through the app account, one client per
# row; the id of every row that got an OK is appended to FILE.
start_writer() {
    local port
    port=$(port_of "$1")
    (
        i=0
        while :; do
            i=$((i + 1))
            if mariadb -h127.0.0.1 -P"$port" -u"$APP_USER" -p"$APP_PASSWORD" app \
                -e "INSERT INTO t (id) VALUES ($i)" 2>/dev/null; then
                echo "$i" >>"$2"
            fi
            sleep 0.01
        done
    ) &
    WRITER_PID=$!
}

# stop_writer: the loop and its in-flight client (by parent PID), so no OK arrives unrecorded.
stop_writer() {
    if [ -n "$WRITER_PID" ]; then
        kill -STOP "$WRITER_PID" 2>/dev/null
        local kids
        kids=$(pgrep -P "$WRITER_PID")
        [ -n "$kids" ] && kill -KILL $kids 2>/dev/null
        kill -KILL "$WRITER_PID" 2>/dev/null
        wait "$WRITER_PID" 2>/dev/null
    fi
    WRITER_PID=""
}

# every_acked_row_on NODE FILE: each id in FILE is a row on NODE.
every_acked_row_on() {
    local want have missing
    want=$(sort -n "$2" | uniq | wc -l)
    [ "$want" -gt 0 ] || fail "the writer got no OK at all (expected some rows before the fault)"
    sql "$1" "SELECT id FROM app.t ORDER BY id" >"$SB/rows.$1"
    missing=$(comm -23 <(sort "$2" | uniq) <(sort "$SB/rows.$1"))
    have=$((want - $(printf '%s' "$missing" | grep -c .)))
    [ -z "$missing" ] || fail "acknowledged rows on $1: expected all $want, saw $have (missing: $(echo $missing | head -c 200))"
    log "all $want acknowledged rows are on $1"
}

# acked_rows_async NEW FILE: asynchronous replication: an acknowledged row may be lost, but only
# one that no surviving replica ever received (the old primary acknowledged it and was cut off
# before its binlog dump thread sent it): the promotion must lose nothing any replica had. The
# lost ids go to $SB/lost_async (for diverged_rows_unacked) and are logged.
acked_rows_async() {
    local new=$1 missing n r
    sql "$new" "SELECT id FROM app.t ORDER BY id" | sort >"$SB/rows.$new"
    missing=$(comm -23 <(sort "$2" | uniq) "$SB/rows.$new")
    : >"$SB/lost_async"
    [ -n "$missing" ] || { log "all $(sort -u "$2" | wc -l) acknowledged rows are on $new"; return 0; }
    for n in $NODES; do
        [ "$n" = "$new" ] || [ "$n" = node1 ] && continue
        r=$(sql "$n" "SELECT id FROM app.t ORDER BY id" | sort | comm -12 - <(echo "$missing"))
        [ -z "$r" ] || fail "acknowledged rows missing on the new primary $new but received by $n: $r (a less advanced replica was promoted)"
    done
    echo "$missing" >"$SB/lost_async"
    log "async: $(echo "$missing" | wc -l) acknowledged row(s) never left node1 and are lost, as asynchronous replication allows: $(echo $missing)"
}

# sql_is NODE SQL EXPECTED: for wait_for (the query runs on every poll).
sql_is() { is_eq "$(sql "$1" "$2" 2>/dev/null)" "$3"; }

# ---- hosts: the same calls work on a `sandbox up --netns` cluster (each node a network namespace
# of its own, at NODEi_HOST) and on a default one (every node at 127.0.0.1).

# host_of NODE: the address NODE's mysqld, agent and HTTP endpoints listen on.
host_of() { local v="${1^^}_HOST"; echo "${!v:-127.0.0.1}"; }
addr_of() { echo "$(host_of "$1"):$(port_of "$1")"; }


# read_only_sock NODE: @@read_only over NODE's unix socket (which no partition cuts), "?" if no
# answer within 2 s.
read_only_sock() {
    local v="${1^^}_SOCK" out
    out=$(timeout -k 1 2 mariadb --no-defaults --socket="${!v}" -uroot -N -B --connect-timeout=1 \
        -e "SELECT @@read_only" 2>/dev/null) || out=""
    echo "${out:-?}"
}

# start_ro_sampler: every ~100 ms a line "MS RO(node1) RO(node2) ..." into $SAMPLES
# (default $SB/read_only.samples), each over the node's unix socket; stop_ro_sampler ends it.
start_ro_sampler() {
    SAMPLES=${SAMPLES:-$SB/read_only.samples}
    (
        while :; do
            local line n
            line=$(date +%s%3N)
            for n in $NODES; do line="$line $(read_only_sock "$n")"; done
            echo "$line" >>"$SAMPLES"
            sleep 0.1
        done
    ) &
    SAMPLER_PID=$!
    on_exit "kill $SAMPLER_PID"
}
stop_ro_sampler() { kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; }

# start_writer_at NODE FILE: start_writer at host_of NODE. A connect to a cut-off host gives up
# after 2 s; an insert in flight at the cut waits (no OK, no row counted) until stop_writer, which
# kills it with the loop: the client is the loop's own child, so nothing can acknowledge later.
start_writer_at() {
    local host port
    host=$(host_of "$1"); port=$(port_of "$1")
    (
        i=0
        while :; do
            i=$((i + 1))
            if MYSQL_PWD=$APP_PASSWORD mariadb --no-defaults -h"$host" -P"$port" \
                -u"$APP_USER" --connect-timeout=2 app -e "INSERT INTO t (id) VALUES ($i)" 2>/dev/null; then
                echo "$i" >>"$2"
            fi
            sleep 0.01
        done
    ) &
    WRITER_PID=$!
}

# diverged_rows_unacked OLD NEW ACKED_FILE: OLD was reported diverged; it must hold rows NEW
# lacks (else the report was wrong), and none of them may have been acknowledged to a client.
diverged_rows_unacked() {
    local extra acked_extra
    sql "$1" "SELECT id FROM app.t ORDER BY id" | sort >"$SB/rows.$1"
    sql "$2" "SELECT id FROM app.t ORDER BY id" | sort >"$SB/rows.$2"
    extra=$(comm -23 "$SB/rows.$1" "$SB/rows.$2")
    [ -n "$extra" ] || fail "$1 reported diverged but holds no row $2 lacks"
    acked_extra=$(comm -12 <(echo "$extra") <(sort "$3" | uniq))
    # Rows acked_rows_async found lost (asynchronous replication) are expected here.
    [ -s "$SB/lost_async" ] && acked_extra=$(comm -23 <(echo "$acked_extra" | grep .) "$SB/lost_async")
    [ -z "$acked_extra" ] || fail "$1 holds acknowledged rows $2 lacks: $acked_extra"
    log "$1 diverged by unacknowledged row(s): $(echo "$extra" | tr '\n' ' ')"
}

# restart_agent_on_zk NODE [ZK_HOSTS]: restart NODE's agent with `zk_hosts = ZK_HOSTS` in its
# config (as it was when ZK_HOSTS is empty), to steer which ZooKeeper server its session lands
# on. The cluster is paused around the restart, so that the agent's absence moves nothing (a
# primary's agent stopping leaves its mysqld writable); then the cluster must settle again.
restart_agent_on_zk() {
    local node=$1 hosts=${2:-} conf
    "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" pause >/dev/null || fail "failoverctl pause"
    wait_for 10 "the cluster paused" eval '[ "$(st .paused)" = true ]'
    sleep 1 # the agent reads /control on its next iteration
    "$SANDBOX" kill-agent "$SB" "$node" TERM || fail "stop $node's agent"
    if [ -n "$hosts" ]; then
        conf="${node^^}_CONF"
        sed -i "s/^zk_hosts = .*/zk_hosts = $hosts/" "${!conf}" || fail "zk_hosts in ${!conf}"
    fi
    "$SANDBOX" start-agent "$SB" "$node" || fail "start $node's agent"
    "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" resume >/dev/null || fail "failoverctl resume"
    wait_for 30 "cluster settled again" cluster_settled
}

# init_env PREFIX: scripts/init.d/failoverd set up to run node1's agent from a fresh directory
# /tmp/PREFIX.XXXXXX (conf/main.conf = node1's config, run/, log/); sets I and INIT, and stops
# the script's agent at exit.
init_env() {
    I=$(mktemp -d "/tmp/$1.XXXXXX")
    CLEANUP_PATHS+=("$I")
    mkdir -p "$I/conf"
    cp "$SB/node1/failoverd.conf" "$I/conf/main.conf"
    export FAILOVERD_DAEMON=$FAILOVERD FAILOVERD_CONFDIR=$I/conf FAILOVERD_RUNDIR=$I/run FAILOVERD_LOGDIR=$I/log
    INIT=$ROOT/scripts/init.d/failoverd
    on_exit '"$INIT" stop'
}
