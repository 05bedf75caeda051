#!/usr/bin/env bash
# Regression (issue 10, A4 with semi-sync): a frozen primary host does not acknowledge, on resume,
# a commit that was waiting for a replica. MariaDB times that wait (rpl_semi_sync_master_timeout)
# on the wall clock: after a freeze longer than the timeout the waiting commit is acknowledged the
# moment mysqld runs again, without any replica, before its agent (frozen too) can fence it, while
# another node is already primary. The agent now owns that timeout (semi_sync_timeout_ms): mysqld
# waits "forever", and only the agent, while it may still write, falls back to asynchronous
# replication. Before the fix the client below got its OK for a row no other node has.
#
# Part A (the agent's fallback works): with both replicas stopped, a commit is released after
# semi_sync_timeout_ms, and semi-sync comes back on when the replicas return.
# Part B (the freeze): node1 cut off, a commit waiting for an acknowledgement, node1's mysqld and
# agent SIGSTOPped past the session timeout (a failover happens) and past mysqld's own timeout,
# then continued: the client must get an error, never an OK.
source "$(dirname "$0")/lib.sh"

export SEMI_SYNC_TIMEOUT_MS=3000 # what mysqld's timer would do, without the agent
sets=(--set cluster.zk_session_timeout_ms=2000 --set failover.check_interval_ms=200)
[ "${PART:-AB}" = B ] || sets+=(--set failover.semi_sync_timeout_ms=1500)
sb_up --netns --semi-sync "${sets[@]}"
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
var() { sql node1 "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='$1'" 2>/dev/null; }

if [ "${PART:-AB}" != B ]; then
    wait_for 10 "node1's agent owns the semi-sync timeout" \
        sql_is node1 "SELECT @@rpl_semi_sync_master_timeout, @@rpl_semi_sync_master_wait_no_slave" "4294967295	1"
    r2=$("$SANDBOX" pid "$SB" node2 mysqld) && r3=$("$SANDBOX" pid "$SB" node3 mysqld) || fail "no replica mysqld pids"
    log "A: SIGSTOP both replicas' mysqld; a commit on node1 waits for an acknowledgement"
    kill -STOP "$r2" "$r3"
    on_exit "kill -CONT $r2 $r3"
    start=$(date +%s%3N)
    app_sql node1 "INSERT INTO t VALUES (1)" || fail "A: insert on node1 failed"
    took=$(( $(date +%s%3N) - start ))
    grep -q "semi-sync: no replica acknowledged for 1500 ms (semi_sync_timeout_ms)" "$SB/node1/failoverd.log" ||
        fail "A: the insert returned after ${took} ms, but node1's agent logged no fallback: $(grep -h semi-sync "$SB/node1/failoverd.log" | tail -n 3)"
    [ "$took" -ge 1500 ] || fail "A: the insert returned after ${took} ms, before semi_sync_timeout_ms (1500)"
    expect_eq "A: semi-sync master on node1 after the fallback" 0 "$(sql node1 "SELECT @@rpl_semi_sync_master_enabled")"
    log "A: released by the agent after ${took} ms; continuing the replicas"
    kill -CONT "$r2" "$r3"
    semi_on() { is_eq "$(sql node1 "SELECT @@rpl_semi_sync_master_enabled")" 1 && is_eq "$(var RPL_SEMI_SYNC_MASTER_STATUS)" ON; }
    wait_for 20 "semi-sync back on at node1" semi_on
    yes0=$(var RPL_SEMI_SYNC_MASTER_YES_TX)
    app_sql node1 "INSERT INTO t VALUES (2)" || fail "A: insert 2 on node1 failed"
    yes1=$(var RPL_SEMI_SYNC_MASTER_YES_TX)
    [ "$yes1" -gt "$yes0" ] || fail "A: insert 2 was not acknowledged by a replica (Rpl_semi_sync_master_yes_tx $yes0 -> $yes1)"
fi

m1=$("$SANDBOX" pid "$SB" node1 mysqld) && a1=$("$SANDBOX" pid "$SB" node1 agent) || fail "no node1 pids"
log "B: cut node1 off; a commit on node1 waits for an acknowledgement that cannot come"
"$SANDBOX" partition "$SB" node1 || fail "partition node1"
on_exit "\"$SANDBOX\" heal \"$SB\" node1"
# Over the unix socket: the cut does not reach it. Root, as an application with SUPER would.
( sql node1 "INSERT INTO app.t VALUES (100)" >"$SB/b.out" 2>&1; echo "rc=$?" >>"$SB/b.out" ) &
client=$!
sleep 0.4
pending() { is_eq "$(var RPL_SEMI_SYNC_MASTER_WAIT_SESSIONS)" 1; }
wait_for 5 "node1's commit waiting for an acknowledgement" pending
log "B: freeze node1 (SIGSTOP mysqld $m1 and agent $a1)"
kill -STOP "$m1" "$a1"
on_exit "kill -CONT $m1 $a1"
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 15 "$new writable" state_is "$new" writable
sleep 3.5 # past mysqld's own 3 s timeout, counted from the freeze
log "B: resume node1 (mysqld first, its agent right after, as a host resumes)"
kill -CONT "$m1"; kill -CONT "$a1"
for _ in $(seq 1 100); do alive "$client" || break; sleep 0.1; done
alive "$client" && fail "B: the client still waits 10 s after node1 resumed (expected the fence to cut it)"
out=$(cat "$SB/b.out")
log "B: the client saw: $(echo "$out" | tr '\n' ' ')"
echo "$out" | grep -q '^rc=0$' &&
    fail "B: node1 acknowledged row 100 after it resumed, while $new was primary (mysqld's own semi-sync timeout ran out during the freeze): an acknowledged write that $new does not have"
sql_is "$new" "SELECT COUNT(*) FROM app.t WHERE id = 100" 0 || fail "B: row 100 is on $new?"
log "PASS"
