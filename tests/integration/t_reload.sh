#!/usr/bin/env bash
# SIGHUP reloads the configuration (issue 9 point 2): what a running agent can take is applied at
# once and each change logged with old and new values; a file that needs a restart (a ZooKeeper
# setting) or does not parse is refused whole, nothing applied, with the key or the line named;
# the agent keeps its session and its mysqld keeps taking writes throughout.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 1
wait_for 40 "bootstrap settled" cluster_settled
conf=$SB/node2/failoverd.conf
a2=$("$SANDBOX" pid "$SB" node2 agent) || fail "no agent pid for node2"
a1=$("$SANDBOX" pid "$SB" node1 agent) || fail "no agent pid for node1"
log2() { cat "$SB/node2/failoverd.log"; }
lines_before() { wc -l <"$SB/$1/failoverd.log"; }
since() { tail -n +"$(($2 + 1))" "$SB/$1/failoverd.log"; }
set_key() { # FILE SECTION KEY VALUE: replace or add KEY in SECTION
    awk -v s="[$2]" -v k="$3" -v v="$4" '
        $0 == s { print; print k " = " v; ins = 1; sec = 1; next }
        /^\[/ { sec = 0 }
        sec && $1 == k { next }
        { print }' "$1" >"$1.new" && cat "$1.new" >"$1" && rm -f "$1.new"
}
expect_eq "node2's promotion before" neutral "$(node_field node2 promotion)"

log "1. node2: promotion never, max_lag_s 7, log_level info; SIGHUP"
n=$(lines_before node2)
set_key "$conf" node promotion never
set_key "$conf" failover max_lag_s 7
set_key "$conf" agent log_level info
kill -HUP "$a2"
applied() { since node2 "$n" | grep -q "reload: 3 change(s) applied"; }
wait_for 10 "node2's agent to apply the reload" applied
for want in 'reload: \[node\] promotion: "neutral" -> "never"' 'reload: \[failover\] max_lag_s: "30" -> "7"' \
    'reload: \[agent\] log_level: "debug" -> "info"'; do
    since node2 "$n" | grep -q "$want" || fail "node2's log: expected a line matching '$want', saw: $(since node2 "$n" | grep reload)"
done
is_never() { is_eq "$(node_field node2 promotion)" never; }
wait_for 10 "node2 published promotion never" is_never
m=$(lines_before node2)
sleep 1.5
since node2 "$m" | grep -q " DEBUG " && fail "node2 still logs DEBUG lines after log_level info: $(since node2 "$m" | grep -m1 ' DEBUG ')"
expect_eq "node2's agent pid after the reload" "$a2" "$("$SANDBOX" pid "$SB" node2 agent)"

log "2. a key that needs a restart, with another change: refused whole"
n=$(lines_before node2)
cp "$conf" "$SB/good.conf"
set_key "$conf" cluster zk_hosts "127.0.0.1:1"
set_key "$conf" failover max_lag_s 9
kill -HUP "$a2"
refused() { since node2 "$n" | grep -q 'reload refused, nothing changed: \[cluster\] zk_hosts'; }
wait_for 10 "node2's agent to refuse the reload" refused
since node2 "$n" | grep -q 'max_lag_s: "7" -> "9"' && fail "node2 applied max_lag_s from a refused reload"
cp "$SB/good.conf" "$conf"

log "3. a line that does not parse: refused, the file and line named"
n=$(lines_before node2)
printf '[failover]\nbogus_key = 1\n' >>"$conf"
kill -HUP "$a2"
bad() { since node2 "$n" | grep -q "reload refused, nothing changed: $conf:[0-9]*: \[failover\] bogus_key: unknown key"; }
wait_for 10 "node2's agent to refuse the bad file" bad
cp "$SB/good.conf" "$conf"

log "4. the primary's agent reloads while a writer writes: no write cut, same session"
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY)" || fail "create table"
start_writer node1 "$SB/acked"
sleep 1
c1=$SB/node1/failoverd.conf
n=$(lines_before node1)
set_key "$c1" failover hook_timeout_ms 7000
c0=$(wc -l <"$SB/acked")
kill -HUP "$a1"
applied1() { since node1 "$n" | grep -q 'reload: \[failover\] hook_timeout_ms: "10000" -> "7000"'; }
wait_for 10 "node1's agent to apply hook_timeout_ms" applied1
c1=$(wc -l <"$SB/acked")
sleep 1
c2=$(wc -l <"$SB/acked")
stop_writer
[ "$c2" -gt "$c1" ] || fail "no write acknowledged in the second after the reload ($c1 -> $c2 rows)"
log "rows acknowledged: $c0 before the SIGHUP, $c1 when applied, $c2 a second later"
expect_eq "node1 still writable" writable "$(node_field node1 state)"
since node1 "$n" | grep -q "fence:" && fail "node1 fenced during a reload: $(since node1 "$n" | grep -m1 'fence:')"
every_acked_row_on node1 "$SB/acked"
expect_eq "node1's agent pid after the reload" "$a1" "$("$SANDBOX" pid "$SB" node1 agent)"
log "PASS"
