#!/usr/bin/env bash
# Issue 11 point 4: a re-clone that fails after the swap puts the old datadir back. node3's
# [node] mysqld_start is a wrapper that refuses to start mysqld on a copy (a datadir holding
# mariadb-backup's xtrabackup_info); failoverctl reinit node3 then fails (exit 1, the reason
# printed and published), and node3 is back on its own data: mysqld running read-only, replicating
# from the primary, nothing lost; the copy is kept aside (DATADIR.reclone.failed) for a look.
source "$(dirname "$0")/lib.sh"

sb_up --replicas 2
wait_for 40 "bootstrap settled" cluster_settled
app_sql node1 "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(200))" || fail "create table"
vals=$(for i in $(seq 1 500); do printf "(%d, REPEAT('r', 150))," "$i"; done)
app_sql node1 "INSERT INTO t VALUES ${vals%,}" || fail "insert 500 rows"
for n in node2 node3; do wait_for 20 "rows on $n" sql_is "$n" "SELECT COUNT(*) FROM app.t" 500; done

cat >"$SB/start-wrapper" <<EOF
#!/bin/sh
if [ -e "$SB/node3/data/xtrabackup_info" ]; then
    echo "start-wrapper: not starting mysqld on a re-cloned copy (t_reclone_rollback)" >&2
    exit 1
fi
exec "$SANDBOX" start-mysqld "$SB" node3
EOF
chmod 755 "$SB/start-wrapper"
"$SANDBOX" kill-agent "$SB" node3 TERM || fail "stop node3's agent"
sed -i "s|^mysqld_start = .*|mysqld_start = $SB/start-wrapper|" "$NODE3_CONF"
grep -q "^mysqld_start = $SB/start-wrapper\$" "$NODE3_CONF" || fail "node3's config: mysqld_start not set: $(grep mysqld_start "$NODE3_CONF")"
"$SANDBOX" start-agent "$SB" node3 || fail "start node3's agent"
wait_for 20 "node3 streaming" state_is node3 streaming

out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" reinit node3 --timeout 50 2>&1); rc=$?
expect_eq "failoverctl reinit node3: exit status (failed) [$out]" 1 "$rc"
echo "$out" | grep -q "not re-cloned: reclone failed: \[node\] mysqld_start: .*start-wrapper failed (exit 1): start-wrapper: not starting mysqld on a re-cloned copy.*; the old datadir is back" ||
    fail "failoverctl reinit node3: expected the start failure and 'the old datadir is back', saw: $out"
grep -q "reclone: the old datadir is back in place" "$SB/node3/failoverd.log" ||
    fail "node3's log: expected 'reclone: the old datadir is back in place', saw: $(grep "reclone" "$SB/node3/failoverd.log" | tail -3)"
wait_for 30 "node3 streaming again, on its old data" state_is node3 streaming
wait_for 20 "node3 replicates from node1" replicates_from node3 node1
expect_eq "read_only on node3" 1 "$(read_only_of node3)"
expect_eq "node3's repair state" failed "$(node_field node3 repair.state)"
[ -e "$SB/node3/data/xtrabackup_info" ] && fail "node3 runs on the copy, not on its old datadir"
[ -d "$SB/node3/data.reclone.failed" ] || fail "the failed copy is not kept in $SB/node3/data.reclone.failed"
[ -z "$(ls -d "$SB"/node3/data.old-* 2>/dev/null)" ] || fail "left behind: $(ls -d "$SB"/node3/data.old-*)"
app_sql node1 "INSERT INTO t VALUES (501, 'after the failed re-clone')" || fail "insert 501"
wait_for 20 "node3 has every row" sql_is node3 "SELECT COUNT(*) FROM app.t" 501
expect_eq "CHECKSUM TABLE app.t on node3" "$(sql node1 "CHECKSUM TABLE app.t" | cut -f2)" "$(sql node3 "CHECKSUM TABLE app.t" | cut -f2)"
log "PASS"
