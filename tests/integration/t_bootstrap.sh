#!/usr/bin/env bash
# Bootstrap adopts only an unambiguous topology, and only once registrations have settled: with
# two writable non-replicas the agents refuse (no /primary, every mysqld left as it was, the
# reason logged), even when the primary's agent starts first; once node2 replicates from node1
# again, node1 is adopted at epoch 1.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2 --no-agents
# Make it ambiguous: node2 leaves replication and is writable too.
sql node2 "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=0" || fail "detach node2"
# node1's agent starts alone and becomes coordinator; the others join within bootstrap_settle_ms
# (1.5 s in the sandbox). Adopting node1 as a single-node cluster before they register would put
# a second writable mysqld (node2) beside the primary: the settle window must prevent that.
"$SANDBOX" start-agent "$SB" node1 || fail "start agent node1"
registered_one() { is_eq "$(st '[.nodes[] | select(.agent != false)] | length')" 1; }
wait_for 20 "node1's agent registered" registered_one
for n in node2 node3; do "$SANDBOX" start-agent "$SB" "$n" || fail "start agent $n"; done
registered_all() { is_eq "$(st '[.nodes[] | select(.agent != false)] | length')" 3; }
wait_for 20 "three agents registered" registered_all
sleep 3
expect_eq "primary while the topology is ambiguous" null "$(st .primary)"
expect_eq "read_only on node1 (untouched)" 0 "$(read_only_of node1)"
expect_eq "read_only on node2 (untouched)" 0 "$(read_only_of node2)"
grep -h "bootstrap: not adopting" "$SB"/node*/failoverd.log | grep -q "node1" ||
    fail "coordinator log: expected a bootstrap refusal naming the candidates, saw: $(grep -h bootstrap "$SB"/node*/failoverd.log | tail -n 2)"

log "repair: node2 replicates from node1 again"
sql node2 "SET GLOBAL read_only=1; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$NODE1_PORT, MASTER_USER='$REPL_USER', MASTER_PASSWORD='$REPL_PASSWORD', MASTER_USE_GTID=slave_pos; START SLAVE" || fail "repoint node2"
wait_for 30 "node1 adopted" primary_is node1
expect_eq "epoch" 1 "$(st .epoch)"
wait_for 20 "cluster settled" cluster_settled
log "PASS"
