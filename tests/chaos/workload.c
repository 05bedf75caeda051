/* workload.c -- the chaos suite's application: unique autocommit INSERTs at a steady rate, through
 * the node ZooKeeper's /primary names AND straight at every node, logging every outcome.
 *
 * Two kinds of writer, each a thread with its own connection:
 *  - "via": follows /primary (a watch moves it the moment the coordinator writes a new address,
 *    and cuts an INSERT still hanging on the old one), over TCP from where the workload runs;
 *  - one "direct" writer per node (--node NAME=SOCKET), over the node's unix socket, which no
 *    partition cuts: a client standing beside that mysqld. A zombie primary that still accepts
 *    writes is caught by these. Its read timeout is long, so the late OK of a stalled mysqld
 *    is seen and logged rather than given up on.
 * Every INSERT runs as the application user (no READ ONLY ADMIN), in one round trip with
 * "SELECT @@server_id, @@last_gtid", so each OK carries the server and GTID that took it.
 *
 * Log lines, one per event, flushed at once (times in ns; mono = CLOCK_MONOTONIC):
 *   OK  <id> <writer> <node> <server_id> <send_mono> <ack_mono> <ack_real> <gtid>
 *   ERR <id> <writer> <node> <errno> <send_mono> <done_mono> <done_real> <text>
 *       the first failure after an OK or after a failure with another errno (a run of identical
 *       failures is one line); errno 1290 is the server refusing as read-only
 *   PRI <mono> <real> <name> <host> <port> <epoch> <fencing>   /primary as read
 * Ids come from one counter for all writers and only grow, so a row a server applied without an
 * acknowledgement never collides with a later one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <mysql.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define MAX_NODES 32
#define ER_OPTION_PREVENTS_STATEMENT 1290 /* read_only */
/* A stalled mysqld may answer after many seconds; that late OK is the evidence we want. */
#define DIRECT_READ_TIMEOUT_S 120
#define VIA_READ_TIMEOUT_S 30

typedef struct target {
    char name[64];
    char host[128];
    int port;
    long long epoch;
    bool fencing;
} target_t;

typedef struct writer {
    char name[64];   /* "via" or the node's name */
    char node[64];   /* direct: the node */
    char socket[512];
    bool via;
    int rate;
    pthread_t th;
} writer_t;

static struct {
    const char *zk_hosts, *znode, *user, *password, *db, *table, *log_path;
    int rate, direct_rate;
} opt = {.user = "app", .password = "app-pass", .db = "app", .table = "chaos", .rate = 50,
         .direct_rate = 20};

static writer_t writers[MAX_NODES + 1];
static int n_writers;
static atomic_llong next_id = 1;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t zk_cv = PTHREAD_COND_INITIALIZER;
static bool zk_changed;
static target_t target;     /* guarded by mu */
static unsigned target_gen; /* bumped when the address changes */
static int via_fd = -1;     /* socket of the via writer's connection, for the watcher to cut */
static unsigned via_gen;
static volatile sig_atomic_t stop;
static FILE *log_fp;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logline(const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&log_mu);
    va_start(ap, fmt);
    vfprintf(log_fp, fmt, ap);
    va_end(ap);
    fflush(log_fp);
    pthread_mutex_unlock(&log_mu);
}

/* ---- following /primary ---------------------------------------------------------------- */

static void zk_watch(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)type, (void)state, (void)path, (void)ctx;
    pthread_mutex_lock(&mu);
    zk_changed = true;
    pthread_cond_signal(&zk_cv);
    pthread_mutex_unlock(&mu);
}

static bool parse_primary(const char *buf, int len, target_t *t)
{
    json_error_t e;
    json_t *j = json_loadb(buf, (size_t)len, 0, &e);
    if (!j) return false;
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *host = json_string_value(json_object_get(j, "host"));
    json_t *port = json_object_get(j, "port");
    bool ok = name && host && json_is_integer(port);
    if (ok) {
        memset(t, 0, sizeof(*t));
        snprintf(t->name, sizeof(t->name), "%s", name);
        snprintf(t->host, sizeof(t->host), "%s", host);
        t->port = (int)json_integer_value(port);
        t->epoch = json_integer_value(json_object_get(j, "epoch"));
        t->fencing = json_is_true(json_object_get(j, "fencing"));
    }
    json_decref(j);
    return ok;
}

static void note_primary(const target_t *t)
{
    pthread_mutex_lock(&mu);
    bool moved = strcmp(t->host, target.host) != 0 || t->port != target.port;
    bool news = moved || t->epoch != target.epoch || t->fencing != target.fencing ||
                strcmp(t->name, target.name) != 0;
    target = *t;
    if (moved) {
        target_gen++;
        if (via_fd >= 0 && via_gen != target_gen) shutdown(via_fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&mu);
    if (news)
        logline("PRI %lld %lld %s %s %d %lld %d\n", (long long)clock_ns(CLOCK_MONOTONIC),
                (long long)clock_ns(CLOCK_REALTIME), t->name, t->host, t->port, t->epoch,
                t->fencing);
}

static void *zk_thread(void *arg)
{
    (void)arg;
    zhandle_t *zh = NULL;
    char buf[4096];
    while (!stop) {
        if (!zh) {
            zh = zookeeper_init(opt.zk_hosts, zk_watch, 10000, NULL, NULL, 0);
            if (!zh) {
                usleep(100000);
                continue;
            }
        }
        int len = sizeof(buf) - 1;
        struct Stat st;
        pthread_mutex_lock(&mu);
        zk_changed = false;
        pthread_mutex_unlock(&mu);
        int rc = zoo_wget(zh, opt.znode, zk_watch, NULL, buf, &len, &st);
        if (rc == ZSESSIONEXPIRED || rc == ZINVALIDSTATE) {
            zookeeper_close(zh);
            zh = NULL;
            continue;
        }
        target_t t;
        if (rc == ZOK && len > 0 && parse_primary(buf, len, &t)) note_primary(&t);
        /* Wait for the watch, or re-read every second in case a session event ate it. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += rc == ZOK ? 1 : 0;
        ts.tv_nsec += rc == ZOK ? 0 : 100000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_mutex_lock(&mu);
        while (!zk_changed && !stop)
            if (pthread_cond_timedwait(&zk_cv, &mu, &ts) != 0) break;
        pthread_mutex_unlock(&mu);
    }
    if (zh) zookeeper_close(zh);
    return NULL;
}

/* ---- writing ----------------------------------------------------------------------------- */

typedef struct conn {
    MYSQL *m;
    long server_id;
    char node[64];
    unsigned gen;
} conn_t;

static void conn_close(writer_t *w, conn_t *c)
{
    if (w->via) {
        pthread_mutex_lock(&mu);
        via_fd = -1;
        pthread_mutex_unlock(&mu);
    }
    if (c->m) mysql_close(c->m);
    c->m = NULL;
}

/* conn_open: connect (TCP to HOST:PORT, or the unix SOCKET) and read @@server_id. On failure
 * fills *err and *text and returns false. */
static bool conn_open(writer_t *w, conn_t *c, const char *host, int port, unsigned *err,
                      char *text, size_t text_len)
{
    MYSQL *m = mysql_init(NULL);
    if (!m) abort();
    unsigned int connect_s = 1, rw_s = w->via ? VIA_READ_TIMEOUT_S : DIRECT_READ_TIMEOUT_S;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw_s);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_s);
    bool ok = w->via ? mysql_real_connect(m, host, opt.user, opt.password, opt.db, (unsigned)port,
                                          NULL, CLIENT_MULTI_STATEMENTS) != NULL
                     : mysql_real_connect(m, "localhost", opt.user, opt.password, opt.db, 0,
                                          w->socket, CLIENT_MULTI_STATEMENTS) != NULL;
    if (ok && mysql_query(m, "SELECT @@server_id") == 0) {
        MYSQL_RES *r = mysql_store_result(m);
        MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
        c->server_id = row && row[0] ? atol(row[0]) : -1;
        if (r) mysql_free_result(r);
    } else
        ok = false;
    if (!ok) {
        *err = mysql_errno(m);
        snprintf(text, text_len, "%s", mysql_error(m));
        mysql_close(m);
        return false;
    }
    c->m = m;
    return true;
}

/* one_insert: INSERT row ID and read back @@server_id, @@last_gtid in the same round trip.
 * Returns 0 on OK (gtid filled), else the errno. */
static unsigned one_insert(writer_t *w, conn_t *c, long long id, char *gtid, size_t gtid_len,
                           long *sid, char *text, size_t text_len)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s (id, w) VALUES (%lld, '%s'); SELECT @@server_id, @@last_gtid",
             opt.table, id, w->name);
    int rc = mysql_real_query(c->m, sql, strlen(sql));
    if (rc != 0) {
        snprintf(text, text_len, "%s", mysql_error(c->m));
        return mysql_errno(c->m) ? mysql_errno(c->m) : 1;
    }
    /* The INSERT is acknowledged; the SELECT only decorates it. */
    snprintf(gtid, gtid_len, "?");
    *sid = c->server_id;
    MYSQL_RES *r = mysql_store_result(c->m);
    if (r) mysql_free_result(r);
    if (mysql_next_result(c->m) == 0) {
        r = mysql_store_result(c->m);
        MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
        if (row && row[0]) *sid = atol(row[0]);
        if (row && row[1] && row[1][0]) snprintf(gtid, gtid_len, "%s", row[1]);
        if (r) mysql_free_result(r);
        while (mysql_next_result(c->m) == 0) {
            r = mysql_store_result(c->m);
            if (r) mysql_free_result(r);
        }
    }
    return 0;
}

/* sanitize: one word per log field. */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r') *s = ' ';
}

static void *writer_thread(void *arg)
{
    writer_t *w = arg;
    const int64_t period = 1000000000LL / w->rate;
    int64_t next = clock_ns(CLOCK_MONOTONIC);
    conn_t c = {0};
    unsigned last_err = 0; /* errno of the previous attempt, 0 after an OK */
    char text[512], gtid[256];
    while (!stop) {
        int64_t now = clock_ns(CLOCK_MONOTONIC);
        if (next > now) {
            struct timespec ts = {(next - now) / 1000000000LL, (long)((next - now) % 1000000000LL)};
            nanosleep(&ts, NULL);
            continue;
        }
        next += period;
        if (next < now) next = now; /* a steady rate, no burst after a stall */

        target_t t = {0};
        unsigned gen = 0;
        if (w->via) {
            pthread_mutex_lock(&mu);
            t = target;
            gen = target_gen;
            pthread_mutex_unlock(&mu);
            if (!t.port) continue;
            if (c.m && c.gen != gen) conn_close(w, &c);
        }
        long long id = atomic_fetch_add(&next_id, 1);
        int64_t send = clock_ns(CLOCK_MONOTONIC);
        unsigned err = 0;
        long sid = -1;
        text[0] = 0;
        if (!c.m) {
            if (conn_open(w, &c, t.host, t.port, &err, text, sizeof(text))) {
                c.gen = gen;
                snprintf(c.node, sizeof(c.node), "%s", w->via ? t.name : w->node);
                if (w->via) {
                    pthread_mutex_lock(&mu);
                    via_fd = mysql_get_socket(c.m);
                    via_gen = gen;
                    if (target_gen != gen) shutdown(via_fd, SHUT_RDWR);
                    pthread_mutex_unlock(&mu);
                }
            }
        }
        if (c.m) err = one_insert(w, &c, id, gtid, sizeof(gtid), &sid, text, sizeof(text));
        int64_t done_m = clock_ns(CLOCK_MONOTONIC), done_r = clock_ns(CLOCK_REALTIME);
        const char *node = c.m ? c.node : (w->via ? t.name : w->node);
        if (err == 0) {
            logline("OK %lld %s %s %ld %lld %lld %lld %s\n", id, w->name, node, sid,
                    (long long)send, (long long)done_m, (long long)done_r, gtid);
            last_err = 0;
            continue;
        }
        if (err != last_err) {
            one_line(text);
            logline("ERR %lld %s %s %u %lld %lld %lld %s\n", id, w->name, node, err,
                    (long long)send, (long long)done_m, (long long)done_r, text);
        }
        last_err = err;
        /* Read-only: keep the session (the node may become writable); else reconnect. */
        if (c.m && err != ER_OPTION_PREVENTS_STATEMENT) conn_close(w, &c);
    }
    conn_close(w, &c);
    return NULL;
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: chaos-workload --zk HOSTS --znode PATH --log FILE [--rate N] [--direct-rate N]\n"
            "                      [--node NAME=SOCKET]... [--user U] [--password P] [--db D]\n"
            "                      [--table T] [--start-id N]\n"
            "       chaos-workload --now    (prints CLOCK_MONOTONIC in ns)\n"
            "INSERT INTO D.T (id, w) at N rows/s into the node PATH (/primary) names, and at\n"
            "--direct-rate rows/s into each --node over its unix socket. SIGTERM stops it.\n");
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"zk", required_argument, NULL, 'z'},       {"znode", required_argument, NULL, 'n'},
        {"log", required_argument, NULL, 'l'},      {"rate", required_argument, NULL, 'r'},
        {"direct-rate", required_argument, NULL, 'R'}, {"node", required_argument, NULL, 'N'},
        {"user", required_argument, NULL, 'u'},     {"password", required_argument, NULL, 'p'},
        {"db", required_argument, NULL, 'd'},       {"table", required_argument, NULL, 't'},
        {"start-id", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    /* The clock of the log, for the fault times the driver records beside it. */
    if (argc == 2 && strcmp(argv[1], "--now") == 0) {
        printf("%lld\n", (long long)clock_ns(CLOCK_MONOTONIC));
        return 0;
    }
    n_writers = 1;
    snprintf(writers[0].name, sizeof(writers[0].name), "via");
    writers[0].via = true;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'z': opt.zk_hosts = optarg; break;
        case 'n': opt.znode = optarg; break;
        case 'l': opt.log_path = optarg; break;
        case 'r': opt.rate = atoi(optarg); break;
        case 'R': opt.direct_rate = atoi(optarg); break;
        case 'u': opt.user = optarg; break;
        case 'p': opt.password = optarg; break;
        case 'd': opt.db = optarg; break;
        case 't': opt.table = optarg; break;
        case 's': atomic_store(&next_id, atoll(optarg)); break;
        case 'N': {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || !eq[1] || n_writers > MAX_NODES) {
                fprintf(stderr, "chaos-workload: --node wants NAME=SOCKET (at most %d), not '%s'\n",
                        MAX_NODES, optarg);
                return 2;
            }
            writer_t *w = &writers[n_writers++];
            snprintf(w->name, sizeof(w->name), "%.*s", (int)(eq - optarg), optarg);
            snprintf(w->node, sizeof(w->node), "%.*s", (int)(eq - optarg), optarg);
            snprintf(w->socket, sizeof(w->socket), "%s", eq + 1);
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!opt.zk_hosts || !opt.znode || !opt.log_path || opt.rate < 1 || opt.rate > 10000 ||
        opt.direct_rate < 1 || opt.direct_rate > 10000) {
        usage(stderr);
        return 2;
    }
    log_fp = fopen(opt.log_path, "a");
    if (!log_fp) {
        fprintf(stderr, "chaos-workload: cannot open %s: %s\n", opt.log_path, strerror(errno));
        return 1;
    }
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (mysql_library_init(0, NULL, NULL) != 0) return 1;

    pthread_t zt;
    pthread_create(&zt, NULL, zk_thread, NULL);
    for (int i = 0; i < n_writers; i++) {
        writers[i].rate = writers[i].via ? opt.rate : opt.direct_rate;
        pthread_create(&writers[i].th, NULL, writer_thread, &writers[i]);
    }
    while (!stop) pause();
    /* A writer blocked on a stalled server must not hold the exit: its outcome is unknown and
     * so unlogged, which is what an unacknowledged write is. Give the rest a moment. */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 3;
    for (int i = 0; i < n_writers; i++)
        if (pthread_timedjoin_np(writers[i].th, NULL, &deadline) != 0) {
            pthread_mutex_lock(&log_mu); /* no OK may be written after this point */
            fflush(log_fp);
            _exit(0);
        }
    pthread_mutex_lock(&mu);
    pthread_cond_signal(&zk_cv);
    pthread_mutex_unlock(&mu);
    pthread_join(zt, NULL);
    mysql_library_end();
    fclose(log_fp);
    return 0;
}
