#!/usr/bin/env bash
# The anti-flap hold survives agents' wall clocks being stepped. After a failover, every agent's
# clock jumps an hour ahead (tests/tools/wallshift.c: CLOCK_REALTIME only, as an NTP step would) and the
# coordinator role moves to another agent, which judges the hold afresh. Before, it judged
# last_failover_at against its own wall clock, found the failover an hour old and failed over
# again at once; now both times are ZooKeeper's (the leader's clock, read as the mtime of a write
# to /clock), so the hold stands: losing the new primary within anti_flap_s fails nothing over.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2 --clock-shift --set failover.anti_flap_s=300
wait_for 40 "bootstrap settled" cluster_settled
expect_eq "primary after bootstrap" node1 "$(st .primary)"
log "kill -9 node1's mysqld: the first failover"
"$SANDBOX" kill-mysqld "$SB" node1 KILL || fail "kill node1's mysqld"
wait_for 40 "a new primary at epoch 2" epoch_is 2
p2=$(st .primary)
wait_for 15 "$p2 writable" state_is "$p2" writable

log "node1's mysqld back, as a replica of $p2 (a witness for the next loss)"
"$SANDBOX" start-mysqld "$SB" node1 || fail "start node1's mysqld"
wait_for 30 "node1 replicating from $p2" replicates_from node1 "$p2"

log "every agent's wall clock one hour ahead"
for n in $NODES; do "$SANDBOX" clock "$SB" "$n" +1h || fail "sandbox clock $n +1h"; done
sleep 2
# Move the coordinator role to an agent that has not judged the hold yet. A clean stop of the
# primary's agent would fence the primary, so that one is killed instead (its mysqld stays up
# and writable, its registration goes when its session expires).
coord1=$(st .coordinator)
if [ "$coord1" = "$p2" ]; then
    log "kill -9 $coord1's agent (the coordinator, on the primary): another agent becomes coordinator"
    "$SANDBOX" kill-agent "$SB" "$coord1" KILL || fail "kill $coord1's agent"
else
    log "stop $coord1's agent (the coordinator): another agent becomes coordinator"
    "$SANDBOX" kill-agent "$SB" "$coord1" TERM || fail "stop $coord1's agent"
fi
new_coord() { c=$(st .coordinator); [ -n "$c" ] && [ "$c" != null ] && [ "$c" != "$coord1" ]; }
wait_for 30 "another coordinator" new_coord
coord2=$(st .coordinator)
log "coordinator now: $coord2"
sleep 2

log "kill -9 $p2's mysqld, well within anti_flap_s=300 of the first failover"
"$SANDBOX" kill-mysqld "$SB" "$p2" KILL || fail "kill $p2's mysqld"
held() { grep -q "anti_flap_s=300 ago" "$SB/$coord2/failoverd.log"; }
held_or_moved() { held || ! epoch_is 2; }
wait_for 30 "$coord2 to hold the failover back (anti-flap)" held_or_moved
epoch_is 2 || fail "a second automatic failover inside the anti-flap hold: expected epoch 2, saw $(st .epoch) ($(st .primary) promoted by $coord2, whose clock is an hour ahead)"
sleep 3
expect_eq "epoch after losing $p2 inside the hold" 2 "$(st .epoch)"
log "PASS"
