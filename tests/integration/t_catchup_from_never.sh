#!/usr/bin/env bash
# The only replica that received the last writes is promotion=never: it is not promoted, but the
# promoted replica first fetches those writes from it, so nothing is lost.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 3 --set node2:node.promotion=never
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
for n in node3 node4; do
    wait_for 10 "table on $n" sql_is "$n" "SELECT COUNT(*) FROM app.t" 0
    sql "$n" "STOP SLAVE IO_THREAD" || fail "stop IO on $n"
done
for i in $(seq 1 10); do app_sql node1 "INSERT INTO t (id) VALUES ($i)" || fail "insert $i"; done
wait_for 10 "node2 has the 10 rows" sql_is node2 "SELECT COUNT(*) FROM app.t" 10
sleep 1
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
[ "$new" = node3 ] || [ "$new" = node4 ] || fail "new primary: expected node3 or node4 (node2 is never), saw $new"
wait_for 15 "$new writable" state_is "$new" writable
expect_eq "rows on $new (fetched from node2 before promotion)" 10 "$(sql "$new" 'SELECT COUNT(*) FROM app.t')"
wait_for 15 "node2 replicating from $new" replicates_from node2 "$new"
log "PASS"
