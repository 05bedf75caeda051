#!/usr/bin/env bash
# Regression (issue 10, case 5): the event scheduler writes through read_only. An EVENT whose
# definer holds READ ONLY ADMIN (root) kept inserting rows on the fenced old primary, because
# fencing left event threads running (they show as "Connect") and the scheduler on. Fencing now
# turns the scheduler off and kills every non-replication thread; with event_scheduler = on the
# promoted node turns it on and re-enables the events replication disabled (SLAVESIDE_DISABLED),
# so the scheduled job goes on after a failover instead of silently stopping.
source "$(dirname "$0")/lib_ctl.sh"

sb_up --replicas 2 --set failover.event_scheduler=on
wait_for 40 "bootstrap settled" cluster_settled
sql node1 "SET GLOBAL event_scheduler = ON;
    CREATE TABLE app.ev (id INT AUTO_INCREMENT PRIMARY KEY, origin INT, at DATETIME(6));
    CREATE DEFINER = root@localhost EVENT app.tick ON SCHEDULE EVERY 1 SECOND
        DO INSERT INTO app.ev (origin, at) VALUES (@@server_id, NOW(6));" || fail "create event"
sid1=$(sql node1 "SELECT @@server_id")
sid2=$(sql node2 "SELECT @@server_id")
rows_from() { sql "$1" "SELECT COUNT(*) FROM app.ev WHERE origin = $2"; }
rows_at_least() { [ "$(rows_from "$1" "$2")" -ge "$3" ] 2>/dev/null; }
wait_for 10 "the event runs on node1" rows_at_least node1 "$sid1" 2
expect_eq "the replicated event on node2" SLAVESIDE_DISABLED \
    "$(sql node2 "SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_NAME = 'tick'")"

run ctl switchover --to node2 --timeout 20 --yes
expect_rc "switchover --to node2" 0
wait_for 15 "node2 writable" state_is node2 writable
before=$(rows_from node1 "$sid1")
sleep 3
after=$(rows_from node1 "$sid1")
expect_eq "rows node1's event wrote after it was fenced (scheduler: $(sql node1 "SELECT @@event_scheduler"))" \
    "$before" "$after"
expect_eq "event_scheduler on the fenced node1" OFF "$(sql node1 "SELECT @@event_scheduler")"
expect_eq "event_scheduler on the promoted node2" ON "$(sql node2 "SELECT @@event_scheduler")"
expect_eq "the event on node2 after promotion" ENABLED \
    "$(sql node2 "SELECT STATUS FROM information_schema.EVENTS WHERE EVENT_NAME = 'tick'")"
wait_for 10 "the job goes on on node2" rows_at_least node2 "$sid2" 2
grep -q "replicated event(s) re-enabled" "$SB/node2/failoverd.log" ||
    fail "node2's log does not say it re-enabled the events"
detail=$(ctl history --json | jq -r '.records[0].detail')
expect_match "the switchover's history record" "event scheduler on node2: 1 replicated event\(s\) re-enabled" "$detail"
wait_for 30 "node1 replicates from node2" replicates_from node1 node2
expect_eq "node1 is not diverged" streaming "$(node_field node1 state)"
log "PASS"
