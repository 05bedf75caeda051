#!/usr/bin/env bash
# A restarted agent keeps its predecessor's fencing deadline (lease.c, [agent] lease_file).
# The primary's agent dies (kill -9: nothing is fenced on the way out), its host is cut off from
# everything, and the agent is started again on the cut-off host after its predecessor's deadline
# (last answered sync + T/2) has passed but before the old session can expire (+ T). The old
# session then expires at the ZooKeeper leader and another node is promoted. Before the lease, the
# new process gave itself a fresh T/2 from its own start and left mysqld writable past the
# promotion: two writable nodes. Now it fences at once, before anything is promoted.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2 --netns
expect_eq "NETNS in sandbox.env" 1 "${NETNS:-}"
wait_for 40 "bootstrap settled" cluster_settled
expect_eq "primary after bootstrap" node1 "$(st .primary)"
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
lease="$SB/node1/failoverd.lease"
wait_for 10 "node1's lease file" test -s "$lease"
wait_for 10 "node1's lease names its session" grep -Eq ' [0-9a-f]{16} [0-9a-f]{32}$' "$lease"
read -r boot deadline session passwd <"$lease"
expect_eq "lease boot id" "$(cat /proc/sys/kernel/random/boot_id)" "$boot"
[[ $deadline =~ ^[0-9]+$ ]] || fail "lease deadline: expected a number, saw '$deadline'"
[[ $session =~ ^[0-9a-f]{16}$ && $passwd =~ ^[0-9a-f]{32}$ ]] ||
    fail "lease session: expected 16 and 32 hex digits, saw '$session' '$passwd'"

start_ro_sampler # "MS RO(node1) RO(node2) RO(node3)" every ~100 ms into $SAMPLES

log "kill -9 node1's agent (mysqld stays writable, nobody fences it), then cut node1's host off"
t0_ms=$(($(date +%s%N) / 1000000))
"$SANDBOX" kill-agent "$SB" node1 KILL || fail "kill node1's agent"
"$SANDBOX" partition "$SB" node1 || fail "sandbox partition node1"
# T = 4 s: the old deadline is at most +2 s, the old session expires at +4 s at the earliest; the
# restart at +2.6 s is after the first and leaves the new process time to fence before the second
# (the last sync before the kill may be a heartbeat, T/8, older than the kill).
sleep 2.6
log "start node1's agent again, on the cut-off host, 2.6 s after the kill"
t_start_ms=$(($(date +%s%N) / 1000000))
"$SANDBOX" start-agent "$SB" node1 || fail "start node1's agent"
wait_for 40 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 15 "$new writable" state_is "$new" writable
sleep 1
grep -q "lease: the previous agent's fencing deadline" "$SB/node1/failoverd.log" ||
    fail "node1's agent log: expected it to say it inherited a deadline that had passed, saw none such"
stop_ro_sampler

read -r split first_ro1 first_w <<<"$(awk -v cut="$t0_ms" '
    NF == 4 && $1 >= cut {
        w = ($2 == "0") + ($3 == "0") + ($4 == "0")
        if (w >= 2 && both == "") both = $1
        if ($2 == "1" && ro1 == "") ro1 = $1
        if (($3 == "0" || $4 == "0") && w1 == "") w1 = $1
    }
    END { printf "%s %s %s\n", (both == "" ? "-" : both), (ro1 == "" ? "-" : ro1), (w1 == "" ? "-" : w1) }' "$SAMPLES")"
[ "$first_ro1" != - ] || fail "node1 read-only after the restart: expected it, never saw it"
[ "$first_w" != - ] || fail "another node writable: expected it, never saw it"
log "node1 read-only $((first_ro1 - t0_ms)) ms after the kill ($((first_ro1 - t_start_ms)) ms after the restart), $new writable $((first_w - t0_ms)) ms after the kill"
[ "$split" = - ] || fail "two nodes writable in the sample at $split ms ($(grep "^$split " "$SAMPLES"))"
[ "$first_ro1" -lt "$first_w" ] ||
    fail "order: expected node1 read-only before any other node writable, saw node1 read-only at +$((first_ro1 - t0_ms)) ms and a writable one at +$((first_w - t0_ms)) ms"

log "heal node1; a clean stop of an agent removes its lease"
"$SANDBOX" heal "$SB" node1 || fail "sandbox heal node1"
"$SANDBOX" kill-agent "$SB" node1 TERM || fail "stop node1's agent"
wait_for 10 "node1's lease file gone after a clean stop" test ! -e "$lease"
log "PASS"
