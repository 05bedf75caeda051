#!/usr/bin/env bash
# Regression (issue 10, invariant 1 and A1; CI saw its freeze form once in t_semisync_freeze): the
# fencing deadline is kept by the clock in every thread, not by the event loop's timer alone.
# The loop thread (ZooKeeper callbacks, heartbeats, the deadline timer) can stop running while the
# agent's other threads go on: blocked in a log write to a stalled journald, or, after a freeze of
# the whole host, simply scheduled after the others. The agent used to decide on a flag only that
# timer cleared: with its loop stopped, a primary cut off from ZooKeeper and its replicas was
# never fenced (the fencer waited for the timer) and the semi-sync fallback acknowledged a commit
# no replica had, while another node was promoted. Now the fencer waits for the deadline itself
# and every write decision reads the clock (session_live()).
#
# node1 (primary, semi-sync) cut off; a commit on node1 waits for an acknowledgement; node1's
# agent's loop thread alone is stopped (tests/tools/threadstop, ptrace) for 6 s, past the session
# timeout and the failover. Expected: node1 fenced (read-only, or killed when the waiting commit
# blocks read_only) before the new primary is writable, the client gets an error, no fallback.
source "$(dirname "$0")/lib.sh"

THREADSTOP=${THREADSTOP:-$ROOT/build/threadstop}
[ -x "$THREADSTOP" ] || fail "no $THREADSTOP (make build/threadstop)"
sb_up --netns --semi-sync --set cluster.zk_session_timeout_ms=2000 \
    --set failover.check_interval_ms=200 --set failover.semi_sync_timeout_ms=1500
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
var() { sql node1 "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='$1'" 2>/dev/null; }
pending() { is_eq "$(var RPL_SEMI_SYNC_MASTER_WAIT_SESSIONS)" 1; }
wait_for 10 "node1's agent owns the semi-sync timeout" \
    sql_is node1 "SELECT @@rpl_semi_sync_master_timeout, @@rpl_semi_sync_master_wait_no_slave" "4294967295	1"
a1=$("$SANDBOX" pid "$SB" node1 agent) || fail "no node1 agent pid"
lines=$(wc -l <"$SB/node1/failoverd.log")

log "cut node1 off; a commit on node1 waits for an acknowledgement that cannot come"
"$SANDBOX" partition "$SB" node1 || fail "partition node1"
on_exit "\"$SANDBOX\" heal \"$SB\" node1"
( sql node1 "INSERT INTO app.t VALUES (100)" >"$SB/c.out" 2>&1; echo "rc=$?" >>"$SB/c.out" ) &
client=$!
wait_for 5 "node1's commit waiting for an acknowledgement" pending
log "stop node1's agent's loop thread (tid $a1) for 6 s; its other threads run on"
"$THREADSTOP" "$a1" 6000 >"$SB/threadstop.out" 2>&1 &
stopper=$!
on_exit "kill $stopper"
wait_for 5 "the loop thread stopped" grep -q "^stopped $a1" "$SB/threadstop.out"
stopped_at=$(date +%s%3N)
wait_for 15 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 10 "$new writable" state_is "$new" writable
ro=$(read_only_sock node1)
log "$new writable $(( $(date +%s%3N) - stopped_at )) ms after the stop; node1's read_only: $ro"
alive "$stopper" || fail "the loop thread ran again before $new was writable: $(cat "$SB/threadstop.out")"
[ "$ro" = 1 ] || [ "$ro" = "?" ] ||
    fail "node1 is writable (read_only $ro) while $new is primary: its agent's fencer waited for the stopped loop thread"
for _ in $(seq 1 100); do alive "$client" || break; sleep 0.1; done
alive "$client" && fail "the client still waits 10 s after $new became primary"
out=$(tr '\n' ' ' <"$SB/c.out")
log "the client saw: $out"
echo "$out" | grep -q 'rc=0' &&
    fail "node1 acknowledged row 100, which no replica has, while its agent's deadline had passed"
after=$(tail -n +"$((lines + 1))" "$SB/node1/failoverd.log")
echo "$after" | grep -q "semi-sync: no replica acknowledged" &&
    fail "node1's agent fell back to asynchronous replication after its deadline: $(echo "$after" | grep semi-sync | tail -n 2)"
echo "$after" | grep -q "the fencing deadline passed .* before the event loop saw it" ||
    fail "node1's fencer did not say it acted on the clock: $(echo "$after" | grep -E 'fenc' | head -n 3)"
wait "$stopper" || fail "threadstop: $(cat "$SB/threadstop.out")"
log "PASS"
