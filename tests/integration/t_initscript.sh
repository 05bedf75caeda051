#!/usr/bin/env bash
# The SysV init script starts an agent from its config (refusing a bad one), reports status,
# and stops it cleanly: the agent's registration goes at once (clean session close).
source "$(dirname "$0")/lib.sh"

sb_up --replicas 1 --no-agents
init_env fo-init

"$INIT" start || fail "init script start: exit $?"
registered() { is_eq "$(node_field node1 healthy)" true; }
wait_for 20 "node1's agent registered" registered
"$INIT" status | grep -q "main is running" || fail "status: expected 'main is running', saw: $("$INIT" status)"
pid=$(cat "$I/run/main.pid")
"$INIT" reload | grep -q "failoverd main: reload requested" || fail "reload: expected 'reload requested', saw: $("$INIT" reload 2>&1)"
reloaded() { grep -q "reload: $I/conf/main.conf has no changes" "$I/log/main.log" "$SB/node1/failoverd.log" 2>/dev/null; }
wait_for 10 "the agent to read its file again (SIGHUP)" reloaded
"$INIT" stop || fail "init script stop: exit $?"
alive "$pid" && fail "agent pid $pid still alive after stop"
gone() { is_eq "$(st '[.nodes[] | select(.agent != false)] | length')" 0; }
wait_for 3 "node1's registration removed at once by the clean close" gone
"$INIT" status >/dev/null && fail "status after stop: expected non-zero"

echo "[cluster]" >"$I/conf/bad.conf"; echo "nonsense" >>"$I/conf/bad.conf"; chmod 600 "$I/conf/bad.conf"
out=$("$INIT" start bad 2>&1) && fail "start with a bad config: expected failure, saw success"
echo "$out" | grep -q "bad.conf:2" || fail "start with a bad config: expected the file and line in the error, saw: $out"
log "PASS"
