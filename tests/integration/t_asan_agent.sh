#!/usr/bin/env bash
# The agent built with AddressSanitizer and UBSan (build-asan/failoverd, made by `make check`)
# goes through bootstrap, a failover, a rejoin, hooks-free HTTP and a clean stop; any sanitizer
# report in an agent's log (memory error, undefined behaviour, or a leak at exit) fails the test.
source "$(dirname "$0")/lib.sh"

export FAILOVERD=$ROOT/build-asan/failoverd
[ -x "$FAILOVERD" ] || fail "$FAILOVERD is missing: run make check (it builds the sanitized agent)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1

sb_up --replicas 2
wait_for 60 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
curl -s "http://127.0.0.1:$NODE1_HTTP_PORT/metrics" >/dev/null
"$SANDBOX" kill-mysqld "$SB" node1 KILL
wait_for 30 "a new primary at epoch 2" epoch_is 2
new=$(st .primary)
"$SANDBOX" start-mysqld "$SB" node1 || fail "start-mysqld node1"
wait_for 30 "node1 rejoined" replicates_from node1 "$new"
"$SANDBOX" kill-agent "$SB" node2 KILL
"$SANDBOX" start-agent "$SB" node2
sleep 2
"$SANDBOX" down "$SB" >/dev/null 2>&1
if grep -lE "AddressSanitizer|LeakSanitizer|runtime error:" "$SB"/node*/failoverd.log >/dev/null; then
    for f in $(grep -lE "AddressSanitizer|LeakSanitizer|runtime error:" "$SB"/node*/failoverd.log); do
        echo "---- $f"; grep -A 25 -E "AddressSanitizer|LeakSanitizer|runtime error:" "$f" | head -60
    done
    fail "sanitizer reports in the agents' logs (above)"
fi
log "PASS"
