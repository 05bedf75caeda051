#!/usr/bin/env bash
# failoverctl status tells the truth (issue 9, point 1): one cluster walked through the problems a
# DBA must act on, each checked in --json (problem_list kind and node, health, healthy) and in the
# documented exit status: 0 healthy, 1 degraded, 2 no writable primary, 3 no ZooKeeper.
# A stopped replica is not "healthy" (its /replica answers 503); errant GTIDs are named; a node
# whose agent stopped stays listed (probed directly with -c FILE); with every agent gone there is no
# coordinator and no candidate; the primary's mysqld down is exit 2; ZooKeeper gone is exit 3.
source "$(dirname "$0")/lib_ctl.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled

# kinds: the problem kinds --json lists for NODE ("" for cluster-wide ones), sorted, one line.
kinds() { ctl_c status --json 2>/dev/null | jq -r --arg n "$1" '[.problem_list[] | select((.node // "") == $n) | .kind] | sort | join(" ")'; }
has_kind() { kinds "$1" | grep -qw -- "$2"; }

run ctl_c status --json
expect_rc "status of a settled cluster" 0
expect_eq "health" healthy "$(printf '%s' "$OUT" | jq -r .health)"
expect_eq "problems" "[]" "$(printf '%s' "$OUT" | jq -c .problems)"
expect_eq "healthy nodes" "node1 node2 node3" "$(printf '%s' "$OUT" | jq -r '[.nodes[] | select(.healthy) | .name] | join(" ")')"

log "node3: STOP SLAVE SQL_THREAD: it answers, but is no healthy replica"
sql node3 "STOP SLAVE SQL_THREAD" || fail "stop node3's SQL thread"
wait_for 10 "node3 stopped in status" state_is node3 stopped
run ctl_c status --json
expect_rc "status with a stopped replica (degraded)" 1
expect_eq "node3 healthy (its /replica answers 503)" false "$(printf '%s' "$OUT" | jq -r '.nodes[] | select(.name=="node3") | .healthy')"
expect_eq "node3 mysql_up" true "$(printf '%s' "$OUT" | jq -r '.nodes[] | select(.name=="node3") | .mysql_up')"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$(host_of node3):$NODE3_HTTP_PORT/replica")
expect_eq "node3 /replica" 503 "$code"
expect_eq "node3's problems" not-replicating "$(kinds node3)"
expect_eq "health" degraded "$(printf '%s' "$OUT" | jq -r .health)"
run ctl_c status
expect_match "table names it" "problem: not replicating: node3's SQL thread is stopped" "$OUT"
sql node3 "START SLAVE SQL_THREAD" || fail "start node3's SQL thread"
wait_for 10 "node3 streaming again" state_is node3 streaming

log "node3: a transaction the primary never had (errant GTID)"
sql node3 "SET SESSION gtid_domain_id=0; CREATE DATABASE errant_on_node3" || fail "errant write on node3"
wait_for 10 "the errant GTID reported" has_kind node3 errant-gtids
run ctl_c status
expect_rc "status with an errant replica" 1
expect_match "errant GTID named" "problem: errant GTIDs: node3 has 1 transaction\(s\) the primary never had \(0-3-[0-9]+\)" "$OUT"

log "stop node3's agent: node3 must stay in the table, probed directly"
"$SANDBOX" kill-agent "$SB" node3 TERM
agentless() { is_eq "$(st '.nodes[] | select(.name=="node3") | .agent')" false; }
wait_for 15 "node3's registration gone, node3 listed without agent" agentless
run ctl_c status --json
expect_rc "status with an agent missing" 1
expect_eq "node3 listed, probed" "false true streaming" "$(printf '%s' "$OUT" | jq -r '.nodes[] | select(.name=="node3") | "\(.agent) \(.probed) \(.state)"')"
expect_eq "node3's problems" agent-missing "$(kinds node3)"
run ctl_c status
expect_match "node3's row" "^! +node3 +replica +streaming \(no agent\) +on " "$OUT"
expect_match "agent missing named" "problem: agent missing: node3 .*answers read-only" "$OUT"
run ctl status
expect_match "without -c: listed, not probed" "^! +node3 +unknown +unknown \(no agent\)" "$OUT"
expect_rc "status --zk with an agent missing" 1

log "stop node2's and node1's agents: no coordinator, no candidate, the primary agent-less"
ctl pause >/dev/null || fail "pause"
sleep 1 # the primary's agent reads /control before it stops: paused, it leaves mysqld writable
"$SANDBOX" kill-agent "$SB" node2 TERM
"$SANDBOX" kill-agent "$SB" node1 TERM
no_coordinator() { is_eq "$(st .coordinator)" null; }
wait_for 10 "no coordinator" no_coordinator
run ctl_c status --json
expect_rc "status: writable primary, every agent gone (degraded)" 1
expect_eq "cluster-wide problems" "no-candidate no-coordinator paused" "$(kinds "")"
expect_eq "agents" "0" "$(printf '%s' "$OUT" | jq -r '[.nodes[] | select(.agent)] | length')"
expect_eq "nodes listed" "node1 node2 node3" "$(printf '%s' "$OUT" | jq -r '[.nodes[].name] | sort | join(" ")')"
expect_eq "node1 (probed)" "writable" "$(printf '%s' "$OUT" | jq -r '.nodes[] | select(.name=="node1") | .state')"
run ctl_c status
expect_match "no coordinator named" "problem: no coordinator: no agent leads the election" "$OUT"
expect_match "no candidate named" "problem: no eligible candidate: a failover now would promote nobody" "$OUT"
expect_match "pause named" "problem: paused: no automatic failover until failoverctl resume" "$OUT"

log "kill node1's mysqld: no writable primary"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
run ctl_c status
expect_rc "status with the primary's mysqld down" 2
expect_match "primary down named" "problem: primary down: node1 has no agent and its mysqld at [0-9.]+:$NODE1_PORT does not answer" "$OUT"
expect_match "health line" "Health: no-writable-primary" "$OUT"

log "ZooKeeper unreachable: exit 3"
sed -e 's/^zk_hosts = .*/zk_hosts = 127.0.0.1:1/' -e 's/^zk_session_timeout_ms = .*/zk_session_timeout_ms = 1000/' \
    "$NODE1_CONF" >"$SB/nozk.conf" && chmod 600 "$SB/nozk.conf"
run "$CTL" -c "$SB/nozk.conf" status
expect_rc "status without ZooKeeper" 3
expect_one_line "status without ZooKeeper" "$ERR"
log "PASS"
