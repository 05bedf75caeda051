/* db.c -- the only place that speaks SQL: probing, fencing, promotion and repointing of a mysqld.
 * Every statement and name that differs between MariaDB and MySQL 8.0 / 8.4 comes from flavor.c,
 * for the flavor and version read once per connection in db_connect(). */
#include "db.h"

#include <arpa/inet.h>
#include <errmsg.h>
#include <errno.h>
#include <limits.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "clockutil.h"
#include "log.h"
#include "tcpstate.h"

struct db_conn {
    MYSQL *my;
    flavor_info_t flavor; /* from the handshake's version string */
    int semi_naming;      /* MySQL: the semi-sync plugin generation seen; -1 not yet */
    char server_uuid[40]; /* MySQL: @@server_uuid, read once per connection; "" not yet */
    bool nonblock;       /* MYSQL_OPT_NONBLOCK is set: calls can be bounded in milliseconds */
    int64_t deadline_at; /* monotonic ms; 0 = calls are bounded by the API timeouts only */
    int deadline_ms;     /* the bound that deadline_at came from, for messages */
    bool expired;        /* the last bounded call ran out of time (the connection is dead) */
    char addr[300];
    const config_t *cfg; /* ssl_* for the replication channel (db_repoint) */
    /* The replication source as this connection last read or set it (0: none known), so that
     * stopping the IO thread need not ask for it again (db_stop_io_thread_now). Only a hint: a
     * stale one costs the farewell watch its sighting, never correctness. */
    char src_host[256];
    int src_port;
};

/* Statements that may change a server, run by this thread (see db_thread_changes()). */
static _Thread_local unsigned long thread_changes;

unsigned long db_thread_changes(void)
{
    return thread_changes;
}

/* This connection's spelling of a statement (flavor.c). */
static const char *S(const db_conn_t *c, flavor_stmt_t s)
{
    return flavor_sql(&c->flavor, s);
}

static bool is_mysql(const db_conn_t *c)
{
    return c->flavor.kind == FLAVOR_MYSQL;
}

static void copy_str(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

static void set_error(db_conn_t *c, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s: %s (errno %u)", c->addr, what, mysql_error(c->my),
             mysql_errno(c->my));
}

static unsigned int ms_to_s(int ms)
{
    /* The C API counts whole seconds; round up so a small timeout never becomes "no timeout". */
    return ms <= 0 ? 1 : (unsigned int)((ms + 999) / 1000);
}

/* One wait of a non-blocking call (MariaDB's _start/_cont API): poll for what it waits on, and
 * return the events that happened. At the deadline the socket is shut down and every event is
 * reported, so the call ends at once with an error and leaves nothing suspended. */
static int async_wait(db_conn_t *c, int status)
{
    for (;;) {
        int fd = (int)mysql_get_socket(c->my);
        int64_t left = c->deadline_at - mono_ms();
        if (left <= 0 || c->expired) {
            c->expired = true;
            if (fd >= 0) shutdown(fd, SHUT_RDWR);
            return MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_TIMEOUT;
        }
        int timeout = (int)left;
        bool lib_timeout = false;
        if (status & MYSQL_WAIT_TIMEOUT) {
            unsigned int t = mysql_get_timeout_value_ms(c->my);
            if ((int64_t)t < left) {
                timeout = (int)t;
                lib_timeout = true;
            }
        }
        struct pollfd pfd = {.fd = fd, .events = 0, .revents = 0};
        if (status & MYSQL_WAIT_READ) pfd.events |= POLLIN;
        if (status & MYSQL_WAIT_WRITE) pfd.events |= POLLOUT;
        if (status & MYSQL_WAIT_EXCEPT) pfd.events |= POLLPRI;
        int r = poll(&pfd, fd >= 0 ? 1 : 0, timeout);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            c->expired = true; /* cannot wait: end the call */
            continue;
        }
        if (r == 0) {
            if (lib_timeout) return MYSQL_WAIT_TIMEOUT;
            continue; /* our deadline: the top of the loop ends the call */
        }
        int ev = 0;
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) ev |= MYSQL_WAIT_READ;
        if (pfd.revents & (POLLOUT | POLLHUP | POLLERR)) ev |= MYSQL_WAIT_WRITE;
        if (pfd.revents & POLLPRI) ev |= MYSQL_WAIT_EXCEPT;
        if (ev) return ev;
    }
}

static void set_deadline(db_conn_t *c, int ms)
{
    c->deadline_ms = ms;
    c->deadline_at = ms > 0 && c->nonblock ? mono_ms() + ms : 0;
    c->expired = false;
}

/* The message for a failed call: a deadline that ran out says so, not "lost connection". */
static void set_error_dl(db_conn_t *c, const char *what, char *err, size_t errlen)
{
    if (c->expired)
        snprintf(err, errlen, "%s: %s: no answer within %d ms", c->addr, what, c->deadline_ms);
    else
        set_error(c, what, err, errlen);
}

/* ---- TLS ---------------------------------------------------------------------------------
 * What MariaDB Connector/C 3.3 (Debian 12's libmariadb3) offers, checked against a real
 * server: there is no MYSQL_OPT_SSL_MODE. mysql_ssl_set() or any MYSQL_OPT_SSL_* option turns
 * TLS on when the server offers it; with a CA the chain is verified even without
 * MYSQL_OPT_SSL_VERIFY_SERVER_CERT, which adds the host name check; and when the server offers
 * no TLS the connection goes on in plain text even with MYSQL_OPT_SSL_ENFORCE. So: preferred
 * and required set no CA, verify_ca sets the CA, verify_identity also the host check, and
 * db_connect() itself refuses a plain connection for required and above. */

static const char *const tls_names[] = {"disabled", "preferred", "required", "verify_ca",
                                        "verify_identity"};

db_tls_t db_tls_mode(const config_t *cfg)
{
    if (!cfg || !cfg->ssl_mode) return DB_TLS_PREFERRED;
    for (size_t i = 0; i < sizeof(tls_names) / sizeof(tls_names[0]); i++)
        if (strcmp(cfg->ssl_mode, tls_names[i]) == 0) return (db_tls_t)i;
    return DB_TLS_PREFERRED; /* config.c allows only the names above */
}

const char *db_tls_name(db_tls_t m)
{
    return (size_t)m < sizeof(tls_names) / sizeof(tls_names[0]) ? tls_names[m] : "invalid";
}

static void tls_options(MYSQL *my, db_tls_t tls, const config_t *cfg)
{
    if (tls == DB_TLS_DISABLED) return;
    const char *ca = tls >= DB_TLS_VERIFY_CA ? cfg->ssl_ca : NULL;
    mysql_ssl_set(my, cfg->ssl_key, cfg->ssl_cert, ca, NULL, NULL);
    my_bool verify = tls == DB_TLS_VERIFY_IDENTITY;
    mysql_options(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
}

/* Connector/C's TLS messages ("self-signed certificate in certificate chain", "Validation of
 * SSL server certificate failed") do not say which setting to look at: add it. */
static void tls_error_hint(db_conn_t *c, db_tls_t tls, const char *host, char *err,
                           size_t errlen)
{
    if (tls == DB_TLS_DISABLED || mysql_errno(c->my) != CR_SSL_CONNECTION_ERROR)
        return;
    size_t n = strlen(err);
    if (tls == DB_TLS_VERIFY_IDENTITY && strstr(mysql_error(c->my), "Validation"))
        snprintf(err + n, errlen - n, "; TLS: the server's certificate is not for the name "
                 "\"%s\" (ssl_mode = verify_identity checks it; verify_ca checks only the CA)",
                 host ? host : "?");
    else if (tls >= DB_TLS_VERIFY_CA)
        snprintf(err + n, errlen - n, "; TLS: the server's certificate is not signed by ssl_ca "
                 "= %s (ssl_mode = %s)", c->cfg && c->cfg->ssl_ca ? c->cfg->ssl_ca : "?",
                 db_tls_name(tls));
    else
        snprintf(err + n, errlen - n, "; TLS handshake failed (ssl_mode = %s)", db_tls_name(tls));
}

db_conn_t *db_connect(const db_target_t *t, char *err, size_t errlen)
{
    db_conn_t *c = calloc(1, sizeof(*c));
    if (!c) abort();
    if (t->socket && t->socket[0])
        snprintf(c->addr, sizeof(c->addr), "%s", t->socket);
    else
        snprintf(c->addr, sizeof(c->addr), "%s:%d", t->host, t->port);

    c->my = mysql_init(NULL);
    if (!c->my) abort();
    unsigned int cto = ms_to_s(t->connect_timeout_ms);
    unsigned int rto = ms_to_s(t->read_timeout_ms);
    mysql_options(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &cto);
    mysql_options(c->my, MYSQL_OPT_READ_TIMEOUT, &rto);
    mysql_options(c->my, MYSQL_OPT_WRITE_TIMEOUT, &rto);
    my_bool no = 0;
    mysql_options(c->my, MYSQL_OPT_RECONNECT, &no);
    /* Every connection can run bounded calls later (db_probe_within()): the coordinator may probe
     * a node it first met as a replica once it is the primary. */
    if (mysql_options(c->my, MYSQL_OPT_NONBLOCK, 0) == 0) c->nonblock = true;

    c->cfg = t->cfg;
    const char *sock = (t->socket && t->socket[0]) ? t->socket : NULL;
    /* A unix socket crosses no network: ssl_mode is for TCP (as require_secure_transport). */
    db_tls_t tls = sock ? DB_TLS_DISABLED : db_tls_mode(t->cfg);
    tls_options(c->my, tls, t->cfg);

    const char *host = sock ? NULL : t->host;
    unsigned int port = sock ? 0 : (unsigned int)t->port;
    MYSQL *ok;
    if (c->nonblock && t->deadline_ms > 0) {
        set_deadline(c, t->deadline_ms < t->connect_timeout_ms || t->connect_timeout_ms <= 0
                            ? t->deadline_ms
                            : t->connect_timeout_ms);
        int st = mysql_real_connect_start(&ok, c->my, host, t->user, t->password, NULL, port,
                                          sock, CLIENT_MULTI_RESULTS);
        while (st) st = mysql_real_connect_cont(&ok, c->my, async_wait(c, st));
    } else {
        ok = mysql_real_connect(c->my, host, t->user, t->password, NULL, port, sock,
                                CLIENT_MULTI_RESULTS);
    }
    if (!ok) {
        set_error_dl(c, "connect", err, errlen);
        tls_error_hint(c, tls, host, err, errlen);
        db_close(c);
        return NULL;
    }
    if (tls >= DB_TLS_REQUIRED && !mysql_get_ssl_cipher(c->my)) {
        /* Connector/C 3.3 falls back to plain text when the server offers no TLS, whatever
         * MYSQL_OPT_SSL_ENFORCE says: refuse here. */
        snprintf(err, errlen, "%s: connect: the server offers no TLS, and ssl_mode = %s needs it "
                 "(give mysqld ssl_cert and ssl_key, or set ssl_mode = preferred)", c->addr,
                 db_tls_name(tls));
        db_close(c);
        return NULL;
    }
    set_deadline(c, 0);
    /* The handshake carries @@version ("10.11.6-MariaDB-0+deb12u1", "8.0.36"): no round trip. */
    char ferr[256];
    c->semi_naming = -1;
    if (flavor_detect(mysql_get_server_info(c->my), NULL, &c->flavor, ferr, sizeof(ferr)) != 0) {
        snprintf(err, errlen, "%s: connect: %s", c->addr, ferr);
        db_close(c);
        return NULL;
    }
    return c;
}

void db_close(db_conn_t *c)
{
    if (!c) return;
    if (c->my) mysql_close(c->my);
    free(c);
}

flavor_t db_flavor(const db_conn_t *c)
{
    return c ? c->flavor.kind : FLAVOR_UNKNOWN;
}

const flavor_info_t *db_flavor_info(const db_conn_t *c)
{
    return c ? &c->flavor : &FLAVOR_INFO_MARIADB;
}

/* Send one statement, bounded by the connection's deadline when one is set. 0 or -1. */
static int send_query(db_conn_t *c, const char *sql)
{
    if (!c->deadline_at) return mysql_query(c->my, sql) != 0 ? -1 : 0;
    int qrc = 0;
    int st = mysql_real_query_start(&qrc, c->my, sql, (unsigned long)strlen(sql));
    while (st) st = mysql_real_query_cont(&qrc, c->my, async_wait(c, st));
    return qrc != 0 ? -1 : 0;
}

int db_exec(db_conn_t *c, const char *sql, char *err, size_t errlen)
{
    log_debug("sql %s: %s", c->addr, sql);
    thread_changes++;
    if (send_query(c, sql) != 0) {
        set_error_dl(c, sql, err, errlen);
        return -1;
    }
    /* Drain any result so the connection stays usable. */
    do {
        MYSQL_RES *r = mysql_store_result(c->my);
        if (r) mysql_free_result(r);
    } while (mysql_next_result(c->my) == 0);
    return 0;
}

/* Run a query and hand back its stored result (caller frees). */
static MYSQL_RES *db_query(db_conn_t *c, const char *sql, char *err, size_t errlen)
{
    if (c->deadline_at) {
        if (send_query(c, sql) != 0) {
            set_error_dl(c, sql, err, errlen);
            return NULL;
        }
        MYSQL_RES *r = NULL;
        int st = mysql_store_result_start(&r, c->my);
        while (st) st = mysql_store_result_cont(&r, c->my, async_wait(c, st));
        if (!r && (mysql_field_count(c->my) != 0 || c->expired)) set_error_dl(c, sql, err, errlen);
        return r;
    }
    if (mysql_query(c->my, sql) != 0) {
        set_error(c, sql, err, errlen);
        return NULL;
    }
    MYSQL_RES *r = mysql_store_result(c->my);
    if (!r && mysql_field_count(c->my) != 0) set_error(c, sql, err, errlen);
    return r;
}

int db_query_rows(db_conn_t *c, const char *sql, db_row_fn fn, void *arg, char *err,
                  size_t errlen)
{
    MYSQL_RES *r = db_query(c, sql, err, errlen);
    if (!r) {
        if (mysql_errno(c->my) == 0) snprintf(err, errlen, "%s: %s: no result set", c->addr, sql);
        return -1;
    }
    unsigned n = mysql_num_fields(r);
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(r)))
        if (fn(row, n, arg) != 0) break;
    mysql_free_result(r);
    return 0;
}

/* A server that answers garbage must not crash us: every number is parsed with bounds. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* MySQL: which transactions of gtid_executed this server wrote itself is told by its
 * server_uuid (errant-transaction detection, observe.c). It changes only with a restart, which
 * ends the connection, so it is read once per connection. */
static int probe_server_uuid(db_conn_t *c, db_probe_t *p, char *err, size_t errlen)
{
    if (!c->server_uuid[0]) {
        MYSQL_RES *r = db_query(c, "SELECT @@server_uuid", err, errlen);
        if (!r) return -1;
        MYSQL_ROW row = mysql_fetch_row(r);
        if (row && row[0] && strlen(row[0]) == 36)
            copy_str(c->server_uuid, sizeof(c->server_uuid), row[0]);
        mysql_free_result(r);
        if (!c->server_uuid[0]) {
            snprintf(err, errlen, "%s: unexpected answer to SELECT @@server_uuid", c->addr);
            return -1;
        }
    }
    copy_str(p->server_uuid, sizeof(p->server_uuid), c->server_uuid);
    return 0;
}

/* The variables, and with count_dumps the number of Binlog Dump threads (connected replicas) in
 * the same round trip. */
static int probe_vars(db_conn_t *c, db_probe_t *p, bool count_dumps, char *err, size_t errlen)
{
    char q[1024];
    if (flavor_vars_sql(&c->flavor, count_dumps, q, sizeof(q)) != 0) {
        snprintf(err, errlen, "%s: the variables query does not fit", c->addr);
        return -1;
    }
    MYSQL_RES *r = db_query(c, q, err, errlen);
    if (!r) return -1;
    MYSQL_ROW row = mysql_fetch_row(r);
    int rc = -1;
    long v;
    if (!row || mysql_num_fields(r) != (count_dumps ? 10u : 9u)) {
        snprintf(err, errlen, "%s: unexpected answer to the variables query", c->addr);
        goto out;
    }
    if (parse_long(row[0], 0, 4294967295L, &v) != 0) {
        snprintf(err, errlen, "%s: server_id is not a number: \"%.40s\"", c->addr,
                 row[0] ? row[0] : "NULL");
        goto out;
    }
    p->server_id = (uint32_t)v;
    copy_str(p->version, sizeof(p->version), row[1]);
    p->read_only = row[2] && strcmp(row[2], "0") != 0;
    copy_str(p->gtid_binlog_pos, sizeof(p->gtid_binlog_pos), row[3]);
    copy_str(p->gtid_slave_pos, sizeof(p->gtid_slave_pos), row[4]);
    copy_str(p->gtid_current_pos, sizeof(p->gtid_current_pos), row[5]);
    p->semi_sync_master = flavor_bool_value(row[6]); /* MariaDB 1/0, MySQL ON/OFF, NULL: none */
    p->semi_sync_replica = flavor_bool_value(row[7]);
    p->event_scheduler_on = row[8] && strcasecmp(row[8], "ON") == 0;
    if (count_dumps && parse_long(row[9], 0, 1000000, &v) == 0) p->replicas_connected = (int)v;
    rc = 0;
out:
    mysql_free_result(r);
    if (rc == 0 && is_mysql(c)) rc = probe_server_uuid(c, p, err, errlen);
    return rc;
}

/* The replica status row of the default connection (MariaDB's ALL SLAVES answer has one per named
 * connection, MySQL's one per channel), parsed by flavor.c. 0 with *found false when there is
 * none (not a replica). */
static int replica_status(db_conn_t *c, const char *sql, flavor_replica_t *out, bool *found,
                          char *err, size_t errlen)
{
    *found = false;
    MYSQL_RES *r = db_query(c, sql, err, errlen);
    if (!r) return !c->expired && mysql_field_count(c->my) == 0 && mysql_errno(c->my) == 0 ? 0 : -1;
    unsigned ncols = mysql_num_fields(r), nrows = (unsigned)mysql_num_rows(r);
    MYSQL_FIELD *fields = mysql_fetch_fields(r);
    const char **names = calloc(ncols + 1, sizeof(*names));
    const char *const **rows = calloc(nrows + 1, sizeof(*rows));
    if (!names || !rows) abort();
    for (unsigned i = 0; i < ncols; i++) names[i] = fields[i].name;
    for (unsigned i = 0; i < nrows; i++) rows[i] = (const char *const *)mysql_fetch_row(r);
    int pick = flavor_replica_pick_row(&c->flavor, ncols, names, nrows, rows);
    if (pick >= 0 && rows[pick]) {
        flavor_replica_parse(&c->flavor, ncols, names, rows[pick], out);
        *found = true;
    }
    free(names);
    free(rows);
    mysql_free_result(r);
    return 0;
}

static int probe_replica(db_conn_t *c, db_probe_t *p, char *err, size_t errlen)
{
    flavor_replica_t *x = malloc(sizeof(*x));
    bool found;
    if (!x) abort();
    int rc = replica_status(c, S(c, FLAVOR_REPLICA_STATUS), x, &found, err, errlen);
    c->src_port = 0;
    if (rc == 0 && found) {
        copy_str(c->src_host, sizeof(c->src_host), x->source_host);
        c->src_port = x->source_port;
        p->is_replica = true;
        p->heartbeats = x->heartbeats;
        p->heartbeat_period_ms = x->heartbeat_period_ms;
        copy_str(p->source_host, sizeof(p->source_host), x->source_host);
        p->source_port = x->source_port;
        p->io_running = x->io_running;
        p->io_connecting = x->io_connecting;
        p->sql_running = x->sql_running;
        p->lag_s = x->lag_s;
        p->sql_delay_s = x->sql_delay_s;
        copy_str(p->last_io_error, sizeof(p->last_io_error), x->last_io_error);
        p->last_io_errno = x->last_io_errno;
        copy_str(p->last_sql_error, sizeof(p->last_sql_error), x->last_sql_error);
        copy_str(p->gtid_io_pos, sizeof(p->gtid_io_pos), x->received_gtid);
    }
    free(x);
    return rc;
}

int db_probe(db_conn_t *c, db_probe_t *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->lag_s = -1;
    p->heartbeats = -1;
    if (probe_vars(c, p, true, err, errlen) != 0) return -1;
    if (probe_replica(c, p, err, errlen) != 0) return -1;
    return 0;
}

int db_replica_status(db_conn_t *c, db_probe_t *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    p->lag_s = -1;
    p->heartbeats = -1;
    return probe_replica(c, p, err, errlen);
}

int db_probe_within(db_conn_t *c, db_probe_t *p, int deadline_ms, bool vars_only, char *err,
                    size_t errlen)
{
    set_deadline(c, deadline_ms);
    int rc;
    if (vars_only) {
        memset(p, 0, sizeof(*p));
        p->lag_s = -1;
        p->heartbeats = -1;
        rc = probe_vars(c, p, false, err, errlen);
    } else {
        rc = db_probe(c, p, err, errlen);
    }
    set_deadline(c, 0);
    return rc;
}

int db_set_read_only(db_conn_t *c, bool on, char *err, size_t errlen)
{
    return db_exec(c, S(c, on ? FLAVOR_FENCE : FLAVOR_LIFT), err, errlen);
}

/* Who the killed client sessions belonged to, "user@host xN" per account and client host (the
 * client's port dropped), so an operator learns which applications lost a connection. */
typedef struct kill_who {
    char who[16][96];
    int count[16];
    size_t n;
} kill_who_t;

static void kill_who_add(kill_who_t *k, const char *user, const char *host)
{
    char w[96];
    snprintf(w, sizeof(w), "%.40s@%.*s", user, (int)strcspn(host ? host : "?", ":"),
             host ? host : "?");
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->who[i], w) == 0) {
            k->count[i]++;
            return;
        }
    if (k->n >= sizeof(k->who) / sizeof(k->who[0])) return;
    snprintf(k->who[k->n], sizeof(k->who[0]), "%s", w);
    k->count[k->n++] = 1;
}

static void kill_who_format(const kill_who_t *k, char *buf, size_t len)
{
    size_t pos = strlen(buf);
    for (size_t i = 0; i < k->n && pos + 1 < len; i++) {
        char x[16] = "";
        if (k->count[i] > 1) snprintf(x, sizeof(x), " x%d", k->count[i]);
        int w = snprintf(buf + pos, len - pos, "%s%s%s", pos ? ", " : "", k->who[i], x);
        if (w < 0) break;
        pos = pos + (size_t)w < len ? pos + (size_t)w : len - 1;
    }
}

static int kill_client_sessions(db_conn_t *c, const char *keep_user, kill_who_t *who, char *err,
                                size_t errlen)
{
    MYSQL_RES *r = db_query(c,
                            "SELECT ID, USER, COMMAND, HOST FROM information_schema.PROCESSLIST "
                            "WHERE ID <> CONNECTION_ID()",
                            err, errlen);
    if (!r) return -1;
    long ids[4096];
    char *whose[4096];
    size_t n = 0;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(r)) && n < sizeof(ids) / sizeof(ids[0])) {
        long id;
        const char *user = row[1] ? row[1] : "";
        if (parse_long(row[0], 1, 0x7fffffffL, &id) != 0) continue;
        if (flavor_session_kind(&c->flavor, user, row[2], keep_user) != FLAVOR_SESSION_CLIENT)
            continue;
        char w[200];
        snprintf(w, sizeof(w), "%s@%s", user, row[3] ? row[3] : "?");
        whose[n] = strdup(w);
        ids[n++] = id;
    }
    mysql_free_result(r);
    int killed = 0, rc = 0;
    for (size_t i = 0; i < n; i++) {
        char q[64];
        snprintf(q, sizeof(q), "KILL CONNECTION %ld", ids[i]);
        thread_changes++;
        if (rc == 0 && send_query(c, q) == 0) {
            killed++;
            if (who && whose[i]) {
                char *at = strrchr(whose[i], '@');
                if (at) *at = 0;
                kill_who_add(who, whose[i], at ? at + 1 : NULL);
            }
        } else if (rc == 0 && (c->expired || mysql_errno(c->my) != ER_NO_SUCH_THREAD)) {
            set_error_dl(c, q, err, errlen);
            rc = -1;
        }
        free(whose[i]);
    }
    return rc == 0 ? killed : -1;
}

int db_kill_client_sessions(db_conn_t *c, const char *keep_user, char *err, size_t errlen)
{
    return kill_client_sessions(c, keep_user, NULL, err, errlen);
}

/* Read back what fencing must have achieved: read_only (and super_read_only on MySQL) on. */
static int fence_verify(db_conn_t *c, bool *on, char *err, size_t errlen)
{
    MYSQL_RES *r = db_query(c, S(c, FLAVOR_FENCE_CHECK), err, errlen);
    if (!r) return -1;
    MYSQL_ROW row = mysql_fetch_row(r);
    *on = row && row[0] && strcmp(row[0], "1") == 0;
    mysql_free_result(r);
    return 0;
}

/* The event scheduler runs jobs as their definer, who may hold READ ONLY ADMIN: off it goes.
 * DISABLED (set at startup) cannot run anything and cannot be changed. */
static int fence_events(db_conn_t *c, bool *stopped, char *err, size_t errlen)
{
    MYSQL_RES *r = db_query(c, "SELECT @@event_scheduler", err, errlen);
    if (!r) return -1;
    MYSQL_ROW row = mysql_fetch_row(r);
    bool on = row && row[0] && strcasecmp(row[0], "ON") == 0;
    mysql_free_result(r);
    *stopped = false;
    if (!on) return 0;
    if (db_exec(c, "SET GLOBAL event_scheduler=OFF", err, errlen) == 0) {
        *stopped = true;
        return 0;
    }
    /* MariaDB wants SUPER for this. Without it the fence still holds if no event can run. */
    char err2[256];
    r = mysql_errno(c->my) == ER_SPECIFIC_ACCESS_DENIED_ERROR
            ? db_query(c, "SELECT COUNT(*) FROM information_schema.EVENTS WHERE STATUS = 'ENABLED'",
                       err2, sizeof(err2))
            : NULL;
    row = r ? mysql_fetch_row(r) : NULL;
    bool none = row && row[0] && strcmp(row[0], "0") == 0;
    if (r) mysql_free_result(r);
    if (none) return 0;
    snprintf(err + strlen(err), errlen - strlen(err),
             "; the scheduler runs enabled events whose definers may write through read_only: "
             "grant the failover account SUPER (MariaDB) or SYSTEM_VARIABLES_ADMIN (MySQL)");
    return -1;
}

/* Which semi-sync names this server has. MariaDB: built in, master/slave. MySQL: those of the
 * plugin generation installed (SHOW VARIABLES LIKE 'rpl_semi_sync%', flavor_semi_parse_var()),
 * remembered once seen; with none installed yet, what the version's manual installs. */
static int semi_vars_row(char **row, unsigned ncols, void *arg)
{
    if (ncols >= 2) flavor_semi_parse_var(arg, row[0], row[1]);
    return 0;
}

static const flavor_semi_names_t *semi_names(db_conn_t *c)
{
    if (!is_mysql(c)) return flavor_semi_names(FLAVOR_SEMI_MASTER_SLAVE);
    if (c->semi_naming < 0) {
        flavor_semi_vars_t v;
        char e[256];
        flavor_semi_vars_init(&v);
        if (db_query_rows(c, "SHOW VARIABLES LIKE 'rpl_semi_sync%'", semi_vars_row, &v, e,
                          sizeof(e)) == 0 && v.found)
            c->semi_naming = (int)v.naming;
        else
            return flavor_semi_names(flavor_semi_default_naming(&c->flavor));
    }
    return flavor_semi_names((flavor_semi_naming_t)c->semi_naming);
}

/* Whether this server is a semi-sync primary (commits may be waiting for a replica's ack). An
 * error (no such variable: no semi-sync) counts as no. */
static bool semi_sync_primary(db_conn_t *c)
{
    char e[256], q[128];
    snprintf(q, sizeof(q), "SELECT @@global.%s", semi_names(c)->source_enabled);
    MYSQL_RES *r = db_query(c, q, e, sizeof(e));
    if (!r) return false;
    MYSQL_ROW row = mysql_fetch_row(r);
    bool on = row && row[0] && strcmp(row[0], "1") == 0;
    mysql_free_result(r);
    return on;
}

int db_fence(db_conn_t *c, const char *keep_user, int deadline_ms, db_fence_t *out, char *err,
             size_t errlen)
{
    memset(out, 0, sizeof(*out));
    set_deadline(c, deadline_ms);
    int rc = -1;
    kill_who_t who = {.n = 0};
    /* Kill first: SET GLOBAL read_only waits for running writes, which could outlast the deadline;
     * killed sessions roll back at once. Again after, for sessions that connected in between.
     * Not on a semi-sync primary: there, commits cut off from every replica wait for an ack in
     * the middle of the kills, and the chaos suite saw one acknowledged to its client without any
     * replica having it (a lost acknowledged row, run 54 of the 100-run mix). read_only goes on
     * first there: it waits for those commits, which end only by an ack (then they are on a
     * replica) or not within the fence budget, and then mysqld is killed (fence_or_kill), so none
     * is acknowledged. The kills come after, when nothing but a READ ONLY ADMIN session (A2: no
     * application) can still commit. */
    int n1 = 0;
    if (!semi_sync_primary(c)) {
        n1 = kill_client_sessions(c, keep_user, &who, err, errlen);
        if (n1 < 0) goto out;
        if (fence_events(c, &out->events_stopped, err, errlen) != 0) goto out;
        if (db_set_read_only(c, true, err, errlen) != 0) goto out;
    } else {
        out->semi_sync_first_read_only = true;
        if (db_set_read_only(c, true, err, errlen) != 0) goto out;
        if (fence_events(c, &out->events_stopped, err, errlen) != 0) goto out;
    }
    int n2 = kill_client_sessions(c, keep_user, &who, err, errlen);
    if (n2 < 0) goto out;
    out->sessions_killed = n1 + n2;
    kill_who_format(&who, out->killed, sizeof(out->killed));
    if (fence_verify(c, &out->verified, err, errlen) != 0) goto out;
    if (!out->verified) {
        snprintf(err, errlen, "%s: read_only still reads OFF after %s", c->addr,
                 S(c, FLAVOR_FENCE));
        goto out;
    }
    rc = 0;
out:
    out->timed_out = c->expired;
    set_deadline(c, 0);
    return rc;
}

/* `name` as a quoted identifier: backticks doubled. */
static void quote_ident(const char *name, char *out, size_t len)
{
    size_t k = 0;
    if (len < 3) {
        if (len) out[0] = 0;
        return;
    }
    out[k++] = '`';
    for (const char *p = name ? name : ""; *p && k + 3 < len; p++) {
        if (*p == '`') out[k++] = '`';
        out[k++] = *p;
    }
    out[k++] = '`';
    out[k] = 0;
}

typedef struct event_list {
    char alter[256][600]; /* "ALTER DEFINER = 'u'@'h' EVENT `s`.`e` ENABLE" */
    int n;
    db_conn_t *c;
} event_list_t;

/* row: schema, name, definer ("user@host"). ALTER EVENT would make the failover account the
 * definer, and the job would then run with its privileges: keep the original one. */
static int collect_event(char **row, unsigned ncols, void *arg)
{
    event_list_t *l = arg;
    if (ncols < 3 || !row[0] || !row[1] || !row[2] || l->n >= 256) return 0;
    char sch[140], ev[140], user[200], host[200], eu[401], eh[401];
    quote_ident(row[0], sch, sizeof(sch));
    quote_ident(row[1], ev, sizeof(ev));
    const char *at = strrchr(row[2], '@');
    if (!at || (size_t)(at - row[2]) >= sizeof(user) || strlen(at + 1) >= sizeof(host)) return 0;
    memcpy(user, row[2], (size_t)(at - row[2]));
    user[at - row[2]] = 0;
    snprintf(host, sizeof(host), "%s", at + 1);
    mysql_real_escape_string(l->c->my, eu, user, (unsigned long)strlen(user));
    mysql_real_escape_string(l->c->my, eh, host, (unsigned long)strlen(host));
    snprintf(l->alter[l->n++], sizeof(l->alter[0]), "ALTER DEFINER = '%s'@'%s' EVENT %s.%s ENABLE",
             eu, eh, sch, ev);
    return 0;
}

int db_enable_events(db_conn_t *c, int *enabled, char *err, size_t errlen)
{
    *enabled = 0;
    event_list_t *l = calloc(1, sizeof(*l));
    if (!l) abort();
    l->c = c;
    int rc = db_query_rows(c,
                           "SELECT EVENT_SCHEMA, EVENT_NAME, DEFINER FROM information_schema.EVENTS "
                           "WHERE STATUS IN ('SLAVESIDE_DISABLED', 'REPLICA_SIDE_DISABLED')",
                           collect_event, l, err, errlen);
    for (int i = 0; rc == 0 && i < l->n; i++) {
        if (db_exec(c, l->alter[i], err, errlen) != 0) rc = -1;
        else (*enabled)++;
    }
    if (rc == 0) rc = db_exec(c, "SET GLOBAL event_scheduler=ON", err, errlen);
    free(l);
    return rc;
}

int db_pid_file(db_conn_t *c, char *buf, size_t len, char *err, size_t errlen)
{
    MYSQL_RES *r = db_query(c, "SELECT @@pid_file", err, errlen);
    if (!r) return -1;
    MYSQL_ROW row = mysql_fetch_row(r);
    copy_str(buf, len, row ? row[0] : NULL);
    mysql_free_result(r);
    return 0;
}

int db_detach_replication(db_conn_t *c, char *err, size_t errlen)
{
    if (db_exec(c, S(c, FLAVOR_STOP_REPLICA), err, errlen) != 0) return -1;
    c->src_port = 0;
    return db_exec(c, S(c, FLAVOR_RESET_ALL), err, errlen);
}

int db_set_semi_sync_role(db_conn_t *c, bool primary, bool ack, const db_probe_t *now, char *err,
                          size_t errlen)
{
    int want_master = primary ? 1 : 0, want_replica = !primary && ack ? 1 : 0;
    const flavor_semi_names_t *n = semi_names(c);
    char q[400];
    /* MySQL: a side whose plugin is not installed reads -1; only a wanted one is an error. */
    if (is_mysql(c) && ((want_master && now->semi_sync_master < 0) ||
                        (want_replica && now->semi_sync_replica < 0))) {
        bool src = want_master && now->semi_sync_master < 0;
        snprintf(err, errlen, "%s: semi_sync = on needs MySQL's semi-sync plugin: INSTALL PLUGIN "
                 "%s SONAME '%s' (and plugin-load-add in my.cnf)", c->addr,
                 src ? n->source_plugin : n->replica_plugin,
                 src ? n->source_library : n->replica_library);
        return -1;
    }
    /* What changes, in one statement (one round trip: a promotion waits for it), in this
     * order: AFTER_SYNC (lossless: a commit is acknowledged to its client only once a replica
     * has it), set whenever we take the primary role, so a my.cnf saying otherwise cannot
     * weaken it; the source side; the replica side. A SET of several variables changes none
     * when one of them fails. */
    bool wait_point = primary && now->read_only;
    bool source = now->semi_sync_master != want_master && !(is_mysql(c) && now->semi_sync_master < 0);
    bool replica = now->semi_sync_replica != want_replica &&
                   !(is_mysql(c) && now->semi_sync_replica < 0);
    if (!wait_point && !source && !replica) return 0;
    char a1[128] = "", a2[128] = "", a3[128] = "";
    if (wait_point) snprintf(a1, sizeof(a1), " GLOBAL %s=AFTER_SYNC,", n->wait_point);
    if (source)
        snprintf(a2, sizeof(a2), " GLOBAL %s=%s,", n->source_enabled, primary ? "ON" : "OFF");
    if (replica)
        snprintf(a3, sizeof(a3), " GLOBAL %s=%s,", n->replica_enabled, want_replica ? "ON" : "OFF");
    int k = snprintf(q, sizeof(q), "SET%s%s%s", a1, a2, a3);
    if (k > 0 && (size_t)k < sizeof(q)) q[k - 1] = 0; /* the last comma */
    if (k < 0 || (size_t)k >= sizeof(q)) {
        snprintf(err, errlen, "%s: the semi-sync SET statement does not fit", c->addr);
        return -1;
    }
    if (db_exec(c, q, err, errlen) != 0) return -1;
    /* The IO thread reads the setting when it connects: reconnect so it stops (or starts)
     * acknowledging now, not after the next network error. */
    if (replica && !primary && now->is_replica && (now->io_running || now->io_connecting) &&
        (db_stop_io_thread(c, err, errlen) != 0 || db_start_io_thread(c, err, errlen) != 0))
        return -1;
    return 0;
}

int db_semi_sync_sample(db_conn_t *c, semi_sample_t *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    char q[2048];
    const flavor_semi_names_t *n = semi_names(c);
    if (flavor_semi_sample_sql(&c->flavor,
                               n == flavor_semi_names(FLAVOR_SEMI_SOURCE_REPLICA)
                                   ? FLAVOR_SEMI_SOURCE_REPLICA
                                   : FLAVOR_SEMI_MASTER_SLAVE,
                               q, sizeof(q)) != 0) {
        snprintf(err, errlen, "%s: the semi-sync status query does not fit", c->addr);
        return -1;
    }
    MYSQL_RES *r = db_query(c, q, err, errlen);
    if (!r) return -1;
    MYSQL_ROW row = mysql_fetch_row(r);
    long v[7];
    int rc = -1;
    if (row && mysql_num_fields(r) == 7) {
        rc = 0;
        for (int i = 0; i < 7 && rc == 0; i++)
            if (parse_long(row[i], 0, LONG_MAX, &v[i]) != 0) rc = -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: unexpected answer to the semi-sync status query (expected 7 "
                 "numbers)", c->addr);
    } else {
        s->timeout_ms = v[0];
        s->wait_no_slave = v[1] != 0;
        s->enabled = v[2] != 0;
        s->wait_sessions = v[3];
        s->yes_tx = v[4];
        s->clients = v[5];
        s->caught_up = v[6];
    }
    mysql_free_result(r);
    return rc;
}

const char *db_semi_sync_var(db_conn_t *c, bool wait_no_replica)
{
    const flavor_semi_names_t *n = semi_names(c);
    return wait_no_replica ? n->wait_no_replica : n->timeout;
}

int db_semi_sync_configure(db_conn_t *c, char *err, size_t errlen)
{
    const flavor_semi_names_t *n = semi_names(c);
    char q[128];
    snprintf(q, sizeof(q), "SET GLOBAL %s = %lld", n->timeout, (long long)SEMI_MYSQLD_TIMEOUT_MS);
    if (db_exec(c, q, err, errlen) != 0) return -1;
    snprintf(q, sizeof(q), "SET GLOBAL %s = ON", n->wait_no_replica);
    return db_exec(c, q, err, errlen);
}

int db_semi_sync_enable(db_conn_t *c, bool on, char *err, size_t errlen)
{
    char q[128];
    snprintf(q, sizeof(q), "SET GLOBAL %s = %s", semi_names(c)->source_enabled, on ? "ON" : "OFF");
    return db_exec(c, q, err, errlen);
}

/* The SQL thread's place in its relay log, read while replication is stopped. */
static int relay_position(db_conn_t *c, char *file, size_t flen, long *pos, char *err,
                          size_t errlen)
{
    flavor_replica_t *x = malloc(sizeof(*x));
    bool found;
    if (!x) abort();
    const char *sql = S(c, FLAVOR_REPLICA_STATUS_ONE);
    int rc = replica_status(c, sql, x, &found, err, errlen);
    if (rc == 0) {
        const char *f = x->relay_log_file;
        rc = -1;
        if (found && f[0] && x->relay_log_pos >= 4 && strlen(f) < flen && !strchr(f, '\'') &&
            !strchr(f, '\\')) {
            copy_str(file, flen, f);
            *pos = x->relay_log_pos;
            rc = 0;
        } else {
            snprintf(err, errlen, "%s: no usable Relay_Log_File/Relay_Log_Pos in %s "
                     "(not a replica?)", c->addr, sql);
        }
    }
    free(x);
    return rc;
}

int db_lift_sql_delay(db_conn_t *c, char *err, size_t errlen)
{
    char file[256], q[512];
    long pos;
    if (db_exec(c, S(c, FLAVOR_STOP_REPLICA), err, errlen) != 0 ||
        relay_position(c, file, sizeof(file), &pos, err, errlen) != 0)
        return -1;
    if (flavor_delay_lift_sql(&c->flavor, file, pos, q, sizeof(q)) != 0) {
        snprintf(err, errlen, "%s: relay log name too long", c->addr);
        return -1;
    }
    if (db_exec(c, q, err, errlen) != 0) return -1;
    return db_exec(c, S(c, FLAVOR_START_SQL), err, errlen);
}

int db_restore_sql_delay(db_conn_t *c, int delay_s, bool start_io, char *err, size_t errlen)
{
    char q[160];
    flavor_delay_sql(&c->flavor, delay_s, q, sizeof(q));
    if (db_exec(c, S(c, FLAVOR_STOP_REPLICA), err, errlen) != 0 || db_exec(c, q, err, errlen) != 0)
        return -1;
    return db_exec(c, S(c, start_io ? FLAVOR_START_REPLICA : FLAVOR_START_SQL), err, errlen);
}

int db_stop_io_thread(db_conn_t *c, char *err, size_t errlen)
{
    return db_exec(c, S(c, FLAVOR_STOP_IO), err, errlen);
}

/* Why a plain STOP SLAVE IO_THREAD takes exactly 2 s on a semi-sync replica whose source is cut
 * off (MariaDB 10.11.19): the IO thread, on its way out, opens a new connection to its source to
 * KILL its binlog dump thread there (Repl_semi_sync_slave::slave_stop -> kill_connection in
 * sql/semisync_slave.cc), bounded by rpl_semi_sync_slave_kill_conn_timeout (default 5 s, read
 * once at server start). Towards a cut-off host that connect hangs; STOP SLAVE
 * (terminate_slave_thread in sql/slave.cc) interrupts it only when it re-sends its kill signal,
 * every 2 s. Whether the thread does this was fixed when it connected (slave_start), so turning
 * rpl_semi_sync_slave_enabled off now changes nothing. Hence: KILL the IO thread first, which
 * wakes it from its read so that it starts that connect; then STOP SLAVE IO_THREAD, whose first
 * kill signal lands in the connect and ends it. Nothing is lost: the thread stops reading at the
 * KILL, as it would at STOP SLAVE.
 *
 * When the KILL is answered the thread may not be in that connect yet, and a STOP SLAVE that
 * comes first costs the 2 s again. With mysqld on this host (a unix socket or a loopback address:
 * the agent shares its network namespace), the connect is seen: a socket to the source's port in
 * SYN_SENT that was not there before the KILL (/proc/net/tcp, include/tcpstate.h). And on any
 * host, a killed thread that is no longer in the processlist has ended: it had no connection to
 * say farewell on (its source's mysqld died and it was reconnecting: a mysqld crash), or said it
 * already, and the stop is immediate. Neither seen within IO_THREAD_KILL_SETTLE_MS: that long is
 * waited, as before (a remote mysqld whose thread is in its farewell). */
#define IO_THREAD_KILL_SETTLE_MS 50 /* the killed IO thread reaches its farewell connect */
#define FAREWELL_POLL_MS 1 /* between looks at /proc/net/tcp and at the processlist */

/* Is the server on this host? Only then is its farewell connect in our /proc/net/tcp. */
static bool server_is_local(db_conn_t *c)
{
    const char *info = mysql_get_host_info(c->my);
    if (!info) return false;
    return strstr(info, "UNIX socket") || strncmp(info, "127.", 4) == 0 ||
           strncmp(info, "::1 ", 4) == 0 || strncasecmp(info, "localhost ", 10) == 0;
}

typedef struct farewell {
    uint8_t addr[1][16];
    size_t addrlen[1];
    int naddr; /* 0: the source is a name (not resolved here: no DNS in a failover): any address */
    int port;
    unsigned long before[16];
    int nbefore;
} farewell_t;

/* What to look for: the source's address and port, and the SYN_SENT sockets already there. The
 * source as this connection last read it (the agent probed it a moment ago: no round trip),
 * else asked for now. */
static bool farewell_prepare(db_conn_t *c, farewell_t *f)
{
    memset(f, 0, sizeof(*f));
    if (c->src_port <= 0 || !c->src_host[0]) {
        db_probe_t p;
        char e2[512];
        memset(&p, 0, sizeof(p));
        if (probe_replica(c, &p, e2, sizeof(e2)) != 0) return false;
    }
    if (!c->src_host[0] || c->src_port <= 0) return false;
    f->port = c->src_port;
    if (inet_pton(AF_INET, c->src_host, f->addr[0]) == 1) {
        f->addrlen[0] = 4;
        f->naddr = 1;
    } else if (inet_pton(AF_INET6, c->src_host, f->addr[0]) == 1) {
        f->addrlen[0] = 16;
        f->naddr = 1;
    }
    f->nbefore = tcp_find(TCP_STATE_SYN_SENT, f->addr, f->addrlen, f->naddr, f->port, f->before,
                          (int)(sizeof(f->before) / sizeof(f->before[0])));
    return f->nbefore >= 0 && f->nbefore <= (int)(sizeof(f->before) / sizeof(f->before[0]));
}

/* The killed IO thread has ended (it is no longer in the processlist): it said farewell, or had
 * no connection to say it on (its source's mysqld had died: it was reconnecting), so STOP SLAVE
 * cannot wait for one. This is what ends the wait when the source host is up but its mysqld is
 * gone, where no connect stays in SYN_SENT long enough to be seen. A failed query: not known. */
static bool io_thread_gone(db_conn_t *c, long id)
{
    char q[96], e2[256];
    snprintf(q, sizeof(q), "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %ld", id);
    MYSQL_RES *r = db_query(c, q, e2, sizeof(e2));
    if (!r) return false;
    MYSQL_ROW row = mysql_fetch_row(r);
    bool gone = row && row[0] && strcmp(row[0], "0") == 0;
    mysql_free_result(r);
    return gone;
}

static bool farewell_seen(const farewell_t *f)
{
    unsigned long now[16];
    int n = tcp_find(TCP_STATE_SYN_SENT, f->addr, f->addrlen, f->naddr, f->port, now, 16);
    for (int i = 0; i < n && i < 16; i++) {
        bool old = false;
        for (int j = 0; j < f->nbefore && !old; j++) old = now[i] == f->before[j];
        if (!old) return true;
    }
    return false;
}

/* stop: STOP SLAVE IO_THREAD (a promotion, whose SQL thread goes on applying), or STOP SLAVE
 * (a repoint: one round trip fewer; its kill signal to the IO thread lands in the farewell
 * connect just the same). */
static int stop_io_now(db_conn_t *c, flavor_stmt_t stop, char *err, size_t errlen)
{
    const char *find = S(c, FLAVOR_SEMI_IO_THREAD); /* MariaDB's farewell only */
    if (!find) return db_exec(c, S(c, stop), err, errlen);
    char e2[512], q[64];
    long id = -1;
    /* Only a running semi-sync IO thread says farewell (the status is what that thread decided
     * when it connected): an asynchronous one stops at once, no pause needed. */
    MYSQL_RES *r = db_query(c, find, e2, sizeof(e2));
    if (r) {
        MYSQL_ROW row = mysql_fetch_row(r);
        if (row && mysql_num_rows(r) == 1) parse_long(row[0], 1, LONG_MAX, &id);
        mysql_free_result(r);
    }
    if (id > 0) {
        farewell_t f;
        bool watch = server_is_local(c) && farewell_prepare(c, &f);
        snprintf(q, sizeof(q), "KILL %ld", id);
        if (db_exec(c, q, e2, sizeof(e2)) != 0) {
            log_debug("sql %s: %s", c->addr, e2); /* it ended meanwhile: STOP SLAVE is enough */
        } else {
            int64_t t0 = mono_ms(), waited = 0;
            bool seen = false, gone = false;
            while (waited < IO_THREAD_KILL_SETTLE_MS && !(seen = watch && farewell_seen(&f)) &&
                   !(gone = io_thread_gone(c, id))) {
                struct timespec ts = {0, FAREWELL_POLL_MS * 1000000L};
                nanosleep(&ts, NULL);
                waited = mono_ms() - t0;
            }
            log_debug("sql %s: the killed IO thread's farewell connect %s after %lld ms", c->addr,
                      seen ? "seen" : gone ? "not needed (the thread has ended)"
                                    : watch ? "not seen" : "assumed",
                      (long long)waited);
        }
    }
    return db_exec(c, S(c, stop), err, errlen);
}

int db_stop_io_thread_now(db_conn_t *c, char *err, size_t errlen)
{
    return stop_io_now(c, FLAVOR_STOP_IO, err, errlen);
}

int db_start_io_thread(db_conn_t *c, char *err, size_t errlen)
{
    return db_exec(c, S(c, FLAVOR_START_IO), err, errlen);
}

int db_start_replication(db_conn_t *c, char *err, size_t errlen)
{
    return db_exec(c, S(c, FLAVOR_START_REPLICA), err, errlen);
}

/* The replication channel's TLS, from the same ssl_* keys: ", MASTER_SSL=1, ..." or "" when
 * ssl_mode = preferred (the channel keeps what it had: MariaDB has no "if offered" for it).
 * The replica's mysqld opens the files, so the paths must be the same on every host. A CA
 * makes the replica check the chain; MASTER_SSL_VERIFY_SERVER_CERT adds the host name (checked
 * against MariaDB 10.11, as for Connector/C above). MySQL 8.0.23+ spells them SOURCE_SSL*. */
static int repl_tls_clause(const flavor_info_t *f, const config_t *cfg, char *buf, size_t len)
{
    const char *pre = flavor_option_prefix(f);
    db_tls_t tls = db_tls_mode(cfg);
    buf[0] = 0;
    if (!cfg || tls == DB_TLS_PREFERRED) return 0;
    if (tls == DB_TLS_DISABLED) {
        snprintf(buf, len, ", %s_SSL=0", pre);
        return 0;
    }
    const char *files[3] = {tls >= DB_TLS_VERIFY_CA ? cfg->ssl_ca : NULL, cfg->ssl_cert,
                            cfg->ssl_key};
    static const char *const keys[3] = {"CA", "CERT", "KEY"};
    size_t o = (size_t)snprintf(buf, len, ", %s_SSL=1, %s_SSL_VERIFY_SERVER_CERT=%d", pre, pre,
                                tls == DB_TLS_VERIFY_IDENTITY);
    for (int i = 0; i < 3; i++) {
        char e[2 * PATH_MAX + 1];
        const char *path = files[i] ? files[i] : "";
        size_t k = 0;
        if (strlen(path) > PATH_MAX || o >= len) return -1;
        /* config.c allows no control character in a path: only ' and \ need a backslash. */
        for (const char *p = path; *p; p++) {
            if (*p == '\'' || *p == '\\') e[k++] = '\\';
            e[k++] = *p;
        }
        e[k] = 0;
        o += (size_t)snprintf(buf + o, len - o, ", %s_SSL_%s='%s'", pre, keys[i], e);
    }
    return o < len ? 0 : -1;
}

#define TLS_CLAUSE_LEN (3 * (2 * PATH_MAX + 40) + 80)

/* The CHANGE MASTER / CHANGE REPLICATION SOURCE statement with the channel's TLS (flavor.c);
 * host, user and password already escaped, password NULL for explain ('***'). */
static int change_source_sql(const flavor_info_t *f, const config_t *cfg, const char *host,
                             int port, const char *user, const char *password, int heartbeat_ms,
                             char *buf, size_t len)
{
    char tls[TLS_CLAUSE_LEN];
    if (repl_tls_clause(f, cfg, tls, sizeof(tls)) != 0) return -1;
    flavor_source_t src = {.host = host, .port = port, .user = user, .password = password,
                           .heartbeat_ms = heartbeat_ms, .tls = tls};
    return flavor_change_source_sql(f, &src, buf, len);
}

int db_repoint_sql(const config_t *cfg, const flavor_info_t *f, const char *host, int port,
                   const char *repl_user, bool reset_slave_pos, int heartbeat_ms, char *buf,
                   size_t len)
{
    char change[1024 + TLS_CLAUSE_LEN];
    const char *reset = flavor_sql(f, FLAVOR_GTID_RESET);
    if (change_source_sql(f, cfg, host, port, repl_user, NULL, heartbeat_ms, change,
                          sizeof(change)) != 0)
        return -1;
    int n = snprintf(buf, len, "%s; %s%s%s; %s", flavor_sql(f, FLAVOR_STOP_REPLICA),
                     reset_slave_pos && reset ? reset : "", reset_slave_pos && reset ? "; " : "",
                     change, flavor_sql(f, FLAVOR_START_REPLICA));
    return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int db_stop_io_sql(const flavor_info_t *f, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s", flavor_sql(f, FLAVOR_STOP_IO));
    return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int db_detach_sql(const flavor_info_t *f, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s; %s", flavor_sql(f, FLAVOR_STOP_REPLICA),
                     flavor_sql(f, FLAVOR_RESET_ALL));
    return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static int escape(db_conn_t *c, const char *in, char *out, size_t outlen)
{
    size_t l = strlen(in);
    if (outlen < 2 * l + 1) return -1;
    mysql_real_escape_string(c->my, out, in, (unsigned long)l);
    return 0;
}

int db_repoint(db_conn_t *c, const char *host, int port, const char *repl_user,
               const char *repl_password, bool reset_slave_pos, int heartbeat_ms, char *err,
               size_t errlen)
{
    char eh[520], eu[260], ep[520], change[2048 + TLS_CLAUSE_LEN];
    if (escape(c, host, eh, sizeof(eh)) || escape(c, repl_user, eu, sizeof(eu)) ||
        escape(c, repl_password ? repl_password : "", ep, sizeof(ep))) {
        snprintf(err, errlen, "%s: host, user or password too long", c->addr);
        return -1;
    }
    /* The fast way: a plain STOP SLAVE would wait 2 s for a semi-sync IO thread's farewell to
     * a source that is cut off (the old primary, after a failover), and with semi-sync the new
     * primary's commits wait for this replica's acknowledgement. */
    if (stop_io_now(c, FLAVOR_STOP_REPLICA, err, errlen) != 0) return -1;
    const char *reset = S(c, FLAVOR_GTID_RESET); /* MariaDB only */
    if (reset_slave_pos && reset && db_exec(c, reset, err, errlen) != 0) return -1;
    if (change_source_sql(&c->flavor, c->cfg, eh, port, eu, ep, heartbeat_ms, change,
                          sizeof(change)) != 0) {
        snprintf(err, errlen, "%s: CHANGE MASTER statement too long", c->addr);
        return -1;
    }
    thread_changes++;
    if (mysql_query(c->my, change) != 0) {
        /* Never log the statement: it holds the password. */
        set_error(c, "CHANGE MASTER", err, errlen);
        return -1;
    }
    log_debug("sql %s: CHANGE MASTER to %s:%d", c->addr, host, port);
    copy_str(c->src_host, sizeof(c->src_host), host);
    c->src_port = port;
    return db_exec(c, S(c, FLAVOR_START_REPLICA), err, errlen);
}

/* The message for a GTID wait that ran out of time: what was waited for, where, how long, and
 * how far the server got (its applied position, when it still answers). */
static void gtid_wait_timed_out(db_conn_t *c, const char *pos, int timeout_ms, char *err,
                                size_t errlen)
{
    char applied[GTID_POS_STRLEN] = "unknown", e2[256];
    MYSQL_RES *r = db_query(c, S(c, FLAVOR_APPLIED_GTID), e2, sizeof(e2));
    if (r) {
        MYSQL_ROW row = mysql_fetch_row(r);
        if (row && row[0]) copy_str(applied, sizeof(applied), row[0][0] ? row[0] : "nothing");
        mysql_free_result(r);
    }
    snprintf(err, errlen, "%s('%.200s', %.3f s) timed out on %s after %d ms (applied: %.200s)",
             flavor_gtid_wait_name(&c->flavor), pos, timeout_ms / 1000.0,
             c->addr, timeout_ms, applied);
}

int db_gtid_wait(db_conn_t *c, const char *pos, int timeout_ms, const _Atomic bool *cancel,
                 char *err, size_t errlen)
{
    char ep[2 * GTID_POS_STRLEN + 1], q[2 * GTID_POS_STRLEN + 128];
    if (escape(c, pos, ep, sizeof(ep))) {
        snprintf(err, errlen, "%s: GTID position too long", c->addr);
        return -1;
    }
    /* MASTER_GTID_WAIT / WAIT_FOR_EXECUTED_GTID_SET block server-side; cap each call at 1 s so the read timeout never fires
     * and a caller's abort flag is seen between calls. */
    int left = timeout_ms;
    do {
        if (cancel && *cancel) {
            snprintf(err, errlen, "%s: wait for GTID position %.200s cancelled (the agent is "
                     "stopping)", c->addr, pos);
            return -1;
        }
        int step = left > 1000 ? 1000 : (left < 0 ? 0 : left);
        flavor_gtid_wait_sql(&c->flavor, ep, step, q, sizeof(q)); /* fits: sized for ep */
        MYSQL_RES *r = db_query(c, q, err, errlen);
        if (!r) return -1; /* err names the statement and the server's error */
        MYSQL_ROW row = mysql_fetch_row(r);
        int v = flavor_gtid_wait_result(&c->flavor, row ? row[0] : NULL);
        mysql_free_result(r);
        if (v == 0) return 0;
        if (v != 1) {
            snprintf(err, errlen, "%s: %.120s answered neither 0 (reached) nor %s (timed out)",
                     c->addr, q, is_mysql(c) ? "1" : "-1");
            return -1;
        }
        left -= step;
    } while (left > 0);
    gtid_wait_timed_out(c, pos, timeout_ms, err, errlen);
    return 1;
}
