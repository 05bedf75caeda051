# lib_ctl.sh -- helpers for the failoverctl tests (t_ctl_*.sh), on top of lib.sh: run a command
# capturing stdout, stderr and exit status, assert on them, and snapshot what every mysqld says.
# shellcheck disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ctl ARGS...: failoverctl on the sandbox's cluster by --zk/--cluster.
ctl() { "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" "$@"; }
# ctl_c ARGS...: failoverctl with node1's config file (what explain and check-config need).
ctl_c() { "$CTL" -c "$NODE1_CONF" "$@"; }

# run CMD...: run it; OUT, ERR and RC hold its stdout, stderr and exit status.
run() {
    local e
    e=$(mktemp "${SB:-/tmp}/stderr.XXXXXX")
    OUT=$("$@" 2>"$e")
    RC=$?
    ERR=$(cat "$e")
    rm -f "$e"
    log "\$ ${*#"$CTL"} -> exit $RC"
    [ -z "$OUT" ] || printf '%s\n' "$OUT" | sed 's/^/    | /'
    [ -z "$ERR" ] || printf '%s\n' "$ERR" | sed 's/^/    ! /'
}

expect_rc() { [ "$RC" = "$2" ] || fail "$1: expected exit $2, saw $RC (stderr: $ERR)"; }

# expect_match WHAT REGEX TEXT: TEXT matches the extended REGEX.
expect_match() { printf '%s' "$3" | grep -Eq -- "$2" || fail "$1: expected text matching /$2/, saw: $3"; }
expect_no_match() { ! printf '%s' "$3" | grep -Eq -- "$2" || fail "$1: expected no /$2/, saw: $3"; }

# expect_one_line WHAT TEXT: exactly one non-empty line.
expect_one_line() {
    local n
    n=$(printf '%s\n' "$2" | grep -c .)
    [ "$n" = 1 ] || fail "$1: expected a one-line message, saw $n lines: $2"
}

# db_snapshot: "node gtid_binlog_pos gtid_slave_pos read_only" for every node, straight from mysqld.
db_snapshot() {
    local n
    for n in $NODES; do
        echo "$n $(sql "$n" "SELECT @@gtid_binlog_pos, @@gtid_slave_pos, @@read_only" | tr '\t' ' ')"
    done
}

# Published positions caught up with what the servers say (agents publish settled positions
# within POSITION_MIN_GAP_MS, 5 s).
published_gtids_match() {
    local n want
    for n in $NODES; do
        want=$(sql "$n" "SELECT @@gtid_binlog_pos")
        is_eq "$(node_field "$n" gtid_binlog)" "$want" || return 1
        is_eq "$(node_field "$n" gtid_applied)" "$want" || return 1
        is_eq "$(node_field "$n" gtid_received)" "$want" || return 1
    done
}

# history_json FILTER: one jq expression over history --json.
hist() { ctl history --json -n 0 2>/dev/null | jq -r "$1" 2>/dev/null; }
