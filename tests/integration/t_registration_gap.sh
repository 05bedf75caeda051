#!/usr/bin/env bash
# The coordinator takes a missing registration (nodes/NAME) for a fenced node, so a registration
# must never be missing, or unreadable and taken for missing, while its mysqld may be writable
# (failoverd-protocol(7), G12; the spin model's bug-registration-gap).
#  1. The primary's agent is killed (kill -9) and started again at once: it resumes its
#     predecessor's ZooKeeper session from the lease file, so nodes/NAME is never deleted (same
#     ephemeral owner), the coordinator stays, and mysqld is never made read-only. Before, the new
#     process opened a new session and deleted the old registration before creating its own.
#  2. The primary's registration holds garbage while its agent is stopped (SIGSTOP, 1.5 s, well
#     inside T/2) and a forced manual failover is asked for (failoverctl refuses a switchover
#     when it cannot read the primary's registration): the coordinator must wait for the agent's
#     fence acknowledgement. Before, it took the unreadable registration for an absent one, i.e. for a
#     fence, and promoted while the old primary was writable: two writable nodes.
#  3. The primary's agent is killed and its lease file removed (nothing to resume): the new
#     process must fence its mysqld before it deletes the registration the old session holds,
#     then lift read_only again once registered.
source "$(dirname "$0")/lib.sh"

zkcli() { timeout 30 /usr/share/zookeeper/bin/zkCli.sh -server "$ZK_HOSTS" "$@" 2>/dev/null; }
owner_of() { zkcli stat "$ZK_ROOT/$CLUSTER/nodes/$1" | sed -n 's/^ephemeralOwner = //p'; }
# writable_pairs FROM_MS: sample lines after FROM_MS with two or more writable nodes
writable_pairs() {
    awk -v from="$1" 'NF >= 4 && $1 >= from { w = 0; for (i = 2; i <= NF; i++) w += ($i == "0"); if (w >= 2) print }' "$SAMPLES"
}
# ro_seen NODE_INDEX FROM_MS: how many samples after FROM_MS saw that node read-only
ro_seen() { awk -v c="$(($1 + 1))" -v from="$2" 'NF >= 4 && $1 >= from && $c == "1"' "$SAMPLES" | wc -l; }
idx_of() { local i=1 n; for n in $NODES; do [ "$n" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; }

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
start_ro_sampler
P=$(st .primary)
C=$(st .coordinator)
log "primary $P, coordinator $C"

# ---- 1. a killed agent resumes its session ----
lease="$SB/$P/failoverd.lease"
wait_for 10 "$P's lease names a session" grep -Eq ' [0-9a-f]{16} [0-9a-f]{32}$' "$lease"
expect_eq "lease file mode" 600 "$(stat -c %a "$lease")"
owner=$(owner_of "$P")
[[ $owner =~ ^0x[0-9a-f]+$ ]] || fail "ephemeral owner of nodes/$P: expected 0x..., saw '$owner'"
t1=$(date +%s%3N)
log "kill -9 $P's agent and start it again at once"
"$SANDBOX" kill-agent "$SB" "$P" KILL || fail "kill $P's agent"
"$SANDBOX" start-agent "$SB" "$P" || fail "start $P's agent"
wait_for 20 "$P's agent says it resumed the session" grep -q "resuming the previous agent's session $owner" "$SB/$P/failoverd.log"
wait_for 20 "$P registered and writable" state_is "$P" writable
sleep 2
expect_eq "ephemeral owner of nodes/$P after the restart (the same session)" "$owner" "$(owner_of "$P")"
! grep -q "not ours" "$SB/$P/failoverd.log" || fail "$P's agent replaced its registration: $(grep "not ours" "$SB/$P/failoverd.log")"
expect_eq "coordinator after the restart" "$C" "$(st .coordinator)"
expect_eq "epoch after the restart" 1 "$(st .epoch)"
expect_eq "samples with $P read-only after the restart" 0 "$(ro_seen "$(idx_of "$P")" "$t1")"

# ---- 2. an unreadable registration is no fence ----
if [ "$P" = "$C" ]; then
    to=$(for n in $NODES; do [ "$n" != "$C" ] && echo "$n"; done | head -1)
    log "switchover to $to first, so that the primary's agent is not the coordinator"
    "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" switchover --to "$to" --timeout 20 --yes >/dev/null || fail "switchover to $to"
    wait_for 20 "$to writable" state_is "$to" writable
    P=$to
fi
T=$(for n in $NODES; do [ "$n" != "$C" ] && [ "$n" != "$P" ] && echo "$n"; done | head -1)
[ -n "$T" ] || T=$C
E=$(st .epoch)
wait_for 30 "cluster settled before part 2" cluster_settled
t2=$(date +%s%3N)
# The agent must stay stopped well inside its lease (T/2): a stop past it is the documented gap of
# a frozen agent (failoverd-protocol(7), A4), not this case. A zkCli started now takes seconds on
# a busy machine; so one is started first and fed the write through a FIFO once it is connected.
mkfifo "$SB/zk.in"
timeout 120 /usr/share/zookeeper/bin/zkCli.sh -server "$ZK_HOSTS" <"$SB/zk.in" >"$SB/zk.out" 2>&1 &
zkc=$!
exec 7>"$SB/zk.in"
on_exit "exec 7>&-; kill $zkc"
echo "ls $ZK_ROOT/$CLUSTER" >&7
zk_ready() { grep -q "election" "$SB/zk.out"; }
wait_for 60 "zkCli connected" zk_ready
log "stop $P's agent, write garbage into nodes/$P, ask for a forced failover to $T, continue the agent 1.5 s later"
"$SANDBOX" kill-agent "$SB" "$P" STOP || fail "stop $P's agent"
stopped=$(date +%s%3N)
on_exit "\"$SANDBOX\" kill-agent \"$SB\" \"$P\" CONT"
echo "set $ZK_ROOT/$CLUSTER/nodes/$P {not-json-$stopped" >&7
echo "get $ZK_ROOT/$CLUSTER/nodes/$P" >&7
garbage() { grep -q "^{not-json-$stopped" "$SB/zk.out"; }
for _ in $(seq 1 100); do garbage && break; sleep 0.05; done
garbage || fail "zkCli: the garbage did not reach nodes/$P within 5 s: $(tail -n 3 "$SB/zk.out")"
"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" failover --to "$T" --force --timeout 20 >"$SB/so.out" 2>&1 &
so=$!
left=$(( 1500 - ($(date +%s%3N) - stopped) ))
[ "$left" -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
"$SANDBOX" kill-agent "$SB" "$P" CONT || fail "continue $P's agent"
took=$(( $(date +%s%3N) - stopped ))
log "$P's agent was stopped for $took ms"
wait "$so"; rc=$?
cat "$SB/so.out"
expect_eq "failover exit status" 0 "$rc"
wait_for 20 "$T writable at epoch $((E + 1))" epoch_is $((E + 1))
sleep 1
pairs=$(writable_pairs "$t2")
[ -z "$pairs" ] || fail "two writable nodes while $P's registration was unreadable (samples: MS $NODES):
$pairs"
grep -q "fence: acknowledged to the coordinator" "$SB/$P/failoverd.log" || fail "$P's agent: expected a fence acknowledgement"

# ---- 3. no lease: fence, then replace ----
P=$T
wait_for 30 "cluster settled before part 3" cluster_settled
log "kill -9 $P's agent, remove its lease file, start it again"
"$SANDBOX" kill-agent "$SB" "$P" KILL || fail "kill $P's agent"
rm -f "$SB/$P/failoverd.lease"
: >"$SB/$P/failoverd.log.part3"
lines=$(wc -l <"$SB/$P/failoverd.log")
"$SANDBOX" start-agent "$SB" "$P" || fail "start $P's agent"
wait_for 20 "$P's agent replaced its registration" grep -q "not ours" "$SB/$P/failoverd.log"
wait_for 20 "$P writable again" state_is "$P" writable
tail -n +"$((lines + 1))" "$SB/$P/failoverd.log" >"$SB/$P/failoverd.log.part3"
fence_line=$(grep -n "fence: mysqld read-only" "$SB/$P/failoverd.log.part3" | head -1 | cut -d: -f1)
reg_line=$(grep -n "zookeeper: registered" "$SB/$P/failoverd.log.part3" | head -1 | cut -d: -f1)
[ -n "$fence_line" ] || fail "$P's new agent: expected it to fence before replacing its registration, saw no fence"
[ -n "$reg_line" ] || fail "$P's new agent: expected it to register, saw no such line"
[ "$fence_line" -lt "$reg_line" ] || fail "$P's new agent registered (line $reg_line) before it fenced (line $fence_line)"
lift_line=$(grep -n "mysqld is now writable" "$SB/$P/failoverd.log.part3" | head -1 | cut -d: -f1)
[ -n "$lift_line" ] && [ "$lift_line" -gt "$reg_line" ] ||
    fail "$P's new agent: expected it to lift read_only after it registered (line $reg_line), saw '${lift_line:-no lift}'"
expect_eq "epoch after the restart without a lease" $((E + 1)) "$(st .epoch)"
stop_ro_sampler
pairs=$(writable_pairs "$t1")
[ -z "$pairs" ] || fail "two writable nodes (samples: MS $NODES):
$pairs"
log "PASS"
