/* follow_primary.h -- what the benchmark's writer (bench/writer.c) and the chaos suite's workload
 * (tests/chaos/workload.c) share: an application that writes at a steady rate into the primary
 * ZooKeeper's /primary names, the way a ZooKeeper-aware client (or a proxy that follows
 * /primary) would.
 *
 *  - fp_follow_start(): a thread keeps a watch on /primary (and re-reads it every second in case
 *    a session event ate the watch); fp_target() gives the latest address and its generation,
 *    bumped when the address moves. When it moves, the socket of the connection registered with
 *    fp_conn_attach() is shut down, so an INSERT hanging on the old primary (a stalled host) ends
 *    at once, not at a client timeout: the gap between acknowledgements is what failoverd costs.
 *    Every change is logged: PRI <mono_ns> <real_ns> <name> <host> <port> <epoch> <fencing>
 *  - fp_logline(): one line into fp_log, flushed at once, under a lock (the drivers follow the
 *    log while it grows).
 *  - fp_pace(): a steady rate, and no burst to make up for time spent blocked.
 *  - fp_connect(): a client connection with a 1 s connect timeout.
 *
 * Static functions in a header rather than a file of its own, so that each program still builds
 * from its one .c file (bench/failover compiles bench/writer.c alone). Needs -DTHREADED, the
 * MySQL client, libzookeeper_mt, jansson and pthreads.
 */
#ifndef FOLLOW_PRIMARY_H
#define FOLLOW_PRIMARY_H

#include <jansson.h>
#include <mysql.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define FP_ER_OPTION_PREVENTS_STATEMENT 1290 /* read_only */

typedef struct fp_target {
    char name[128];
    char host[256];
    int port;
    long long epoch;
    bool fencing;
} fp_target_t;

static volatile sig_atomic_t fp_stop; /* set by SIGTERM, SIGINT (fp_signals) */
static FILE *fp_log;                  /* the log fp_logline writes */

static pthread_mutex_t fp_log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fp_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fp_cv = PTHREAD_COND_INITIALIZER;
static bool fp_changed;        /* a watch fired; guarded by fp_mu, like the rest */
static fp_target_t fp_cur;     /* /primary as last read */
static unsigned fp_gen;        /* bumped when the address changes */
static int fp_conn_fd = -1;    /* socket of the connection to cut when the address moves */
static unsigned fp_conn_gen;   /* fp_gen it was opened for */
static const char *fp_zk_hosts, *fp_znode;
static pthread_t fp_zk_th;

static inline int64_t fp_clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void fp_logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void fp_logline(const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&fp_log_mu);
    va_start(ap, fmt);
    vfprintf(fp_log, fmt, ap);
    va_end(ap);
    fflush(fp_log);
    pthread_mutex_unlock(&fp_log_mu);
}

/* fp_log_close_for_exit: flush and keep the log locked, so that no line (no OK) can be written
 * after this point by a thread still running when the process exits. */
static inline void fp_log_close_for_exit(void)
{
    pthread_mutex_lock(&fp_log_mu);
    fflush(fp_log);
}

static inline void fp_on_signal(int sig)
{
    (void)sig;
    fp_stop = 1;
}

/* fp_signals: SIGTERM and SIGINT set fp_stop; a write to a cut connection returns EPIPE. */
static inline void fp_signals(void)
{
    struct sigaction sa = {.sa_handler = fp_on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* ---- following /primary ---------------------------------------------------------------- */

static inline void fp_zk_watch(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)type, (void)state, (void)path, (void)ctx;
    pthread_mutex_lock(&fp_mu);
    fp_changed = true;
    pthread_cond_signal(&fp_cv);
    pthread_mutex_unlock(&fp_mu);
}

static inline bool fp_parse_primary(const char *buf, int len, fp_target_t *t)
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

static inline void fp_note_primary(const fp_target_t *t)
{
    pthread_mutex_lock(&fp_mu);
    bool moved = strcmp(t->host, fp_cur.host) != 0 || t->port != fp_cur.port;
    bool news = moved || t->epoch != fp_cur.epoch || t->fencing != fp_cur.fencing ||
                strcmp(t->name, fp_cur.name) != 0;
    fp_cur = *t;
    if (moved) {
        fp_gen++;
        /* An INSERT hanging on the old primary would otherwise wait for a timeout. */
        if (fp_conn_fd >= 0 && fp_conn_gen != fp_gen) shutdown(fp_conn_fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&fp_mu);
    if (news)
        fp_logline("PRI %lld %lld %s %s %d %lld %d\n", (long long)fp_clock_ns(CLOCK_MONOTONIC),
                   (long long)fp_clock_ns(CLOCK_REALTIME), t->name, t->host, t->port, t->epoch,
                   t->fencing);
}

static inline void *fp_zk_main(void *arg)
{
    (void)arg;
    zhandle_t *zh = NULL;
    char buf[4096];
    while (!fp_stop) {
        if (!zh) {
            zh = zookeeper_init(fp_zk_hosts, fp_zk_watch, 10000, NULL, NULL, 0);
            if (!zh) {
                usleep(100000);
                continue;
            }
        }
        int len = sizeof(buf) - 1;
        struct Stat st;
        pthread_mutex_lock(&fp_mu);
        fp_changed = false;
        pthread_mutex_unlock(&fp_mu);
        int rc = zoo_wget(zh, fp_znode, fp_zk_watch, NULL, buf, &len, &st);
        if (rc == ZSESSIONEXPIRED || rc == ZINVALIDSTATE) {
            zookeeper_close(zh);
            zh = NULL;
            continue;
        }
        fp_target_t t;
        if (rc == ZOK && len > 0 && fp_parse_primary(buf, len, &t)) fp_note_primary(&t);
        /* Wait for the watch, or re-read every second in case a session event ate it (50 ms
         * after a failed read). */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += rc == ZOK ? 1 : 0;
        ts.tv_nsec += rc == ZOK ? 0 : 50000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_mutex_lock(&fp_mu);
        while (!fp_changed && !fp_stop)
            if (pthread_cond_timedwait(&fp_cv, &fp_mu, &ts) != 0) break;
        pthread_mutex_unlock(&fp_mu);
    }
    if (zh) zookeeper_close(zh);
    return NULL;
}

/* fp_follow_start: follow ZNODE (/primary) on the ensemble ZK_HOSTS from a thread of its own. */
static inline void fp_follow_start(const char *zk_hosts, const char *znode)
{
    fp_zk_hosts = zk_hosts;
    fp_znode = znode;
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    pthread_create(&fp_zk_th, NULL, fp_zk_main, NULL);
}

/* fp_follow_stop: after fp_stop is set, wake the thread and wait for it. */
static inline void fp_follow_stop(void)
{
    pthread_mutex_lock(&fp_mu);
    pthread_cond_signal(&fp_cv);
    pthread_mutex_unlock(&fp_mu);
    pthread_join(fp_zk_th, NULL);
}

/* fp_target: /primary as last read into *T (port 0: not read yet); returns its generation. */
static inline unsigned fp_target(fp_target_t *t)
{
    pthread_mutex_lock(&fp_mu);
    *t = fp_cur;
    unsigned gen = fp_gen;
    pthread_mutex_unlock(&fp_mu);
    return gen;
}

/* fp_conn_attach: M was opened for generation GEN of the address: cut it when the address moves
 * (at once if it already has). fp_conn_detach before closing it. */
static inline void fp_conn_attach(MYSQL *m, unsigned gen)
{
    pthread_mutex_lock(&fp_mu);
    fp_conn_fd = mysql_get_socket(m);
    fp_conn_gen = gen;
    if (fp_gen != gen) shutdown(fp_conn_fd, SHUT_RDWR);
    pthread_mutex_unlock(&fp_mu);
}

static inline void fp_conn_detach(void)
{
    pthread_mutex_lock(&fp_mu);
    fp_conn_fd = -1;
    pthread_mutex_unlock(&fp_mu);
}

/* ---- writing ----------------------------------------------------------------------------- */

/* fp_pace: sleep towards *NEXT; true when an attempt is due (and *NEXT moved one PERIOD on,
 * never behind now: a steady rate, no burst after a stall), false when woken early (check
 * fp_stop and call again). */
static inline bool fp_pace(int64_t *next, int64_t period)
{
    int64_t now = fp_clock_ns(CLOCK_MONOTONIC);
    if (*next > now) {
        struct timespec ts = {(*next - now) / 1000000000LL, (long)((*next - now) % 1000000000LL)};
        nanosleep(&ts, NULL);
        return false;
    }
    *next += period;
    if (*next < now) *next = now;
    return true;
}

/* fp_connect: a connection to HOST:PORT over TCP, or to the unix SOCKET when it is not NULL,
 * with a 1 s connect timeout and RW_TIMEOUT_S for reads and writes. Never NULL: on failure
 * mysql_errno() says why and the caller closes it. */
static inline MYSQL *fp_connect(const char *host, int port, const char *socket, const char *user,
                                const char *password, const char *db, unsigned rw_timeout_s,
                                unsigned long flags)
{
    MYSQL *m = mysql_init(NULL);
    if (!m) abort();
    unsigned int connect_s = 1;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw_timeout_s);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout_s);
    mysql_real_connect(m, socket ? "localhost" : host, user, password, db,
                       socket ? 0 : (unsigned)port, socket, flags);
    return m;
}

#endif
