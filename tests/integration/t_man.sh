#!/usr/bin/env bash
# t_man.sh -- the man pages render without warnings and cannot drift from the code: every man/*.N
# passes `groff -man -ww -z` and `man -l` (all warnings, 80 columns) silently; failoverd.conf(5)
# describes every key of etc/failoverd.conf and of the key table in src/lib/config.c, in its
# section, and nothing else; keys it calls "not used yet" are indeed unused by src/failoverd;
# failoverd(8) lists every option of src/failoverd/main.c and every exit status main.c returns;
# and the EXAMPLE of failoverd.conf(5) passes `failoverd -t` when ./failoverd is built.
# No servers needed. Exit 0 pass, 1 fail; each failure says what was expected and what was seen.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT" || exit 1
CONF_MAN=man/failoverd.conf.5
AGENT_MAN=man/failoverd.8
EXAMPLE_CONF=etc/failoverd.conf
KEY_TABLE=src/lib/config.c
AGENT_MAIN=src/failoverd/main.c
EXITCODES=include/exitcodes.h

failures=0
T=$(mktemp -d /tmp/t_man.XXXXXX) || { echo "FAIL: mktemp: expected a temp dir, saw none"; exit 1; }
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $1: expected $2, saw $3"; failures=$((failures + 1)); }
ok() { echo "ok - $*"; }

for tool in groff man; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "FAIL: $tool: expected it installed (scripts/install-deps), saw none"; exit 1; }
done

# ---- 1. every page renders without a warning ------------------------------------------------
pages=(man/*.[0-9])
[ -e "${pages[0]}" ] || { echo "FAIL: man/: expected man pages, saw none"; exit 1; }
for p in "${pages[@]}"; do
    out=$(groff -man -ww -z "$p" 2>&1)
    rc=$?
    if [ $rc != 0 ] || [ -n "$out" ]; then
        fail "groff -man -ww -z $p" "no output and exit 0" "exit $rc: $(head -n 5 <<<"$out")"
    else
        ok "groff -man -ww -z $p"
    fi
    # stdout to /dev/null, warnings (stderr) captured
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$p" 2>&1 >/dev/null)
    if [ -n "$out" ]; then
        fail "man --warnings=w -l $p" "no warnings" "$(head -n 5 <<<"$out")"
    else
        ok "man --warnings=w -l $p"
    fi
    text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$p" 2>/dev/null)
    if ! grep -q '^NAME' <<<"$text"; then
        fail "man -l $p" "a rendered page with a NAME section" "$(head -n 3 <<<"$text")"
    fi
done

# section_block FILE HEADING_REGEX: the source lines from a .SH/.SS line matching the regex up to
# (not including) the next .SH or .SS.
section_block() {
    awk -v re="$2" '
        /^\.S[HS][ \t]/ { inside = ($0 ~ re) ? 1 : 0; next }
        inside { print }' "$1"
}

# ---- 2. failoverd.conf(5) and the keys -------------------------------------------------------
if [ ! -f "$CONF_MAN" ]; then
    fail "$CONF_MAN" "the page" "no file"
else
    # Keys of etc/failoverd.conf: "key = ..." or "#key = ..." after the first [section] line.
    awk '
        /^\[[a-z]+\][ \t]*$/ { sec = substr($1, 2, length($1) - 2); next }
        sec != "" && match($0, /^#?[a-z_]+ =/) {
            k = substr($0, 1, RLENGTH - 2); sub(/^#/, "", k); print sec " " k
        }' "$EXAMPLE_CONF" | sort -u >"$T/conf_keys"
    # Keys of the table in config.c: the STR/INT/BOOL/ENUM/PATH macros and the designated form.
    tr '\n' ' ' <"$KEY_TABLE" | sed 's/config_keys\[\] = {/\n&/; s/};/\n/2' >"$T/table.c"
    {
        grep -oE '\b(STR|INT|BOOL|ENUM|PATH)(_F)?\("[a-z]+", *"[a-z_]+", *[a-z_]+' "$T/table.c" |
            sed -E 's/^[A-Z_]+\("([a-z]+)", *"([a-z_]+)", *([a-z_]+)$/\1 \2 \3/'
        grep -oE '\.section = "[a-z]+", *\.key = "[a-z_]+", *\.kind = [A-Z_]+, *\.field = FIELD\([a-z_]+\)' "$T/table.c" |
            sed -E 's/^\.section = "([a-z]+)", *\.key = "([a-z_]+)".*FIELD\(([a-z_]+)\)$/\1 \2 \3/'
    } | sort -u >"$T/table_fields"
    cut -d' ' -f1,2 "$T/table_fields" | sort -u >"$T/table_keys"
    # Keys documented in the man page: '.BI "key = "' (or .B/.BR) items under '.SS "[section]"'.
    awk '
        /^\.S[HS][ \t]/ {
            sec = ""
            if (match($0, /\[[a-z]+\]/)) sec = substr($0, RSTART + 1, RLENGTH - 2)
            next
        }
        sec != "" && match($0, /^\.B[IR]?[ \t]+"?[a-z_]+ =/) {
            k = substr($0, RSTART, RLENGTH); sub(/^\.B[IR]?[ \t]+"?/, "", k); sub(/ =$/, "", k)
            print sec " " k
        }' "$CONF_MAN" | sort -u >"$T/man_keys"

    n_conf=$(wc -l <"$T/conf_keys")
    n_table=$(wc -l <"$T/table_keys")
    [ "$n_conf" -ge 20 ] || fail "keys parsed from $EXAMPLE_CONF" "at least 20" "$n_conf (did its format change?)"
    [ "$n_table" -ge 20 ] || fail "keys parsed from $KEY_TABLE" "at least 20" "$n_table (did the table's format change?)"

    missing=$(comm -23 "$T/conf_keys" "$T/man_keys" | sed 's/^\([a-z]*\) /[\1] /' | tr '\n' ' ')
    if [ -z "$missing" ]; then
        ok "every key of $EXAMPLE_CONF ($n_conf) is described in $CONF_MAN"
    else
        fail "keys of $EXAMPLE_CONF in $CONF_MAN" "each under its .SS \"[section]\" as .BI \"key = \"" "missing: $missing"
    fi
    missing=$(comm -23 "$T/table_keys" "$T/man_keys" | sed 's/^\([a-z]*\) /[\1] /' | tr '\n' ' ')
    if [ -z "$missing" ]; then
        ok "every key of the table in $KEY_TABLE ($n_table) is described in $CONF_MAN"
    else
        fail "keys of $KEY_TABLE in $CONF_MAN" "each described" "missing: $missing"
    fi
    stale=$(comm -13 "$T/table_keys" "$T/man_keys" | sed 's/^\([a-z]*\) /[\1] /' | tr '\n' ' ')
    if [ -z "$stale" ]; then
        ok "$CONF_MAN describes no key the code does not have"
    else
        fail "keys in $CONF_MAN" "only keys of $KEY_TABLE" "unknown to the code: $stale"
    fi

    # A key the page calls "not used yet" must not be read by the agent.
    while read -r sec key field; do
        entry=$(awk -v s="$sec" -v k="$key" '
            /^\.S[HS][ \t]/ { insec = index($0, "[" s "]") > 0; inkey = 0; next }
            /^\.TP/ { inkey = 0; next }
            insec && $0 ~ ("^\\.B[IR]?[ \t]+\"?" k " =") { inkey = 1; next }
            inkey { print }' "$CONF_MAN" | tr '\n' ' ')
        grep -q 'not used yet' <<<"$entry" || continue
        used=$(grep -nE "cfg->$field\b" src/failoverd/*.c | head -n 3 | tr '\n' ' ')
        if [ -z "$used" ]; then
            ok "[$sec] $key: documented as not used yet, and src/failoverd does not use it"
        else
            fail "[$sec] $key in $CONF_MAN" "documented behaviour, now that the agent uses cfg->$field" "\"not used yet\" but: $used"
        fi
    done <"$T/table_fields"
fi

# ---- 3. failoverd(8): options and exit statuses ---------------------------------------------
if [ ! -f "$AGENT_MAN" ]; then
    fail "$AGENT_MAN" "the page" "no file"
else
    section_block "$AGENT_MAN" '^[.]SH "?OPTIONS' >"$T/options"
    shorts=$(grep -oE "case '[A-Za-z0-9]'" "$AGENT_MAIN" | cut -c7 | sort -u)
    longs=$(grep -oE '\{"[a-z][a-z-]*", *(no|required|optional)_argument' "$AGENT_MAIN" |
        sed -E 's/^\{"([a-z-]+)".*/\1/' | sort -u)
    if [ -z "$shorts" ] || [ -z "$longs" ]; then
        fail "options parsed from $AGENT_MAIN" "case 'x' labels and a struct option table" "short: '$shorts' long: '$longs'"
    fi
    for o in $shorts; do
        if grep -qF -- "\\-$o" "$T/options"; then
            ok "option -$o in OPTIONS of $AGENT_MAN"
        else
            fail "option -$o in OPTIONS of $AGENT_MAN" "\"\\-$o\" (hyphen escaped)" "none"
        fi
    done
    for o in $longs; do
        esc="\\-\\-${o//-/\\-}"
        if grep -qF -- "$esc" "$T/options"; then
            ok "option --$o in OPTIONS of $AGENT_MAN"
        else
            fail "option --$o in OPTIONS of $AGENT_MAN" "\"$esc\" (hyphens escaped)" "none"
        fi
    done
    synopsis=$(section_block "$AGENT_MAN" '^[.]SH "?SYNOPSIS')
    for o in $shorts; do
        grep -qF -- "\\-$o" <<<"$synopsis" ||
            fail "option -$o in SYNOPSIS of $AGENT_MAN" "\"\\-$o\"" "none"
    done

    section_block "$AGENT_MAN" '^[.]SH "?EXIT STATUS' >"$T/exit"
    names=$(grep -ohE '\bEXIT_[A-Z_]+\b' src/failoverd/*.c | sort -u)
    [ -n "$names" ] || fail "exit statuses in src/failoverd" "EXIT_* names" "none"
    for n in $names; do
        v=$(sed -nE "s/^[ \t]*${n}[ \t]*=[ \t]*([0-9]+).*/\1/p" "$EXITCODES")
        if [ -z "$v" ]; then
            fail "$n" "a value in $EXITCODES" "none"
        elif grep -qE "^\.B[ \t]+${v}[ \t]*\$" "$T/exit"; then
            ok "exit status $v ($n) in EXIT STATUS of $AGENT_MAN"
        else
            fail "exit status $v ($n) in EXIT STATUS of $AGENT_MAN" "a \".B $v\" item" "none"
        fi
    done
fi

# ---- 4. the EXAMPLE of failoverd.conf(5) is a valid configuration ----------------------------
if [ -x ./failoverd ] && [ -f "$CONF_MAN" ]; then
    # First .EX block of the EXAMPLE section, man escapes undone, password files made real.
    section_block "$CONF_MAN" '^[.]SH "?EXAMPLE' |
        awk '/^\.EX/ { on = 1; next } /^\.EE/ { if (on) exit } on' |
        sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\&//g' \
            -e "s#= /etc/failoverd/\\([a-z]*\\)\\.pass#= $T/\\1.pass#" \
            -e "s#^ssl_ca = .*#ssl_ca = $T/ca.pem#" >"$T/example.conf"
    (umask 077 && echo secret >"$T/mysql.pass" && echo secret >"$T/repl.pass")
    chmod 600 "$T/example.conf"
    out=$(./failoverd -t -c "$T/example.conf" 2>&1)
    rc=$?
    if [ $rc = 0 ]; then
        ok "the EXAMPLE of $CONF_MAN passes failoverd -t"
    else
        fail "the EXAMPLE of $CONF_MAN under failoverd -t" "exit 0" "exit $rc: $out"
    fi
else
    echo "skip - the EXAMPLE of $CONF_MAN under failoverd -t (./failoverd not built)"
fi

if [ $failures != 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all man page checks passed"
exit 0
