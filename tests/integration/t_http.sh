#!/usr/bin/env bash
# HTTP endpoints: /primary answers 200 only on the writable primary, /replica only on a healthy
# replica within max_lag_s, /health and /metrics report the agent's view; a load balancer using
# GET /primary follows a failover with no other glue.
source "$(dirname "$0")/lib.sh"

code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(http_port "$1")$2"; }
http_port() { local v="${1^^}_HTTP_PORT"; echo "${!v}"; }
code_is() { is_eq "$(code "$1" "$2")" "$3"; }

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
wait_for 10 "node1 /primary 200" code_is node1 /primary 200
expect_eq "node2 /primary" 503 "$(code node2 /primary)"
expect_eq "node3 /primary" 503 "$(code node3 /primary)"
expect_eq "node1 /replica" 503 "$(code node1 /replica)"
expect_eq "node2 /replica" 200 "$(code node2 /replica)"
expect_eq "node1 /health" 200 "$(code node1 /health)"
expect_eq "unknown path" 404 "$(code node1 /nope)"
expect_eq "POST /primary" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$NODE1_HTTP_PORT/primary")"
# (jq 1.6 -e exits 0 on empty input: the body must be there first)
h=$(curl -s "http://127.0.0.1:$NODE1_HTTP_PORT/health")
[ -n "$h" ] && jq -e '.writable_primary == true and .zk_session_alive == true' <<<"$h" >/dev/null ||
    fail "node1 /health: expected writable_primary and zk_session_alive true, saw $(curl -s "http://127.0.0.1:$NODE1_HTTP_PORT/health")"
metrics=$(curl -s "http://127.0.0.1:$NODE2_HTTP_PORT/metrics")
echo "$metrics" | grep -qx 'failoverd_writable_primary{cluster="sandbox",node="node2"} 0' || fail "node2 metrics: expected failoverd_writable_primary 0, saw: $(echo "$metrics" | grep writable)"
echo "$metrics" | grep -qx 'failoverd_replication_lag_seconds{cluster="sandbox",node="node2"} 0' || fail "node2 metrics: expected lag 0, saw: $(echo "$metrics" | grep lag)"

log "a replica's SQL thread stops: it is no longer a healthy replica"
sql node3 "STOP SLAVE SQL_THREAD"
wait_for 10 "node3 /replica 503" code_is node3 /replica 503
sql node3 "START SLAVE SQL_THREAD"
wait_for 10 "node3 /replica 200 again" code_is node3 /replica 200

log "failover: /primary follows"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 10 "$new /primary 200" code_is "$new" /primary 200
expect_eq "node1 /primary (mysqld down)" 503 "$(code node1 /primary)"
expect_eq "node1 /health (mysqld down)" 503 "$(code node1 /health)"
for n in node2 node3; do [ "$n" = "$new" ] || wait_for 10 "$n /replica 200" code_is "$n" /replica 200; done
log "PASS"
