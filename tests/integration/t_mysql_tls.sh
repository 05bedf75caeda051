#!/usr/bin/env bash
# MySQL TLS (issue 12): ssl_mode and ssl_ca/ssl_cert/ssl_key, for the agents' own connections
# and for the replication channel. First, mysqld without TLS: ssl_mode = required is refused
# (Connector/C would go on in plain text). The test makes a CA, a second CA and two server
# certificates with openssl: node1's names 127.0.0.1, node2's only db.wrong.example. The
# agents' account over TCP requires TLS. With ssl_mode = verify_ca every agent connects (the CA
# is checked, not the name), and a switchover
# repoints the old primary with MASTER_SSL=1 and the CA: the replication account REQUIRE SSL,
# so its IO thread runs only over TLS. Then `failoverctl check-config` (which logs in as
# repl_user over TCP) is refused with a clear message under a wrong CA, and under
# verify_identity for node2's name, while node1 passes verify_identity.
source "$(dirname "$0")/lib.sh"

T=$(mktemp -d /tmp/fo-tls.XXXXXX)
CLEANUP_PATHS+=("$T")
ec() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "$@" 2>/dev/null; }
mkcert() { # NAME SAN: NAME.pem and NAME-key.pem signed by ca.pem
    ec -keyout "$T/$1-key.pem" -out "$T/$1.csr" -subj "/CN=$1"
    printf 'subjectAltName=%s\n' "$2" >"$T/$1.ext"
    openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca-key.pem" -CAcreateserial \
        -out "$T/$1.pem" -days 2 -extfile "$T/$1.ext" 2>/dev/null
}
ec -x509 -keyout "$T/ca-key.pem" -out "$T/ca.pem" -days 2 -subj "/CN=failoverd test CA"
ec -x509 -keyout "$T/wrong-ca-key.pem" -out "$T/wrong-ca.pem" -days 2 -subj "/CN=another CA"
mkcert node1 "IP:127.0.0.1"
mkcert node2 "DNS:db.wrong.example"
[ -s "$T/node1.pem" ] && [ -s "$T/node2.pem" ] || fail "openssl could not make the test certificates"

sb_up --replicas 1 --no-agents
sed "s#^\[mysql\]\$#[mysql]\nssl_mode = required#" "$NODE1_CONF" >"$T/required.conf" && chmod 600 "$T/required.conf"
out=$("$CTL" check-config "$T/required.conf" 2>&1) && fail "check-config, ssl_mode = required, mysqld without TLS: expected a failure, saw: $out"
want="the server offers no TLS, and ssl_mode = required needs it"
grep "repl_user" <<<"$out" | grep -qF "$want" || fail "check-config, ssl_mode = required, mysqld without TLS: expected '$want', saw: $out"
log "no TLS offered: $(grep repl_user <<<"$out")"
log "mysqld with TLS; repl, and the agents' account over TCP, REQUIRE SSL; node2 replicates over TLS"
sql node1 "ALTER USER '$REPL_USER'@'%' REQUIRE SSL" || fail "ALTER USER repl REQUIRE SSL"
# The agents' account from 127.0.0.1 (TCP: the coordinator, failoverctl) gets the same grants
# and REQUIRE SSL; over the unix socket (each agent's own mysqld) it stays failover@'%'.
grants=$(sql node1 "SHOW GRANTS FOR '$FAILOVER_USER'@'%'" | sed "s/@\`%\`/@\`127.0.0.1\`/; s/\$/;/") ||
    fail "SHOW GRANTS FOR $FAILOVER_USER"
sql node1 "CREATE USER '$FAILOVER_USER'@'127.0.0.1' IDENTIFIED BY '$FAILOVER_PASSWORD' REQUIRE SSL; $grants" ||
    fail "CREATE USER $FAILOVER_USER@127.0.0.1 REQUIRE SSL: $grants"
for n in $NODES; do # both at once
    printf 'ssl_ca = %s\nssl_cert = %s\nssl_key = %s\n' "$T/ca.pem" "$T/$n.pem" "$T/$n-key.pem" >>"$SB/$n/my.cnf"
    ("$SANDBOX" kill-mysqld "$SB" "$n" TERM && "$SANDBOX" start-mysqld "$SB" "$n") >"$T/restart.$n" 2>&1 &
done
for n in $NODES; do
    wait -n || fail "restart a mysqld with TLS: $(cat "$T"/restart.*) $(tail -3 "$SB"/node*/mysqld.err)"
done
sql node2 "STOP SLAVE; CHANGE MASTER TO MASTER_SSL=1; START SLAVE" || fail "node2: MASTER_SSL=1"
wait_for 10 "node2 replicating from node1 over TLS" replicates_from node2 node1
expect_eq "node2's channel TLS before the agents" "Yes" "$(slave_status node2 | awk '/Master_SSL_Allowed:/ {print $2}')"

for n in $NODES; do
    conf="${n^^}_CONF"
    sed -i "s#^\[mysql\]\$#[mysql]\nssl_mode = verify_ca\nssl_ca = $T/ca.pem#" "${!conf}"
    "$SANDBOX" start-agent "$SB" "$n" || fail "start $n's agent"
done
wait_for 20 "cluster settled with ssl_mode = verify_ca" cluster_settled
out=$(MYSQL_PWD=$FAILOVER_PASSWORD mariadb --no-defaults -h127.0.0.1 -P"$NODE2_PORT" -u"$FAILOVER_USER" --skip-ssl -e "SELECT 1" 2>&1) &&
    fail "$FAILOVER_USER@127.0.0.1 without TLS: expected a refusal (REQUIRE SSL), saw: $out"

log "switchover to node2: node1's agent repoints it with MASTER_SSL"
yes=$("$CTL" switchover --help 2>&1 | grep -q -- --yes && echo --yes)
out=$("$CTL" -c "$NODE1_CONF" switchover --to node2 $yes 2>&1 </dev/null) || fail "switchover to node2: $out"
wait_for 15 "node1 replicating from node2 (repl REQUIRE SSL)" replicates_from node1 node2
ss=$(slave_status node1)
for kv in "Master_SSL_Allowed: Yes" "Master_SSL_CA_File: $T/ca.pem" "Master_SSL_Verify_Server_Cert: No"; do
    grep -q "^ *$kv\$" <<<"$ss" || fail "node1's SHOW SLAVE STATUS after the repoint: expected '$kv', saw: $(grep SSL <<<"$ss" | tr -s ' ' | tr '\n' ';')"
done

out=$("$CTL" -c "$NODE1_CONF" explain 2>&1) || fail "failoverctl explain: $out"
want="MASTER_SSL=1, MASTER_SSL_VERIFY_SERVER_CERT=0, MASTER_SSL_CA='$T/ca.pem'"
grep -q "CHANGE MASTER TO .*$want" <<<"$out" || fail "failoverctl explain: expected CHANGE MASTER TO ... $want, saw: $(grep 'CHANGE MASTER' <<<"$out")"

check() { # NODE MODE CA: failoverctl check-config of NODE's config with that ssl_mode and ssl_ca
    local conf="${1^^}_CONF" f="$T/$1.$2.conf"
    sed -e "s#^ssl_mode = .*#ssl_mode = $2#" -e "s#^ssl_ca = .*#ssl_ca = $3#" "${!conf}" >"$f"
    chmod 600 "$f"
    "$CTL" check-config "$f" 2>&1
}
out=$(check node1 verify_ca "$T/wrong-ca.pem") && fail "check-config with a wrong CA: expected a failure, saw: $out"
want="not signed by ssl_ca = $T/wrong-ca.pem (ssl_mode = verify_ca)"
grep "repl_user" <<<"$out" | grep -qF "$want" || fail "check-config with a wrong CA: expected '$want', saw: $out"
log "wrong CA: $(grep repl_user <<<"$out")"
out=$(check node2 verify_identity "$T/ca.pem") && fail "check-config verify_identity against node2's certificate (db.wrong.example): expected a failure, saw: $out"
want="the server's certificate is not for the name \"127.0.0.1\" (ssl_mode = verify_identity"
grep "repl_user" <<<"$out" | grep -qF "$want" || fail "check-config verify_identity, node2: expected '$want', saw: $out"
log "wrong name: $(grep repl_user <<<"$out")"
out=$(check node1 verify_identity "$T/ca.pem") || fail "check-config verify_identity against node1's certificate (IP:127.0.0.1): $out"
log "PASS"
