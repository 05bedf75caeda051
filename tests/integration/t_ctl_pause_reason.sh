#!/usr/bin/env bash
# pause --reason TEXT --for DURATION (issue 9, point 4): who paused (user@host), why and until
# when are shown by status and recorded in the history; bad input is refused in one line; and the
# pause expires by itself: a primary lost while it is in force is not failed over, and is failed
# over once it has expired, with nobody running resume. Then the anti-flap hold shows in status.
source "$(dirname "$0")/lib_ctl.sh"

# The agents hold 120 s after a failover; failoverctl, run without their config, would assume its
# default 300 s: status must show the hold the coordinator applies (/control anti_flap_until).
sb_up --replicas 2 --set failover.anti_flap_s=120
wait_for 40 "bootstrap settled" cluster_settled

before=$(db_snapshot)
run ctl pause --for 0
expect_rc "pause --for 0" 2
expect_one_line "pause --for 0" "$ERR"
expect_match "pause --for 0 says what is allowed" 'pause: --for "0": allowed: a duration such as 90s, 30m, 2h or 1d' "$ERR"
run ctl pause --for 5x
expect_rc "pause --for 5x" 2
run ctl pause --reason "$(printf 'two\nlines')"
expect_rc "pause --reason with a newline" 2
expect_one_line "pause --reason with a newline" "$ERR"
expect_eq "not paused by bad input" false "$(st .paused)"
expect_eq "nothing changed by bad input" "$before" "$(db_snapshot)"

me="${SUDO_USER:-$(id -un)}@$(hostname)"
run ctl pause --reason "kernel upgrade on node1" --for 7s
expect_rc "pause --reason --for" 0
expect_match "pause says who and until when" "paused by $me: kernel upgrade on node1: .* until [0-9-]+ [0-9:.]+" "$OUT"
J=$(status_json)
until_ms=$(jq -r .pause.until <<<"$J")
expect_eq "paused" true "$(jq -r .paused <<<"$J")"
expect_eq "pause.reason" "kernel upgrade on node1" "$(jq -r .pause.reason <<<"$J")"
expect_eq "pause.by" "$me" "$(jq -r .pause.by <<<"$J")"
[ "$(jq -r '.pause.until - .pause.at' <<<"$J")" = 7000 ] || fail "pause.until - pause.at: expected 7000 ms, saw $(jq -c .pause <<<"$J")"
expect_eq "the paused problem" paused "$(jq -r '[.problem_list[] | select(.kind=="paused")] | .[0].kind' <<<"$J")"
run ctl status
expect_rc "status while paused (degraded)" 1
expect_match "status names who, why and until when" "problem: paused: no automatic failover until [0-9-]+ [0-9:.]+ \(in [0-9.]+ s\); by $me at [0-9-]+ [0-9:.]+: kernel upgrade on node1" "$OUT"
expect_eq "history: the pause" "pause $me kernel upgrade on node1 paused" "$(hist '.records[0] | "\(.type) \(.by) \(.reason) \(.outcome)"')"
run ctl history -n 1
expect_match "history shows the pause" "pause +by $me, until [0-9-]+ [0-9:.]+" "$OUT"
expect_match "history shows the reason" "reason: kernel upgrade on node1" "$OUT"

log "kill node1's mysqld while the pause is in force"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 10 "status shows node1 down" state_is node1 down

log "no resume: the pause expires by itself and the coordinator fails over"
wait_for 20 "the failover once the pause expired (epoch 2)" epoch_is 2
grep -q "cluster is paused: no automatic failover" "$SB"/node*/failoverd.log ||
    fail "no coordinator log line says it held back because the cluster is paused"
# /primary (epoch 2) is written before the failover's history record: wait for the record
failover_recorded() { [ -n "$(hist '[.records[] | select(.type=="failover")][0].at // empty')" ]; }
wait_for 10 "the failover's history record" failover_recorded
rec_at=$(hist '[.records[] | select(.type=="failover")][0].at')
[ "$rec_at" -ge "$until_ms" ] || fail "the failover's record at $rec_at: expected after the pause's end $until_ms (no failover while it is in force)"
grep -q "the pause by $me (kernel upgrade on node1) has expired" "$SB"/node*/failoverd.log ||
    fail "no coordinator log line says the pause expired"
new=$(st .primary)
wait_for 15 "$new writable" state_is "$new" writable
J=$(status_json)
expect_eq "paused after the expiry" false "$(jq -r .paused <<<"$J")"
expect_eq "no paused problem after the expiry" "" "$(jq -r '.problem_list[] | select(.kind=="paused") | .kind' <<<"$J")"
expect_eq "the anti-flap hold is a problem" anti-flap-hold "$(jq -r '.problem_list[] | select(.kind=="anti-flap-hold") | .kind' <<<"$J")"
[ "$(jq -r '.anti_flap_until - .last_failover_at' <<<"$J")" = 120000 ] ||
    fail "anti_flap_until: expected last_failover_at + 120 s (the agents' anti_flap_s), saw $(jq -c '{anti_flap_until, last_failover_at}' <<<"$J")"
run ctl status
expect_match "status: the expired pause is a note" "note: the pause by $me expired at" "$OUT"
expect_match "status: the hold and its end" "problem: anti-flap hold until [0-9-]+ [0-9:.]+ \(in [0-9.]+ min [0-9]+ s\): the last failover was at [0-9-]+ [0-9:.]+ \(anti_flap_s=120\)" "$OUT"

# explain with a config that says anti_flap_s = 600: it shows the hold the coordinator applies
sed 's/^anti_flap_s *=.*/anti_flap_s = 600/' "$SB/node1/failoverd.conf" >"$SB/explain.conf"
chmod 600 "$SB/explain.conf"
run "$CTL" -c "$SB/explain.conf" explain
expect_match "explain: the agents' hold, not its own config's" "Anti-flap: the last failover was less than anti_flap_s=120 ago" "$OUT"

run ctl resume
expect_rc "resume after the expiry" 0
expect_match "resume says the pause had expired" "was not paused: the pause by $me expired at" "$OUT"
log "PASS"
