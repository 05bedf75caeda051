#!/usr/bin/env bash
# switchover guards (issue 9, point 3): no confirmation on a non-terminal without --yes (one
# line, nothing changed); an interactive "n" changes nothing; --primary NODE refuses when the
# primary is someone else; a transaction open longer than switchover_max_trx_s (0 here: any) on
# the primary refuses the switchover and is listed (thread, user@host, statement); --dry-run
# prints the plan with its statements and changes nothing; --force goes through, and the
# narration names the client sessions the fence killed, by user@host, and counts them.
source "$(dirname "$0")/lib_ctl.sh"

sb_up --replicas 1 --set failover.switchover_max_trx_s=0
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
wait_for 10 "node2 has the table" sql_is node2 "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='app' AND TABLE_NAME='t'" 1
unchanged() {
    expect_eq "primary ($1)" node1 "$(st .primary)"
    expect_eq "epoch ($1)" 1 "$(st .epoch)"
    expect_eq "pending request ($1)" null "$(st .request)"
    expect_eq "read_only on node1 ($1)" 0 "$(read_only_of node1)"
}

run ctl_c switchover --to node2 </dev/null
expect_rc "switchover from a non-terminal without --yes" 2
expect_one_line "no confirmation" "$ERR"
expect_match "says to add --yes" "standard input is not a terminal.*add --yes" "$ERR"
unchanged "no confirmation"

out=$(printf 'n\n' | script -qec "$CTL -c $NODE1_CONF switchover --to node2" /dev/null 2>&1)
rc=$?
expect_match "interactive: asks" "Switch over node1 -> node2: .*Go on\? \[y/N\]" "$out"
expect_match "interactive: n changes nothing" "not confirmed: nothing changed" "$out"
[ "$rc" != 0 ] || fail "interactive switchover answered n: expected a non-zero exit, saw 0"
unchanged "answered n"

run ctl_c switchover --to node2 --primary node2 --yes
expect_rc "switchover --primary naming a replica" 6
expect_one_line "--primary guard" "$ERR"
expect_match "--primary guard says who is primary" "--primary node2: the primary is node1 \(epoch 1\), not node2" "$ERR"
unchanged "--primary guard"

log "an application transaction stays open on node1"
MYSQL_PWD=$APP_PASSWORD mariadb --no-defaults -h"$(host_of node1)" -P"$NODE1_PORT" -u"$APP_USER" app \
    -e "BEGIN; INSERT INTO t VALUES (1); SELECT SLEEP(60)" >/dev/null 2>&1 &
client=$!
on_exit "kill $client"
trx_open() { [ "$(sql node1 "SELECT COUNT(*) FROM information_schema.INNODB_TRX")" -ge 1 ]; }
wait_for 10 "the transaction open on node1" trx_open
tid=$(sql node1 "SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX LIMIT 1")
# A second session of the same account and host, idle (no transaction): the fence cuts it too,
# and the narration counts the two.
MYSQL_PWD=$APP_PASSWORD mariadb --no-defaults -h"$(host_of node1)" -P"$NODE1_PORT" -u"$APP_USER" app \
    -e "SELECT SLEEP(60)" >/dev/null 2>&1 &
idle=$!
on_exit "kill $idle"
two_sessions() { [ "$(sql node1 "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER='$APP_USER'")" = 2 ]; }
wait_for 10 "two $APP_USER sessions on node1" two_sessions

run ctl_c switchover --to node2 --primary node1 --yes
expect_rc "switchover with a long transaction open" 6
expect_one_line "long transaction refusal" "$ERR"
expect_match "the transaction is listed" "1 transaction\(s\) open on node1 for more than switchover_max_trx_s=0 s, which fencing would roll back: thread $tid $APP_USER@[0-9.]+:[0-9]+ open [0-9]+ s \(SELECT SLEEP\(60\)\); wait for them, end them, or use --force" "$ERR"
unchanged "long transaction"

run ctl_c switchover --to node2 --dry-run --force
expect_rc "switchover --dry-run --force" 0
expect_match "dry run: the transaction named" "--force: 1 transaction\(s\) open on node1" "$OUT"
expect_match "dry run says it changed nothing" "dry run: switchover node1 -> node2 passes every check; nothing changed" "$OUT"
expect_match "dry run: the plan" "A switchover now would promote node2 \(epoch 1 -> 2\)" "$OUT"
expect_match "dry run: the session it would kill" "KILL CONNECTION $tid;  -- $APP_USER@" "$OUT"
expect_match "dry run: the fence statement" "SET GLOBAL read_only=ON;" "$OUT"
unchanged "dry run"

run ctl_c switchover --to node2 --force --yes
expect_rc "switchover --force with the transaction open" 0
expect_match "the fence names and counts the killed client sessions" "node1 fenced: read-only, client sessions cut \($APP_USER@[0-9.]+ x2\)" "$OUT"
expect_eq "primary after the switchover" node2 "$(st .primary)"
wait_for 10 "the client's session ended" eval '! alive '"$client"
wait_for 10 "the idle client's session ended" eval '! alive '"$idle"
expect_eq "the open transaction was rolled back" 0 "$(sql node2 "SELECT COUNT(*) FROM app.t")"
log "PASS"
