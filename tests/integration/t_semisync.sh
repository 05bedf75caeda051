#!/usr/bin/env bash
# Semi-sync (AFTER_SYNC) failover: every acknowledged row survives a kill -9 of the primary's
# mysqld, and afterwards the agents have switched semi-sync by role: the new primary waits for
# acks and has an acking replica (Rpl_semi_sync_master_status ON), replicas do not wait for acks
# themselves (their applier would stall on every commit).
source "$(dirname "$0")/lib.sh"

status_var() { sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" | awk '{print $2}'; }
semi_roles_ok() { # PRIMARY
    [ "$(sql "$1" 'SELECT @@rpl_semi_sync_master_enabled')" = 1 ] || return 1
    [ "$(status_var "$1" Rpl_semi_sync_master_status)" = ON ] || return 1
    for n in $NODES; do
        [ "$n" = "$1" ] && continue
        [ "$(sql "$n" 'SELECT @@rpl_semi_sync_master_enabled')" = 0 ] || return 1
        [ "$(sql "$n" 'SELECT @@rpl_semi_sync_slave_enabled')" = 1 ] || return 1
    done
}

sb_up --replicas 2 --semi-sync
wait_for 40 "bootstrap settled" cluster_settled
wait_for 20 "semi-sync roles on node1's cluster" semi_roles_ok node1
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
# A weaker setting on the replicas must not survive their promotion.
for n in node2 node3; do sql "$n" "SET GLOBAL rpl_semi_sync_master_wait_point=AFTER_COMMIT" || fail "set wait point on $n"; done
start_writer node1 "$SB/acked"
sleep 2
log "kill -9 mysqld on node1"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
stop_writer
new=$(st .primary)
wait_for 15 "$new writable" state_is "$new" writable
every_acked_row_on "$new" "$SB/acked"
"$SANDBOX" start-mysqld "$SB" node1 || fail "start-mysqld node1"
wait_for 30 "node1 rejoined" replicates_from node1 "$new"
wait_for 20 "semi-sync roles switched after the failover" semi_roles_ok "$new"
app_sql "$new" "INSERT INTO t (id) VALUES (1000000)" || fail "insert on $new"
expect_eq "semi-sync still on (no fallback to async) after a write" ON "$(status_var "$new" Rpl_semi_sync_master_status)"
expect_eq "wait point on the new primary (lossless)" AFTER_SYNC "$(sql "$new" 'SELECT @@rpl_semi_sync_master_wait_point')"
log "PASS"
