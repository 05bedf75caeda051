#!/bin/bash
# t_chaos_smoke.sh -- a short round of the chaos suite (tests/chaos/run) inside `make check`: a few
# scenarios, each on a fresh 3-node cluster with a 3-server ZooKeeper ensemble in network
# namespaces, under the workload, judged by tests/chaos/check (no acknowledged row lost, no
# double-writable window, survivors identical, failover only where expected). About 2 minutes.
#
# Only scenarios that pass on the code at the time of writing are here:
#   mysqld_kill, agent_kill, zk_leader_kill, zk_follower_kill.
# Left out, because they fail today (issue 10; `make chaos SCENARIOS=NAME` runs one), or are slow:
#   stalled_mysqld (case 3: old primary acknowledges after the new one is writable),
#   follower_cut_with_primary (case 2), failsafe_partition (case 1), delayed_never_semisync (case 4),
#   event_scheduler (case 5), zk_server_loss (case 6: writes stop), and the others whose verdict
#   the chaos rounds report (see the README's "Chaos suite"); netem_* skip on a kernel without
#   sch_netem. Add a scenario here once it passes.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
[ "$(id -u)" = 0 ] || { echo "SKIP t_chaos_smoke: needs root (network namespaces)"; exit 0; }
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
[ -x "$BUILD_DIR/chaos-workload" ] || make -C "$ROOT" "build/chaos-workload" >/dev/null ||
    { echo "FAIL: chaos workload: expected $BUILD_DIR/chaos-workload, saw none (make build/chaos-workload)"; exit 1; }
RES=$(mktemp -d /tmp/fo-chaos-smoke.XXXXXX)
trap 'rm -rf "$RES"' EXIT
t0=$(date +%s)
"$ROOT/tests/chaos/run" --rounds 1 --build "$BUILD_DIR" --results "$RES" \
    --scenarios "mysqld_kill agent_kill zk_leader_kill zk_follower_kill"
rc=$?
if [ $rc != 0 ]; then
    echo "FAIL: chaos smoke: expected every scenario to pass, saw $rc failed (verdicts above)"
    for f in "$RES"/*/verdict.json; do jq -c 'select(.verdict != "pass") | {scenario, failures}' "$f" 2>/dev/null; done
    exit 1
fi
echo "PASS t_chaos_smoke ($(($(date +%s) - t0)) s)"
