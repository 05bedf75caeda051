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
 * Following /primary (the watch, the cut, the PRI lines), the pacing and the log are
 * bench/follow_primary.h, shared with the benchmark's writer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../bench/follow_primary.h"

#define MAX_NODES 32
/* A stalled mysqld may answer after many seconds; that late OK is the evidence we want. */
#define DIRECT_READ_TIMEOUT_S 120
#define VIA_READ_TIMEOUT_S 30

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

/* ---- writing ----------------------------------------------------------------------------- */

typedef struct conn {
    MYSQL *m;
    long server_id;
    char node[64];
    unsigned gen;
} conn_t;

static void conn_close(writer_t *w, conn_t *c)
{
    if (w->via) fp_conn_detach();
    if (c->m) mysql_close(c->m);
    c->m = NULL;
}

/* conn_open: connect (TCP to HOST:PORT, or the unix SOCKET) and read @@server_id. On failure
 * fills *err and *text and returns false. */
static bool conn_open(writer_t *w, conn_t *c, const char *host, int port, unsigned *err,
                      char *text, size_t text_len)
{
    MYSQL *m = fp_connect(host, port, w->via ? NULL : w->socket, opt.user, opt.password, opt.db,
                          w->via ? VIA_READ_TIMEOUT_S : DIRECT_READ_TIMEOUT_S,
                          CLIENT_MULTI_STATEMENTS);
    bool ok = mysql_errno(m) == 0;
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
    int64_t next = fp_clock_ns(CLOCK_MONOTONIC);
    conn_t c = {0};
    unsigned last_err = 0; /* errno of the previous attempt, 0 after an OK */
    char text[512], gtid[256];
    while (!fp_stop) {
        if (!fp_pace(&next, period)) continue;
        fp_target_t t = {0};
        unsigned gen = 0;
        if (w->via) {
            gen = fp_target(&t);
            if (!t.port) continue;
            if (c.m && c.gen != gen) conn_close(w, &c);
        }
        long long id = atomic_fetch_add(&next_id, 1);
        int64_t send = fp_clock_ns(CLOCK_MONOTONIC);
        unsigned err = 0;
        long sid = -1;
        text[0] = 0;
        if (!c.m) {
            if (conn_open(w, &c, t.host, t.port, &err, text, sizeof(text))) {
                c.gen = gen;
                snprintf(c.node, sizeof(c.node), "%s", w->via ? t.name : w->node);
                if (w->via) fp_conn_attach(c.m, gen);
            }
        }
        if (c.m) err = one_insert(w, &c, id, gtid, sizeof(gtid), &sid, text, sizeof(text));
        int64_t done_m = fp_clock_ns(CLOCK_MONOTONIC), done_r = fp_clock_ns(CLOCK_REALTIME);
        const char *node = c.m ? c.node : (w->via ? t.name : w->node);
        if (err == 0) {
            fp_logline("OK %lld %s %s %ld %lld %lld %lld %s\n", id, w->name, node, sid,
                       (long long)send, (long long)done_m, (long long)done_r, gtid);
            last_err = 0;
            continue;
        }
        if (err != last_err) {
            one_line(text);
            fp_logline("ERR %lld %s %s %u %lld %lld %lld %s\n", id, w->name, node, err,
                       (long long)send, (long long)done_m, (long long)done_r, text);
        }
        last_err = err;
        /* Read-only: keep the session (the node may become writable); else reconnect. */
        if (c.m && err != FP_ER_OPTION_PREVENTS_STATEMENT) conn_close(w, &c);
    }
    conn_close(w, &c);
    return NULL;
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
        printf("%lld\n", (long long)fp_clock_ns(CLOCK_MONOTONIC));
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
    fp_log = fopen(opt.log_path, "a");
    if (!fp_log) {
        fprintf(stderr, "chaos-workload: cannot open %s: %s\n", opt.log_path, strerror(errno));
        return 1;
    }
    fp_signals();
    if (mysql_library_init(0, NULL, NULL) != 0) return 1;

    fp_follow_start(opt.zk_hosts, opt.znode);
    for (int i = 0; i < n_writers; i++) {
        writers[i].rate = writers[i].via ? opt.rate : opt.direct_rate;
        pthread_create(&writers[i].th, NULL, writer_thread, &writers[i]);
    }
    while (!fp_stop) pause();
    /* A writer blocked on a stalled server must not hold the exit: its outcome is unknown and
     * so unlogged, which is what an unacknowledged write is. Give the rest a moment. */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 3;
    for (int i = 0; i < n_writers; i++)
        if (pthread_timedjoin_np(writers[i].th, NULL, &deadline) != 0) {
            fp_log_close_for_exit(); /* no OK may be written after this point */
            _exit(0);
        }
    fp_follow_stop();
    mysql_library_end();
    fclose(fp_log);
    return 0;
}
