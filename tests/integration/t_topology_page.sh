#!/usr/bin/env bash
# The topology page (issue 9 point 6): GET / on every agent's HTTP port is the cluster drawn live
# (nodes, roles, replication arrows, problems) with the failover history, from /cluster.json. In
# a real headless browser (Debian chromium, driven by tests/tools/pagewatch.py), the page shows
# the primary; after the primary's mysqld is killed it shows the new primary and the new history
# entry, in the same document (never reloaded), and names the lost node as a problem.
source "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || fail "chromium not found (scripts/install-deps installs it)"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
url() { echo "http://127.0.0.1:$(port_var "$1" HTTP_PORT)$2"; }
port_var() { local v="${1^^}_$2"; echo "${!v}"; }
html=$(curl -sf "$(url node3 /)") || fail "GET / on node3's agent failed"
echo "$html" | grep -q '<svg id="topology"' || fail "GET /: expected the page with its svg, saw: $(echo "$html" | head -c 200)"
cj() { curl -s "$(url "$1" /cluster.json)"; }
ready() { is_eq "$(cj node3 | jq -r '.primary.name + " " + (.nodes | length | tostring)')" "node1 3"; }
wait_for 10 "node3's /cluster.json names node1 and 3 nodes" ready

OUT=$SB/page.jsonl
python3 "$ROOT/tests/tools/pagewatch.py" "$(url node3 /)" "$OUT" --seconds 90 --screenshot "$SB/topology.png" \
    --shot-when "!!document.querySelector('#history tr[data-type=failover]') && document.querySelectorAll('line.repl').length >= 1" \
    >"$SB/pagewatch.log" 2>&1 &
pw=$!
on_exit "touch $OUT.stop; kill $pw 2>/dev/null"
last() { tail -n 1 "$OUT" 2>/dev/null | grep . || echo '{}'; }
shows_node1() { last | jq -e '.primary == "node1" and (.nodes | length) == 3 and (.arrows | length) == 2 and (.problems == ["none"])' >/dev/null 2>&1; }
wait_for 30 "the page in chromium to show node1 primary, 3 nodes, 2 arrows, no problem (pagewatch: $(cat "$SB/pagewatch.log"); last: $(last))" shows_node1
mark=$(last | jq -r .mark)

log "kill -9 node1's mysqld"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
shows_new() {
    last | jq -e --arg n "$new" '.primary == $n and .epoch == "2" and
        ([.history[] | select(.[0] == "2" and .[1] == "failover" and .[2] == $n)] | length) == 1 and
        ([.nodes[] | select(.[0] == $n and .[1] == "primary")] | length) == 1 and
        ([.problems[] | select(startswith("node1: "))] | length) >= 1' >/dev/null 2>&1
}
wait_for 30 "the page to show $new primary, its history entry and node1 as a problem" shows_new
log "page: $(last | jq -c '{primary, epoch, nodes, problems, history}')"
marks=$(jq -r .mark "$OUT" | sort -u | wc -l)
expect_eq "documents the page was in (1 = never reloaded)" 1 "$marks"
expect_eq "the page's marker" "$mark" "$(last | jq -r .mark)"
touch "$OUT.stop"
wait "$pw" || fail "pagewatch: $(cat "$SB/pagewatch.log")"
[ "$(head -c 8 "$SB/topology.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "no PNG screenshot from chromium: $(cat "$SB/pagewatch.log")"
[ -n "${TOPOLOGY_SHOT:-}" ] && cp "$SB/topology.png" "$TOPOLOGY_SHOT"
log "PASS"
