#!/usr/bin/env bash
# The README tells the truth about what a DBA reads first (issue 9, point 10): it lists every
# failoverctl command that `failoverctl --help` lists, its privilege list for the [mysql] account
# is the list `failoverctl check-config` checks (src/failoverctl/checkconfig.c), and it says what
# the product is not (Group Replication / InnoDB Cluster, Redis Sentinel; asynchronous and
# semi-synchronous replication only). No servers needed.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CTL="${FAILOVERCTL:-$ROOT/failoverctl}"
README=$ROOT/README.md
failures=0
fail() { echo "FAIL: $1: expected $2, saw $3"; failures=$((failures + 1)); }
ok() { echo "ok - $*"; }

# Every command of failoverctl --help appears in the README as "failoverctl COMMAND".
cmds=$("$CTL" --help | sed -n '/^commands:/,/^options:/p' | sed -nE 's/^  ([a-z][a-z-]*)( .*)?$/\1/p' | sort -u)
[ "$(wc -w <<<"$cmds")" -ge 8 ] || fail "commands parsed from failoverctl --help" "at least 8" "$cmds"
for c in $cmds; do
    if grep -q "failoverctl $c\b" "$README"; then ok "README lists failoverctl $c"; else
        fail "README: failoverctl $c" "the command listed (failoverctl --help has it)" "no \"failoverctl $c\""
    fi
done

# The failover account's privileges: the README's list (step 3 of "Deploying it for real") and
# check-config's table are the same set.
code=$(sed -n '/agent_privs\[\] = {/,/^};/p' "$ROOT/src/failoverctl/checkconfig.c" | tr '\n' ' ' |
    grep -oE '\{"[A-Z_ ]+",' | sed -E 's/^\{"(.*)",$/\1/' | sort -u)
# The step up to "Application accounts" (which names privileges an application must NOT hold),
# without the repl account's `REPLICATION SLAVE` and the statements quoted as reasons.
step=$(sed -n '/^3\. Create two accounts/,/^4\./p' "$README" | sed '/Application accounts/,$d' | tr '\n' ' ')
readme=$(grep -oE '`[A-Z_][A-Z_ ,]*[A-Z]`' <<<"$step" | tr -d '`' | tr ',' '\n' | sed 's/^ *//; s/ *$//' |
    grep -vxE 'REPLICATION SLAVE|RESET SLAVE ALL|SHOW BINARY LOGS|GRANT|BINLOG|RESET MASTER' | sort -u)
if [ -n "$code" ] && [ "$code" = "$readme" ]; then
    ok "README's privileges are check-config's: $(tr '\n' ',' <<<"$code")"
else
    fail "privileges of the failover account" "README = check-config ($(tr '\n' ',' <<<"$code"))" "README: $(tr '\n' ',' <<<"$readme")"
fi

# What it is not.
not=$(sed -n '/^## What it is not/,/^## /p' "$README")
[ -n "$not" ] || fail "README" "a \"## What it is not\" section" "none"
for w in "Group Replication" "InnoDB Cluster" "Redis Sentinel" "asynchronous and semi-synchronous"; do
    grep -q "$w" <<<"$not" && ok "\"What it is not\" names $w" || fail "\"What it is not\"" "\"$w\"" "not there"
done

[ $failures = 0 ] && echo "PASS" || echo "FAIL: $failures check(s)"
[ $failures = 0 ]
