#!/usr/bin/env bash
# Keys that must match on every node are checked, not only documented: node3 runs with another
# check_interval_ms. Its config_digest differs, `failoverctl status` lists the mismatch as a
# problem, and when the primary's mysqld is killed the coordinator refuses to fail over, logs why
# (the node and both digests) and records the refusal in the history. With node3's config fixed
# and its agent restarted the problem goes away and the failover goes ahead.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2 --set node3:failover.check_interval_ms=700
wait_for 40 "bootstrap: node1 writable, node2 and node3 streaming from it" cluster_settled

digest_of() { node_field "$1" config_digest; }
d1=$(digest_of node1) d2=$(digest_of node2) d3=$(digest_of node3)
log "config digests: node1 $d1, node2 $d2, node3 $d3"
[[ $d1 =~ ^[0-9a-f]{16}$ ]] || fail "node1's config_digest: expected 16 hex digits, saw '$d1'"
expect_eq "node2's config_digest (same cluster-wide keys as node1, another [node])" "$d1" "$d2"
[ "$d3" != "$d1" ] || fail "node3's config_digest: expected another than node1's $d1 (check_interval_ms 700 vs 500), saw the same"

coord=$(st .coordinator)
log "coordinator: $coord"
# The others are held to the coordinator's digest. With node3 coordinating, node1 and node2 are
# the odd ones: check that, then hand the election to another agent (restart node3's), so the
# refusal below is the common case: a coordinator with the right config and one odd replica.
if [ "$coord" = node3 ]; then
    problems=$(st '.problems[]')
    for n in node1 node2; do
        w="config mismatch: $n's keys that must match on every node differ from node3's (the coordinator) (config_digest $d1, $d3)"
        grep -qF "$w" <<<"$problems" || fail "status --json problems: expected \"$w ...\", saw: ${problems:-nothing}"
    done
    log "node3 coordinates: restart its agent so that another one does"
    "$SANDBOX" kill-agent "$SB" node3 TERM
    "$SANDBOX" start-agent "$SB" node3
    other_coord() { c=$(st .coordinator); [ -n "$c" ] && [ "$c" != null ] && [ "$c" != node3 ] && [ "$(digest_of node3)" = "$d3" ]; }
    wait_for 20 "another coordinator, and node3 registered again" other_coord
    coord=$(st .coordinator)
    log "coordinator: $coord"
fi
want=("node3's keys that must match on every node differ from $coord's (the coordinator) (config_digest $d3, $d1)")
problems=$(st '.problems[]')
for w in "${want[@]}"; do
    grep -qF "config mismatch: $w" <<<"$problems" ||
        fail "status --json problems: expected \"config mismatch: $w ...\", saw: ${problems:-nothing}"
done
table=$(status_table)
grep -qF "problem: config mismatch: ${want[0]}" <<<"$table" ||
    fail "status table: expected a line \"problem: config mismatch: ${want[0]} ...\", saw:
$table"

log "kill -9 node1's mysqld: the coordinator must refuse to fail over"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
refused() { grep -hq "coordinator: failover of node1 refused: the keys that must match on every node differ" "$SB"/node*/failoverd.log; }
wait_for 20 "the coordinator's log line refusing the failover" refused
line=$(grep -h "coordinator: failover of node1 refused" "$SB"/node*/failoverd.log | head -n 1)
log "coordinator said: ${line#*coordinator: }"
odd=node3 ref=$d1 oddd=$d3
for part in "$odd has config_digest $oddd" "this coordinator ($coord) $ref"; do
    grep -qF "$part" <<<"$line" || fail "refusal log line: expected it to say \"$part\", saw: $line"
done
sleep 3
expect_eq "epoch while the configs differ" 1 "$(st .epoch)"
expect_eq "primary while the configs differ" node1 "$(st .primary)"
rec=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -c '.records[0]')
expect_eq "newest history record's outcome" refused "$(jq -r .outcome <<<"$rec")"
expect_eq "newest history record's type" failover "$(jq -r .type <<<"$rec")"
detail=$(jq -r .detail <<<"$rec")
grep -qF "$odd has config_digest $oddd, this coordinator ($coord) $ref" <<<"$detail" ||
    fail "history detail: expected the node and both digests, saw: $detail"

log "fix node3's config (check_interval_ms = 500, as on the others) and restart its agent"
sed -i 's/^check_interval_ms = 700$/check_interval_ms = 500/' "$SB/node3/failoverd.conf"
grep -q '^check_interval_ms = 500$' "$SB/node3/failoverd.conf" || fail "node3's config: expected check_interval_ms = 500 after the edit"
"$SANDBOX" kill-agent "$SB" node3 TERM
"$SANDBOX" start-agent "$SB" node3
no_mismatch() { [ -z "$(st '.problems[] | select(startswith("config mismatch"))')" ] && [ "$(digest_of node3)" = "$d1" ]; }
wait_for 20 "node3 publishing node1's digest and no config mismatch in status" no_mismatch
wait_for 40 "the failover going ahead: a new primary at epoch 2" epoch_is 2
new=$(st .primary)
[ "$new" = node2 ] || [ "$new" = node3 ] || fail "new primary: expected node2 or node3, saw $new"
wait_for 15 "$new writable" state_is "$new" writable
log "PASS"
