#!/usr/bin/env bash
# Malformed and hostile znodes are logged and ignored; no agent crashes. A garbage registration,
# an oversized one and one that names another node are skipped (status lists them as problems);
# a garbage /control makes the coordinator hold off (treated as paused) until it is fixed; a
# garbage /primary changes nothing on any mysqld.
source "$(dirname "$0")/lib.sh"

zk() { /usr/share/zookeeper/bin/zkCli.sh -server "$ZK_HOSTS" "$@" >/dev/null 2>&1; }
agents_alive() { for n in $NODES; do "$SANDBOX" pid "$SB" "$n" agent >/dev/null || fail "agent of $n died"; done; }
problems() { st '.problems | length'; }

sb_up --replicas 2
base=$ZK_ROOT/$CLUSTER
wait_for 40 "bootstrap settled" cluster_settled
primary_json=$(/usr/share/zookeeper/bin/zkCli.sh -server "$ZK_HOSTS" get "$base/primary" 2>/dev/null | grep '^{')
[ -n "$primary_json" ] || fail "could not read /primary"

zk create "$base/nodes/bogus" '{not json'
zk create "$base/nodes/liar" '{"name":"node1","host":"127.0.0.1","port":1,"role":"primary","healthy":true,"read_only":false}'
zk create "$base/nodes/huge" "{\"name\":\"huge\",\"host\":\"$(head -c 5000 /dev/zero | tr '\0' x)\",\"port\":1,\"role\":\"replica\",\"healthy\":true,\"read_only\":true}"
zk create "$base/election/n_zz_0000000000" 'garbage\x00'
sleep 2
agents_alive
expect_eq "nodes listed by status (garbage skipped)" "node1 node2 node3" "$(st '[.nodes[].name] | join(" ")')"
[ "$(problems)" -ge 2 ] || fail "status problems: expected at least 2 (bogus, huge), saw $(problems)"
expect_eq "primary unchanged" node1 "$(st .primary)"

log "garbage /control: the coordinator holds off"
zk create "$base/control" '[1,2,3]' || zk set "$base/control" '[1,2,3]'
zk set "$base/control" '[1,2,3]'
sleep 1
"$SANDBOX" kill-mysqld "$SB" node1 KILL
sleep 4
agents_alive
expect_eq "epoch while /control is garbage" 1 "$(st .epoch)"
log "fix /control: the failover happens"
zk set "$base/control" '{}'
wait_for 20 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 15 "$new writable" state_is "$new" writable

log "garbage /primary: nothing changes on any mysqld"
good=$(/usr/share/zookeeper/bin/zkCli.sh -server "$ZK_HOSTS" get "$base/primary" 2>/dev/null | grep '^{')
zk set "$base/primary" '{"name":"node9","epoch":"x"}'
sleep 3
agents_alive
expect_eq "read_only on $new while /primary is garbage" 0 "$(read_only_of "$new")"
for n in node2 node3; do [ "$n" = "$new" ] || expect_eq "read_only on $n" 1 "$(read_only_of "$n")"; done
zk set "$base/primary" "$good"
"$SANDBOX" start-mysqld "$SB" node1 || fail "start node1"
wait_for 30 "cluster settled again" cluster_settled
agents_alive
log "PASS"
