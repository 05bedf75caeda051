# lib_zkacl.sh -- for the ZooKeeper ACL tests (after lib.sh): a scratch directory $T, a digest
# identity failover:$ZKPW in $T/zk.auth (0600), and tests/tools/zkpoke built into $T.
# poke [-a user:pw] OP PATH [DATA] runs it against the sandbox's ZooKeeper (prints ok, noauth,
# or the error); acl_of PATH prints PATH's ACL entries on one line, read with the identity.
T=$(mktemp -d /tmp/fo-zkacl.XXXXXX)
CLEANUP_PATHS+=("$T")
cc -DTHREADED -o "$T/zkpoke" "$ROOT/tests/tools/zkpoke.c" -lzookeeper_mt || fail "cannot build tests/tools/zkpoke.c"
ZKPW="fo-$RANDOM$RANDOM-zk"
(umask 077; echo "failover:$ZKPW" >"$T/zk.auth")
poke() { "$T/zkpoke" "$ZK_HOSTS" "$@" 2>&1; }
acl_of() { poke -a "failover:$ZKPW" acl "$1" | grep -v '^ok$' | sort | tr '\n' ' '; }
