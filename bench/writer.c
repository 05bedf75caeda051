/* writer.c -- the benchmark's application: autocommit INSERTs at a steady rate into the primary
 * that ZooKeeper's /primary names, logging every acknowledged row with its timestamps.
 *
 * It behaves like a ZooKeeper-aware client (or a proxy that follows /primary): a watch on
 * /primary moves it to the new address the moment the coordinator writes it, and aborts an INSERT
 * still hanging on the old primary (a stalled host) by shutting its socket down. So the gap it
 * sees between acknowledgements is what failoverd costs an application, not a client timeout.
 * That part is bench/follow_primary.h, shared with the chaos suite's workload.
 *
 * Log lines (one per event, flushed at once so the driver can follow them):
 *   OK  <id> <mono_ns> <real_ns> <port>             an acknowledged row
 *   ERR <mono_ns> <real_ns> <port> <errno> <text>   the first of a run of identical errors
 *   PRI <mono_ns> <real_ns> <name> <host> <port> <epoch> <fencing>   /primary as read
 * Every failed INSERT's id is abandoned (its outcome is unknown); ids only grow, so a row that an
 * old primary applied without acknowledging it never collides with a later one.
 *
 * build (bench/follow_primary.h is found beside it):
 *        cc -O2 -Wall -Wextra -Werror -DTHREADED $(mysql_config --cflags) bench/writer.c \
 *        $(mysql_config --libs) -lzookeeper_mt -ljansson -lpthread
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <mysql.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "follow_primary.h"

#define ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION 1792

static struct {
    const char *zk_hosts, *znode, *user, *password, *db, *table, *log_path;
    int rate;
    long long start_id;
} opt = {.user = "app", .password = "app-pass", .db = "app", .table = "bench", .rate = 200,
         .start_id = 1};

static void close_conn(MYSQL **m)
{
    fp_conn_detach();
    mysql_close(*m);
    *m = NULL;
}

static unsigned last_err;
static int last_err_port;

static void log_err(int port, unsigned err, const char *text)
{
    if (err == last_err && port == last_err_port) return;
    last_err = err;
    last_err_port = port;
    fp_logline("ERR %lld %lld %d %u %s\n", (long long)fp_clock_ns(CLOCK_MONOTONIC),
               (long long)fp_clock_ns(CLOCK_REALTIME), port, err, text);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: writer --zk HOSTS --znode PATH --log FILE [--rate N] [--start-id N]\n"
               "              [--user U] [--password P] [--db D] [--table T]\n"
               "Autocommit INSERT INTO D.T (id) at N rows/s into the node PATH (/primary) names.\n");
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"zk", required_argument, NULL, 'z'},       {"znode", required_argument, NULL, 'n'},
        {"log", required_argument, NULL, 'l'},      {"rate", required_argument, NULL, 'r'},
        {"start-id", required_argument, NULL, 's'}, {"user", required_argument, NULL, 'u'},
        {"password", required_argument, NULL, 'p'}, {"db", required_argument, NULL, 'd'},
        {"table", required_argument, NULL, 't'},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'z': opt.zk_hosts = optarg; break;
        case 'n': opt.znode = optarg; break;
        case 'l': opt.log_path = optarg; break;
        case 'r': opt.rate = atoi(optarg); break;
        case 's': opt.start_id = atoll(optarg); break;
        case 'u': opt.user = optarg; break;
        case 'p': opt.password = optarg; break;
        case 'd': opt.db = optarg; break;
        case 't': opt.table = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!opt.zk_hosts || !opt.znode || !opt.log_path || opt.rate < 1 || opt.rate > 100000) {
        usage(stderr);
        return 2;
    }
    fp_log = fopen(opt.log_path, "a");
    if (!fp_log) {
        fprintf(stderr, "writer: cannot open %s: %s\n", opt.log_path, strerror(errno));
        return 1;
    }
    fp_signals();
    if (mysql_library_init(0, NULL, NULL) != 0) return 1;
    fp_follow_start(opt.zk_hosts, opt.znode);

    const int64_t period = 1000000000LL / opt.rate;
    int64_t next = fp_clock_ns(CLOCK_MONOTONIC);
    long long id = opt.start_id;
    MYSQL *m = NULL;
    unsigned m_gen = 0;
    int m_port = 0;
    char sql[256];
    while (!fp_stop) {
        if (!fp_pace(&next, period)) continue;
        fp_target_t t;
        unsigned gen = fp_target(&t);
        if (!t.port) continue; /* /primary not read yet */
        if (m && m_gen != gen) close_conn(&m);
        if (!m) {
            m = fp_connect(t.host, t.port, NULL, opt.user, opt.password, opt.db, 30, 0);
            if (mysql_errno(m)) {
                log_err(t.port, mysql_errno(m), mysql_error(m));
                mysql_close(m);
                m = NULL;
                continue;
            }
            m_gen = gen;
            m_port = t.port;
            fp_conn_attach(m, gen);
        }
        long long this_id = id++;
        snprintf(sql, sizeof(sql), "INSERT INTO %s (id) VALUES (%lld)", opt.table, this_id);
        if (mysql_real_query(m, sql, strlen(sql)) == 0) {
            fp_logline("OK %lld %lld %lld %d\n", this_id, (long long)fp_clock_ns(CLOCK_MONOTONIC),
                       (long long)fp_clock_ns(CLOCK_REALTIME), m_port);
            last_err = 0;
            continue;
        }
        unsigned err = mysql_errno(m);
        log_err(m_port, err, mysql_error(m));
        /* Read-only: this node may be about to become writable; keep the session. */
        if (err != FP_ER_OPTION_PREVENTS_STATEMENT && err != ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION)
            close_conn(&m);
    }
    if (m) close_conn(&m);
    fp_follow_stop();
    mysql_library_end();
    fclose(fp_log);
    return 0;
}
