#!/usr/bin/env bash
# scripts/hooks/vip and event-json in a --netns sandbox (each node a network namespace on a
# bridge): the role_change hook (run-all: vip, then event-json) puts the VIP on node1 at bootstrap;
# after node1's mysqld is killed, the VIP is on the new primary's namespace and no longer on
# node1's, the bridge host's ARP entry for it names the new primary's MAC without any new lookup
# (the gratuitous ARP), ARP for the VIP is answered by the new primary, and the JSON event lines
# name old and new primary with their addresses.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 0; }
command -v arping >/dev/null || fail "arping missing (iputils-arping; scripts/install-deps)"
H=$(mktemp -d /tmp/fo-hkvip.XXXXXX)
CLEANUP_PATHS+=("$H")
ln -s "$ROOT/scripts/hooks/run-all" "$H/role-change"
mkdir "$H/role-change.d"
ln -s "$ROOT/scripts/hooks/vip" "$H/role-change.d/10-vip"
ln -s "$ROOT/scripts/hooks/event-json" "$H/role-change.d/20-event-json"
ln -s "$ROOT/scripts/hooks/event-json" "$H/event"
# The sandbox's /24 is known only once it is up: the conf (shell) takes it from the primary's address.
cat >"$H/role-change.d/10-vip.conf" <<'CONF'
VIP="${FAILOVER_NEW_PRIMARY_HOST%.*}.200/24"
VIP_DEV=eth0
CONF
echo "EVENT_FILE=$H/events.jsonl" >"$H/role-change.d/20-event-json.conf"
echo "EVENT_FILE=$H/events.jsonl" >"$H/event.conf"

sb_up --netns --replicas 1 --set failover.hook_role_change="$H/role-change" \
    --set failover.hook_post_failover="$H/event"
wait_for 40 "bootstrap settled" cluster_settled
VIP=${NODE1_HOST%.*}.200
has_vip() { ip netns exec "$1" ip -o addr show dev eth0 | grep -q " $VIP/24"; }
mac_of() { ip netns exec "$1" cat /sys/class/net/eth0/address; }
wait_for 10 "VIP $VIP on node1" has_vip "$NODE1_NETNS"
has_vip "$NODE2_NETNS" && fail "VIP $VIP on node2 too at bootstrap"
# Who answers ARP for the VIP on the bridge (mysqld binds its node address only, so no client
# through the VIP: the ARP answer is what a client's host would follow).
answers() { arping -c 1 -w 2 -I "$NET_BRIDGE" "$VIP" 2>/dev/null | grep -o '\[[0-9A-Fa-f:]*\]' | tr -d '[]' | tr A-F a-f; }
expect_eq "MAC answering ARP for the VIP" "$(mac_of "$NODE1_NETNS")" "$(answers)"
# A TCP attempt (refused) gives the bridge host's kernel an ARP entry for the VIP to keep.
timeout 3 bash -c "exec 3<>/dev/tcp/$VIP/9" 2>/dev/null
arp_mac() { ip neigh show to "$VIP" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
expect_eq "bridge host's ARP entry for the VIP" "$(mac_of "$NODE1_NETNS")" "$(arp_mac)"

log "kill -9 node1's mysqld"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
ns_new=$(v="${new^^}_NETNS"; echo "${!v}")
wait_for 10 "VIP on $new" has_vip "$ns_new"
gone() { ! has_vip "$NODE1_NETNS"; }
wait_for 10 "VIP gone from node1 (its agent alive, mysqld down)" gone
arp_is_new() { is_eq "$(arp_mac)" "$(mac_of "$ns_new")"; }
wait_for 5 "bridge host's ARP entry for the VIP moved to $new (gratuitous ARP)" arp_is_new
expect_eq "MAC answering ARP for the VIP" "$(mac_of "$ns_new")" "$(answers)"

ev() { jq -c "select(.hook == \"$1\" and .epoch == 2 $2)" "$H/events.jsonl" 2>/dev/null | head -n 1; }
old_new='.old_primary == {name: "node1", host: "'$NODE1_HOST'", port: '$NODE1_PORT'} and .new_primary.name == "'$new'" and .new_primary.host == "'$(host_of "$new")'" and .new_primary.port == '$(port_of "$new")
got_event() { [ -n "$(ev "$@")" ]; }
wait_for 10 "post_failover event" got_event post_failover "and $old_new and .reason == \"failover\" and .cluster == \"sandbox\""
wait_for 10 "role_change primary event from $new" got_event role_change "and $old_new and .role == \"primary\" and .node == \"$new\""
wait_for 10 "role_change replica event from node1" got_event role_change "and $old_new and .role == \"replica\" and .node == \"node1\""
jq -e . "$H/events.jsonl" >/dev/null || fail "events.jsonl: expected one JSON object a line, saw: $(cat "$H/events.jsonl")"
log "PASS ($(wc -l <"$H/events.jsonl") event lines)"
