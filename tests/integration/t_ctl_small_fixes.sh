#!/usr/bin/env bash
# The smaller bugs of issue 9 (point 10), each checked on real servers:
# - a usage error names the option as the user wrote it (--to, --count), never getopt's internal
#   short letter ("-t needs a value"); `failoverctl help nope` is a usage error (exit 2);
# - the history record of a switchover --to NODE says "(requested)" beside that node's rank;
# - a manual failover served while the anti-flap hold keeps an automatic one back is timed from
#   its own start: its phases fit between the request and the record (the coordinator used to
#   start the clock at its last held-back check, before the request).
source "$(dirname "$0")/lib_ctl.sh"

run "$CTL" --zk 127.0.0.1:1 --cluster x switchover --to
expect_rc "switchover --to without a value" 2
expect_one_line "--to without a value" "$ERR"
expect_match "names --to" 'switchover: --to needs a value' "$ERR"
run "$CTL" --zk 127.0.0.1:1 --cluster x history --count many
expect_rc "history --count many" 2
expect_match "names --count" 'history: --count "many": allowed: a whole number 0\.\.1000000' "$ERR"
run "$CTL" --zk 127.0.0.1:1 --cluster x history -n many
expect_match "names -n as written" 'history: -n "many": allowed' "$ERR"
run "$CTL" --zk 127.0.0.1:1 --cluster x failover --to node2 --timeout=0
expect_match "names --timeout" 'failover: --timeout "0": allowed: a whole number 1\.\.86400' "$ERR"
run "$CTL" help nope
expect_rc "help nope" 2
expect_one_line "help nope" "$ERR"
expect_match "help nope names the allowed commands" 'help: unknown command "nope"; allowed: status, switchover' "$ERR"
run "$CTL" help status
expect_rc "help status" 0

sb_up --replicas 2 --set failover.anti_flap_s=600 --set failover.check_interval_ms=2000
wait_for 40 "bootstrap settled" cluster_settled

run ctl switchover --to node3 --yes
expect_rc "switchover --to node3" 0
rec=$(ctl history --json | jq -c '[.records[] | select(.type=="switchover")][0]')
expect_match "the requested node's rank says so" "(requested)" "$(jq -r '.candidates[] | select(.name=="node3") | .reason' <<<"$rec")"
run ctl history -n 1
expect_match "history shows it" "candidate node3: #[0-9]+, .*\(requested\)" "$OUT"

log "kill node3's mysqld: an automatic failover, and the anti-flap hold starts"
"$SANDBOX" kill-mysqld "$SB" node3 KILL
wait_for 20 "the automatic failover (epoch 3)" epoch_is 3
p=$(st .primary)
other=node1; [ "$p" = node1 ] && other=node2
wait_for 15 "$p writable" state_is "$p" writable
log "kill $p's mysqld: the hold keeps the coordinator back; then failover --to $other by hand"
"$SANDBOX" kill-mysqld "$SB" "$p" KILL
held() { grep -q "primary $p is lost but the last failover was less than anti_flap_s=600 ago" "$SB"/node*/failoverd.log; }
wait_for 15 "the coordinator holding back (anti-flap)" held
run ctl failover --to "$other"
expect_rc "failover --to $other during the hold" 0
rec=$(ctl history --json | jq -c '.records[0]')
expect_eq "newest record" "manual-failover success" "$(jq -r '"\(.type) \(.outcome)"' <<<"$rec")"
expect_eq "detect phase of a manual failover" 0 "$(jq -r .phases_ms.detect <<<"$rec")"
# The phases (monotonic) end when the record is written (wall clock); they must start no earlier
# than the request (wall clock, same host), give or take the clocks' millisecond rounding.
started=$(jq -r '.at - .phases_ms.total' <<<"$rec")
req=$(jq -r .request_at <<<"$rec")
[ "$started" -ge $((req - 5)) ] ||
    fail "the manual failover's phases start $((req - started)) ms before its request (at $(jq -r .at <<<"$rec"), total $(jq -r .phases_ms.total <<<"$rec") ms, request_at $req): timed from an earlier held-back check, not from the request"
log "PASS"
