#!/usr/bin/env bash
# Secrets (issue 12): a password file, or a config file holding a password, or a zk_auth_file
# that group or others can read is refused in one line naming the chmod that fixes it, by
# failoverd and failoverctl alike. A cluster run from password_file / repl_password_file reads
# them once: with the files deleted a switchover still logs in and repoints the old primary
# (CHANGE MASTER with the replication password). Neither password appears in any agent's log
# (at log_level debug), command line or environment, nor in a hook's environment or argv.
source "$(dirname "$0")/lib.sh"

T=$(mktemp -d /tmp/fo-secrets.XXXXXX)
CLEANUP_PATHS+=("$T")
FOPW="failover-pass" REPLPW="repl-pass" # scripts/sandbox's accounts

# refused PROGRAM... : exits non-zero within 10 s, one line on stderr, saying "chmod 600 FILE"
refused() {
    local file=$1 out rc
    shift
    out=$(timeout 10 "$@" 2>&1 >/dev/null)
    rc=$?
    [ $rc != 0 ] && [ $rc != 124 ] || fail "$*: expected a refusal of $file, saw exit $rc: $out"
    [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] && grep -qF "run: chmod 600 $file" <<<"$out" ||
        fail "$*: expected one line ending 'run: chmod 600 $file', saw: $out"
    log "refused: $out"
}
printf '%s\n' "$FOPW" >"$T/mysql.pass"
printf '%s\n' "$REPLPW" >"$T/repl.pass"
printf 'failover:zk-pw\n' >"$T/zk.auth"
chmod 644 "$T/mysql.pass"; chmod 600 "$T/repl.pass"; chmod 640 "$T/zk.auth"
conf() { # NAME MODE [mysql] LINES...: a config file for the refusal checks
    local f="$T/$1" mode=$2
    shift 2
    printf '[cluster]\nname = c\nzk_hosts = 127.0.0.1:1\n[node]\nname = n1\n[mysql]\nuser = failover\nrepl_user = repl\n' >"$f"
    printf '%s\n' "$@" >>"$f"
    chmod "$mode" "$f"
}
conf pwfile.conf 600 "password_file = $T/mysql.pass" "repl_password_file = $T/repl.pass"
refused "$T/mysql.pass" "$FAILOVERD" -f -c "$T/pwfile.conf"
refused "$T/mysql.pass" "$CTL" -c "$T/pwfile.conf" status
chmod 600 "$T/mysql.pass"
conf inline.conf 644 "password = $FOPW" "repl_password_file = $T/repl.pass"
refused "$T/inline.conf" "$FAILOVERD" -f -c "$T/inline.conf"
conf zk.conf 600 "password_file = $T/mysql.pass" "repl_password_file = $T/repl.pass" "[cluster]" "zk_auth_file = $T/zk.auth"
refused "$T/zk.auth" "$FAILOVERD" -f -c "$T/zk.conf"

printf '#!/bin/sh\n{ echo "argv: $0 $*"; env; } >>%s\n' "$T/hook.out" >"$T/hook"
chmod 755 "$T/hook"
sb_up --replicas 1 --no-agents --set failover.hook_role_change="$T/hook"
for n in $NODES; do
    c="${n^^}_CONF"
    sed -i -e "s#^password = .*#password_file = $T/mysql.pass#" \
        -e "s#^repl_password = .*#repl_password_file = $T/repl.pass#" "${!c}"
    grep -q "$FOPW\|$REPLPW" "${!c}" && fail "$n's config still holds a password"
    "$SANDBOX" start-agent "$SB" "$n" || fail "start $n's agent"
done
wait_for 20 "cluster settled from the password files" cluster_settled
rm -f "$T/mysql.pass" "$T/repl.pass"
log "password files deleted: a switchover still logs in and repoints with what was read at start"
yes=$("$CTL" switchover --help 2>&1 | grep -q -- --yes && echo --yes)
out=$("$CTL" --zk "$ZK_HOSTS" --cluster "$CLUSTER" switchover --to node2 $yes 2>&1 </dev/null) || fail "switchover to node2: $out"
wait_for 15 "node1 replicating from node2" replicates_from node1 node2
wait_for 10 "the role hook ran for node2" grep -q "FAILOVER_NEW_PRIMARY=node2" "$T/hook.out"

for n in $NODES; do
    pid=$("$SANDBOX" pid "$SB" "$n" agent) || fail "$n's agent is not running"
    for what in "log:$SB/$n/failoverd.log" "command line:/proc/$pid/cmdline" "environment:/proc/$pid/environ"; do
        if tr '\0' '\n' <"${what#*:}" | grep -qF -e "$FOPW" -e "$REPLPW"; then
            fail "$n's agent ${what%%:*} (${what#*:}): expected no password, saw: $(tr '\0' '\n' <"${what#*:}" | grep -F -e "$FOPW" -e "$REPLPW" | head -2)"
        fi
    done
done
grep -qF -e "$FOPW" -e "$REPLPW" "$T/hook.out" && fail "a hook's argv or environment holds a password: $(grep -F -e "$FOPW" -e "$REPLPW" "$T/hook.out")"
grep -q "CHANGE MASTER to" "$SB"/node1/failoverd.log || fail "node1's log: expected the repoint (CHANGE MASTER to ...), so the check above saw it"
log "PASS"
