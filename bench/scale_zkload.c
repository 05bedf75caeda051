/* scale_zkload.c -- the scale benchmark's ZooKeeper load generator: how many writes a second
 * the ensemble commits on this machine, and at what latency, with the real C client.
 *
 * N clients, each its own session (zookeeper_init of libzookeeper_mt), each keeping K
 * asynchronous requests in flight. A client's write cycle on its own znode is
 * create -> set -> delete (three transactions, the kinds an agent issues); with --read-pct P,
 * P % of the requests are gets of a znode that exists instead. Every completion issues the next
 * request from the client's completion thread (async calls never block, so that is allowed),
 * so the ensemble, not a rate limit, sets the pace: at enough clients this is its saturation.
 *
 * Latency = request sent -> its completion, CLOCK_MONOTONIC, per request; requests completed in
 * the first --warmup-s seconds are not counted. Output: one line of key=value on stdout:
 *   clients inflight seconds writes reads errors writes_per_s reads_per_s
 *   write_p50_ms write_p99_ms read_p50_ms read_p99_ms
 *
 * build: cc -O2 -Wall -Wextra -Werror -DTHREADED bench/scale_zkload.c -lzookeeper_mt -lpthread
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#define MAX_CLIENTS 1024
#define MAX_INFLIGHT 256
#define SAMPLES_PER_CLIENT (1 << 20)

static struct {
    const char *zk_hosts, *root;
    int clients, inflight, read_pct, size;
    double seconds, warmup_s;
} opt = {.root = "/zkload", .clients = 8, .inflight = 4, .read_pct = 0, .size = 200,
         .seconds = 10, .warmup_s = 1};

enum op_kind { OP_CREATE, OP_SET, OP_DELETE, OP_GET };

struct client;

/* One slot: a chain of requests on its own znode, one request outstanding at a time. */
struct slot {
    struct client *c;
    int idx;
    enum op_kind next;          /* the next write of the cycle */
    enum op_kind cur;
    int64_t sent_ns;
    char path[128];
};

struct client {
    zhandle_t *zh;
    int id;
    struct slot slots[MAX_INFLIGHT];
    uint32_t *wlat, *rlat;      /* latency samples, us */
    size_t nw, nr;
    long errors;
    unsigned rnd;
    pthread_mutex_t lock;
};

static struct client *clients;
static atomic_int stopping;
static int64_t t_measure_ns, t_end_ns;
static char payload[4096];
static char read_path[128];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void issue(struct slot *s);

static void record(struct slot *s, int rc)
{
    struct client *c = s->c;
    int64_t t = now_ns();
    if (t < t_measure_ns || t > t_end_ns) return;
    uint32_t us = (uint32_t)((t - s->sent_ns) / 1000);
    pthread_mutex_lock(&c->lock);
    if (rc != ZOK && !(s->cur == OP_DELETE && rc == ZNONODE) && !(s->cur == OP_CREATE && rc == ZNODEEXISTS))
        c->errors++;
    else if (s->cur == OP_GET) {
        if (c->nr < SAMPLES_PER_CLIENT) c->rlat[c->nr++] = us;
    } else if (c->nw < SAMPLES_PER_CLIENT)
        c->wlat[c->nw++] = us;
    pthread_mutex_unlock(&c->lock);
}

/* What the write cycle does after an op, whatever its outcome: a create that found the znode
 * already there goes on to set it, a set or delete that found none starts over with create. */
static void advance(struct slot *s, int rc)
{
    if (s->cur == OP_GET) return;
    switch (s->cur) {
    case OP_CREATE: s->next = OP_SET; break;
    case OP_SET: s->next = (rc == ZNONODE) ? OP_CREATE : OP_DELETE; break;
    default: s->next = OP_CREATE; break;
    }
}

static void done_void(int rc, const void *data)
{
    struct slot *s = (struct slot *)data;
    record(s, rc);
    advance(s, rc);
    issue(s);
}

static void done_stat(int rc, const struct Stat *st, const void *data)
{
    (void)st;
    done_void(rc, data);
}

static void done_string(int rc, const char *value, const void *data)
{
    (void)value;
    done_void(rc, data);
}

static void done_data(int rc, const char *value, int len, const struct Stat *st, const void *data)
{
    (void)value; (void)len; (void)st;
    done_void(rc, data);
}

static void issue(struct slot *s)
{
    struct client *c = s->c;
    int rc;
    if (atomic_load(&stopping)) return;
    if (opt.read_pct > 0 && (int)(rand_r(&c->rnd) % 100) < opt.read_pct)
        s->cur = OP_GET;
    else
        s->cur = s->next;
    s->sent_ns = now_ns();
    switch (s->cur) {
    case OP_CREATE:
        rc = zoo_acreate(c->zh, s->path, payload, opt.size, &ZOO_OPEN_ACL_UNSAFE, 0, done_string, s);
        break;
    case OP_SET:
        rc = zoo_aset(c->zh, s->path, payload, opt.size, -1, done_stat, s);
        break;
    case OP_DELETE:
        rc = zoo_adelete(c->zh, s->path, -1, done_void, s);
        break;
    default:
        rc = zoo_aget(c->zh, read_path, 0, done_data, s);
        break;
    }
    if (rc != ZOK) {
        /* Not queued (connection lost, closing): count it and let this slot rest. */
        pthread_mutex_lock(&c->lock);
        c->errors++;
        pthread_mutex_unlock(&c->lock);
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static double pct_ms(uint32_t *v, size_t n, double p)
{
    if (n == 0) return -1;
    size_t k = (size_t)(p * (double)n);
    if ((double)k < p * (double)n) k++;
    if (k < 1) k = 1;
    return v[k - 1] / 1000.0;
}

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh; (void)type; (void)state; (void)path; (void)ctx;
}

static bool wait_connected(zhandle_t *zh, double secs)
{
    int64_t end = now_ns() + (int64_t)(secs * 1e9);
    while (now_ns() < end) {
        if (zoo_state(zh) == ZOO_CONNECTED_STATE) return true;
        usleep(10000);
    }
    return false;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: scale_zkload --zk HOSTS [--clients N] [--inflight K] [--seconds S]\n"
               "                    [--warmup-s S] [--read-pct P] [--size BYTES] [--root PATH]\n"
               "  N sessions (1..%d), each with K async requests in flight (1..%d); write cycle\n"
               "  create/set/delete of one znode per request slot; P %% gets instead (0..100).\n",
            MAX_CLIENTS, MAX_INFLIGHT);
}

static int parse_int(const char *name, const char *v, int lo, int hi)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < lo || x > hi) {
        fprintf(stderr, "scale_zkload: %s wants an integer %d..%d, not '%s'\n", name, lo, hi, v);
        exit(2);
    }
    return (int)x;
}

static double parse_secs(const char *name, const char *v)
{
    char *end;
    double x = strtod(v, &end);
    if (*end || !(x >= 0 && x <= 3600)) {
        fprintf(stderr, "scale_zkload: %s wants seconds 0..3600, not '%s'\n", name, v);
        exit(2);
    }
    return x;
}

static void parse_args(int argc, char **argv)
{
    static const struct option lo[] = {
        {"zk", 1, 0, 'z'}, {"clients", 1, 0, 'c'}, {"inflight", 1, 0, 'k'}, {"seconds", 1, 0, 's'},
        {"warmup-s", 1, 0, 'w'}, {"read-pct", 1, 0, 'r'}, {"size", 1, 0, 'b'}, {"root", 1, 0, 'p'},
        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (ch) {
        case 'z': opt.zk_hosts = optarg; break;
        case 'c': opt.clients = parse_int("--clients", optarg, 1, MAX_CLIENTS); break;
        case 'k': opt.inflight = parse_int("--inflight", optarg, 1, MAX_INFLIGHT); break;
        case 's': opt.seconds = parse_secs("--seconds", optarg); break;
        case 'w': opt.warmup_s = parse_secs("--warmup-s", optarg); break;
        case 'r': opt.read_pct = parse_int("--read-pct", optarg, 0, 100); break;
        case 'b': opt.size = parse_int("--size", optarg, 0, (int)sizeof payload); break;
        case 'p': opt.root = optarg; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(2);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "scale_zkload: unexpected argument '%s' (see --help)\n", argv[optind]);
        exit(2);
    }
    if (!opt.zk_hosts) {
        fprintf(stderr, "scale_zkload: --zk HOSTS is required (host:port,...)\n");
        exit(2);
    }
    if (opt.seconds <= 0) {
        fprintf(stderr, "scale_zkload: --seconds must be more than 0\n");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    memset(payload, 'x', sizeof payload);
    clients = calloc((size_t)opt.clients, sizeof *clients);
    if (!clients) abort();

    /* The parent znodes and the read target, from a first session. */
    for (int i = 0; i < opt.clients; i++) {
        struct client *c = &clients[i];
        c->id = i;
        c->rnd = (unsigned)(i * 7919 + 1);
        pthread_mutex_init(&c->lock, NULL);
        c->wlat = malloc(SAMPLES_PER_CLIENT * sizeof(uint32_t));
        c->rlat = malloc(SAMPLES_PER_CLIENT * sizeof(uint32_t));
        if (!c->wlat || !c->rlat) abort();
        c->zh = zookeeper_init(opt.zk_hosts, watcher, 10000, NULL, NULL, 0);
        if (!c->zh) {
            fprintf(stderr, "scale_zkload: zookeeper_init(%s) failed: %s\n", opt.zk_hosts, strerror(errno));
            return 1;
        }
    }
    for (int i = 0; i < opt.clients; i++) {
        if (!wait_connected(clients[i].zh, 20)) {
            fprintf(stderr, "scale_zkload: client %d: no ZooKeeper session with %s within 20 s\n", i, opt.zk_hosts);
            return 1;
        }
    }
    zhandle_t *z0 = clients[0].zh;
    int rc = zoo_create(z0, opt.root, "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) {
        fprintf(stderr, "scale_zkload: create %s: %s\n", opt.root, zerror(rc));
        return 1;
    }
    snprintf(read_path, sizeof read_path, "%s/read", opt.root);
    rc = zoo_create(z0, read_path, payload, opt.size, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) {
        fprintf(stderr, "scale_zkload: create %s: %s\n", read_path, zerror(rc));
        return 1;
    }
    unsigned tag = (unsigned)getpid();
    int64_t t0 = now_ns();
    t_measure_ns = t0 + (int64_t)(opt.warmup_s * 1e9);
    t_end_ns = t_measure_ns + (int64_t)(opt.seconds * 1e9);
    for (int i = 0; i < opt.clients; i++) {
        for (int k = 0; k < opt.inflight; k++) {
            struct slot *s = &clients[i].slots[k];
            s->c = &clients[i];
            s->idx = k;
            s->next = OP_CREATE;
            snprintf(s->path, sizeof s->path, "%s/w%u-%d-%d", opt.root, tag, i, k);
            issue(s);
        }
    }
    while (now_ns() < t_end_ns) usleep(20000);
    atomic_store(&stopping, 1);

    long nw = 0, nr = 0, errors = 0;
    for (int i = 0; i < opt.clients; i++) {
        pthread_mutex_lock(&clients[i].lock);
        nw += (long)clients[i].nw;
        nr += (long)clients[i].nr;
        errors += clients[i].errors;
        pthread_mutex_unlock(&clients[i].lock);
    }
    uint32_t *w = malloc(((size_t)nw + 1) * sizeof *w), *r = malloc(((size_t)nr + 1) * sizeof *r);
    if (!w || !r) abort();
    size_t iw = 0, ir = 0;
    for (int i = 0; i < opt.clients; i++) {
        pthread_mutex_lock(&clients[i].lock);
        size_t cw = clients[i].nw < (size_t)nw - iw ? clients[i].nw : (size_t)nw - iw;
        size_t cr = clients[i].nr < (size_t)nr - ir ? clients[i].nr : (size_t)nr - ir;
        memcpy(w + iw, clients[i].wlat, cw * sizeof *w);
        memcpy(r + ir, clients[i].rlat, cr * sizeof *r);
        iw += cw;
        ir += cr;
        pthread_mutex_unlock(&clients[i].lock);
    }
    qsort(w, iw, sizeof *w, cmp_u32);
    qsort(r, ir, sizeof *r, cmp_u32);
    printf("clients=%d inflight=%d seconds=%.1f read_pct=%d writes=%zu reads=%zu errors=%ld "
           "writes_per_s=%.0f reads_per_s=%.0f write_p50_ms=%.2f write_p99_ms=%.2f "
           "read_p50_ms=%.2f read_p99_ms=%.2f\n",
           opt.clients, opt.inflight, opt.seconds, opt.read_pct, iw, ir, errors,
           (double)iw / opt.seconds, (double)ir / opt.seconds, pct_ms(w, iw, 0.5),
           pct_ms(w, iw, 0.99), pct_ms(r, ir, 0.5), pct_ms(r, ir, 0.99));
    fflush(stdout);
    /* Let in-flight requests drain, then close: the znodes of the slots are left for the
     * driver to ignore (the ensemble is thrown away after the run). */
    usleep(200000);
    for (int i = 0; i < opt.clients; i++) zookeeper_close(clients[i].zh);
    return 0;
}
