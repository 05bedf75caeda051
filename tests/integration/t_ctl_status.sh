#!/usr/bin/env bash
# failoverctl status against the real topology: every --json field checked with what the servers
# themselves say (ports, roles, read_only, sources, coordinator, GTIDs); the table is aligned and
# shows PAUSED loudly; bad input gets one line and the documented exit code, and changes nothing.
source "$(dirname "$0")/lib_ctl.sh"

sb_up --replicas 2
wait_for 40 "bootstrap: node1 writable, node2 and node3 streaming from it" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
for i in 1 2 3; do app_sql node1 "INSERT INTO t VALUES ($i)" || fail "insert $i"; done
wait_for 30 "published GTIDs equal to each server's @@gtid_binlog_pos (settled positions go out within 5 s)" published_gtids_match

run ctl status --json
expect_rc "status --json" 0
J=$OUT
jf() { printf '%s' "$J" | jq -r "$1"; }
expect_eq "cluster" "$CLUSTER" "$(jf .cluster)"
expect_eq "primary" node1 "$(jf .primary)"
expect_eq "epoch" 1 "$(jf .epoch)"
expect_eq "paused" false "$(jf .paused)"
expect_eq "fencing" false "$(jf .fencing)"
expect_eq "request" null "$(jf .request)"
expect_eq "node count" 3 "$(jf '.nodes | length')"
coord=$(jf .coordinator)
# The coordinator is the agent that says it won the election (only one has, in a fresh cluster).
won=$(for n in $NODES; do grep -q "this agent is now the coordinator" "$SB/$n/failoverd.log" && echo "$n"; done)
expect_eq "coordinator (the agent that logged winning the election)" "$won" "$coord"
echo " $NODES " | grep -q " $coord " || fail "coordinator: expected one of $NODES, saw $coord"
expect_eq "nodes flagged coordinator" "$coord" "$(jf '[.nodes[] | select(.coordinator) | .name] | join(",")')"
binlog1=$(sql node1 "SELECT @@gtid_binlog_pos")
for n in $NODES; do
    f() { printf '%s' "$J" | jq -r ".nodes[] | select(.name==\"$n\") | .$1"; }
    expect_eq "$n port" "$(port_of "$n")" "$(f port)"
    expect_eq "$n host" 127.0.0.1 "$(f host)"
    expect_eq "$n healthy" true "$(f healthy)"
    ro=$(sql "$n" "SELECT @@read_only")
    [ "$ro" = 1 ] && ro=true || ro=false
    expect_eq "$n read_only (as mysqld says)" "$ro" "$(f read_only)"
    expect_eq "$n gtid_applied" "$binlog1" "$(f gtid_applied)"
    expect_eq "$n gtid_received" "$binlog1" "$(f gtid_received)"
    expect_eq "$n gtid_binlog (as mysqld says)" "$(sql "$n" "SELECT @@gtid_binlog_pos")" "$(f gtid_binlog)"
    expect_eq "$n promotion" neutral "$(f promotion)"
    expect_eq "$n diverged" false "$(f diverged)"
    expect_eq "$n epoch" 1 "$(f epoch)"
    expect_eq "$n error" null "$(f error)"
    if [ "$n" = node1 ]; then
        expect_eq "$n role" primary "$(f role)"
        expect_eq "$n state" writable "$(f state)"
        expect_eq "$n source" null "$(f source)"
        expect_eq "$n replicas_connected" 2 "$(f replicas_connected)"
    else
        expect_eq "$n role" replica "$(f role)"
        expect_eq "$n state" streaming "$(f state)"
        expect_eq "$n source" "127.0.0.1:$NODE1_PORT" "$(f source)"
        replicates_from "$n" node1 || fail "$n: SHOW SLAVE STATUS does not show it replicating from node1"
        expect_eq "$n lag_s" 0 "$(f lag_s)"
        expect_eq "$n io_running" true "$(f io_running)"
        expect_eq "$n sql_running" true "$(f sql_running)"
        expect_eq "$n gtid_slave_pos (as mysqld says)" "$(sql "$n" "SELECT @@gtid_slave_pos")" "$(f gtid_applied)"
    fi
done

# The table: header facts, one row per node, columns aligned.
run ctl status
expect_rc "status" 0
expect_match "status header" "Cluster: $CLUSTER +Primary: node1 +Epoch: 1 +Coordinator: $coord" "$OUT"
expect_no_match "status while not paused" "PAUSED" "$OUT"
hdr=$(printf '%s\n' "$OUT" | grep -E '^ +NODE +ROLE')
[ -n "$hdr" ] || fail "status: no table header line in: $OUT"
for col in ROLE STATE RECEIVED SOURCE; do
    want=$(awk -v h="$hdr" -v c="$col" 'BEGIN { print index(h, c) }')
    for n in $NODES; do
        row=$(printf '%s\n' "$OUT" | grep -E "^[ *] +$n ")
        [ -n "$row" ] || fail "status: no row for $n in: $OUT"
        # the cell under the column title starts where the title starts
        cell_start=$(awk -v r="$row" -v p="$want" 'BEGIN { print (substr(r, p - 1, 1) == " " && substr(r, p, 1) != " ") ? 1 : 0 }')
        expect_eq "column $col of $n's row starts under its title" 1 "$cell_start"
    done
done
expect_match "coordinator marked" "^\* +$coord " "$(printf '%s\n' "$OUT" | grep -E "^\* ")"
expect_match "node2 row" "node2 +replica +streaming +on +$binlog1 +$binlog1 +0s +node1" "$OUT"

# pause shows loudly in both forms; resume clears it.
run ctl pause
expect_rc "pause" 0
run ctl status
expect_match "status while paused" '\*\*\* PAUSED' "$OUT"
expect_eq "paused in --json" true "$(st .paused)"
run ctl resume
expect_rc "resume" 0
expect_eq "paused after resume" false "$(st .paused)"

# --watch redraws until interrupted (not a terminal here: snapshots one after another).
timeout --preserve-status -s INT 2.5 "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" status --watch >"$SB/watch.out" 2>&1
rc=$?
expect_eq "status --watch ends cleanly on SIGINT" 0 "$rc"
frames=$(grep -c "^Cluster: $CLUSTER" "$SB/watch.out")
[ "$frames" -ge 2 ] || fail "status --watch: expected at least 2 frames in 2.5 s, saw $frames"

# Bad input: one line on stderr, the documented exit code, nothing changed.
before=$(db_snapshot)
run "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" frobnicate
expect_rc "unknown command" 2
expect_one_line "unknown command" "$ERR"
expect_match "unknown command message" 'unknown command "frobnicate"; allowed: status' "$ERR"
run ctl status --jsn
expect_rc "unknown option" 2
expect_one_line "unknown option" "$ERR"
expect_match "unknown option message" 'unknown option "--jsn"; allowed: --json, --watch' "$ERR"
run ctl switchover --to node9
expect_rc "switchover to an unknown node" 7
expect_one_line "unknown node" "$ERR"
expect_match "unknown node message" 'unknown node "node9".*registered: node1, node2, node3' "$ERR"
run ctl failover --to node9 --force
expect_rc "failover to an unknown node" 7
expect_one_line "unknown node (failover)" "$ERR"
run ctl failover
expect_rc "failover without --to" 2
expect_one_line "failover without --to" "$ERR"
run ctl history -n many
expect_rc "history -n many" 2
expect_one_line "history -n many" "$ERR"
run ctl switchover --timeout 0
expect_rc "switchover --timeout 0" 2
run ctl switchover --to node1
expect_rc "switchover to the primary itself" 6
expect_one_line "switchover to the primary" "$ERR"
run "$CTL" --zk "$ZK_HOSTS" --cluster nosuch status
expect_rc "unknown cluster" 7
expect_one_line "unknown cluster" "$ERR"
expect_match "unknown cluster names the known ones" "clusters there: $CLUSTER" "$ERR"
run "$CTL" --zk "127.0.0.1:1" --cluster "$CLUSTER" status
expect_rc "ZooKeeper unreachable (status: 3, like a monitoring check's unknown)" 3
expect_one_line "ZooKeeper unreachable" "$ERR"
run "$CTL" -c /nonexistent/failoverd.conf status
expect_rc "missing config file" 3
expect_one_line "missing config file" "$ERR"
run ctl explain
expect_rc "explain without a config file" 2
expect_one_line "explain without a config file" "$ERR"
run ctl status --json extra
expect_rc "extra argument" 2
expect_one_line "extra argument" "$ERR"
for cmd in status switchover failover pause resume history explain check-config; do
    run ctl "$cmd" --help
    expect_rc "$cmd --help" 0
    expect_match "$cmd --help" "^usage: failoverctl .*$cmd" "$OUT"
done
run "$CTL" --help
expect_rc "--help" 0
expect_match "--help lists every command" "check-config" "$OUT"
expect_eq "nothing changed by bad input" "$before" "$(db_snapshot)"
expect_eq "epoch after bad input" 1 "$(st .epoch)"
expect_eq "primary after bad input" node1 "$(st .primary)"
log "PASS"
