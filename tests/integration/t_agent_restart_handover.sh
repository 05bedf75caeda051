#!/usr/bin/env bash
# tests/run: serial
# Restarting the primary's agent does not cut writes (issue 9 point 2). The primary's agent runs
# under the SysV init script; `failoverd restart` sends SIGUSR2 (the systemd unit's ExecStop does
# for `systemctl restart`): the agent exits without fencing, keeping its ZooKeeper session and
# lease, and the new process resumes them. A writer writes throughout: node1 is never read-only,
# rows are acknowledged across the restart, the session (ephemeral owner of nodes/node1), the
# epoch and the coordinator stay. A restart with a file the new agent would refuse stops nothing.
# A plain stop still fences (t_agent_stop). Before, restart was stop (SIGTERM: fence, clean
# session close) + start: node1 read-only for a few hundred ms and its session replaced.
source "$(dirname "$0")/lib.sh"

zkcli() { timeout 30 /usr/share/zookeeper/bin/zkCli.sh -server "$ZK_HOSTS" "$@" 2>/dev/null; }
owner_of() { zkcli stat "$ZK_ROOT/$CLUSTER/nodes/$1" | sed -n 's/^ephemeralOwner = //p'; }
ro_seen() { awk -v from="$1" 'NF >= 3 && $1 >= from && $2 != "0"' "$SAMPLES" | wc -l; }

sb_up --replicas 1
wait_for 40 "bootstrap settled" cluster_settled
expect_eq "primary" node1 "$(st .primary)"
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"

log "node1's agent moves under the init script (paused meanwhile, so its stop leaves node1 writable)"
init_env fo-handover
"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" pause --reason "move node1's agent under the init script" >/dev/null || fail "pause"
wait_for 10 "paused" eval '[ "$(st .paused)" = true ]'
sleep 1 # node1's agent reads /control
"$SANDBOX" kill-agent "$SB" node1 TERM || fail "stop node1's sandbox agent"
expect_eq "node1 writable after its agent stopped while paused" 0 "$(read_only_of node1)"
"$INIT" start main || fail "init script start"
wait_for 20 "node1 registered by the init script's agent" eval '[ "$(node_field node1 healthy)" = true ]'
"$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" resume >/dev/null || fail "resume"
wait_for 20 "settled again" cluster_settled
lease=$(sed -n 's/^lease_file *= *//p' "$I/conf/main.conf")
wait_for 10 "node1's lease names a session" grep -Eq ' [0-9a-f]{16} [0-9a-f]{32}$' "$lease"
owner=$(owner_of node1)
[[ $owner =~ ^0x[0-9a-f]+$ ]] || fail "ephemeral owner of nodes/node1: expected 0x..., saw '$owner'"
C=$(st .coordinator)
pid=$(cat "$I/run/main.pid")
log="$I/log/main.log"

start_ro_sampler
start_writer node1 "$SB/acked"
sleep 1
t1=$(date +%s%3N)
n0=$(wc -l <"$SB/acked")
log "failoverd restart main (the primary's agent, pid $pid), $n0 rows acknowledged so far"
"$INIT" restart main || fail "init script restart"
alive "$pid" && fail "the old agent $pid still runs after restart"
grep -q "restart: exiting without fencing, keeping the ZooKeeper session" "$log" ||
    fail "the old agent's log: expected the hand-over line, saw: $(grep -E 'signal|stopping|fence' "$log" | tail -3)"
wait_for 20 "the new agent resumed the session" grep -q "resuming the previous agent's session $owner" "$log"
wait_for 20 "node1 registered by the new agent" eval '[ "$(node_field node1 healthy)" = true ]'
sleep 2
n1=$(wc -l <"$SB/acked")
stop_writer
stop_ro_sampler
[ "$n1" -gt "$((n0 + 5))" ] || fail "rows acknowledged across the restart: expected writes to go on, saw $n0 -> $n1"
expect_eq "samples with node1 read-only since the restart" 0 "$(ro_seen "$t1")"
[ "$(awk -v from="$t1" '$1 >= from' "$SAMPLES" | wc -l)" -ge 10 ] || fail "read_only sampler: too few samples since the restart"
grep -q "fence:" "$log" && fail "node1 fenced during the restart: $(grep -m1 'fence:' "$log")"
expect_eq "ephemeral owner of nodes/node1 after the restart (the same session)" "$owner" "$(owner_of node1)"
expect_eq "epoch after the restart" 1 "$(st .epoch)"
expect_eq "coordinator after the restart" "$C" "$(st .coordinator)"
every_acked_row_on node1 "$SB/acked"
log "rows acknowledged: $n0 before the restart, $n1 two seconds after the new agent registered"

log "restart with a file the new agent would refuse: nothing stopped"
pid=$(cat "$I/run/main.pid")
cp "$I/conf/main.conf" "$I/good.conf"
printf '[failover]\nbogus_key = 1\n' >>"$I/conf/main.conf"
"$INIT" restart main >/dev/null 2>&1 && fail "restart with a bad file: expected a non-zero exit"
alive "$pid" || fail "restart with a bad file stopped the running agent $pid"
cp "$I/good.conf" "$I/conf/main.conf"
log "PASS"
