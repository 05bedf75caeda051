#!/usr/bin/env bash
# A promotion=prefer replica that is behind (its IO thread was stopped) is not passed over: the
# coordinator catches it up from the most advanced replica, then promotes it, losing nothing.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 3 --set node4:node.promotion=prefer
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
wait_for 10 "table on node4" sql_is node4 "SELECT COUNT(*) FROM app.t" 0
sql node4 "STOP SLAVE IO_THREAD" || fail "stop IO on node4"
for i in $(seq 1 20); do app_sql node1 "INSERT INTO t (id) VALUES ($i)" || fail "insert $i"; done
for n in node2 node3; do wait_for 10 "$n has the 20 rows" sql_is "$n" "SELECT COUNT(*) FROM app.t" 20; done
expect_eq "rows on node4 before the failover (behind)" 0 "$(sql node4 'SELECT COUNT(*) FROM app.t')"
sleep 1
ex=$("$CTL" -c "$SB/node1/failoverd.conf" explain --json) || fail "failoverctl explain: exit $?"
expect_eq "explain: the candidate" node4 "$(echo "$ex" | jq -r .candidate)"
expect_eq "explain: fetches first from" node2 "$(echo "$ex" | jq -r .fetch_from)"
log "kill -9 mysqld on node1"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
expect_eq "new primary (the preferred one, caught up first)" node4 "$(st .primary)"
wait_for 15 "node4 writable" state_is node4 writable
expect_eq "rows on node4" 20 "$(sql node4 'SELECT COUNT(*) FROM app.t')"
for n in node2 node3; do wait_for 15 "$n replicating from node4" replicates_from "$n" node4; done
failover_rec() { "$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" history --json | jq -c '[.records[] | select(.type=="failover")][0] // empty'; }
recorded() { [ -n "$(failover_rec)" ]; }
wait_for 15 "the failover's history record" recorded
rec=$(failover_rec)
expect_eq "history: outcome" success "$(echo "$rec" | jq -r .outcome)"
expect_eq "history: lost transactions" 0 "$(echo "$rec" | jq -r .lost_count)"
expect_eq "history: node4 ranked first" 1 "$(echo "$rec" | jq -r '.candidates[] | select(.name=="node4") | .rank')"
log "PASS"
