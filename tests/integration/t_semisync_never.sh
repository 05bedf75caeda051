#!/usr/bin/env bash
# tests/run: serial
# Semi-sync and replicas that can never be promoted (issue 10, case 4). node3 is promotion=never
# (variant "never") or delayed with MASTER_DELAY (variant "delayed"): its agent keeps
# rpl_semi_sync_slave_enabled OFF, so with node2's IO thread stopped a write is NOT acknowledged
# although node3 received it (every acknowledged write is on a promotable replica). Then the
# primary dies with that write pending: node2 is promoted without a stall, after fetching what
# only node3 received from node3's relay log (a delayed node3 has its delay lifted for that and
# put back), and holds every acknowledged row.
# usage: t_semisync_never.sh [never|delayed|both] (default both)
source "$(dirname "$0")/lib.sh"

DELAY_S=3600

semi_slave() { sql "$1" 'SELECT @@rpl_semi_sync_slave_enabled'; }
status_var() { sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" | awk '{print $2}'; }
sql_delay() { slave_status "$1" | sed -n 's/^ *SQL_Delay: //p'; }
roles_ok() { # node2 acknowledges, node3 does not, node1 sees exactly one acking replica
    [ "$(semi_slave node2)" = 1 ] && [ "$(semi_slave node3)" = 0 ] &&
        [ "$(status_var node1 Rpl_semi_sync_master_clients)" = 1 ]
}
count_is() { sql_is "$1" "SELECT COUNT(*) FROM app.t" "$2"; }
has_row() { sql_is "$1" "SELECT COUNT(*) FROM app.t WHERE id = $2" 1; }
ms() { echo $(($(date +%s%N) / 1000000)); }
# node3 has received everything in node1's binlog
got_io() { [ "$(slave_status node3 | sed -n 's/^ *Gtid_IO_Pos: //p')" = "$(sql node1 'SELECT @@gtid_binlog_pos')" ]; }

run_variant() {
    local variant=$1
    log "==== variant: node3 $variant"
    if [ "$variant" = never ]; then
        sb_up --replicas 2 --semi-sync --set node3:node.promotion=never
    else
        sb_up --replicas 2 --semi-sync
    fi
    wait_for 40 "bootstrap settled" cluster_settled
    app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
    if [ "$variant" = delayed ]; then
        wait_for 10 "table on node3" sql_is node3 "SELECT COUNT(*) FROM app.t" 0
        sql node3 "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=$DELAY_S; START SLAVE" ||
            fail "set MASTER_DELAY on node3"
        expect_eq "SQL_Delay on node3" "$DELAY_S" "$(sql_delay node3)"
    fi
    wait_for 20 "node2 acks semi-sync, node3 ($variant) does not, node1 has 1 acking client" roles_ok
    expect_eq "rpl_semi_sync_slave_enabled on node3 ($variant)" 0 "$(semi_slave node3)"
    expect_eq "rpl_semi_sync_slave_enabled on node2" 1 "$(semi_slave node2)"

    # Acknowledged rows, while both replicas stream.
    start_writer node1 "$SB/acked"
    sleep 2
    stop_writer
    local rows
    rows=$(sql node1 "SELECT COUNT(*) FROM app.t")
    [ "$(sort -u "$SB/acked" | wc -l)" -gt 0 ] || fail "the writer got no OK at all (expected some rows before the fault)"
    wait_for 10 "node2 has the $rows rows of node1" count_is node2 "$rows"

    # node2 stops receiving: a write now reaches node3 only and must not be acknowledged.
    sql node2 "STOP SLAVE IO_THREAD" || fail "stop IO thread on node2"
    (app_sql node1 "INSERT INTO t (id) VALUES (999999)" && echo 999999 >>"$SB/acked") &
    local pending=$!
    wait_for 10 "node3 received the pending write" got_io
    sleep 3
    if ! alive "$pending"; then
        wait "$pending"
        fail "a write received only by node3 ($variant): expected no acknowledgement while " \
            "node2 (the only promotable replica) lacks it, saw it acknowledged within 3 s " \
            "(Rpl_semi_sync_master_status $(status_var node1 Rpl_semi_sync_master_status))"
    fi
    log "the write node3 ($variant) received is not acknowledged (node2 lacks it)"

    log "kill -9 mysqld on node1"
    local t0
    t0=$(ms)
    "$SANDBOX" kill-mysqld "$SB" node1 KILL
    wait "$pending" 2>/dev/null
    grep -qx 999999 "$SB/acked" && fail "the pending write was acknowledged by a dying primary"
    wait_for 30 "a new primary at epoch 2" epoch_is 2
    expect_eq "new primary (node3 is $variant)" node2 "$(st .primary)"
    wait_for 15 "node2 writable" state_is node2 writable
    local took=$(( $(ms) - t0 ))
    [ "$took" -lt 20000 ] || fail "primary kill to node2 writable: expected < 20000 ms, saw $took ms"
    log "node2 writable $took ms after the kill"
    every_acked_row_on node2 "$SB/acked"
    expect_eq "rows on node2 (the pending one fetched from node3's relay log)" "$((rows + 1))" \
        "$(sql node2 'SELECT COUNT(*) FROM app.t')"
    has_row node2 999999 || fail "node2 lacks the write only node3 had received (id 999999): expected it fetched from node3 before promotion"
    wait_for 20 "node3 replicating from node2" replicates_from node3 node2
    if [ "$variant" = delayed ]; then
        expect_eq "SQL_Delay on node3 after the failover (put back)" "$DELAY_S" "$(sql_delay node3)"
        grep -q "lifting the delay" "$SB"/node*/failoverd.log || fail "no coordinator log line saying node3's delay was lifted"
    fi
    expect_eq "rpl_semi_sync_slave_enabled on node3 after the failover" 0 "$(semi_slave node3)"
    log "variant $variant: PASS"
}

case "${1:-both}" in
never | delayed) run_variant "$1" ;;
both)
    # One sandbox per variant: a sub-shell each, torn down by its own trap.
    ( run_variant never ) || exit 1
    ( run_variant delayed ) || exit 1
    ;;
*) fail "usage: $0 [never|delayed|both]; saw '$1'" ;;
esac
log "PASS"
