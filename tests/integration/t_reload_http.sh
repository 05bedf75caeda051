#!/usr/bin/env bash
# SIGHUP moves the HTTP endpoints (issue 9 point 2 names HTTP among what a reload changes):
# [http] listen changed in the file is served at once from the new address and no longer from the
# old one, logged with old and new value, and the agent publishes the new address; a port that
# cannot be bound (another agent's) refuses the reload whole: nothing applied (a lag limit in the
# same file stays as it was), the old address still serves. Before, [http] listen was a key that
# needed a restart and every such reload was refused.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 1
wait_for 40 "bootstrap settled" cluster_settled
conf=$SB/node2/failoverd.conf
a2=$("$SANDBOX" pid "$SB" node2 agent) || fail "no agent pid for node2"
h=$(host_of node2)
old=$NODE2_HTTP_PORT
code() { curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$h:$1/health"; }
lines() { wc -l <"$SB/node2/failoverd.log"; }
since() { tail -n +"$(($1 + 1))" "$SB/node2/failoverd.log"; }
set_key() { # SECTION KEY VALUE in $conf
    awk -v s="[$1]" -v k="$2" -v v="$3" '
        $0 == s { print; print k " = " v; sec = 1; next }
        /^\[/ { sec = 0 }
        sec && $1 == k { next }
        { print }' "$conf" >"$conf.new" && cat "$conf.new" >"$conf" && rm -f "$conf.new"
}
expect_eq "node2 /health on its port" 200 "$(code "$old")"

# A free port: one nothing answers on.
new=$((old + 1000))
while [ "$(code "$new")" != 000 ]; do new=$((new + 1)); done
log "1. [http] listen $h:$old -> $h:$new; SIGHUP"
n=$(lines)
set_key http listen "$h:$new"
kill -HUP "$a2"
applied() { since "$n" | grep -q "reload: \[http\] listen: \"$h:$old\" -> \"$h:$new\""; }
wait_for 10 "node2's agent to log the new listen address" applied
since "$n" | grep -q "reload refused" && fail "reload refused: $(since "$n" | grep 'reload refused')"
wait_for 5 "node2 /health on the new port" eval '[ "$(code '"$new"')" = 200 ]'
expect_eq "node2 /health on the old port" 000 "$(code "$old")"
zkget() { timeout 30 /usr/share/zookeeper/bin/zkCli.sh -server "$ZK_HOSTS" get "$1" 2>/dev/null; }
published() { zkget "$ZK_ROOT/$CLUSTER/nodes/node2" | grep -q "\"http\": *\"$h:$new\""; }
wait_for 10 "node2 publishes its new HTTP address" published
expect_eq "node2's agent pid" "$a2" "$("$SANDBOX" pid "$SB" node2 agent)"

log "2. listen on node1's port (taken) with max_lag_s 9: refused whole"
n=$(lines)
cp "$conf" "$SB/good.conf"
set_key http listen "$(host_of node1):$NODE1_HTTP_PORT"
set_key failover max_lag_s 9
kill -HUP "$a2"
refused() { since "$n" | grep -q "reload refused, nothing changed: \[http\] listen: cannot listen on $(host_of node1):$NODE1_HTTP_PORT"; }
wait_for 10 "node2's agent to refuse the reload" refused
since "$n" | grep -q 'max_lag_s' && fail "node2 applied max_lag_s from a refused reload: $(since "$n" | grep max_lag_s)"
expect_eq "node2 /health still on $new" 200 "$(code "$new")"
expect_eq "node1 /primary still its own" 200 "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$(host_of node1):$NODE1_HTTP_PORT/primary")"
cp "$SB/good.conf" "$conf"
log "PASS"
