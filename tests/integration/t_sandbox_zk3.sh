#!/bin/bash
# t_sandbox_zk3.sh -- scripts/sandbox up --zk 3 --netns: each ZooKeeper server on a host of its own,
# and the fault commands the chaos suite uses really cut traffic (a TCP connect fails across a cut
# and works within a group), then `down` removes every namespace, veth and bridge. Real servers,
# real agents. Exit 0 pass, 1 fail ("FAIL: what: expected x, saw y").
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SB="$REPO/scripts/sandbox"
export FAILOVERD="${FAILOVERD:-$REPO/failoverd}"
T=$(mktemp -d /tmp/t_sbzk3.XXXXXX) || { echo "FAIL: mktemp: expected a temp dir, saw none"; exit 1; }
D="$T/s"
T0=$(date +%s)

cleanup() {
    "$SB" down "$D" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

fail() { echo "FAIL: $1: expected $2, saw $3" >&2; exit 1; }
ok() { echo "ok - $* ($(($(date +%s) - T0))s)"; }
check() { [ "$3" == "$2" ] || fail "$1" "'$2'" "'$3'"; }

[ "$(id -u)" = 0 ] || { echo "SKIP t_sandbox_zk3: needs root (network namespaces)"; exit 0; }
[ -x "$FAILOVERD" ] || fail "agent binary" "$FAILOVERD (make failoverd)" "none"

# tcp NS ADDR PORT: "ok" when a TCP connect from namespace NS (or the root namespace, "-") to
# ADDR:PORT succeeds within 2 s, else "cut".
tcp() {
    local pre=()
    [ "$1" != - ] && pre=(ip netns exec "$1")
    if "${pre[@]}" timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$2" "$3" 2>/dev/null; then echo ok; else echo cut; fi
}
v() { local n="$1"; echo "${!n}"; }
ns_of() { v "${1^^}_NETNS"; }
host_of() { v "${1^^}_HOST"; }
# port_of HOST: a port that HOST listens on (mysqld of a node, client port of a ZooKeeper server).
port_of() { v "${1^^}_PORT"; }
# reach FROM TO: tcp from FROM's namespace to TO's listening port.
reach() { tcp "$(ns_of "$1")" "$(host_of "$2")" "$(port_of "$2")"; }
expect_reach() { check "TCP connect $1 -> $2 ($3)" "$4" "$(reach "$1" "$2")"; }
# expect_healed FROM TO WHAT: reachable again within 5 s. A veth put back on the bridge forwards
# after its port comes up and ARP resolves again, which on a loaded host can take more than the
# 2 s of one connect (CI saw 'cut' right after heal-all once).
expect_healed() {
    local end=$(($(date +%s) + 5))
    until [ "$(reach "$1" "$2")" = ok ]; do
        [ "$(date +%s)" -lt "$end" ] || fail "TCP connect $1 -> $2 ($3)" ok cut
        sleep 0.2
    done
}

out=$("$SB" up "$D" --zk 3 --netns 2>&1) || fail "sandbox up --zk 3 --netns" "exit 0" "exit $? ($(tail -n 5 <<<"$out" | tr '\n' ' '))"
# shellcheck disable=SC1091
. "$D/sandbox.env"
ok "up --zk 3 --netns"

# ---- the ensemble's servers are hosts
check "ZK_NETNS" 1 "$ZK_NETNS"
want=""
for i in 1 2 3; do
    h=$(host_of "zk$i"); ns=$(ns_of "zk$i")
    [ -n "$h" ] && [ -n "$ns" ] || fail "ZK${i}_HOST and ZK${i}_NETNS in sandbox.env" "values" "'$h' '$ns'"
    want="${want:+$want,}$h:$(port_of "zk$i")"
    pid=$("$SB" pid "$D" "zk$i") || fail "sandbox pid zk$i" "a running server" "exit $?"
    check "namespace of zk$i's java (pid $pid)" "$ns" "$(ip netns identify "$pid")"
    check "TCP connect root -> zk$i" ok "$(tcp - "$h" "$(port_of "zk$i")")"
done
check "ZK_HOSTS" "$want" "$ZK_HOSTS"
for n in $NODES; do
    check "zk_hosts in $n's failoverd.conf" "zk_hosts = $want" "$(grep '^zk_hosts' "$D/$n/failoverd.conf")"
done
ok "three ZooKeeper servers, each in its own namespace; agents list all three"

# ---- zk-leader, zk-server-of
leader=$("$SB" zk-leader "$D") || fail "sandbox zk-leader" "exit 0" "exit $?"
[[ $leader =~ ^zk[123]$ ]] || fail "sandbox zk-leader" "one of zk1..zk3" "'$leader'"
mode=$(ip netns exec "$(ns_of "$leader")" bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf srvr >&3 && cat <&3' \
    "$(host_of "$leader")" "$(port_of "$leader")" 2>/dev/null | sed -n 's/^Mode: //p')
check "srvr of $leader" leader "$mode"
end=$(($(date +%s) + 20))
until srv=$("$SB" zk-server-of "$D" node1 2>/dev/null); do
    [ "$(date +%s)" -lt "$end" ] || fail "sandbox zk-server-of node1" "a server within 20 s" "$("$SB" zk-server-of "$D" node1 2>&1)"
    sleep 0.2
done
[[ $srv =~ ^zk[123]$ ]] || fail "sandbox zk-server-of node1" "one of zk1..zk3" "'$srv'"
pid=$("$SB" pid "$D" node1 agent)
seen=$(ip netns exec "$NODE1_NETNS" ss -tnpH state established 2>/dev/null | grep "pid=$pid," | awk '{ print $4 }')
check "node1's agent's socket to $srv" "$(host_of "$srv"):$(port_of "$srv")" "$seen"
ok "zk-leader says $leader, zk-server-of node1 says $srv"

# ---- partition-group: node1 and one ZooKeeper server on the cut-off bridge
follower=zk1; [ "$leader" = zk1 ] && follower=zk2
"$SB" partition-group "$D" node1 "$follower" || fail "sandbox partition-group node1 $follower" "exit 0" "exit $?"
check "master of node1's veth" "$NET_BRIDGE2" "$(ip -o link show "$NODE1_VETH" | grep -o 'master [^ ]*' | cut -d' ' -f2)"
check "node1's veth state" UP "$(ip -o link show "$NODE1_VETH" | grep -o 'state [A-Z]*' | cut -d' ' -f2)"
expect_reach node1 "$follower" "within the group" ok
expect_reach "$follower" node1 "within the group" ok
expect_reach node1 "$leader" "across the cut" cut
expect_reach node1 node2 "across the cut" cut
expect_reach node2 node1 "across the cut" cut
expect_reach node2 "$leader" "on the majority side" ok
expect_reach node2 node3 "on the majority side" ok
check "TCP connect root -> node1 (across the cut)" cut "$(tcp - "$NODE1_HOST" "$NODE1_PORT")"
check "TCP connect root -> node2" ok "$(tcp - "$NODE2_HOST" "$NODE2_PORT")"
"$SB" partition-group "$D" node9 >/dev/null 2>&1 && fail "partition-group of an unknown host" "an error" "exit 0"
ok "partition-group node1 $follower: they see each other, nothing crosses"

"$SB" heal-all "$D" || fail "sandbox heal-all" "exit 0" "exit $?"
expect_healed node1 "$leader" "after heal-all"
expect_healed node2 node1 "after heal-all"
# From the root namespace too, within the same 5 s (CI saw one immediate connect say 'cut').
end=$(($(date +%s) + 5))
until [ "$(tcp - "$NODE1_HOST" "$NODE1_PORT")" = ok ]; do
    [ "$(date +%s)" -lt "$end" ] || break
    sleep 0.2
done
check "TCP connect root -> node1 after heal-all" ok "$(tcp - "$NODE1_HOST" "$NODE1_PORT")"
ok "heal-all"

# ---- oneway: what node2 sends to node3 is dropped; what node3 sends reaches node2 (its SYN
# leaves a SYN-RECV socket on node2, whose answer is what gets dropped).
"$SB" oneway "$D" node2 node3 || fail "sandbox oneway node2 node3" "exit 0" "exit $?"
expect_reach node2 node3 "one-way cut" cut
expect_reach node2 node1 "not cut" ok
expect_reach node3 node2 "one-way cut, the other way (no SYN-ACK comes back)" cut
ip netns exec "$NODE3_NETNS" timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$NODE2_HOST" "$NODE2_PORT" 2>/dev/null &
bg=$!
sleep 0.5
synrecv=$(ip netns exec "$NODE2_NETNS" ss -tnH state syn-recv 2>/dev/null | grep -c " $NODE3_HOST:")
wait "$bg" 2>/dev/null
[ "$synrecv" -ge 1 ] || fail "node3's SYN at node2 under 'oneway node2 node3'" "a SYN-RECV socket on node2" "none"
"$SB" heal-all "$D" || fail "sandbox heal-all (oneway)" "exit 0" "exit $?"
expect_healed node2 node3 "after heal-all"
ok "oneway node2 node3: node2's packets to node3 dropped, node3's arrive"

# ---- partition (link down) of a ZooKeeper server
"$SB" partition "$D" "$follower" || fail "sandbox partition $follower" "exit 0" "exit $?"
expect_reach node2 "$follower" "link down" cut
"$SB" heal "$D" "$follower" || fail "sandbox heal $follower" "exit 0" "exit $?"
end=$(($(date +%s) + 5))
until [ "$(reach node2 "$follower")" = ok ]; do
    [ "$(date +%s)" -lt "$end" ] || fail "TCP connect node2 -> $follower after heal" ok cut
    sleep 0.2
done
ok "partition/heal of $follower"

# ---- down removes every process, namespace, veth and bridge
pids=$(cat "$D"/zk*/zk.pid "$D"/node*/mysqld.pid "$D"/node*/failoverd.pid 2>/dev/null)
out=$("$SB" down "$D" 2>&1) || fail "sandbox down" "exit 0" "exit $? ($out)"
for p in $pids; do
    if kill -0 "$p" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
        fail "pid $p after down" "not running" "running"
    fi
done
left=$(ip netns list | awk '{ print $1 }' | grep "^fo$NETNS_ID" | tr '\n' ' ')
check "namespaces fo$NETNS_ID* after down" "" "$left"
left=$(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep "^fo$NETNS_ID" | tr '\n' ' ')
check "links fo$NETNS_ID* (veths, bridges) after down" "" "$left"
ok "down: no process, namespace, veth or bridge left"
echo "PASS t_sandbox_zk3 ($(($(date +%s) - T0))s)"
