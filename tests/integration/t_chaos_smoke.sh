#!/bin/bash
# tests/run: early
# t_chaos_smoke.sh -- a short round of the chaos suite (tests/chaos/run) inside `make check`: a few
# scenarios, each on a fresh 3-node cluster with a 3-server ZooKeeper ensemble in network
# namespaces, under the workload, judged by tests/chaos/check (no acknowledged row lost, no
# double-writable window, survivors identical, failover only where expected).
#
# Only scenarios that pass on the code at the time of writing (main after issue 10's fixes), and
# one of each kind of fault that is quick: a mysqld crash (failover), an agent crash (none), a
# ZooKeeper leader crash and the loss of the server the primary's agent uses (no failover, no
# write outage), a full partition of the primary (links up). About 2 minutes.
# Left out, to keep the smoke short (`make chaos SCENARIOS=NAME` runs any, `make chaos MIX=N` a
# random mix): the SIGSTOP and both-processes faults, one-way/partial/follower partitions,
# failsafe_partition, follower_cut_with_primary, stalled_mysqld, delayed_never_semisync,
# event_scheduler (each 25-35 s; event_scheduler failed before failover.event_scheduler = on was
# set, and once left the old primary's agent silent after the heal: a silent agent now fails its
# run with gdb's backtraces), zk_ensemble_stop, primary_replica_kill, coordinator_stall; netem_*
# skip on a kernel without sch_netem. On the code before issue 10's fixes, failsafe_partition and
# event_scheduler failed.
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
    --scenarios "mysqld_kill agent_kill zk_leader_kill zk_server_loss partition_full"
rc=$?
if [ $rc != 0 ]; then
    echo "FAIL: chaos smoke: expected every scenario to pass, saw $rc failed (verdicts above)"
    for f in "$RES"/*/verdict.json; do jq -c 'select(.verdict != "pass") | {scenario, failures}' "$f" 2>/dev/null; done
    exit 1
fi
echo "PASS t_chaos_smoke ($(($(date +%s) - t0)) s)"
