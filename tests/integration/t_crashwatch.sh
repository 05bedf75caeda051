#!/usr/bin/env bash
# A mysqld crash is seen as it happens (issue 8; src/failoverd/crashwatch.c): the agent holds a
# pidfd of its mysqld, and the moment the process exits it probes, publishes mysqld_down in
# nodes/NAME, and the coordinator, whose watch on that znode fires, confirms the loss with one
# refused connect (the replicas must still agree). Nothing periodic is involved: with
# check_interval_ms = 30000 no probe of any agent or of the coordinator comes for up to 30 s, so
# a failover within 10 s of the kill is the crash watch's doing. Before it, the agents and the
# coordinator noticed the crash at their next probe, and the coordinator needed
# failure_threshold (3 here) failed probes.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2 --set failover.check_interval_ms=30000 --set failover.failure_threshold=3
wait_for 60 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table on node1"
app_sql node1 "INSERT INTO t VALUES (1)" || fail "insert on node1"
m1=$("$SANDBOX" pid "$SB" node1 mysqld) || fail "no node1 mysqld pid"
grep -q "crashwatch: watching mysqld (pid $m1)\|mysqld runs as pid $m1" "$SB/node1/failoverd.log" ||
    fail "node1's agent did not say which mysqld it watches: $(grep -m2 'mysqld runs\|crashwatch' "$SB/node1/failoverd.log")"
# Published by the agent only once mysqld is gone: read it as the coordinator does, from ZooKeeper.
zget() { timeout 30 /usr/share/zookeeper/bin/zkCli.sh -server "$ZK_HOSTS" get "$1" 2>/dev/null | grep '^{'; }
base=/mysql-failover/$CLUSTER
[ "$(zget "$base/nodes/node1" | jq -r '.mysqld_down // false')" = false ] ||
    fail "node1 published mysqld_down before its mysqld was killed"

log "kill -9 node1's mysqld (pid $m1)"
killed_at=$(date +%s%3N)
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 10 "a new primary at epoch 2 within 10 s (no probe is due for 30 s)" epoch_is 2
log "epoch 2 seen $(( $(date +%s%3N) - killed_at )) ms after the kill"
grep -q "crashwatch: mysqld (pid $m1) has exited: probing it now" "$SB/node1/failoverd.log" ||
    fail "node1's agent did not log the crash watch firing for pid $m1"
down=$(zget "$base/nodes/node1" | jq -r '.mysqld_down // false')
expect_eq "mysqld_down in node1's registration" true "$down"
new=$(st .primary)
wait_for 15 "$new writable" state_is "$new" writable
app_sql "$new" "INSERT INTO t VALUES (2)" || fail "insert on the new primary $new"
sql_is "$new" "SELECT COUNT(*) FROM app.t WHERE id = 1" 1 || fail "row 1 missing on $new"
log "PASS"
