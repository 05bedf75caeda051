#!/bin/bash
# t_sandbox.sh -- integration test of scripts/sandbox and scripts/mysqld-start-hook against real
# ZooKeeper 3.8 and MariaDB 10.11 servers: replication, read-only fencing of replicas, account
# privileges, mysqld restart, ZooKeeper ensemble, agents' start/stop (with a stand-in agent), and
# that `down` leaves no process alive. Exit 0 pass, 1 fail ("FAIL: what: expected x, saw y").
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SB="$REPO/scripts/sandbox"
HOOK="$REPO/scripts/mysqld-start-hook"
T=$(mktemp -d /tmp/t_sandbox.XXXXXX) || { echo "FAIL: mktemp: expected a temp dir, saw none"; exit 1; }
D1="$T/a"
D2="$T/b"
T0=$(date +%s)

cleanup() {
    "$SB" down "$D1" >/dev/null 2>&1
    "$SB" down "$D2" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

fail() { echo "FAIL: $1: expected $2, saw $3" >&2; exit 1; }
ok() { echo "ok - $* ($(( $(date +%s) - T0 ))s)"; }
# check WHAT EXPECTED SEEN
check() { [ "$3" == "$2" ] || fail "$1" "'$2'" "'$3'"; }
one_line() { tr '\n' ' ' <<<"$1" | sed 's/ *$//'; }

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
    local end=$(( $(date +%s%N) + $1 * 1000000000 ))
    shift
    until "$@"; do
        [ "$(date +%s%N)" -ge "$end" ] && return 1
        sleep 0.1
    done
}

sock_of() { local v="${1^^}_SOCK"; echo "${!v}"; }
port_of() { local v="${1^^}_PORT"; echo "${!v}"; }

# slave_field NODE FIELD: a field of SHOW SLAVE STATUS (the \G form needs column names, which
# `sandbox sql` leaves out with -N, so go to the socket directly).
slave_field() {
    mariadb --no-defaults --socket="$(sock_of "$1")" -uroot -e "SHOW SLAVE STATUS\G" 2>/dev/null |
        sed -n "s/^ *$2: //p"
}
replicating() { [ "$(slave_field "$1" Slave_IO_Running)" = Yes ] && [ "$(slave_field "$1" Slave_SQL_Running)" = Yes ]; }

# fo_sql NODE SQL: as the failover account over TCP.
fo_sql() {
    MYSQL_PWD=$FAILOVER_PASSWORD mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P"$(port_of "$1")" \
        -u"$FAILOVER_USER" -N -B --connect-timeout=5 -e "$2"
}

# proc_alive PID: runs and is not a zombie.
proc_alive() {
    local st
    kill -0 "$1" 2>/dev/null || return 1
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

# recorded_pids DIR: every PID in DIR's pid files.
recorded_pids() { cat "$1"/zk*/zk.pid "$1"/node*/mysqld.pid "$1"/node*/failoverd.pid 2>/dev/null; }

# down_and_check DIR: down, then none of the PIDs recorded before may be alive.
down_and_check() {
    local pids p out
    pids=$(recorded_pids "$1")
    [ -n "$pids" ] || fail "pid files in $1" "some" "none"
    out=$("$SB" down "$1" 2>&1) || fail "sandbox down $1" "exit 0" "exit $? ($(one_line "$out"))"
    for p in $pids; do
        proc_alive "$p" && fail "pid $p after down" "not running" "running: $(tr '\0' ' ' </proc/"$p"/cmdline)"
    done
    out=$(ls "$1"/*/*.pid 2>/dev/null)
    [ -z "$out" ] || fail "pid files after down" "none" "$(one_line "$out")"
    "$SB" down "$1" >/dev/null 2>&1 || fail "second sandbox down $1 (idempotent)" "exit 0" "exit $?"
}

# ---------------------------------------------------------------- command line

out=$("$SB" -h 2>&1); rc=$?
check "sandbox -h exit status" 0 "$rc"
[[ $out == *"usage: sandbox"* && $out == *"kill-mysqld"* ]] || fail "sandbox -h" "the usage text" "$(one_line "$out")"
out=$("$SB" frobnicate 2>&1); rc=$?
check "sandbox frobnicate exit status" 2 "$rc"
check "sandbox frobnicate error lines" 1 "$(wc -l <<<"$out")"
out=$("$SB" up "$D1" --frob 2>&1); rc=$?
check "sandbox up --frob exit status" 2 "$rc"
[[ $out == *"--replicas"* ]] || fail "sandbox up --frob message" "the allowed options" "$out"
out=$(FAILOVERD=/nonexistent/failoverd "$SB" up "$D1" 2>&1); rc=$?
check "sandbox up without an agent binary: exit status" 1 "$rc"
[[ $out == *"--no-agents"* ]] || fail "sandbox up without an agent binary: message" "a hint at --no-agents" "$out"
ok "command line"

# ---------------------------------------------------------------- hook

printf '[mysqld]\nport = 3306\n' >"$T/plain.cnf"
printf '[mysqld]\nread_only = ON\n' >"$T/ro.cnf"
printf '[mysqld]\nread_only = ON\n[mysqld]\nread-only = 0\n' >"$T/ro-off.cnf"
"$HOOK" --defaults-file "$T/plain.cnf" >/dev/null 2>&1 && fail "hook on a my.cnf without read_only" "non-zero exit" "exit 0"
"$HOOK" --defaults-file "$T/ro.cnf" >/dev/null 2>&1 || fail "hook on a my.cnf with read_only = ON" "exit 0" "exit $?"
"$HOOK" --defaults-file "$T/ro-off.cnf" >/dev/null 2>&1 && fail "hook on a my.cnf turning read_only off last" "non-zero exit" "exit 0"
ok "mysqld-start-hook"

# ---------------------------------------------------------------- sandbox 1: 1 ZK, 3 MariaDB, no agents

t=$(date +%s%N)
out=$("$SB" up "$D1" --no-agents 2>&1) || fail "sandbox up $D1 --no-agents" "exit 0" "exit $? ($(one_line "$out"))"
ms=$(( ($(date +%s%N) - t) / 1000000 ))
[ "$ms" -lt 15000 ] || fail "time of sandbox up" "< 15000 ms" "$ms ms"
ok "up --no-agents in $ms ms"

env_text=$("$SB" env "$D1") || fail "sandbox env" "exit 0" "exit $?"
# shellcheck disable=SC1090
. <(echo "$env_text")
check "NODES" "node1 node2 node3" "$NODES"
check "PRIMARY" node1 "$PRIMARY"
check "SANDBOX_DIR" "$(cd "$D1" && pwd -P)" "$SANDBOX_DIR"
check "NODE1_PORT" $((BASE_PORT + 101)) "$NODE1_PORT"
check "NODE3_HTTP_PORT" $((BASE_PORT + 203)) "$NODE3_HTTP_PORT"
check "ZK_HOSTS" "127.0.0.1:$BASE_PORT" "$ZK_HOSTS"
for v in NODE1_SOCK NODE2_SOCK NODE3_SOCK APP_USER APP_PASSWORD CLUSTER ZK_ROOT; do
    [ -n "${!v:-}" ] || fail "$v in sandbox.env" "a value" "nothing"
done
check "mode of failoverd.conf" 600 "$(stat -c %a "$D1/node2/failoverd.conf")"

out=$( (exec 3<>"/dev/tcp/127.0.0.1/$BASE_PORT" && printf ruok >&3 && cat <&3) 2>/dev/null)
check "ZooKeeper ruok" imok "$out"
out=$("$SB" up "$D1" --no-agents 2>&1); rc=$?
check "second sandbox up on a running sandbox: exit status" 1 "$rc"
check "second sandbox up on a running sandbox: lines" 1 "$(wc -l <<<"$out")"

for n in node2 node3; do
    check "$n Slave_IO_Running" Yes "$(slave_field "$n" Slave_IO_Running)"
    check "$n Slave_SQL_Running" Yes "$(slave_field "$n" Slave_SQL_Running)"
    check "$n Master_Port" "$NODE1_PORT" "$(slave_field "$n" Master_Port)"
    check "$n Using_Gtid" Slave_Pos "$(slave_field "$n" Using_Gtid)"
done
ok "replicas replicate from node1"

out=$("$SB" app-sql "$D1" node1 "CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO app.t VALUES (1, 'one')" 2>&1) ||
    fail "app user's INSERT on node1" "success" "$(one_line "$out")"
pos=$("$SB" sql "$D1" node1 "SELECT @@gtid_binlog_pos")
for n in node2 node3; do
    check "MASTER_GTID_WAIT('$pos') on $n" 0 "$("$SB" sql "$D1" "$n" "SELECT MASTER_GTID_WAIT('$pos', 10)")"
    check "row 1 on $n" one "$("$SB" sql "$D1" "$n" "SELECT v FROM app.t WHERE id = 1")"
done
ok "app rows replicate"

check "node1 read_only (no agents)" 0 "$("$SB" sql "$D1" node1 "SELECT @@read_only")"
for n in node2 node3; do
    check "$n read_only" 1 "$("$SB" sql "$D1" "$n" "SELECT @@read_only")"
    out=$("$SB" app-sql "$D1" "$n" "INSERT INTO app.t VALUES (99, 'stray')" 2>&1) &&
        fail "app user's INSERT on replica $n" "ERROR 1290 (read-only)" "success"
    [[ $out == *"ERROR 1290"* ]] || fail "app user's INSERT on replica $n" "ERROR 1290 (read-only)" "$(one_line "$out")"
done
ok "replicas are read-only for the app user"

# ---- failover account: what the agent needs, and nothing more
out=$(fo_sql node2 "SET GLOBAL read_only = 0; SELECT @@read_only; SET GLOBAL read_only = 1; SELECT @@read_only" 2>&1)
check "failover account: SET GLOBAL read_only 0 then 1" "0 1" "$(one_line "$out")"
for q in "SHOW SLAVE STATUS" "SHOW ALL SLAVES STATUS" "SHOW BINLOG STATUS" "SHOW BINARY LOGS" \
         "SELECT @@gtid_binlog_pos, @@gtid_slave_pos, @@gtid_current_pos" \
         "SET GLOBAL rpl_semi_sync_master_enabled = @@rpl_semi_sync_master_enabled" \
         "SET GLOBAL rpl_semi_sync_slave_enabled = @@rpl_semi_sync_slave_enabled"; do
    out=$(fo_sql node2 "$q" 2>&1) || fail "failover account: $q" "success" "$(one_line "$out")"
done
out=$(fo_sql node1 "SHOW SLAVE HOSTS" 2>&1) || fail "failover account: SHOW SLAVE HOSTS" "success" "$(one_line "$out")"
check "SHOW SLAVE HOSTS on node1 (rows)" 2 "$(wc -l <<<"$out")"
out=$(fo_sql node2 "STOP SLAVE; SET @p = @@gtid_slave_pos; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = @p;
        CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $NODE1_PORT, MASTER_USER = '$REPL_USER',
        MASTER_PASSWORD = '$REPL_PASSWORD', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1,
        MASTER_HEARTBEAT_PERIOD = 1; START SLAVE" 2>&1) ||
    fail "failover account: STOP SLAVE, RESET SLAVE ALL, SET GLOBAL gtid_slave_pos, CHANGE MASTER, START SLAVE" "success" "$(one_line "$out")"
wait_for 10 replicating node2 || fail "node2 replicating after the failover account repointed it" "IO and SQL Yes" \
    "$(slave_field node2 Slave_IO_Running)/$(slave_field node2 Slave_SQL_Running) $(slave_field node2 Last_IO_Error)"
pos=$("$SB" sql "$D1" node1 "SELECT @@gtid_binlog_pos")
check "failover account: MASTER_GTID_WAIT on node2" 0 "$(fo_sql node2 "SELECT MASTER_GTID_WAIT('$pos', 10)" 2>&1)"

"$SB" app-sql "$D1" node2 "SELECT SLEEP(30)" >"$T/sleep.out" 2>"$T/sleep.err" &
sleeper=$!
app_id() { app_thread=$(fo_sql node2 "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '$APP_USER' AND INFO LIKE 'SELECT SLEEP%'" 2>/dev/null); [ -n "$app_thread" ]; }
wait_for 5 app_id || fail "failover account sees the app session in information_schema.PROCESSLIST" "one row" "none"
out=$(fo_sql node2 "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'system user'" 2>&1)
[[ $out =~ ^[0-9]+$ && $out -ge 2 ]] || fail "failover account sees the replication threads in PROCESSLIST" ">= 2" "$out"
out=$(fo_sql node2 "KILL CONNECTION $app_thread" 2>&1) || fail "failover account: KILL CONNECTION of the app session" "success" "$(one_line "$out")"
wait "$sleeper" && fail "killed app session" "an error" "exit 0"
grep -q "ERROR 2013" "$T/sleep.err" || fail "killed app session" "ERROR 2013 (lost connection)" "$(one_line "$(cat "$T/sleep.err")")"

for q in "CREATE DATABASE x" "INSERT INTO app.t VALUES (98, 'fo')" "SELECT * FROM app.t" \
         "SELECT * FROM mysql.user" "CREATE USER evil@'%'" "SHUTDOWN"; do
    out=$(fo_sql node2 "$q" 2>&1) && fail "failover account must not: $q" "access denied" "success"
    [[ $out == *"ERROR 1044"* || $out == *"ERROR 1142"* || $out == *"ERROR 1227"* ]] ||
        fail "failover account must not: $q" "access denied" "$(one_line "$out")"
done
ok "failover account has the privileges the agent needs, and no data privileges"

# ---- restart of a replica
old_pid=$("$SB" pid "$D1" node3 mysqld) || fail "sandbox pid node3 mysqld" "a running mysqld" "exit $?"
"$SB" kill-mysqld "$D1" node3 || fail "sandbox kill-mysqld node3" "exit 0" "exit $?"
proc_alive "$old_pid" && fail "node3 mysqld after kill-mysqld" "dead" "pid $old_pid alive"
"$SB" pid "$D1" node3 mysqld >/dev/null && fail "sandbox pid node3 mysqld after kill-mysqld" "exit 1" "exit 0"
"$SB" app-sql "$D1" node1 "INSERT INTO app.t VALUES (2, 'two')" || fail "app INSERT on node1 while node3 is down" "success" "exit $?"
out=$("$SB" start-mysqld "$D1" node3 2>&1) || fail "sandbox start-mysqld node3" "exit 0" "exit $? ($(one_line "$out"))"
check "node3 read_only after restart" 1 "$("$SB" sql "$D1" node3 "SELECT @@read_only")"
wait_for 10 replicating node3 || fail "node3 replicating after restart" "IO and SQL Yes" \
    "$(slave_field node3 Slave_IO_Running)/$(slave_field node3 Slave_SQL_Running) $(slave_field node3 Last_IO_Error)"
pos=$("$SB" sql "$D1" node1 "SELECT @@gtid_binlog_pos")
check "MASTER_GTID_WAIT('$pos') on node3 after restart" 0 "$("$SB" sql "$D1" node3 "SELECT MASTER_GTID_WAIT('$pos', 10)")"
check "row 2 on node3" two "$("$SB" sql "$D1" node3 "SELECT v FROM app.t WHERE id = 2")"
ok "kill-mysqld/start-mysqld: node3 came back read-only and replicating"

down_and_check "$D1"
ok "down: no process of sandbox 1 left"

# ---------------------------------------------------------------- sandbox 2: ZK ensemble, semi-sync, agents

# A stand-in for failoverd: proves the sandbox starts, records and stops agents.
cat >"$T/fake-failoverd" <<'EOF'
#!/bin/bash
trap 'echo "fake failoverd: TERM"; exit 0' TERM
echo "fake failoverd $$: $*"
while :; do sleep 0.2; done
EOF
chmod +x "$T/fake-failoverd"

t=$(date +%s%N)
out=$(FAILOVERD="$T/fake-failoverd" "$SB" up "$D2" --zk 3 --replicas 1 --semi-sync \
        --set failover.anti_flap_s=60 --set node2:node.promotion=prefer --set http.listen=127.0.0.1:0 2>&1) ||
    fail "sandbox up $D2 --zk 3 --replicas 1 --semi-sync" "exit 0" "exit $? ($(one_line "$out"))"
ms=$(( ($(date +%s%N) - t) / 1000000 ))
ok "up --zk 3 --replicas 1 --semi-sync (stand-in agents) in $ms ms"
# shellcheck disable=SC1090
. <("$SB" env "$D2")
check "NODES (sandbox 2)" "node1 node2" "$NODES"
modes=""
for i in 1 2 3; do
    port=$((BASE_PORT + i - 1))
    out=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf srvr >&3 && cat <&3) 2>/dev/null | sed -n 's/^Mode: //p')
    modes="$modes $out"
done
modes=$(tr ' ' '\n' <<<"$modes" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
check "ZooKeeper ensemble modes" "follower follower leader" "$modes"
check "ZK_HOSTS (sandbox 2)" "127.0.0.1:$BASE_PORT,127.0.0.1:$((BASE_PORT + 1)),127.0.0.1:$((BASE_PORT + 2))" "$ZK_HOSTS"
for n in node1 node2; do
    "$SB" pid "$D2" "$n" agent >/dev/null || fail "agent of $n" "running" "not running ($(one_line "$(cat "$D2/$n/failoverd.log")"))"
    grep -q -- "-f -c $SANDBOX_DIR/$n/failoverd.conf" "$D2/$n/failoverd.log" ||
        fail "agent of $n command line" "-f -c $SANDBOX_DIR/$n/failoverd.conf" "$(one_line "$(cat "$D2/$n/failoverd.log")")"
done
check "node1 read_only with agents (the agent lifts it)" 1 "$("$SB" sql "$D2" node1 "SELECT @@read_only")"
check "semi-sync clients on node1" 1 "$("$SB" sql "$D2" node1 "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'")"
check "semi_sync in node1's failoverd.conf" "semi_sync = on" "$(grep '^semi_sync' "$D2/node1/failoverd.conf")"
check "--set on every node" "anti_flap_s = 60" "$(grep '^anti_flap_s' "$D2/node1/failoverd.conf")"
check "--set on node2 only (node2)" "promotion = prefer" "$(grep '^promotion' "$D2/node2/failoverd.conf")"
check "--set on node2 only (node1)" "promotion = neutral" "$(grep '^promotion' "$D2/node1/failoverd.conf")"
check "--set of a new section" "listen = 127.0.0.1:0" "$(sed -n '/^\[http\]/,/^\[/p' "$D2/node2/failoverd.conf" | grep '^listen')"
replicating node2 || fail "node2 replicating (sandbox 2)" "IO and SQL Yes" "$(slave_field node2 Slave_IO_Running)/$(slave_field node2 Slave_SQL_Running)"

apid=$("$SB" pid "$D2" node2 agent)
"$SB" kill-agent "$D2" node2 || fail "sandbox kill-agent node2" "exit 0" "exit $?"
proc_alive "$apid" && fail "agent of node2 after kill-agent" "dead" "alive"
FAILOVERD="$T/fake-failoverd" "$SB" start-agent "$D2" node2 || fail "sandbox start-agent node2" "exit 0" "exit $?"
wait_for 3 "$SB" pid "$D2" node2 agent >/dev/null || fail "agent of node2 after start-agent" "running" "not running"

zpid=$("$SB" pid "$D2" zk1)
"$SB" stop-zk "$D2" zk1 || fail "sandbox stop-zk zk1" "exit 0" "exit $?"
proc_alive "$zpid" && fail "zk1 after stop-zk" "dead" "alive"
"$SB" start-zk "$D2" zk1 || fail "sandbox start-zk zk1" "exit 0" "exit $?"
out=$( (exec 3<>"/dev/tcp/127.0.0.1/$BASE_PORT" && printf srvr >&3 && cat <&3) 2>/dev/null | sed -n 's/^Mode: //p')
[[ $out == leader || $out == follower ]] || fail "zk1 mode after start-zk" "leader or follower" "'$out'"
ok "agents and ZooKeeper servers stop and start by PID"

down_and_check "$D2"
ok "down: no process of sandbox 2 left"
echo "PASS t_sandbox ($(( $(date +%s) - T0 ))s)"
