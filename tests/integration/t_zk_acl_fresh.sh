#!/usr/bin/env bash
# A cluster started with zk_auth_file (issue 12): every znode of the cluster, persistent,
# ephemeral or sequential (primary, history/e_, election/n_, nodes/, clock), carries only the
# digest ACL of that identity, and `failoverctl acl` finds none open. zk_root, which other
# clusters share, gives the identity all rights and anyone only READ|CREATE: a client without
# the credentials can make a cluster of its own beside it, but cannot touch ours.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_zkacl.sh"

sb_up --replicas 0 --set cluster.zk_auth_file="$T/zk.auth"
status_json() { "$CTL" -c "$NODE1_CONF" status --json; }
wait_for 20 "node1 settled as the writable primary" cluster_settled
C="$ZK_ROOT/$CLUSTER"

out=$("$CTL" -c "$NODE1_CONF" acl 2>&1) || fail "failoverctl acl on a cluster made with zk_auth_file: exit $?: $out"
grep -q " 0 open" <<<"$out" || fail "failoverctl acl: expected 0 open, saw: $out"
digest=$(acl_of "$C")
[[ $digest =~ ^digest:failover:[^\ ]+:31\ $ ]] || fail "ACL of $C: expected only digest:failover:...:31, saw '$digest'"
for z in $(grep -o "^$C/[^ ]*" <<<"$out"); do
    expect_eq "ACL of $z" "$digest" "$(acl_of "$z")"
done
for want in "$C/primary" "$C/election/n_node1_" "$C/nodes/node1" "$C/history/e_"; do
    grep -q "^$want" <<<"$out" || fail "failoverctl acl: expected $want... among the znodes, saw: $out"
done
expect_eq "ACL of $ZK_ROOT (shared by clusters)" "${digest}world:anyone:5 " "$(acl_of "$ZK_ROOT")"

expect_eq "another cluster created under $ZK_ROOT without credentials" ok "$(poke create "$ZK_ROOT/other" '' | tail -1)"
for op in "set $C/primary {}" "create $C/control {}" "delete $C/nodes/node1" "create $C/election/n_x_0000000009 x"; do
    # shellcheck disable=SC2086 # op is words
    expect_eq "unauthenticated '$op'" noauth "$(poke $op | tail -1)"
done
log "PASS"
