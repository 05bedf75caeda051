/* http.c -- the agent's HTTP health endpoints for load balancers and monitoring: /primary,
 * /replica, /health, /metrics. Handlers only read a snapshot under a lock; they never block. */
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "log.h"

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
    bool paused, diverged;
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
    v.session_alive = a->session_alive;
    v.coordinator = a->is_coordinator;
    v.paused = a->cluster_paused;
    v.diverged = n->diverged;
    pthread_mutex_unlock(&a->mu);
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
    view_t v = snapshot(a);
    char body[4096]; /* /metrics: 11 series, each naming a node of up to NAME_MAX_LEN */
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
        const char *n = a->cfg->node_name;
        snprintf(body, sizeof(body),
                 "# HELP failoverd_mysql_up Whether the local mysqld answered the last probe.\n"
                 "# TYPE failoverd_mysql_up gauge\nfailoverd_mysql_up{node=\"%s\"} %d\n"
                 "# HELP failoverd_writable_primary Whether this node is the writable primary.\n"
                 "# TYPE failoverd_writable_primary gauge\nfailoverd_writable_primary{node=\"%s\"} %d\n"
                 "# HELP failoverd_read_only Whether the local mysqld is read-only.\n"
                 "# TYPE failoverd_read_only gauge\nfailoverd_read_only{node=\"%s\"} %d\n"
                 "# HELP failoverd_fenced Whether the agent holds its mysqld read-only on purpose.\n"
                 "# TYPE failoverd_fenced gauge\nfailoverd_fenced{node=\"%s\"} %d\n"
                 "# HELP failoverd_replication_lag_seconds Seconds_Behind_Master; -1 unknown.\n"
                 "# TYPE failoverd_replication_lag_seconds gauge\n"
                 "failoverd_replication_lag_seconds{node=\"%s\"} %.0f\n"
                 "# HELP failoverd_replicas_connected Replicas streaming from this node.\n"
                 "# TYPE failoverd_replicas_connected gauge\nfailoverd_replicas_connected{node=\"%s\"} %d\n"
                 "# HELP failoverd_zk_session_alive Whether the ZooKeeper session is known live.\n"
                 "# TYPE failoverd_zk_session_alive gauge\nfailoverd_zk_session_alive{node=\"%s\"} %d\n"
                 "# HELP failoverd_coordinator Whether this agent is the coordinator.\n"
                 "# TYPE failoverd_coordinator gauge\nfailoverd_coordinator{node=\"%s\"} %d\n"
                 "# HELP failoverd_epoch The /primary epoch this agent last acted on.\n"
                 "# TYPE failoverd_epoch gauge\nfailoverd_epoch{node=\"%s\"} %llu\n"
                 "# HELP failoverd_paused Whether /control says failovers are paused.\n"
                 "# TYPE failoverd_paused gauge\nfailoverd_paused{node=\"%s\"} %d\n"
                 "# HELP failoverd_diverged Whether this node holds GTIDs the primary never had.\n"
                 "# TYPE failoverd_diverged gauge\nfailoverd_diverged{node=\"%s\"} %d\n",
                 n, v.healthy, n, is_writable_primary(&v, a->cfg->failsafe), n, v.read_only, n, v.fenced, n,
                 v.lag_s < 0 ? -1.0 : v.lag_s, n, v.replicas_connected, n, v.session_alive, n,
                 v.coordinator, n, (unsigned long long)v.epoch, n, v.paused, n, v.diverged);
        return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", body);
    }
    return reply(c, MHD_HTTP_NOT_FOUND, "text/plain",
                 "not found; try /primary, /replica, /health, /metrics or /failsafe\n");
}

void *http_start(agent_t *a)
{
    const char *listen = a->cfg->http_listen;
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
        log_info("http: listening on %s (/primary, /replica, /health, /metrics, /failsafe)", listen);
    return d;
}

void http_stop(void *d)
{
    if (d) MHD_stop_daemon(d);
}
