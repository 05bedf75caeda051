#!/usr/bin/env bash
# ZooKeeper digest auth and ACLs (issue 12). A cluster made without zk_auth_file has open znodes
# (world:anyone, all rights). Its agents restarted with zk_auth_file create their new znodes
# (registration, election) with the digest ACL, and warn that the old ones are still open;
# `failoverctl acl --fix` gives those the digest ACL. Then a client without the credentials
# (tests/tools/zkpoke, built here) can neither change nor read /primary and control, nor join
# the election, nor register a node; failoverctl with the same auth file (-c, or --zk with
# --zk-auth-file) works, without it it fails in one line. A client with the credentials can.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_zkacl.sh"

sb_up --replicas 1
wait_for 40 "bootstrap settled (no zk_auth_file yet)" cluster_settled
C="$ZK_ROOT/$CLUSTER"
expect_eq "ACL of $C/primary made without zk_auth_file" "world:anyone:31" "$(poke acl "$C/primary" | head -1)"

log "restart both agents with zk_auth_file"
for n in $NODES; do "$SANDBOX" kill-agent "$SB" "$n" TERM || fail "stop $n's agent"; done
for n in $NODES; do
    conf="${n^^}_CONF"
    sed -i "s#^\[cluster\]\$#[cluster]\nzk_auth_file = $T/zk.auth#" "${!conf}"
    "$SANDBOX" start-agent "$SB" "$n" || fail "start $n's agent"
done
# From here on failoverctl needs the credentials: read them from node1's config.
status_json() { "$CTL" -c "$NODE1_CONF" status --json; }
wait_for 30 "cluster settled with zk_auth_file" cluster_settled

reg=$(acl_of "$C/nodes/node1")
[[ $reg =~ ^digest:failover:[^\ ]+:31\ $ ]] || fail "ACL of the new registration $C/nodes/node1: expected only digest:failover:...:31, saw '$reg'"
warned() { grep -q "have no ACL, from before zk_auth_file was set" "$SB/node1/failoverd.log"; }
wait_for 10 "node1's agent warns that the old znodes are open" warned
grep -h "have no ACL" "$SB/node1/failoverd.log" | tail -1 | sed 's/^/    /'

out=$("$CTL" -c "$NODE1_CONF" acl 2>&1) && fail "failoverctl acl with open znodes: expected exit 1, saw 0: $out"
grep -q "^$C/primary  *open\$" <<<"$out" || fail "failoverctl acl: expected $C/primary listed open, saw: $out"
out=$("$CTL" -c "$NODE1_CONF" acl --fix 2>&1) || fail "failoverctl acl --fix: exit $?: $out"
echo "$out" | tail -2 | sed 's/^/    /'
out=$("$CTL" -c "$NODE1_CONF" acl 2>&1) || fail "failoverctl acl after --fix: expected exit 0, saw $?: $out"
grep -q " 0 open" <<<"$out" || fail "failoverctl acl after --fix: expected 0 open, saw: $out"

"$CTL" -c "$NODE1_CONF" pause >/dev/null || fail "failoverctl pause with the auth file"
expect_eq "paused (set through failoverctl with the credentials)" true "$(st .paused)"
expect_eq "ACL of $C/control made by failoverctl" "$reg" "$(acl_of "$C/control")"

log "a client without the credentials"
prim=$(poke -a "failover:$ZKPW" get "$C/primary" | head -1)
[[ $prim == *'"epoch"'* ]] || fail "get $C/primary with the credentials: expected the record, saw '$prim'"
for op in "set $C/primary {\"name\":\"evil\",\"epoch\":99}" "get $C/primary" "set $C/control {\"paused\":true}" \
    "create $C/control {}" "create $C/election/n_evil_0000000001 evil" "create $C/nodes/evil {}" \
    "create $C/history/e_0000009999 {}" "delete $C/primary" "set $C {}"; do
    # shellcheck disable=SC2086 # op is words
    r=$(poke $op | tail -1)
    expect_eq "unauthenticated '$op'" "noauth" "$r"
done
r=$(poke -a "failover:wrong" set "$C/control" '{}' | tail -1)
expect_eq "set control with a wrong password" "noauth" "$r"
expect_eq "/primary after the attempts" "$prim" "$(poke -a "failover:$ZKPW" get "$C/primary" | head -1)"

out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" status 2>&1)
rc=$?
# 4 (ZooKeeper refused) is failoverctl's code; status has its own scale, where 3 is "no ZooKeeper".
[ $rc = 3 ] || [ $rc = 4 ] || fail "failoverctl status without the credentials: expected exit 3 or 4 (ZooKeeper refused), saw $rc: $out"
[ "$(echo "$out" | wc -l)" = 1 ] && grep -q "zk_auth_file" <<<"$out" || fail "failoverctl status without the credentials: expected one line naming zk_auth_file, saw: $out"
log "without the credentials: $out"
p=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" --zk-auth-file "$T/zk.auth" status --json 2>&1 | jq -r .primary)
expect_eq "failoverctl --zk ... --zk-auth-file status: primary" node1 "$p"
log "PASS"
