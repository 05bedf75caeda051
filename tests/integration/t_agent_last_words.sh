#!/usr/bin/env bash
# An agent that dies says where: a fatal signal leaves "FATAL: signal N" and a backtrace in its log
# (stderr; the journal under systemd), then the default action (a core, if enabled) follows. The
# chaos suite once saw an agent vanish without a word; this is what the next one will leave.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 1
wait_for 40 "bootstrap settled" cluster_settled
pid=$("$SANDBOX" pid "$SB" node2 agent) || fail "node2's agent pid"
log "SIGSEGV to node2's agent (pid $pid)"
kill -SEGV "$pid"
wait_for 10 "node2's agent gone" sh -c "! kill -0 $pid 2>/dev/null"
grep -q "failoverd: FATAL: signal 11 (pid $pid); backtrace:" "$SB/node2/failoverd.log" ||
    fail "node2's log: expected 'failoverd: FATAL: signal 11 (pid $pid); backtrace:', saw: $(tail -n 3 "$SB/node2/failoverd.log")"
frames=$(sed -n '/FATAL: signal 11/,$p' "$SB/node2/failoverd.log" | grep -c 'failoverd(\|libc\.so')
[ "$frames" -ge 2 ] || fail "backtrace: expected at least 2 frames naming failoverd or libc, saw $frames"
log "the report: $(sed -n '/FATAL: signal 11/,+3p' "$SB/node2/failoverd.log" | tr '\n' '|')"
# The primary is untouched: an agent dying alone fails nothing over.
expect_eq "primary" node1 "$(st .primary)"
log "PASS"
