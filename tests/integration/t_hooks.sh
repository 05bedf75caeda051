#!/usr/bin/env bash
# User hooks: run by execve with only the FAILOVER_* environment, bounded by hook_timeout_ms.
# role_change announces the writable primary (bootstrap, promotion) and its demotion; a failing
# pre_failover hook with hook_pre_failover_abort=on holds the failover back until it succeeds;
# post_failover gets old/new/epoch and is killed when it overruns, even after closing its output
# (the deadline is on the hook itself; tests/unit/check_hooks.c has the details).
source "$(dirname "$0")/lib.sh"

H=$(mktemp -d /tmp/fo-hooks.XXXXXX)
CLEANUP_PATHS+=("$H")
cat >"$H/role" <<HOOK
#!/bin/sh
echo "\$FAILOVER_NODE \$FAILOVER_ROLE \$FAILOVER_EPOCH old=\$FAILOVER_OLD_PRIMARY@\$FAILOVER_OLD_PRIMARY_HOST:\$FAILOVER_OLD_PRIMARY_PORT" >>"$H/role.log"
HOOK
cat >"$H/pre" <<HOOK
#!/bin/sh
echo "pre \$FAILOVER_OLD_PRIMARY \$FAILOVER_NEW_PRIMARY" >>"$H/pre.log"
[ -f "$H/allow" ] || { echo "not allowed yet"; exit 3; }
HOOK
cat >"$H/post" <<HOOK
#!/bin/sh
env | sort >"$H/post.env"
echo "post done" >>"$H/post.log"
exec >&- 2>&-
exec sleep 60
HOOK
chmod +x "$H/role" "$H/pre" "$H/post"

sb_up --replicas 2 --set failover.hook_role_change="$H/role" --set failover.hook_pre_failover="$H/pre" \
    --set failover.hook_pre_failover_abort=on --set failover.hook_post_failover="$H/post" \
    --set failover.hook_timeout_ms=700
wait_for 40 "bootstrap settled" cluster_settled
has_line() { grep -qx "$2" "$1" 2>/dev/null; }
wait_for 10 "role hook announced node1 primary at epoch 1" has_line "$H/role.log" "node1 primary 1 old=@:"

log "kill -9 node1's mysqld; the pre hook refuses"
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 10 "the pre hook ran" test -s "$H/pre.log"
sleep 2
expect_eq "epoch while the pre hook refuses" 1 "$(st .epoch)"
grep -hq "aborted: hook_pre_failover failed (exit 3)" "$SB"/node*/failoverd.log || fail "coordinator log: expected the abort naming exit 3"
grep -hq "hook pre_failover: not allowed yet" "$SB"/node*/failoverd.log || fail "coordinator log: expected the hook's output"

log "allow it: the failover goes ahead at the next attempt"
touch "$H/allow"
wait_for 20 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
wait_for 10 "post hook ran" has_line "$H/post.log" "post done"
for kv in FAILOVER_OLD_PRIMARY=node1 FAILOVER_OLD_PRIMARY_HOST=127.0.0.1 "FAILOVER_OLD_PRIMARY_PORT=$NODE1_PORT" \
    "FAILOVER_NEW_PRIMARY=$new" FAILOVER_NEW_PRIMARY_HOST=127.0.0.1 "FAILOVER_NEW_PRIMARY_PORT=$(port_of "$new")" FAILOVER_EPOCH=2 FAILOVER_CLUSTER=sandbox FAILOVER_HOOK=post_failover; do
    grep -qx "$kv" "$H/post.env" || fail "post hook environment: expected $kv, saw: $(tr '\n' ' ' <"$H/post.env")"
done
grep -q '^FAILOVERD=' "$H/post.env" && fail "post hook environment: inherited the agent's environment (FAILOVERD)"
killed() { grep -hq "hook post_failover timed out after 700 ms (hook_timeout_ms): $H/post killed" "$SB"/node*/failoverd.log; }
wait_for 10 "the overrunning post hook killed" killed
wait_for 10 "role hook announced $new primary at epoch 2" has_line "$H/role.log" "$new primary 2 old=node1@127.0.0.1:$NODE1_PORT"
wait_for 10 "role hook announced node1 replica (its agent alive, mysqld down)" has_line "$H/role.log" "node1 replica 2 old=node1@127.0.0.1:$NODE1_PORT"
log "PASS"
