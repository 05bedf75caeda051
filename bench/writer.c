/* writer.c -- the benchmark's application: autocommit INSERTs at a steady rate into the primary
 * that ZooKeeper's /primary names, logging every acknowledged row with its timestamps.
 *
 * It behaves like a ZooKeeper-aware client (or a proxy that follows /primary): a watch on
 * /primary moves it to the new address the moment the coordinator writes it, and aborts an INSERT
 * still hanging on the old primary (a stalled host) by shutting its socket down. So the gap it
 * sees between acknowledgements is what failoverd costs an application, not a client timeout.
 *
 * Log lines (one per event, flushed at once so the driver can follow them):
 *   OK  <id> <mono_ns> <real_ns> <port>             an acknowledged row
 *   ERR <mono_ns> <real_ns> <port> <errno> <text>   the first of a run of identical errors
 *   PRI <mono_ns> <real_ns> <name> <host> <port> <epoch> <fencing>   /primary as read
 * Every failed INSERT's id is abandoned (its outcome is unknown); ids only grow, so a row that an
 * old primary applied without acknowledging it never collides with a later one.
 *
 * build: cc -O2 -Wall -Wextra -Werror -DTHREADED $(mysql_config --cflags) bench/writer.c \
 *        $(mysql_config --libs) -lzookeeper_mt -ljansson -lpthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
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

#define ER_OPTION_PREVENTS_STATEMENT 1290 /* read_only */
#define ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION 1792

typedef struct target {
    char name[128];
    char host[256];
    int port;
    long long epoch;
    bool fencing;
} target_t;

static struct {
    const char *zk_hosts, *znode, *user, *password, *db, *table, *log_path;
    int rate;
    long long start_id;
} opt = {.user = "app", .password = "app-pass", .db = "app", .table = "bench", .rate = 200,
         .start_id = 1};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t zk_cv = PTHREAD_COND_INITIALIZER;
static bool zk_changed;
static target_t target;      /* guarded by mu */
static unsigned target_gen;  /* bumped when the address changes */
static int cur_fd = -1;      /* socket of the open connection, for the watcher to cut */
static unsigned cur_gen;     /* target_gen it was opened for */
static volatile sig_atomic_t stop;
static FILE *log_fp;

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
    static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
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
        if (rc == ZOK && len > 0) {
            target_t t;
            if (parse_primary(buf, len, &t)) {
                pthread_mutex_lock(&mu);
                bool moved = strcmp(t.host, target.host) != 0 || t.port != target.port;
                bool news = moved || t.epoch != target.epoch || t.fencing != target.fencing ||
                            strcmp(t.name, target.name) != 0;
                target = t;
                if (moved) {
                    target_gen++;
                    /* An INSERT hanging on the old primary would otherwise wait for a timeout. */
                    if (cur_fd >= 0 && cur_gen != target_gen) shutdown(cur_fd, SHUT_RDWR);
                }
                pthread_mutex_unlock(&mu);
                if (news)
                    logline("PRI %lld %lld %s %s %d %lld %d\n",
                            (long long)clock_ns(CLOCK_MONOTONIC), (long long)clock_ns(CLOCK_REALTIME),
                            t.name, t.host, t.port, t.epoch, t.fencing);
            }
        }
        /* Wait for the watch (or re-read every second in case a session event ate it). */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += rc == ZOK ? 1 : 0;
        ts.tv_nsec += rc == ZOK ? 0 : 50000000L;
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

static MYSQL *open_conn(const target_t *t)
{
    MYSQL *m = mysql_init(NULL);
    if (!m) abort();
    unsigned int connect_s = 1, rw_s = 30;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw_s);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_s);
    /* On failure the caller reads mysql_errno() and closes. */
    mysql_real_connect(m, t->host, opt.user, opt.password, opt.db, (unsigned)t->port, NULL, 0);
    return m;
}

static void close_conn(MYSQL **m)
{
    pthread_mutex_lock(&mu);
    cur_fd = -1;
    pthread_mutex_unlock(&mu);
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
    logline("ERR %lld %lld %d %u %s\n", (long long)clock_ns(CLOCK_MONOTONIC),
            (long long)clock_ns(CLOCK_REALTIME), port, err, text);
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
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
    log_fp = fopen(opt.log_path, "a");
    if (!log_fp) {
        fprintf(stderr, "writer: cannot open %s: %s\n", opt.log_path, strerror(errno));
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

    const int64_t period = 1000000000LL / opt.rate;
    int64_t next = clock_ns(CLOCK_MONOTONIC);
    long long id = opt.start_id;
    MYSQL *m = NULL;
    unsigned m_gen = 0;
    int m_port = 0;
    char sql[256];
    while (!stop) {
        int64_t now = clock_ns(CLOCK_MONOTONIC);
        if (next > now) {
            struct timespec ts = {(next - now) / 1000000000LL, (long)((next - now) % 1000000000LL)};
            nanosleep(&ts, NULL);
            continue;
        }
        /* A steady rate, but no burst to make up for time spent blocked. */
        next += period;
        if (next < now) next = now;

        pthread_mutex_lock(&mu);
        target_t t = target;
        unsigned gen = target_gen;
        pthread_mutex_unlock(&mu);
        if (!t.port) continue; /* /primary not read yet */
        if (m && m_gen != gen) close_conn(&m);
        if (!m) {
            m = open_conn(&t);
            if (mysql_errno(m)) {
                log_err(t.port, mysql_errno(m), mysql_error(m));
                mysql_close(m);
                m = NULL;
                continue;
            }
            m_gen = gen;
            m_port = t.port;
            pthread_mutex_lock(&mu);
            cur_fd = mysql_get_socket(m);
            cur_gen = gen;
            if (target_gen != gen) shutdown(cur_fd, SHUT_RDWR);
            pthread_mutex_unlock(&mu);
        }
        long long this_id = id++;
        snprintf(sql, sizeof(sql), "INSERT INTO %s (id) VALUES (%lld)", opt.table, this_id);
        if (mysql_real_query(m, sql, strlen(sql)) == 0) {
            logline("OK %lld %lld %lld %d\n", this_id, (long long)clock_ns(CLOCK_MONOTONIC),
                    (long long)clock_ns(CLOCK_REALTIME), m_port);
            last_err = 0;
            continue;
        }
        unsigned err = mysql_errno(m);
        log_err(m_port, err, mysql_error(m));
        /* Read-only: this node may be about to become writable; keep the session. */
        if (err != ER_OPTION_PREVENTS_STATEMENT && err != ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION)
            close_conn(&m);
    }
    if (m) close_conn(&m);
    pthread_mutex_lock(&mu);
    pthread_cond_signal(&zk_cv);
    pthread_mutex_unlock(&mu);
    pthread_join(zt, NULL);
    mysql_library_end();
    fclose(log_fp);
    return 0;
}
