#!/usr/bin/env bash
# tests/run: serial
# The Debian package: built by dpkg-buildpackage from a copy of the tree (the working tree is left
# alone), lintian-clean of errors, installed with dpkg -i where Debian wants each file (and
# make install / uninstall, staged with DESTDIR and another PREFIX, leave nothing behind); the
# installed agent checks a config and registers against a real sandbox; dpkg --purge leaves
# nothing of it but directories other packages own.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP t_debian_package: needs root (dpkg -i)"; exit 0; }
for c in dpkg-buildpackage dh lintian git; do
    command -v "$c" >/dev/null || fail "$c not found (scripts/install-deps installs it)"
done
PKG=failoverd
status=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null)
[ -z "$status" ] || [ "$status" = not-installed ] ||
    fail "package $PKG is already on this host (status '$status'): this test installs and purges it; dpkg --purge $PKG first"

exe() { [ -f "$1" ] && [ -x "$1" ] || fail "$1: expected an executable file, saw: $(ls -ld "$1" 2>&1)"; }
file() { [ -f "$1" ] || fail "$1: expected a file, saw: $(ls -ld "$1" 2>&1)"; }
has() { grep -qF -- "$2" "$1" || fail "$1: expected a line with '$2', saw: $(grep -F -- "${3:-$2}" "$1" 2>&1 | head -3)"; }

W=$(mktemp -d /tmp/fo-deb.XXXXXX)
CLEANUP_PATHS+=("$W")
trap sb_cleanup EXIT
# A timeout's SIGTERM (tests/run) must still purge the package and stop the build: exit, so the
# EXIT trap runs.
trap 'exit 143' TERM
trap 'exit 130' INT
tree_state() { git -C "$ROOT" status --porcelain --ignored -- debian; }
before=$(tree_state)

# Build in the background (its own process group, ended by that id on failure) while the sandbox
# starts: ZooKeeper's JVM and mariadbd mostly wait, the compiler does not.
SRC=$W/src # what is built, and what the installed files are compared with
log "building the package in $SRC"
mkdir "$SRC"
git -C "$ROOT" ls-files -co --exclude-standard -z | tar -C "$ROOT" -cf - --null -T - | tar -C "$SRC" -xf - ||
    fail "copying the tree to $SRC"
t0=$(date +%s)
(cd "$SRC" && exec env DEB_BUILD_OPTIONS="nocheck parallel=2" setsid nice -n 10 \
    dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 &
BUILD_PID=$!
on_exit '[ -z "$BUILD_PID" ] || kill -TERM -- -$BUILD_PID'

sb_up --replicas 1 --no-agents

wait "$BUILD_PID"
rc=$?
BUILD_PID=""
[ $rc = 0 ] || { tail -n 40 "$W/build.log"; fail "dpkg-buildpackage: expected exit 0, saw $rc (log above)"; }
log "dpkg-buildpackage took $(($(date +%s) - t0)) s (with the sandbox starting beside it)"
deb=$(ls "$W"/${PKG}_*.deb 2>/dev/null)
[ -n "$deb" ] && [ "$(echo "$deb" | wc -l)" = 1 ] || fail "expected one $W/${PKG}_*.deb, saw: '$deb'"
expect_eq "working tree's debian/ after the build (untracked or ignored files)" "$before" "$(tree_state)"

# make install / uninstall on their own, staged (the package used install with PREFIX=/usr).
st=$W/stage
make -C "$SRC" -s install DESTDIR="$st" PREFIX=/opt/fo >"$W/stage.log" 2>&1 || { cat "$W/stage.log"; fail "make install DESTDIR=$st PREFIX=/opt/fo: exit $?"; }
has "$st/etc/systemd/system/failoverd@.service" "ExecStart=/opt/fo/sbin/failoverd " ExecStart
[ -x "$st/opt/fo/sbin/failoverd" ] && [ -x "$st/opt/fo/bin/failoverctl" ] ||
    fail "make install DESTDIR=$st PREFIX=/opt/fo: expected the binaries in $st/opt/fo, saw: $(find "$st" -type f | head -5)"
make -C "$SRC" -s uninstall DESTDIR="$st" PREFIX=/opt/fo >>"$W/stage.log" 2>&1 || fail "make uninstall: exit $?"
left=$(find "$st" ! -type d)
[ -z "$left" ] || fail "make uninstall DESTDIR=$st PREFIX=/opt/fo: expected no file left, saw: $left"
for d in "$st/etc/failoverd" "$st/opt/fo/libexec/failoverd" "$st/opt/fo/share/failoverd"; do
    [ ! -e "$d" ] || fail "make uninstall: expected $d removed (it is empty), saw it"
done
log "make install/uninstall with DESTDIR and PREFIX: everything installed was removed"

lintian --fail-on error "$W"/${PKG}_*.changes >"$W/lintian.log" 2>&1
rc=$?
grep -v 'running with root privileges' "$W/lintian.log" | sed 's/^/    lintian: /'
[ "$rc" = 0 ] && ! grep -q '^E:' "$W/lintian.log" ||
    fail "lintian: expected no errors, saw exit $rc: $(grep '^E:' "$W/lintian.log")"

# At exit: the agent (if still running) first, then the package.
AGENT_PID=""
remove_package() {
    [ -z "$AGENT_PID" ] || { kill -KILL "$AGENT_PID"; wait "$AGENT_PID"; }
    dpkg --purge "$PKG"
    CTL=$ROOT/failoverctl # for the status lib.sh prints on a failure
}
on_exit remove_package
dpkg -i "$deb" >"$W/install.log" 2>&1 || { cat "$W/install.log"; fail "dpkg -i $deb: exit $?"; }
dpkg -L "$PKG" >"$W/files" || fail "dpkg -L $PKG after install"
CTL=/usr/bin/failoverctl # status (lib.sh) through the installed admin command
log "installed: $(grep -c . "$W/files") paths"

# ---- every file where it belongs, with the installed paths written into unit and init script
exe /usr/sbin/failoverd
exe /usr/bin/failoverctl
exe /usr/libexec/failoverd/mysqld-start-hook
exe /etc/init.d/failoverd
for m in "$SRC"/man/*.[578]; do
    b=${m##*/}
    file "/usr/share/man/man${b##*.}/$b.gz"
done
unit=/lib/systemd/system/failoverd@.service
file "$unit"
has "$unit" "ExecStart=/usr/sbin/failoverd -f -c /etc/failoverd/%i.conf" ExecStart
has /etc/init.d/failoverd 'DAEMON=${FAILOVERD_DAEMON:-/usr/sbin/failoverd}' DAEMON=
has /usr/share/failoverd/mariadb-read-only.conf "ExecStartPre=/usr/libexec/failoverd/mysqld-start-hook" ExecStartPre
file /usr/share/failoverd/haproxy.cfg.example
for f in "$SRC"/etc/prometheus/*.yml "$SRC"/etc/grafana/*.json; do
    [ -f "$f" ] && file "/usr/share/failoverd/${f##*/}"
done
ex=/etc/failoverd/failoverd.conf.example
file "$ex"
expect_eq "mode of $ex" 600 "$(stat -c %a "$ex")"
cmp -s "$ex" "$SRC/etc/failoverd.conf" || fail "$ex: expected a copy of etc/failoverd.conf, it differs"
dpkg-query -W -f='${Conffiles}\n' "$PKG" | grep -q " $ex " || fail "$ex: expected a conffile, saw conffiles: $(dpkg-query -W -f='${Conffiles}' "$PKG")"
nhooks=0
for h in "$SRC"/scripts/hooks/*; do
    [ -f "$h" ] || continue
    i=/usr/libexec/failoverd/hooks/${h##*/}
    if [ -x "$h" ]; then exe "$i"; else file "$i"; fi
    cmp -s "$h" "$i" || fail "$i: expected a copy of scripts/hooks/${h##*/}, it differs"
    nhooks=$((nhooks + 1))
done
leftover=$(grep -lF /usr/local /etc/init.d/failoverd "$unit" /usr/share/failoverd/mariadb-read-only.conf)
[ -z "$leftover" ] || fail "installed files naming /usr/local: expected none, saw: $leftover"
rc_links=$(ls /etc/rc?.d/ 2>/dev/null | grep -c failoverd)
expect_eq "rc?.d links to the init script (not registered on purpose)" 0 "$rc_links"
log "files in place: binaries, $(ls "$SRC"/man/*.[578] | wc -l) man pages, unit, init script, start hook, $nhooks hook(s), conffile"

# ---- the installed programs run
/usr/sbin/failoverd -V | grep -q . || fail "/usr/sbin/failoverd -V: expected a version, saw nothing"
conf=$W/node1.conf
install -m 600 "$SB/node1/failoverd.conf" "$conf"
out=$(/usr/sbin/failoverd -t -c "$conf" 2>&1) || fail "failoverd -t -c $conf: expected exit 0, saw $?: $out"
/usr/libexec/failoverd/mysqld-start-hook --defaults-file "$SB/node1/my.cnf" ||
    fail "installed mysqld-start-hook on the sandbox's read-only my.cnf: expected exit 0, saw $?"

/usr/sbin/failoverd -f -c "$conf" >"$W/agent.log" 2>&1 &
AGENT_PID=$!
registered() { is_eq "$(node_field node1 healthy)" true; }
wait_for 20 "the installed agent (pid $AGENT_PID) registered node1 (log: $(tail -n 3 "$W/agent.log"))" registered
log "the installed failoverd registered node1 ($(/usr/bin/failoverctl --version))"
kill -TERM "$AGENT_PID"
gone_agent() { ! alive "$AGENT_PID"; }
wait_for 15 "the installed agent (pid $AGENT_PID) to exit on SIGTERM" gone_agent
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=""

# ---- purge: nothing left but directories other packages still own
dpkg --purge "$PKG" >"$W/purge.log" 2>&1 || { cat "$W/purge.log"; fail "dpkg --purge $PKG: exit $?"; }
status=$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null)
[ -z "$status" ] || [ "$status" = not-installed ] || fail "after purge: expected $PKG not installed, saw status '$status'"
left=""
while read -r p; do
    [ "$p" = /. ] && continue
    [ -e "$p" ] || [ -L "$p" ] || continue
    [ -d "$p" ] && dpkg-query -S "$p" >/dev/null 2>&1 && continue # /lib: a symlink with usrmerge
    left="$left $p"
done <"$W/files"
[ -z "$left" ] || fail "after purge: expected nothing of $PKG left, saw:$left"
for d in /etc/failoverd /usr/libexec/failoverd /usr/share/failoverd /usr/share/doc/failoverd; do
    [ ! -e "$d" ] || fail "after purge: expected $d gone, saw: $(ls -la "$d")"
done
log "purged: nothing left"
log "PASS"
