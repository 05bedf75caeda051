/* http.c -- the agent's HTTP health endpoints for load balancers and monitoring: /primary,
 * /replica, /health, /metrics. Handlers only read a snapshot under a lock; they never block. */
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "httpbind.h"
#include "clockutil.h"
#include "decide.h"
#include "log.h"
#include "observe.h"
#include "zkutil.h"

/* Hostile clients: every endpoint only reads, and nothing a client sends is stored beyond its
 * request. Its request line and headers must fit in HTTP_REQUEST_MAX bytes (MHD answers 431),
 * a request body is refused (413), and connections are capped, per address and in all, and
 * closed when idle: health checkers, a Prometheus scraper and the failsafe round trips of a
 * 20-node cluster need far fewer, and a client holding idle connections (slowloris) cannot
 * take the endpoint away from HAProxy for more than HTTP_IDLE_S. */
#define HTTP_REQUEST_MAX 8192  /* bytes per connection for the request line and headers */
#define HTTP_CONN_MAX 32       /* connections open at once */
#define HTTP_CONN_PER_IP 8     /* from one address */
#define HTTP_IDLE_S 3          /* an idle connection is closed after this many seconds */

typedef struct view {
    bool valid, healthy, read_only, desired_me, fencing, session_alive, coordinator, fenced;
    bool paused, diverged, hold;
    int64_t last_failover_ms;
    unsigned long failovers[METRIC_KINDS][METRIC_OUTCOMES];
    role_t role;
    bool io_running, sql_running;
    double lag_s;
    uint64_t epoch;
    int replicas_connected;
} view_t;

static view_t snapshot(agent_t *a)
{
    view_t v = {0};
    pthread_mutex_lock(&a->mu);
    const node_state_t *n = &a->snap;
    v.valid = a->snap_valid;
    v.healthy = n->healthy;
    v.read_only = n->read_only;
    v.role = n->role;
    v.io_running = n->io_running;
    v.sql_running = n->sql_running;
    v.lag_s = n->lag_s;
    v.epoch = n->epoch;
    v.fenced = n->fenced;
    v.replicas_connected = n->replicas_connected;
    v.desired_me = a->is_desired_primary;
    v.session_alive = session_live(a, mono_ms());
    v.coordinator = a->is_coordinator;
    int64_t now = wall_ms();
    v.paused = a->cluster_paused &&
               (a->cluster_pause_until_ms == 0 || now < a->cluster_pause_until_ms);
    v.last_failover_ms = a->cluster_last_failover_ms;
    memcpy(v.failovers, a->failovers, sizeof(v.failovers));
    v.diverged = n->diverged;
    pthread_mutex_unlock(&a->mu);
    v.hold = v.last_failover_ms > 0 && !antiflap_allows(v.last_failover_ms, now, a->cfg->anti_flap_s);
    return v;
}

/* Writable primary: what HAProxy's "option httpchk GET /primary" should send writes to. */
static bool is_writable_primary(const view_t *v, bool failsafe)
{
    /* The session check answers 503 at once when the fencer acts, before the next snapshot. */
    return v->valid && v->healthy && v->desired_me && !v->read_only && v->role == ROLE_PRIMARY &&
           (v->session_alive || failsafe);
}

static bool is_good_replica(const view_t *v, int max_lag_s)
{
    return v->valid && v->healthy && v->role == ROLE_REPLICA && v->read_only && v->io_running &&
           v->sql_running && v->lag_s >= 0 && v->lag_s <= max_lag_s;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
                             const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return rc;
}

/* ---- /metrics (Prometheus text format 0.0.4) ------------------------------------------------ */

static const char *const metric_kind[METRIC_KINDS] = {"failover", "switchover", "manual-failover"};
static const char *const metric_outcome[METRIC_OUTCOMES] = {
    "success", "success-repoint-incomplete", "promotion-unconfirmed", "no-candidate", "refused",
    "aborted"};

void http_count_move(agent_t *a, const char *kind, const char *outcome)
{
    for (int k = 0; k < METRIC_KINDS; k++)
        for (int o = 0; o < METRIC_OUTCOMES; o++)
            if (strcmp(kind, metric_kind[k]) == 0 && strcmp(outcome, metric_outcome[o]) == 0) {
                pthread_mutex_lock(&a->mu);
                a->failovers[k][o]++;
                pthread_mutex_unlock(&a->mu);
            }
}

/* One gauge, labelled with cluster and node; NaN when the value is unknown (a down mysqld's
 * read_only, a non-replica's lag), never a made-up 0 or -1. */
static void gauge(FILE *f, const agent_t *a, const char *name, const char *help, bool known,
                  double v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s{cluster=\"%s\",node=\"%s\"} ", name, help, name,
            name, a->cfg->cluster_name, a->cfg->node_name);
    if (known && v == (double)(long long)v)
        fprintf(f, "%lld\n", (long long)v);
    else if (known)
        fprintf(f, "%.3f\n", v);
    else
        fputs("NaN\n", f);
}

/* This node's errant transactions, as failoverctl status judges them (candidate_errant()): what
 * its binlog holds that neither what it applied nor the primary's binlog position accounts for:
 * writes made here (a replica written to directly, an old primary's unreplicated tail). Its own
 * state is the local worker's latest snapshot; the primary's comes from the primary's
 * registration, read at scrape time (one ZooKeeper read per scrape; its positions may be up to
 * 20 s old, which cannot make a replicated transaction look errant: that one is in what this
 * node applied). -1: unknown (no snapshot or mysqld down, no primary read yet, no session, the
 * primary's registration absent or unparsable). The primary itself has none by definition. */
static int64_t errant_count(agent_t *a)
{
    node_state_t self, prim;
    char name[NAME_MAX_LEN + 1], path[ZK_PATH_MAX], err[256];
    pthread_mutex_lock(&a->mu);
    bool ok = a->snap_valid && a->snap.healthy;
    self = a->snap;
    snprintf(name, sizeof(name), "%s", a->desired.name);
    pthread_mutex_unlock(&a->mu);
    if (!ok || !name[0]) return -1;
    if (strcmp(name, a->cfg->node_name) == 0) return 0;
    zsess_t *s = session_get(a);
    if (!s) return -1;
    char *buf = NULL;
    int len = 0;
    zk_cluster_path(a->cfg, path, sizeof(path), "/nodes/%s", name);
    int rc = zk_get_alloc(s->zh, path, false, &buf, &len, NULL);
    session_put(a, s);
    int parsed = rc == ZOK && buf ? node_state_from_json(&prim, buf, (size_t)len, err, sizeof(err))
                                  : -1;
    free(buf);
    if (parsed != 0) return -1;
    candidate_obs_t me;
    gtid_pos_t pp;
    if (observe_published(&me, &self, err, sizeof(err)) != 0 ||
        gtid_pos_parse(&pp, prim.gtid_binlog, err, sizeof(err)) != 0)
        return -1;
    return (int64_t)candidate_errant(&me, &pp, NULL, 0);
}

static char *metrics_text(agent_t *a, const view_t *v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) abort();
    bool up = v->valid && v->healthy, replica = up && v->role == ROLE_REPLICA;
    fprintf(f, "# HELP failoverd_build_info The agent's version (always 1).\n"
               "# TYPE failoverd_build_info gauge\n"
               "failoverd_build_info{cluster=\"%s\",node=\"%s\",version=\"%s\"} 1\n",
            a->cfg->cluster_name, a->cfg->node_name, FO_VERSION);
    gauge(f, a, "failoverd_mysql_up", "Whether the local mysqld answered the last probe.",
          v->valid, up);
    gauge(f, a, "failoverd_writable_primary", "Whether this node is the writable primary.", true,
          is_writable_primary(v, a->cfg->failsafe));
    gauge(f, a, "failoverd_read_only", "Whether the local mysqld is read-only (NaN: mysqld down).",
          up, v->read_only);
    gauge(f, a, "failoverd_fenced", "Whether the agent holds its mysqld read-only on purpose.",
          v->valid, v->fenced);
    gauge(f, a, "failoverd_replication_lag_seconds",
          "Seconds_Behind_Master (NaN: not a replica, mysqld down, or a replication thread "
          "stopped).", replica && v->lag_s >= 0, v->lag_s);
    gauge(f, a, "failoverd_replication_running",
          "Whether both replication threads run (NaN: not a replica, or mysqld down).", replica,
          v->io_running && v->sql_running);
    gauge(f, a, "failoverd_replicas_connected", "Replicas streaming from this node (NaN: mysqld "
          "down).", up, v->replicas_connected);
    gauge(f, a, "failoverd_zk_session_alive", "Whether the ZooKeeper session is known live.", true,
          v->session_alive);
    gauge(f, a, "failoverd_coordinator", "Whether this agent is the coordinator.", true,
          v->coordinator);
    gauge(f, a, "failoverd_epoch", "The /primary epoch this agent last acted on.", true,
          (double)v->epoch);
    gauge(f, a, "failoverd_paused", "Whether a pause (failoverctl pause) is in force.", true,
          v->paused);
    gauge(f, a, "failoverd_anti_flap_hold", "Whether the anti-flap hold keeps a lost primary from "
          "being failed over automatically.", true, v->hold);
    gauge(f, a, "failoverd_seconds_since_last_failover", "Seconds since the last failover "
          "(ZooKeeper's clock as recorded; NaN: none yet).", v->last_failover_ms > 0,
          (double)(wall_ms() - v->last_failover_ms) / 1000.0);
    gauge(f, a, "failoverd_diverged", "Whether this node holds GTIDs the primary never had.",
          v->valid, v->diverged);
    int64_t errant = errant_count(a);
    gauge(f, a, "failoverd_errant_transactions", "Transactions in this node's binlog that neither "
          "it applied from its source nor the primary has: written here (NaN: unknown).",
          errant >= 0, (double)errant);
    fprintf(f, "# HELP failoverd_failovers_total Moves of the primary this agent coordinated, by "
               "kind (reason) and outcome, since it started.\n"
               "# TYPE failoverd_failovers_total counter\n");
    for (int k = 0; k < METRIC_KINDS; k++)
        for (int o = 0; o < METRIC_OUTCOMES; o++)
            fprintf(f, "failoverd_failovers_total{cluster=\"%s\",node=\"%s\",reason=\"%s\","
                       "outcome=\"%s\"} %lu\n", a->cfg->cluster_name, a->cfg->node_name,
                    metric_kind[k], metric_outcome[o], v->failovers[k][o]);
    fclose(f);
    return buf;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)req;
    agent_t *a = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET or HEAD only\n");
    const char *clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if ((clen && strcmp(clen, "0") != 0) ||
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding"))
        return reply(c, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain", "no request body accepted\n");
    if (page_handles(url)) return (enum MHD_Result)page_reply(a, c, url);
    view_t v = snapshot(a);
    char body[4096]; /* /health, /failsafe */
    if (strcmp(url, "/primary") == 0) {
        bool ok = is_writable_primary(&v, a->cfg->failsafe);
        return reply(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
                     ok ? "writable primary\n" : "not the writable primary\n");
    }
    if (strcmp(url, "/replica") == 0) {
        bool ok = is_good_replica(&v, a->cfg->max_lag_s);
        return reply(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
                     ok ? "healthy replica\n" : "not a healthy replica within max_lag_s\n");
    }
    if (strcmp(url, "/health") == 0) {
        snprintf(body, sizeof(body),
                 "{\"node\":\"%s\",\"mysql_healthy\":%s,\"role\":\"%s\",\"read_only\":%s,"
                 "\"writable_primary\":%s,\"zk_session_alive\":%s,\"coordinator\":%s,"
                 "\"epoch\":%llu}\n",
                 a->cfg->node_name, v.healthy ? "true" : "false", role_name(v.role),
                 v.read_only ? "true" : "false", is_writable_primary(&v, a->cfg->failsafe) ? "true" : "false",
                 v.session_alive ? "true" : "false", v.coordinator ? "true" : "false",
                 (unsigned long long)v.epoch);
        return reply(c, v.valid && v.healthy ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                     "application/json", body);
    }
    if (strcmp(url, "/failsafe") == 0) {
        /* A primary whose ZooKeeper is in doubt asks us to vouch for it (failsafe.c). */
        unsigned code = failsafe_answer(
            a, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "primary"),
            MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "epoch"), body, sizeof(body));
        return reply(c, code, "application/json", body);
    }
    if (strcmp(url, "/metrics") == 0) {
        char *text = metrics_text(a, &v);
        enum MHD_Result r = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", text);
        free(text);
        return r;
    }
    return reply(c, MHD_HTTP_NOT_FOUND, "text/plain",
                 "not found; try /primary, /replica, /health, /metrics or /failsafe\n");
}

/* The daemon serving now: http_start() sets it, a reload's http_rebind() replaces it. */
static struct MHD_Daemon *serving;

static struct MHD_Daemon *listen_on(agent_t *a, const char *listen)
{
    if (!listen || !listen[0]) return NULL;
    char host[HOST_MAX_LEN + 1];
    const char *colon = strrchr(listen, ':');
    if (!colon) return NULL; /* config.c validated the form */
    snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
    if (host[0] == '[') { /* [::1]:8008 */
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = 0;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
    int gai = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
    if (gai != 0) {
        log_error("http: cannot resolve listen address %s: %s", listen, gai_strerror(gai));
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d =
        MHD_start_daemon(flags, 0, NULL, NULL, handle, a, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_S,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_MAX,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_CONN_PER_IP,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_REQUEST_MAX,
                         MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!d)
        log_error("http: cannot listen on %s (port taken, or address not local?)", listen);
    else
        log_info("http: listening on %s (/ the topology page, /primary, /replica, /health, "
                 "/metrics, /failsafe, /cluster.json)", listen);
    return d;
}

void *http_start(agent_t *a)
{
    serving = listen_on(a, a->cfg->http_listen);
    return serving;
}

/* Port of "host:port" ("" when none). */
static const char *port_of(const char *listen)
{
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    return colon ? colon + 1 : "";
}

int http_rebind(agent_t *a, const char *listen, char *err, size_t errlen)
{
    const char *old = a->cfg->http_listen ? a->cfg->http_listen : "";
    if (!listen || !listen[0]) {
        if (serving) MHD_stop_daemon(serving);
        serving = NULL;
        log_notice("http: no longer listening on %s ([http] listen is empty)", old);
        return 0;
    }
    struct MHD_Daemon *d = NULL;
    bool same_port = serving && strcmp(port_of(old), port_of(listen)) == 0;
    if (!same_port) d = listen_on(a, listen);
    if (!d && serving && same_port) { /* the old socket holds the port: close it, then bind */
        MHD_stop_daemon(serving);
        serving = NULL;
        d = listen_on(a, listen);
        if (!d) {
            serving = listen_on(a, old);
            snprintf(err, errlen, "[http] listen: cannot listen on %s (still on %s)", listen,
                     serving ? old : "nothing: the old address could not be bound again either");
            return -1;
        }
    }
    if (!d) {
        snprintf(err, errlen, "[http] listen: cannot listen on %s (port taken, or address not "
                 "local?)", listen);
        return -1;
    }
    if (serving) MHD_stop_daemon(serving);
    serving = d;
    return 0;
}

void http_stop(void *d)
{
    (void)d; /* a reload may have replaced it: stop what serves now */
    if (serving) MHD_stop_daemon(serving);
    serving = NULL;
    page_stop();
}
