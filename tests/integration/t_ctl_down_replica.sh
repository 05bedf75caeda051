#!/usr/bin/env bash
# A replica whose mysqld is simply down (issue 9's "not replicating yet printed when mysqld is
# simply down"): status names it as down (kind node-down, exit 1), not as a replica that does not
# replicate; a switchover past it says its mysqld is down and that its agent repoints it when it
# returns, never "not replicating from ... yet"; and so it does once mysqld is back.
source "$(dirname "$0")/lib_ctl.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled

log "kill node3's mysqld"
"$SANDBOX" kill-mysqld "$SB" node3 KILL
down() { is_eq "$(node_field node3 state)" down; }
wait_for 15 "node3 down in status" down
run ctl_c status --json
expect_rc "status with a replica's mysqld down" 1
expect_eq "node3's problems" node-down "$(printf '%s' "$OUT" | jq -r '[.problem_list[] | select(.node=="node3") | .kind] | join(" ")')"
run ctl_c status
expect_match "status names it down" "problem: node3 down: its agent cannot reach its mysqld" "$OUT"
expect_no_match "status: not 'not replicating'" "not replicating: node3" "$OUT"

run ctl_c switchover --to node2 --yes
expect_rc "switchover with node3's mysqld down" 0
expect_match "the narration: node3's mysqld is down" "note: node3's mysqld is down; its agent makes it a replica of node2 when it returns" "$OUT"
expect_no_match "the narration: no 'not replicating yet' for a down node" "node3 is not replicating from node2 yet" "$OUT"

log "node3's mysqld back: its agent makes it a replica of node2"
"$SANDBOX" start-mysqld "$SB" node3 || fail "start node3's mysqld"
wait_for 30 "node3 replicating from node2" replicates_from node3 node2
log "PASS"
