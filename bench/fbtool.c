/* fbtool.c -- the benchmark driver's helpers that shell tools would make slow or coarse:
 * reading failoverd's history records straight from ZooKeeper, and watching the survivors of a
 * fault until one is writable and every other one replicates from it (10 ms resolution).
 *
 *   fbtool history --zk HOSTS --path ZNODE
 *       one line per child of ZNODE, in order: "<child>\t<data>"
 *   fbtool replwait [--timeout-ms N] [--interval-ms N] [--not OLD] NAME:PORT:SOCKET...
 *       polls each survivor as root over its unix socket (a thread each); prints
 *         WRITABLE <name> <real_ns>    the first time a survivor other than OLD, and only it, has
 *                                      read_only=0
 *         TWO-WRITABLE <names> <real_ns>  if two ever are at once (failoverd's invariant 1)
 *         REPOINTED <name> <real_ns>   the first time that writable survivor is the source of
 *                                      every other one, with both replication threads running
 *                                      (the time is the latest of those sightings)
 *       and exits 0; on timeout prints TIMEOUT and what each survivor showed last, exits 1.
 *
 * build: cc -O2 -Wall -Wextra -Werror -DTHREADED $(mysql_config --cflags) bench/fbtool.c \
 *        $(mysql_config --libs) -lzookeeper_mt -lpthread
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <mysql.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

static int64_t clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- history ----------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_history(int argc, char **argv)
{
    const char *zk = NULL, *path = NULL;
    static const struct option lo[] = {{"zk", required_argument, NULL, 'z'},
                                       {"path", required_argument, NULL, 'p'},
                                       {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'z': zk = optarg; break;
        case 'p': path = optarg; break;
        default: return 2;
        }
    }
    if (!zk || !path) {
        fprintf(stderr, "usage: fbtool history --zk HOSTS --path ZNODE\n");
        return 2;
    }
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *zh = zookeeper_init(zk, NULL, 10000, NULL, NULL, 0);
    if (!zh) {
        perror("fbtool: zookeeper_init");
        return 1;
    }
    struct String_vector kids = {0, NULL};
    int rc = ZCONNECTIONLOSS;
    /* The handle connects in the background: retry briefly. */
    for (int i = 0; i < 100 && (rc == ZCONNECTIONLOSS || rc == ZINVALIDSTATE); i++) {
        rc = zoo_get_children(zh, path, 0, &kids);
        if (rc == ZCONNECTIONLOSS || rc == ZINVALIDSTATE) usleep(50000);
    }
    if (rc == ZNONODE) {
        zookeeper_close(zh);
        return 0;
    }
    if (rc != ZOK) {
        fprintf(stderr, "fbtool: %s: %s\n", path, zerror(rc));
        zookeeper_close(zh);
        return 1;
    }
    qsort(kids.data, (size_t)kids.count, sizeof(char *), cmp_str);
    static char buf[1 << 20];
    char child[1024];
    for (int i = 0; i < kids.count; i++) {
        snprintf(child, sizeof(child), "%s/%s", path, kids.data[i]);
        int len = sizeof(buf) - 1;
        if (zoo_get(zh, child, 0, buf, &len, NULL) != ZOK || len < 0) continue;
        buf[len] = 0;
        for (int k = 0; k < len; k++)
            if (buf[k] == '\n' || buf[k] == '\t') buf[k] = ' ';
        printf("%s\t%s\n", kids.data[i], buf);
    }
    deallocate_String_vector(&kids);
    zookeeper_close(zh);
    return 0;
}

/* ---- replwait ---------------------------------------------------------------------------- */

/* One poller thread per survivor, so the resolution does not degrade with the number of
 * replicas: each records when it first saw its node writable, and when it first saw it replicate
 * (IO and SQL threads running) from each source port. */
#define MAX_SOURCES 16

typedef struct survivor {
    char name[128];
    int port;
    char socket[512];
    MYSQL *m;
    /* written by its poller, read under mu */
    bool up, read_only, is_replica, io_yes, sql_yes;
    int source_port;
    char io_state[32];
    int64_t ro_off_at; /* realtime ns, 0 = not yet */
    int src_port[MAX_SOURCES];
    int64_t src_at[MAX_SOURCES];
    int nsrc;
} survivor_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static volatile int pollers_stop;
static int poll_interval_ms = 10;

static bool poll_one(survivor_t *s, survivor_t *out)
{
    if (!s->m) {
        s->m = mysql_init(NULL);
        unsigned int t = 1;
        mysql_options(s->m, MYSQL_OPT_CONNECT_TIMEOUT, &t);
        mysql_options(s->m, MYSQL_OPT_READ_TIMEOUT, &t);
        if (!mysql_real_connect(s->m, NULL, "root", NULL, NULL, 0, s->socket, 0)) {
            mysql_close(s->m);
            s->m = NULL;
            return false;
        }
    }
    MYSQL_RES *r;
    MYSQL_ROW row;
    if (mysql_query(s->m, "SELECT @@read_only") != 0 || !(r = mysql_store_result(s->m))) goto fail;
    row = mysql_fetch_row(r);
    out->read_only = row && row[0] && strcmp(row[0], "0") != 0;
    mysql_free_result(r);
    if (mysql_query(s->m, "SHOW SLAVE STATUS") != 0 || !(r = mysql_store_result(s->m))) goto fail;
    row = mysql_fetch_row(r);
    out->is_replica = row != NULL;
    out->io_yes = out->sql_yes = false;
    out->source_port = 0;
    snprintf(out->io_state, sizeof(out->io_state), "-");
    if (row) {
        unsigned nf = mysql_num_fields(r);
        MYSQL_FIELD *f = mysql_fetch_fields(r);
        for (unsigned i = 0; i < nf; i++) {
            const char *v = row[i] ? row[i] : "";
            if (strcmp(f[i].name, "Master_Port") == 0) out->source_port = atoi(v);
            else if (strcmp(f[i].name, "Slave_IO_Running") == 0) {
                out->io_yes = strcmp(v, "Yes") == 0;
                snprintf(out->io_state, sizeof(out->io_state), "%s", v);
            } else if (strcmp(f[i].name, "Slave_SQL_Running") == 0)
                out->sql_yes = strcmp(v, "Yes") == 0;
        }
    }
    mysql_free_result(r);
    return true;
fail:
    mysql_close(s->m);
    s->m = NULL;
    return false;
}

static void *poller(void *arg)
{
    survivor_t *s = arg;
    mysql_thread_init();
    while (!pollers_stop) {
        int64_t round = clock_ns(CLOCK_MONOTONIC);
        survivor_t seen;
        memset(&seen, 0, sizeof(seen));
        bool ok = poll_one(s, &seen);
        int64_t at = clock_ns(CLOCK_REALTIME);
        pthread_mutex_lock(&mu);
        s->up = ok;
        if (ok) {
            s->read_only = seen.read_only;
            s->is_replica = seen.is_replica;
            s->io_yes = seen.io_yes;
            s->sql_yes = seen.sql_yes;
            s->source_port = seen.source_port;
            memcpy(s->io_state, seen.io_state, sizeof(s->io_state));
            if (!seen.read_only && !s->ro_off_at) s->ro_off_at = at;
            if (seen.is_replica && seen.io_yes && seen.sql_yes) {
                int k;
                for (k = 0; k < s->nsrc && s->src_port[k] != seen.source_port; k++) {}
                if (k == s->nsrc && k < MAX_SOURCES) {
                    s->src_port[k] = seen.source_port;
                    s->src_at[k] = at;
                    s->nsrc++;
                }
            }
        }
        pthread_mutex_unlock(&mu);
        int64_t left = round + (int64_t)poll_interval_ms * 1000000LL - clock_ns(CLOCK_MONOTONIC);
        if (left > 0) {
            struct timespec ts = {left / 1000000000LL, (long)(left % 1000000000LL)};
            nanosleep(&ts, NULL);
        }
    }
    if (s->m) mysql_close(s->m);
    mysql_thread_end();
    return NULL;
}

static int64_t source_seen_at(const survivor_t *s, int port)
{
    for (int k = 0; k < s->nsrc; k++)
        if (s->src_port[k] == port) return s->src_at[k];
    return 0;
}

static int cmd_replwait(int argc, char **argv)
{
    int timeout_ms = 30000;
    const char *not_name = "";
    static const struct option lo[] = {{"timeout-ms", required_argument, NULL, 't'},
                                       {"interval-ms", required_argument, NULL, 'i'},
                                       {"not", required_argument, NULL, 'n'},
                                       {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 't': timeout_ms = atoi(optarg); break;
        case 'i': poll_interval_ms = atoi(optarg); break;
        case 'n': not_name = optarg; break;
        default: return 2;
        }
    }
    int n = argc - optind;
    if (n < 1 || poll_interval_ms < 1) {
        fprintf(stderr, "usage: fbtool replwait [--timeout-ms N] [--interval-ms N] [--not NAME] "
                        "NAME:PORT:SOCKET...\n");
        return 2;
    }
    survivor_t *sv = calloc((size_t)n, sizeof(*sv));
    pthread_t *th = calloc((size_t)n, sizeof(*th));
    if (!sv || !th) abort();
    for (int i = 0; i < n; i++) {
        const char *a = argv[optind + i];
        const char *c1 = strchr(a, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c1 || !c2) {
            fprintf(stderr, "fbtool replwait: want NAME:PORT:SOCKET, not %s\n", a);
            return 2;
        }
        snprintf(sv[i].name, sizeof(sv[i].name), "%.*s", (int)(c1 - a), a);
        sv[i].port = atoi(c1 + 1);
        snprintf(sv[i].socket, sizeof(sv[i].socket), "%s", c2 + 1);
    }
    if (mysql_library_init(0, NULL, NULL) != 0) return 1;
    for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, poller, &sv[i]);

    int64_t end = clock_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * 1000000LL;
    bool said_writable = false, said_two = false;
    int rc = 1;
    while (rc != 0 && clock_ns(CLOCK_MONOTONIC) < end) {
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&mu);
        int w = -1, writable = 0;
        for (int i = 0; i < n; i++) {
            if (!sv[i].up || sv[i].read_only) continue;
            writable++;
            if (strcmp(sv[i].name, not_name) != 0) w = w == -1 ? i : -2;
        }
        if (writable > 1 && !said_two) {
            /* Not a benchmark matter: failoverd's first invariant is broken. */
            printf("TWO-WRITABLE");
            for (int i = 0; i < n; i++)
                if (sv[i].up && !sv[i].read_only) printf(" %s", sv[i].name);
            printf(" %lld\n", (long long)clock_ns(CLOCK_REALTIME));
            fflush(stdout);
            said_two = true;
        }
        if (w >= 0 && writable == 1) {
            if (!said_writable) {
                printf("WRITABLE %s %lld\n", sv[w].name, (long long)sv[w].ro_off_at);
                fflush(stdout);
                said_writable = true;
            }
            /* Every other survivor has been seen replicating from it: done as of the latest of
             * those sightings (and of its own writability). */
            int64_t done = sv[w].ro_off_at;
            for (int i = 0; i < n && done; i++) {
                if (i == w) continue;
                int64_t at = source_seen_at(&sv[i], sv[w].port);
                bool now_ok = sv[i].up && sv[i].is_replica && sv[i].source_port == sv[w].port &&
                              sv[i].io_yes && sv[i].sql_yes;
                done = at && now_ok ? (at > done ? at : done) : 0;
            }
            if (done) {
                printf("REPOINTED %s %lld\n", sv[w].name, (long long)done);
                rc = 0;
            }
        }
        if (rc != 0 && clock_ns(CLOCK_MONOTONIC) >= end) {
            printf("TIMEOUT");
            for (int i = 0; i < n; i++)
                printf(" %s:%s,ro=%d,src=%d,io=%s,sql=%d", sv[i].name, sv[i].up ? "up" : "down",
                       sv[i].read_only, sv[i].source_port, sv[i].io_state, sv[i].sql_yes);
            printf("\n");
        }
        pthread_mutex_unlock(&mu);
    }
    pollers_stop = 1;
    for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
    free(sv);
    free(th);
    mysql_library_end();
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "history") == 0) return cmd_history(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "replwait") == 0) return cmd_replwait(argc - 1, argv + 1);
    fprintf(stderr, "usage: fbtool history --zk HOSTS --path ZNODE\n"
                    "       fbtool replwait [--timeout-ms N] [--interval-ms N] [--not NAME] "
                    "NAME:PORT:SOCKET...\n");
    return 2;
}
