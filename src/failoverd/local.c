/* local.c -- the worker threads that look after this node's own mysqld: probe it, publish what
 * they see, take part in the election, and move it toward /primary (fence, promote, rejoin). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "clockutil.h"
#include "db.h"
#include "decide.h"
#include "gtid.h"
#include "log.h"
#include "proc.h"
#include "repair.h"

/* MySQL/MariaDB error 1236, ER_MASTER_FATAL_ERROR_READING_BINLOG: the source refused our position. */
#define ER_SOURCE_FATAL_ERROR_READING_BINLOG 1236

typedef struct local {
    agent_t *a;
    db_conn_t *db;
    uint64_t base_gen, reg_gen, elect_gen;
    char node_path[ZK_PATH_MAX];
    char elect_path[ZK_PATH_MAX];
    char *last_json;          /* last published payload, with updated_at zeroed */
    char *last_view;          /* its node_state_decision_json() */
    char *prev_stream;        /* the streaming fields of the previous probe (publish_due()) */
    int64_t last_publish_ms;
    bool have_desired;
    primary_rec_t desired;
    primary_rec_t prev_primary; /* whom /primary named before desired.name ("" = none seen) */
    bool diverged;
    bool fenced;
    fence_how_t fence_how;     /* how we answered the coordinator's fencing=true ... */
    uint64_t fence_epoch;      /* ... for this epoch of /primary ... */
    int fence_version;         /* ... and this version of the /primary znode */
    int desired_version;       /* the /primary znode version desired was read at */
    uint64_t events_epoch;     /* epoch in which replicated events were last re-enabled */
    int events_enabled;        /* how many, then */
    uint64_t epoch_acted;
    role_t hooked_role;        /* the role the last role_change hook announced */
    int nodes_registered;
    char ignored_child[ZK_PATH_MAX];
    bool kicked;               /* a watch fired (or a session event) since the last iteration */
    uint64_t read_gen;         /* session in which we last read ZooKeeper */
    int64_t last_read_ms;      /* when we last re-read everything */
    int64_t primary_read_ms;   /* when /primary was last read */
    /* when the IO thread last heard its source: the received position or heartbeat counter moved */
    int64_t heard_ms;
    int recheck_budget;        /* quick re-probes left while a new IO thread is still Connecting */
    bool may_be_writable;      /* the last probe failed or saw read_only off */
    bool lift_held_logged;     /* "not registered yet: read_only stays" said for this session */
    int64_t heard_heartbeats;
    char heard_pos[GTID_POS_STRLEN];
    repair_t rep;              /* errant transactions: named, archived, rewound (repair.c) */
    semi_watch_t semi;         /* semi-sync waits, as primary: ended by us (semiwatch.h) */
} local_t;

const char *agent_mysql_password(const agent_t *a)
{
    return config_mysql_password(a->cfg);
}

static db_conn_t *local_connect_within(const config_t *cfg, int deadline_ms, char *err,
                                       size_t errlen)
{
    db_target_t t = {
        .host = cfg->node_host,
        .port = cfg->node_port,
        .socket = cfg->node_socket,
        .user = cfg->mysql_user,
        .password = config_mysql_password(cfg),
        .connect_timeout_ms = cfg->connect_timeout_ms,
        .read_timeout_ms = cfg->read_timeout_ms,
        .cfg = cfg,
        .deadline_ms = deadline_ms,
    };
    return db_connect(&t, err, errlen);
}

static db_conn_t *local_connect(const config_t *cfg, char *err, size_t errlen)
{
    return local_connect_within(cfg, 0, err, errlen);
}

/* Remember this mysqld's process id, for the day SQL cannot fence it. */
static void learn_mysqld_pid(agent_t *a, db_conn_t *db)
{
    char path[4096], err[256];
    pid_t pid = 0;
    if (db_pid_file(db, path, sizeof(path), err, sizeof(err)) == 0) pid = proc_pid_from_file(path);
    if (!pid) pid = proc_mysqld_listening(a->cfg->node_socket, a->cfg->node_port);
    pthread_mutex_lock(&a->mu);
    bool changed = pid && pid != a->mysqld_pid;
    if (pid) a->mysqld_pid = pid;
    pthread_mutex_unlock(&a->mu);
    if (changed) log_info("mysqld runs as pid %d", (int)pid);
}

/* Sleep until kicked or timeout; returns false when the agent is stopping. *kicked says which. */
static bool wait_kick(agent_t *a, bool *flag, int timeout_ms, bool *kicked)
{
    struct timespec ts = cond_deadline(timeout_ms);
    pthread_mutex_lock(&a->mu);
    while (!*flag && !a->stopping)
        if (pthread_cond_timedwait(&a->cv, &a->mu, &ts) != 0) break;
    *kicked = *flag;
    *flag = false;
    bool run = !a->stopping;
    pthread_mutex_unlock(&a->mu);
    return run;
}

/* ---- probing ---------------------------------------------------------------------------- */

static void merged_text(const char *x, const char *y, char *out, size_t len)
{
    gtid_pos_t a, b;
    char err[256];
    if (gtid_pos_parse(&a, x, err, sizeof(err)) != 0 || gtid_pos_parse(&b, y, err, sizeof(err)) != 0) {
        log_warn("mysqld answered an unparsable GTID position: %s", err);
        snprintf(out, len, "%s", x);
        return;
    }
    gtid_pos_merge_max(&a, &b);
    gtid_pos_format(&a, out, len);
}

/* Where the other agents reach our HTTP endpoints: [http] listen, with a wildcard host
 * replaced by [node] host. */
static void advertised_http(const config_t *cfg, char *out, size_t len)
{
    const char *l = cfg->http_listen;
    const char *colon = l ? strrchr(l, ':') : NULL;
    out[0] = 0;
    if (!colon) return;
    size_t hl = (size_t)(colon - l);
    bool wild = hl == 0 || (hl == 7 && strncmp(l, "0.0.0.0", 7) == 0) ||
                (hl == 4 && strncmp(l, "[::]", 4) == 0);
    if (wild)
        snprintf(out, len, "%s:%s", cfg->node_host, colon + 1);
    else
        snprintf(out, len, "%s", l);
}

static bool local_probe(local_t *L, db_probe_t *p, node_state_t *ns)
{
    const config_t *cfg = L->a->cfg;
    char err[512] = "";
    memset(ns, 0, sizeof(*ns));
    snprintf(ns->name, sizeof(ns->name), "%s", cfg->node_name);
    snprintf(ns->host, sizeof(ns->host), "%s", cfg->node_host);
    ns->port = cfg->node_port;
    ns->promotion = cfg->promotion;
    ns->lag_s = -1;
    snprintf(ns->agent_version, sizeof(ns->agent_version), "%s", FO_VERSION);
    advertised_http(cfg, ns->http, sizeof(ns->http));
    config_digest(cfg, ns->config_digest, sizeof(ns->config_digest));

    if (!L->db) {
        L->db = local_connect(cfg, err, sizeof(err));
        if (L->db) learn_mysqld_pid(L->a, L->db);
    }
    if (L->db && db_probe(L->db, p, err, sizeof(err)) != 0) {
        db_close(L->db);
        L->db = NULL;
    }
    if (!L->db) {
        ns->healthy = false;
        ns->role = ROLE_UNKNOWN;
        pthread_mutex_lock(&L->a->mu);
        pid_t pid = L->a->mysqld_pid;
        pthread_mutex_unlock(&L->a->mu);
        ns->mysqld_down = proc_mysqld_gone(pid, cfg->node_socket, cfg->node_port);
        snprintf(ns->error, sizeof(ns->error), "%s", err);
        return false;
    }
    ns->healthy = true;
    ns->role = p->is_replica ? ROLE_REPLICA : ROLE_PRIMARY;
    ns->read_only = p->read_only;
    ns->server_id = p->server_id;
    snprintf(ns->version, sizeof(ns->version), "%s", p->version);
    snprintf(ns->gtid_binlog, sizeof(ns->gtid_binlog), "%s", p->gtid_binlog_pos);
    snprintf(ns->server_uuid, sizeof(ns->server_uuid), "%s", p->server_uuid); /* MySQL only */
    if (p->is_replica) {
        merged_text(p->gtid_io_pos, p->gtid_slave_pos, ns->gtid_received, sizeof(ns->gtid_received));
        snprintf(ns->gtid_applied, sizeof(ns->gtid_applied), "%s", p->gtid_slave_pos);
        snprintf(ns->source_host, sizeof(ns->source_host), "%s", p->source_host);
        ns->source_port = p->source_port;
        ns->io_running = p->io_running;
        ns->sql_running = p->sql_running;
        int64_t now = mono_ms();
        if (!p->io_running || p->heartbeats < 0 || p->heartbeats != L->heard_heartbeats ||
            strcmp(p->gtid_io_pos, L->heard_pos) != 0 || L->heard_ms == 0) {
            L->heard_ms = now;
            L->heard_heartbeats = p->heartbeats;
            snprintf(L->heard_pos, sizeof(L->heard_pos), "%s", p->gtid_io_pos);
        }
        ns->source_silent = source_is_silent(p->io_running && p->heartbeats >= 0,
                                             p->heartbeat_period_ms, now - L->heard_ms);
        ns->lag_s = p->lag_s;
        ns->sql_delay_s = p->sql_delay_s;
        if (p->last_io_error[0])
            snprintf(ns->error, sizeof(ns->error), "IO: %s", p->last_io_error);
        else if (p->last_sql_error[0])
            snprintf(ns->error, sizeof(ns->error), "SQL: %s", p->last_sql_error);
    } else {
        snprintf(ns->gtid_received, sizeof(ns->gtid_received), "%s", p->gtid_binlog_pos);
        snprintf(ns->gtid_applied, sizeof(ns->gtid_applied), "%s", p->gtid_binlog_pos);
        ns->lag_s = 0;
    }
    ns->replicas_connected = p->replicas_connected;
    return true;
}

/* ---- ZooKeeper: registration, election, desired state ----------------------------------- */

static void ensure_base(local_t *L, zsess_t *s)
{
    if (L->base_gen == s->gen) return;
    static const char *const sub[] = {"/nodes", "/election", "/history"};
    char path[ZK_PATH_MAX];
    for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
        zk_cluster_path(L->a->cfg, path, sizeof(path), "%s", sub[i]);
        int rc = zk_ensure_path(s->zh, L->a->cfg, path);
        if (rc != ZOK) {
            log_warn("zookeeper: cannot create %s: %s%s", path, zerror(rc),
                     rc == ZNOAUTH ? " (its ACL is for another identity: check [cluster] "
                                     "zk_auth_file against the other agents')" : "");
            return;
        }
    }
    L->base_gen = s->gen;
    char msg[1024]; /* once per session: znodes left open from before zk_auth_file, or foreign */
    if (zk_acl_advice(s->zh, L->a->cfg, msg, sizeof(msg))) log_warn("zookeeper: %s", msg);
}

/* Make nodes/<name> ours. One our session already owns is kept: a create whose answer was lost,
 * or the registration of our predecessor, whose session we resumed (lease.c). One that another
 * session holds (a predecessor whose session could not be resumed: no lease file, another boot; or
 * a second agent with the same node name) is replaced, but only once our mysqld is fenced: the
 * coordinator takes a missing registration for a fenced node (G12), and between the delete and
 * the create there is none. */
static void ensure_registered(local_t *L, zsess_t *s, const char *json)
{
    if (L->reg_gen == s->gen) return;
    struct Stat st;
    int rc = zoo_exists(s->zh, L->node_path, 0, &st);
    if (rc == ZOK) {
        if (st.ephemeralOwner == s->client_id) {
            L->reg_gen = s->gen;
            L->last_publish_ms = mono_ms();
            log_info("zookeeper: %s is this session's own: kept", L->node_path);
            return;
        }
        log_notice("zookeeper: %s is held by session 0x%llx, not ours (an earlier incarnation "
                   "whose session could not be resumed, or a second agent with the same node "
                   "name); fencing mysqld, then replacing it",
                   L->node_path, (unsigned long long)st.ephemeralOwner);
        if (L->may_be_writable) {
            fence_how_t how = fence_or_kill(L->a, &L->db, true,
                                            "replacing a registration another session holds");
            if (how == FENCE_NOT) {
                log_error("zookeeper: not replacing %s: mysqld could not be fenced",
                          L->node_path);
                return;
            }
            L->fenced = true;
        }
        rc = zoo_delete(s->zh, L->node_path, st.version);
        if (rc != ZOK && rc != ZNONODE) {
            log_warn("zookeeper: delete %s: %s", L->node_path, zerror(rc));
            return;
        }
    } else if (rc != ZNONODE) {
        log_warn("zookeeper: exists %s: %s", L->node_path, zerror(rc));
        return;
    }
    rc = zoo_create(s->zh, L->node_path, json, (int)strlen(json), zk_acl(L->a->cfg), ZOO_EPHEMERAL,
                    NULL, 0);
    if (rc == ZOK) {
        L->reg_gen = s->gen;
        L->last_publish_ms = mono_ms();
        log_info("zookeeper: registered %s", L->node_path);
    } else {
        log_warn("zookeeper: create %s: %s (will check and retry)", L->node_path, zerror(rc));
    }
}

static int cmp_seq(const void *x, const void *y)
{
    long a = zk_seq_of(*(char *const *)x), b = zk_seq_of(*(char *const *)y);
    return (a > b) - (a < b);
}

/* A live candidate: "n_<name>_<10 digits>" and ephemeral. Anything else under election/ (a
 * persistent or malformed child left by a person or a bug) would otherwise sort first and leave
 * the cluster without a coordinator. */
static bool is_candidate(zsess_t *s, const char *dir, const char *child)
{
    size_t l = strlen(child);
    if (l < 14 || strncmp(child, "n_", 2) != 0 || child[l - 11] != '_' || zk_seq_of(child) < 0)
        return false;
    char name[NAME_MAX_LEN + 1];
    size_t nl = l - 13;
    if (nl > NAME_MAX_LEN) return false;
    memcpy(name, child + 2, nl);
    name[nl] = 0;
    if (!name_is_valid(name)) return false;
    char p[ZK_PATH_MAX];
    struct Stat st;
    snprintf(p, sizeof(p), "%s/%s", dir, child);
    return zoo_exists(s->zh, p, 0, &st) == ZOK && st.ephemeralOwner != 0;
}

/* Drop children that are not live candidates (logged once per name). */
static void filter_candidates(local_t *L, zsess_t *s, const char *dir, struct String_vector *kids)
{
    int k = 0;
    for (int i = 0; i < kids->count; i++) {
        if (is_candidate(s, dir, kids->data[i])) {
            kids->data[k++] = kids->data[i];
            continue;
        }
        if (strcmp(L->ignored_child, kids->data[i]) != 0) {
            log_warn("election: ignoring %s/%.64s: not a live candidate (malformed or persistent)",
                     dir, kids->data[i]);
            snprintf(L->ignored_child, sizeof(L->ignored_child), "%s", kids->data[i]);
        }
        free(kids->data[i]);
    }
    kids->count = k;
}

static void set_leader(local_t *L, bool leader, uint64_t gen)
{
    agent_t *a = L->a;
    pthread_mutex_lock(&a->mu);
    bool was = a->is_coordinator && a->coord_gen == gen;
    a->is_coordinator = leader;
    a->coord_gen = gen;
    snprintf(a->election_path, sizeof(a->election_path), "%s", L->elect_path);
    if (leader && !was) {
        a->kick_coord = true;
        a->coord_dirty |= DIRTY_ALL;
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    if (leader && !was) log_notice("election: this agent is now the coordinator (%s)", L->elect_path);
    if (!leader && was) log_notice("election: no longer the coordinator");
}

/* Election: ephemeral sequential children; the lowest leads; each watches its predecessor only. */
static void run_election(local_t *L, zsess_t *s)
{
    const config_t *cfg = L->a->cfg;
    char dir[ZK_PATH_MAX], prefix[NAME_MAX_LEN + 8];
    zk_cluster_path(cfg, dir, sizeof(dir), "/election");
    snprintf(prefix, sizeof(prefix), "n_%s_", cfg->node_name);

    for (int round = 0; round < 5; round++) {
        struct String_vector kids = {0, NULL};
        int rc = zoo_get_children(s->zh, dir, 0, &kids);
        if (rc != ZOK) {
            log_warn("zookeeper: children of %s: %s", dir, zerror(rc));
            set_leader(L, false, s->gen);
            return;
        }
        if (L->elect_gen != s->gen) {
            /* Adopt a candidate znode of ours whose create answer was lost. */
            L->elect_path[0] = 0;
            for (int i = 0; i < kids.count; i++) {
                if (strncmp(kids.data[i], prefix, strlen(prefix)) != 0) continue;
                char p[ZK_PATH_MAX];
                struct Stat st;
                snprintf(p, sizeof(p), "%s/%s", dir, kids.data[i]);
                if (zoo_exists(s->zh, p, 0, &st) == ZOK && st.ephemeralOwner == s->client_id)
                    snprintf(L->elect_path, sizeof(L->elect_path), "%s", p);
            }
            if (!L->elect_path[0]) {
                char want[ZK_PATH_MAX], got[ZK_PATH_MAX];
                snprintf(want, sizeof(want), "%s/%s", dir, prefix);
                rc = zoo_create(s->zh, want, cfg->node_name, (int)strlen(cfg->node_name),
                                zk_acl(cfg), ZOO_EPHEMERAL | ZOO_SEQUENCE, got, sizeof(got));
                deallocate_String_vector(&kids);
                if (rc != ZOK) {
                    log_warn("zookeeper: create election node: %s", zerror(rc));
                    return;
                }
                snprintf(L->elect_path, sizeof(L->elect_path), "%s", got);
                L->elect_gen = s->gen;
                continue; /* list again, now with us in it */
            }
            L->elect_gen = s->gen;
        }
        filter_candidates(L, s, dir, &kids);
        qsort(kids.data, (size_t)kids.count, sizeof(char *), cmp_seq);
        const char *mine = strrchr(L->elect_path, '/') + 1;
        int idx = -1;
        for (int i = 0; i < kids.count; i++)
            if (strcmp(kids.data[i], mine) == 0) idx = i;
        if (idx < 0) {
            deallocate_String_vector(&kids);
            L->elect_gen = 0; /* our candidate znode vanished: stand again */
            set_leader(L, false, s->gen);
            continue;
        }
        if (idx == 0) {
            deallocate_String_vector(&kids);
            set_leader(L, true, s->gen);
            return;
        }
        char pred[ZK_PATH_MAX];
        snprintf(pred, sizeof(pred), "%s/%s", dir, kids.data[idx - 1]);
        deallocate_String_vector(&kids);
        set_leader(L, false, s->gen);
        rc = zoo_exists(s->zh, pred, 1, NULL);
        if (rc == ZOK) return; /* watching our predecessor */
        /* Predecessor went away between listing and watching: look again. */
    }
}

/* 0, or -1 when /primary could not be read (the last belief is kept). */
static int read_desired(local_t *L, zsess_t *s)
{
    char path[ZK_PATH_MAX], err[256];
    zk_cluster_path(L->a->cfg, path, sizeof(path), "/primary");
    char *buf = NULL;
    int len = 0;
    struct Stat st;
    int rc = zk_get_alloc(s->zh, path, true, &buf, &len, &st);
    if (rc == ZOK) L->desired_version = st.version;
    if (rc == ZNONODE) {
        zoo_exists(s->zh, path, 1, NULL); /* wake us when it is created */
        L->have_desired = false;
        pthread_mutex_lock(&L->a->mu);
        memset(&L->a->desired, 0, sizeof(L->a->desired));
        pthread_mutex_unlock(&L->a->mu);
        return 0;
    }
    if (rc != ZOK) {
        log_warn("zookeeper: read %s: %s", path, zerror(rc));
        return -1; /* keep the last belief: it is still guarded by the session check */
    }
    primary_rec_t p;
    if (primary_rec_from_json(&p, buf, (size_t)len, err, sizeof(err)) != 0) {
        log_error("zookeeper: ignoring malformed %s: %s", path, err);
        L->have_desired = false;
    } else {
        if (L->have_desired && strcmp(L->desired.name, p.name) != 0) L->prev_primary = L->desired;
        L->desired = p;
        L->have_desired = true;
    }
    free(buf);
    pthread_mutex_lock(&L->a->mu);
    if (L->have_desired)
        L->a->desired = L->desired;
    else
        memset(&L->a->desired, 0, sizeof(L->a->desired));
    pthread_mutex_unlock(&L->a->mu);
    return 0;
}

/* With failsafe on: every other registered node and its HTTP address, the set a failsafe round
 * trip must hear from. A node whose znode cannot be read counts, with no address (it cannot
 * vouch, so the evidence fails: the safe side). */
static void read_peers(local_t *L, zsess_t *s, const char *dir, const struct String_vector *kids)
{
    agent_t *a = L->a;
    failsafe_peer_t peers[FAILSAFE_MAX_PEERS] = {0};
    int n = 0;
    for (int i = 0; i < kids->count && n < FAILSAFE_MAX_PEERS; i++) {
        if (strcmp(kids->data[i], a->cfg->node_name) == 0 || !name_is_valid(kids->data[i])) continue;
        failsafe_peer_t *p = &peers[n++];
        memset(p, 0, sizeof(*p));
        snprintf(p->name, sizeof(p->name), "%s", kids->data[i]);
        char path[ZK_PATH_MAX], err[256], *buf = NULL;
        int len = 0;
        node_state_t ns;
        snprintf(path, sizeof(path), "%s/%s", dir, kids->data[i]);
        if (zk_get_alloc(s->zh, path, false, &buf, &len, NULL) == ZOK &&
            node_state_from_json(&ns, buf, (size_t)len, err, sizeof(err)) == 0)
            snprintf(p->http, sizeof(p->http), "%s", ns.http);
        free(buf);
    }
    pthread_mutex_lock(&a->mu);
    memcpy(a->peers, peers, sizeof(peers[0]) * (size_t)n);
    a->npeers = n;
    a->peers_known = true;
    pthread_mutex_unlock(&a->mu);
}

/* The /nodes listing, watched: failsafe needs every registered peer. 0, or -1 on failure. */
static int count_nodes(local_t *L, zsess_t *s)
{
    char path[ZK_PATH_MAX];
    struct String_vector kids = {0, NULL};
    zk_cluster_path(L->a->cfg, path, sizeof(path), "/nodes");
    if (zoo_get_children(s->zh, path, 1, &kids) != ZOK) return -1;
    L->nodes_registered = kids.count;
    if (L->a->cfg->failsafe) read_peers(L, s, path, &kids);
    deallocate_String_vector(&kids);
    return 0;
}

/* Whether the cluster is paused: decides if stopping this agent must fence its primary. A
 * missing or unreadable /control counts as not paused (fencing on stop is the safe side). */
static int read_paused(local_t *L, zsess_t *s)
{
    char path[ZK_PATH_MAX], err[256];
    char *buf = NULL;
    int len = 0;
    zk_cluster_path(L->a->cfg, path, sizeof(path), "/control");
    int rc = zk_get_alloc(s->zh, path, true, &buf, &len, NULL);
    if (rc == ZNONODE) zoo_exists(s->zh, path, 1, NULL);
    control_rec_t c = {0};
    bool paused = rc == ZOK && control_rec_from_json(&c, buf, (size_t)len, err, sizeof(err)) == 0 &&
                  c.paused;
    free(buf);
    pthread_mutex_lock(&L->a->mu);
    L->a->cluster_paused = paused;
    L->a->cluster_pause_until_ms = paused ? c.pause_until_ms : 0;
    if (rc == ZOK) L->a->cluster_last_failover_ms = c.last_failover_ms;
    pthread_mutex_unlock(&L->a->mu);
    return rc == ZOK || rc == ZNONODE ? 0 : -1;
}

/* The fields publish_due() lets wait: positions and lag, as one string. malloc'd. */
static char *streaming_fields(const node_state_t *ns)
{
    char buf[3 * GTID_POS_STRLEN + 32];
    snprintf(buf, sizeof(buf), "%s|%s|%s|%.0f", ns->gtid_received, ns->gtid_applied,
             ns->gtid_binlog, ns->lag_s);
    char *out = strdup(buf);
    if (!out) abort();
    return out;
}

/* What decisions act on goes out at once; positions and lag lazily (publish_due()). */
static void publish(local_t *L, zsess_t *s, node_state_t *ns)
{
    ns->updated_ms = 0;
    char *cmp = node_state_to_json(ns);
    char *view = node_state_decision_json(ns, L->a->cfg->max_lag_s);
    char *stream = streaming_fields(ns);
    if (!cmp || !view) abort();
    int64_t now = mono_ms();
    bool changed = !L->last_json || strcmp(cmp, L->last_json) != 0;
    bool urgent = !L->last_view || strcmp(view, L->last_view) != 0 || L->reg_gen != s->gen;
    bool settled = L->prev_stream && strcmp(stream, L->prev_stream) == 0;
    free(L->prev_stream);
    L->prev_stream = stream;
    if (!publish_due(changed, urgent, settled, now - L->last_publish_ms)) {
        free(cmp);
        free(view);
        return;
    }
    ns->updated_ms = wall_ms();
    char *json = node_state_to_json(ns);
    if (!json) abort();
    int rc;
    if (L->reg_gen != s->gen) {
        ensure_registered(L, s, json);
        rc = L->reg_gen == s->gen ? ZOK : ZCONNECTIONLOSS;
    } else {
        rc = zoo_set(s->zh, L->node_path, json, (int)strlen(json), -1);
        if (rc == ZNONODE) L->reg_gen = 0; /* someone removed it: register again */
    }
    if (rc == ZOK) {
        free(L->last_json);
        free(L->last_view);
        L->last_json = cmp;
        L->last_view = view;
        L->last_publish_ms = now;
    } else {
        free(cmp);
        free(view);
    }
    free(json);
}

/* ---- moving our mysqld toward the desired state ----------------------------------------- */

const char *fence_how_name(fence_how_t h)
{
    switch (h) {
    case FENCE_READ_ONLY: return "read_only";
    case FENCE_KILLED: return "killed";
    case FENCE_DOWN: return "down";
    default: return "";
    }
}

/* SQL could not fence mysqld in time: kill it, unless it is not running at all. */
static fence_how_t fence_by_kill(agent_t *a, bool may_be_writable, const char *sqlerr)
{
    const config_t *cfg = a->cfg;
    pthread_mutex_lock(&a->mu);
    pid_t pid = a->mysqld_pid;
    int T = agent_session_timeout(a);
    pthread_mutex_unlock(&a->mu);
    if (!proc_alive(pid) || !proc_is_mysqld(pid))
        pid = proc_mysqld_listening(cfg->node_socket, cfg->node_port);
    if (!pid) {
        /* No process of ours and nothing listening: mysqld is down (and boots read-only). */
        log_notice("fence: mysqld is not running (%s): nothing left to fence", sqlerr);
        return FENCE_DOWN;
    }
    if (!may_be_writable) {
        log_warn("fence: cannot confirm read_only on mysqld (pid %d): %s; it was read-only at the "
                 "last probe, so it is left running", (int)pid, sqlerr);
        return FENCE_NOT;
    }
    log_error("fence: could not make mysqld read-only within %d ms (fence_timeout_ms): %s; "
              "killing it (pid %d) with SIGKILL",
              fence_budget_ms(cfg->fence_timeout_ms, T), sqlerr, (int)pid);
    char err[256];
    if (proc_kill_wait(pid, fence_kill_wait_ms(T), err, sizeof(err)) != 0) {
        log_error("fence: FAILED: %s; mysqld may still be writable", err);
        return FENCE_NOT;
    }
    log_notice("fence: mysqld (pid %d) killed and seen gone", (int)pid);
    return FENCE_KILLED;
}

/* Fence-or-kill (DESIGN invariant 2): make mysqld read-only and see it take effect, all within
 * the fence budget; else kill it and see it gone. *dbp is the caller's connection (may be NULL;
 * closed when it may be dead). may_be_writable: mysqld may accept writes (we were or are the
 * desired primary, or it was writable at the last look), so an unconfirmed fence means kill. */
fence_how_t fence_or_kill(agent_t *a, db_conn_t **dbp, bool may_be_writable, const char *why)
{
    const config_t *cfg = a->cfg;
    char err[512] = "";
    pthread_mutex_lock(&a->mu);
    int T = agent_session_timeout(a);
    pthread_mutex_unlock(&a->mu);
    int budget = fence_budget_ms(cfg->fence_timeout_ms, T);
    int64_t start = mono_ms();
    pthread_mutex_lock(&a->ro_mu);
    if (!*dbp) *dbp = local_connect_within(cfg, budget, err, sizeof(err));
    fence_how_t how = FENCE_NOT;
    if (*dbp) {
        db_fence_t f;
        int left = budget - (int)(mono_ms() - start);
        if (db_fence(*dbp, cfg->mysql_user, left > 1 ? left : 1, &f, err, sizeof(err)) == 0) {
            log_notice("fence: mysqld read-only (seen taking effect), %d session(s) cut "
                       "off%s%s%s%s%s: %s", f.sessions_killed, f.killed[0] ? " (" : "", f.killed, f.killed[0] ? ")" : "",
                       f.events_stopped ? ", event scheduler stopped" : "",
                       f.semi_sync_first_read_only ? ", read_only set before any kill (semi-sync)"
                                                   : "",
                       why);
            how = FENCE_READ_ONLY;
            pthread_mutex_lock(&a->mu);
            snprintf(a->fence_killed, sizeof(a->fence_killed), "%s", f.killed);
            pthread_mutex_unlock(&a->mu);
        } else {
            db_close(*dbp);
            *dbp = NULL;
        }
    }
    if (how == FENCE_NOT) how = fence_by_kill(a, may_be_writable, err);
    pthread_mutex_lock(&a->mu);
    if (!session_live(a, mono_ms()))
        a->episode_fenced = true; /* no re-lifting until ZooKeeper is back */
    pthread_mutex_unlock(&a->mu);
    pthread_mutex_unlock(&a->ro_mu);
    return how;
}

static write_decision_t decide_write(agent_t *a, bool desired_is_me, bool diverged, const char **why)
{
    write_obs_t o = {0};
    pthread_mutex_lock(&a->mu);
    o.is_desired_primary = desired_is_me;
    o.session_alive = session_live(a, mono_ms());
    o.failsafe_enabled = a->cfg->failsafe;
    o.evidence_at_ms = a->evidence_at_ms;
    o.replicas_expected = a->replicas_expected;
    o.replicas_connected = a->replicas_connected;
    o.episode_fenced = a->episode_fenced;
    o.diverged = diverged;
    pthread_mutex_unlock(&a->mu);
    return writable_decision(&o, mono_ms(), a->cfg->check_interval_ms, why);
}

/* Tell the user's role_change hook when this node starts or stops being the writable primary. */
static void announce_role(local_t *L, role_t role)
{
    if (L->hooked_role == role) return;
    bool first = L->hooked_role == ROLE_UNKNOWN;
    L->hooked_role = role;
    if (first && role == ROLE_REPLICA) return; /* nothing changed as far as a VIP is concerned */
    /* The old primary is this node when it steps down, else whom /primary named before. */
    const config_t *cfg = L->a->cfg;
    const primary_rec_t *prev = &L->prev_primary;
    bool me = role != ROLE_PRIMARY;
    hook_env_t e = {.old_primary = me ? cfg->node_name : prev->name,
                    .old_host = me ? cfg->node_host : prev->host,
                    .old_port = me ? cfg->node_port : prev->port,
                    .new_primary = L->desired.name, .new_host = L->desired.host,
                    .new_port = L->desired.port, .epoch = L->desired.epoch,
                    .reason = L->desired.reason, .role = role_name(role)};
    hook_run(L->a->cfg, "role_change", L->a->cfg->hook_role_change, &e);
}

/* A promoted node runs the jobs the old primary ran: every replicated event arrives
 * SLAVESIDE_DISABLED, so scheduled jobs would silently stop after a failover. Once per epoch. */
static void enable_events(local_t *L)
{
    if (!L->a->cfg->event_scheduler || L->events_epoch == L->desired.epoch) return;
    char err[512];
    int n = 0;
    if (db_enable_events(L->db, &n, err, sizeof(err)) != 0) {
        log_error("promote: cannot re-enable the replicated events: %s", err);
        return;
    }
    L->events_epoch = L->desired.epoch;
    L->events_enabled = n;
    log_notice("promote: event scheduler on; %d replicated event(s) re-enabled", n);
}

/* We vouched for another primary's failsafe a moment ago: it may stay writable on that answer
 * until the evidence ttl runs out, so we may not be writable before. */
static bool vouch_lapsed(local_t *L)
{
    pthread_mutex_lock(&L->a->mu);
    int64_t left = L->a->vouched_until_ms - mono_ms();
    pthread_mutex_unlock(&L->a->mu);
    if (left <= 0) return true;
    log_notice("promote: waiting %lld ms before becoming writable: this node vouched for the old "
               "primary's failsafe", (long long)left);
    L->recheck_budget = 20 + (int)(left / 50);
    return false;
}

static bool fence_requested(const local_t *L)
{
    return L->have_desired && L->desired.fencing &&
           strcmp(L->desired.name, L->a->cfg->node_name) == 0;
}

/* /primary names us with fencing=true: fence-or-kill, once per epoch, and acknowledge only what
 * was seen to take effect (DESIGN invariant 2). p is NULL when mysqld did not answer the probe:
 * "not healthy" is no fence, a stalled mysqld wakes and acknowledges its pending commits. */
static void answer_fence_request(local_t *L, const db_probe_t *p)
{
    agent_t *a = L->a;
    pthread_mutex_lock(&a->mu);
    a->is_desired_primary = false;
    a->desired_epoch = L->desired.epoch;
    pthread_mutex_unlock(&a->mu);
    /* Each fencing request is one /primary version: an ack for an earlier one (a move that was
     * abandoned, after which we may have been writable again) must never answer this one. */
    bool done = L->fence_epoch == L->desired.epoch && L->fence_version == L->desired_version &&
                L->fence_how != FENCE_NOT;
    /* Answering again: read_only lifted behind our back, or a killed mysqld that came back. */
    if (done && p && (!p->read_only || L->fence_how != FENCE_READ_ONLY)) done = false;
    if (!done) {
        L->fence_how = fence_or_kill(a, &L->db, true, "the coordinator is moving the primary away");
        L->fence_epoch = L->desired.epoch;
        L->fence_version = L->desired_version;
        if (L->fence_how != FENCE_NOT)
            log_notice("fence: acknowledged to the coordinator (%s), epoch %llu",
                       fence_how_name(L->fence_how), (unsigned long long)L->desired.epoch);
    }
    L->fenced = L->fence_how != FENCE_NOT;
    L->epoch_acted = L->desired.epoch;
}

/* Semi-sync, replica side: acknowledge only if this node may be promoted. A promotion=never or
 * delayed replica that acked could hold the only copy of an acknowledged write (invariant 3). */
static void set_replica_semi_sync(local_t *L, const db_probe_t *p)
{
    const config_t *cfg = L->a->cfg;
    char err[512];
    bool ack = semi_sync_replica_wanted(cfg->promotion, p->sql_delay_s);
    if (db_set_semi_sync_role(L->db, false, ack, p, err, sizeof(err)) != 0) {
        log_error("semi-sync: cannot switch to the replica role (acknowledging %s): %s",
                  ack ? "on" : "off", err);
        return;
    }
    if (!ack && p->semi_sync_replica != 0)
        log_notice("semi-sync: this replica does not acknowledge writes (%s): an acknowledged "
                   "write must be on a replica that can be promoted",
                   cfg->promotion == PROMOTION_NEVER ? "promotion = never"
                                                     : "it is delayed (SQL_Delay > 0)");
}

/* Promotion, our half: stop receiving, apply every event received, then detach. The IO thread
 * stops first, so the position waited for is final: an event that arrived after a position read
 * while it still ran would be purged unapplied with the relay log by RESET SLAVE ALL. Stopped
 * with db_stop_io_thread_now(): a plain STOP SLAVE waits 2 s on a semi-sync replica whose source
 * is cut off. A failed wait leaves the IO thread stopped (we are named primary: nothing more may
 * come from the old one) and is tried again next iteration. */
static int promote_detach(local_t *L, const db_probe_t *p)
{
    const config_t *cfg = L->a->cfg;
    char err[512];
    db_probe_t now;
    if (db_stop_io_thread_now(L->db, err, sizeof(err)) != 0) {
        log_error("promote: cannot stop the IO thread: %s; staying read-only", err);
        return -1;
    }
    /* The replica status alone (one round trip) says what was received; only when it names
     * nothing is the applied position read too. */
    int prc = db_replica_status(L->db, &now, err, sizeof(err));
    if (prc == 0 && !now.gtid_io_pos[0]) prc = db_probe(L->db, &now, err, sizeof(err));
    if (prc != 0) {
        log_error("promote: cannot read the received position: %s; staying read-only", err);
        return -1;
    }
    if (now.io_running || now.io_connecting) {
        log_error("promote: the IO thread still runs after STOP SLAVE IO_THREAD; staying read-only");
        return -1;
    }
    const char *pos = now.gtid_io_pos[0] ? now.gtid_io_pos : now.gtid_slave_pos;
    int rc = db_gtid_wait(L->db, pos, cfg->catchup_timeout_ms, &L->a->quit, err, sizeof(err));
    if (rc != 0) {
        log_error("promote: relay log not applied up to %s: %s; staying read-only", pos, err);
        return -1;
    }
    if (db_detach_replication(L->db, err, sizeof(err)) != 0) {
        log_error("promote: %s", err);
        return -1;
    }
    log_notice("promote: applied everything up to %s and detached from %s:%d", pos,
               p->source_host, p->source_port);
    return 0;
}

/* As the writable primary with semi_sync = on: a commit waits for a replica's acknowledgement
 * until a replica gives it or we end the wait, never until mysqld's wall-clock timer says so
 * (include/semiwatch.h). Ending it (asynchronous fallback) acknowledges the waiting commits, so it
 * is done only while we may write, under the same lock as lifting read_only. */
static void watch_semi_sync(local_t *L)
{
    agent_t *a = L->a;
    const config_t *cfg = a->cfg;
    char err[512];
    const char *why;
    semi_sample_t s;
    if (db_semi_sync_sample(L->db, &s, err, sizeof(err)) != 0) {
        log_error("semi-sync: cannot read the primary's semi-sync state: %s", err);
        return;
    }
    switch (semi_watch_step(&L->semi, &s, mono_ms(), cfg->semi_sync_timeout_ms)) {
    case SEMI_CONFIGURE:
        if (db_semi_sync_configure(L->db, err, sizeof(err)) != 0)
            log_error("semi-sync: cannot hand the acknowledgement timeout to the agent: %s", err);
        else
            log_notice("semi-sync: commits now wait for a replica until one acknowledges or this "
                       "agent ends the wait after %d ms (semi_sync_timeout_ms): "
                       "%s %lld -> %lld ms, %s on (mysqld's "
                       "own timer would acknowledge them the moment a frozen host resumes)",
                       cfg->semi_sync_timeout_ms, db_semi_sync_var(L->db, false), s.timeout_ms,
                       (long long)SEMI_MYSQLD_TIMEOUT_MS, db_semi_sync_var(L->db, true));
        break;
    case SEMI_FALL_BACK:
        pthread_mutex_lock(&a->ro_mu);
        if (decide_write(a, true, false, &why) != WRITE_ALLOW) {
            log_notice("semi-sync: %ld commits wait for an acknowledgement, but this node may no "
                       "longer write (%s): they keep waiting", s.wait_sessions, why);
        } else if (db_semi_sync_enable(L->db, false, err, sizeof(err)) != 0) {
            log_error("semi-sync: cannot fall back to asynchronous replication: %s", err);
        } else {
            semi_watch_done(&L->semi, SEMI_FALL_BACK, mono_ms());
            log_warn("semi-sync: no replica acknowledged for %d ms (semi_sync_timeout_ms) while %ld "
                     "commits waited: falling back to asynchronous replication, tried again in "
                     "%lld ms at the earliest; until then an acknowledged write can be lost in a "
                     "failover",
                     cfg->semi_sync_timeout_ms, s.wait_sessions,
                     (long long)semi_watch_retry_ms(&L->semi, cfg->semi_sync_timeout_ms));
        }
        pthread_mutex_unlock(&a->ro_mu);
        break;
    case SEMI_RESUME:
        if (db_semi_sync_enable(L->db, true, err, sizeof(err)) != 0) {
            log_error("semi-sync: cannot turn semi-synchronous replication back on: %s", err);
        } else {
            semi_watch_done(&L->semi, SEMI_RESUME, mono_ms());
            log_notice("semi-sync: %ld semi-sync replica(s) connected and one caught up: commits "
                       "wait for an acknowledgement again", s.clients);
        }
        break;
    case SEMI_KEEP:
        break;
    }
}

/* registered: nodes/<name> of the current session exists. Until it does, read_only is never
 * lifted: the coordinator takes a missing registration for a fenced node (G12). */
static void reconcile(local_t *L, const db_probe_t *p, bool registered)
{
    agent_t *a = L->a;
    const config_t *cfg = a->cfg;
    char err[512];
    if (!L->have_desired) {
        /* No desired primary yet (bootstrap pending): change nothing, lift nothing. */
        L->fenced = p->read_only;
        return;
    }
    bool me = strcmp(L->desired.name, cfg->node_name) == 0;
    pthread_mutex_lock(&a->mu);
    /* While the coordinator moves the primary away, the named node may not be writable. */
    a->is_desired_primary = me && !L->desired.fencing;
    a->desired_epoch = L->desired.epoch;
    pthread_mutex_unlock(&a->mu);

    if (me && L->desired.fencing) return; /* answer_fence_request() */
    if (me) {
        L->diverged = false;
        const char *why = "";
        if (!registered && (p->read_only || p->is_replica)) {
            if (!L->lift_held_logged)
                log_notice("promote: named primary at epoch %llu, but this session's registration "
                           "does not exist yet: read_only stays on until it does",
                           (unsigned long long)L->desired.epoch);
            L->lift_held_logged = true;
            L->fenced = p->read_only;
            return;
        }
        L->lift_held_logged = false;
        if (p->is_replica && decide_write(a, true, false, &why) == WRITE_ALLOW &&
            promote_detach(L, p) != 0)
            return;
        if (cfg->semi_sync && !L->semi.fell_back &&
            db_set_semi_sync_role(L->db, true, false, p, err, sizeof(err)) != 0)
            log_error("semi-sync: cannot switch to the primary role: %s", err);
        if (p->read_only && !vouch_lapsed(L)) return;
        pthread_mutex_lock(&a->ro_mu);
        write_decision_t d = decide_write(a, true, false, &why);
        if (d == WRITE_ALLOW && p->read_only) {
            if (db_set_read_only(L->db, false, err, sizeof(err)) != 0)
                log_error("promote: cannot lift read_only: %s", err);
            else
                log_notice("mysqld is now writable: desired primary at epoch %llu",
                           (unsigned long long)L->desired.epoch);
        }
        pthread_mutex_unlock(&a->ro_mu);
        if (d == WRITE_FENCE && !p->read_only) fence_or_kill(a, &L->db, true, why);
        if (d == WRITE_ALLOW && L->db) enable_events(L);
        if (d == WRITE_ALLOW && L->db && cfg->semi_sync) watch_semi_sync(L);
        L->fenced = d != WRITE_ALLOW;
        if (d == WRITE_ALLOW) announce_role(L, ROLE_PRIMARY);
        L->epoch_acted = L->desired.epoch;
        return;
    }

    /* Not the desired primary: read-only, and replicating from the one that is. */
    if (!p->read_only &&
        fence_or_kill(a, &L->db, true, "this node is not the desired primary") != FENCE_READ_ONLY)
        return;
    L->fenced = true;
    announce_role(L, ROLE_REPLICA);
    /* Events this node created (as a primary) are ENABLED here, and their definer may write
     * through read_only: a replica runs no scheduler. */
    if (p->event_scheduler_on && db_exec(L->db, "SET GLOBAL event_scheduler=OFF", err, sizeof(err)) != 0)
        log_error("cannot stop the event scheduler on this replica: %s", err);
    L->semi = (semi_watch_t){0};
    if (cfg->semi_sync) set_replica_semi_sync(L, p);
    bool pointed = p->is_replica && strcmp(p->source_host, L->desired.host) == 0 &&
                   p->source_port == L->desired.port;
    if (L->desired.fencing && p->is_replica) {
        /* The coordinator is moving the primary (and may be catching a candidate up from another
         * replica): replicas hold still until the new /primary is written. */
        L->epoch_acted = L->desired.epoch;
        return;
    }
    /* The primary's strict GTID check refuses a replica holding transactions it never had
     * (error 1236): such a replica is assessed like a returning old primary. */
    bool refused = pointed && p->last_io_errno == ER_SOURCE_FATAL_ERROR_READING_BINLOG;
    if (pointed && !refused && !L->rep.diverged) {
        L->diverged = false;
        L->epoch_acted = L->desired.epoch;
        return;
    }
    if (!L->desired.host[0] || L->desired.port <= 0) return;
    bool was_primary = !p->is_replica;
    if (was_primary || refused || L->rep.diverged) {
        /* Exact per (domain, server id) comparison, loss accounting, archive and rewind
         * (repair.c); a diverged node stays so until repaired (rejoin_decide()). */
        rejoin_action_t act = repair_rejoin(&L->rep, a, L->db, &L->desired);
        L->diverged = L->rep.diverged;
        if (act != REJOIN_REPOINT) {
            if (refused || L->diverged) L->epoch_acted = L->desired.epoch;
            return;
        }
    }
    L->diverged = false;
    if (db_repoint(L->db, L->desired.host, L->desired.port, cfg->repl_user,
                   config_repl_password(cfg), was_primary,
                   replication_heartbeat_ms(cfg->zk_session_timeout_ms), err, sizeof(err)) != 0) {
        log_error("repoint to %s (%s:%d) failed: %s", L->desired.name, L->desired.host,
                  L->desired.port, err);
        return;
    }
    log_notice("%s: now replicating from %s (%s:%d), epoch %llu",
               was_primary ? "rejoin" : "repoint", L->desired.name, L->desired.host,
               L->desired.port, (unsigned long long)L->desired.epoch);
    L->epoch_acted = L->desired.epoch;
}

/* A primary fenced in a session-loss episode is lifted again only once a session is live and
 * /primary has been read in it since (the next reconcile then decides). */
static void end_fence_episode(local_t *L)
{
    agent_t *a = L->a;
    pthread_mutex_lock(&a->mu);
    bool end = a->episode_fenced && session_live(a, mono_ms()) &&
               L->primary_read_ms >= a->alive_since_ms;
    if (end) a->episode_fenced = false;
    pthread_mutex_unlock(&a->mu);
    if (end) log_notice("zookeeper: session live and /primary read again: the fence of this outage ends");
}

static void local_iteration(local_t *L)
{
    agent_t *a = L->a;
    db_probe_t p;
    node_state_t ns;
    bool healthy = local_probe(L, &p, &ns);

    zsess_t *s = session_get(a);
    /* Watches say what changed (DIRTY_*): re-read only that; everything on a new session or
     * after ZK_REREAD_MS. A plain tick just probes and publishes. */
    pthread_mutex_lock(&a->mu);
    unsigned dirty = a->local_dirty;
    a->local_dirty = 0;
    pthread_mutex_unlock(&a->mu);
    bool reread = s && (dirty || L->read_gen != s->gen || mono_ms() - L->last_read_ms > ZK_REREAD_MS);
    if (reread && (L->read_gen != s->gen || mono_ms() - L->last_read_ms > ZK_REREAD_MS))
        dirty |= DIRTY_ALL;
    if (reread && L->read_gen != s->gen) {
        L->have_desired = false; /* beliefs end with the session */
        /* A lagging follower could serve a stale /primary: its first read comes after a sync. */
        int rc = zk_sync_wait(s->zh, "/", a->cfg->check_interval_ms);
        if (rc != ZOK) {
            log_warn("zookeeper: sync before the first read of session generation %llu: %s",
                     (unsigned long long)s->gen, zerror(rc));
            reread = false;
        }
    }
    bool all = dirty & DIRTY_ALL;
    unsigned failed = 0;
    if (reread) {
        ensure_base(L, s);
        if ((all || (dirty & DIRTY_PRIMARY)) && read_desired(L, s) != 0) failed |= DIRTY_PRIMARY;
        if ((all || (dirty & DIRTY_NODE_LIST)) && count_nodes(L, s) != 0) failed |= DIRTY_NODE_LIST;
        if ((all || (dirty & DIRTY_CONTROL)) && read_paused(L, s) != 0) failed |= DIRTY_CONTROL;
        if (all) {
            L->read_gen = s->gen;
            L->last_read_ms = mono_ms();
        }
        if (failed) { /* read again at the next tick */
            pthread_mutex_lock(&a->mu);
            a->local_dirty |= failed;
            pthread_mutex_unlock(&a->mu);
        }
    }
    /* /primary read in this session since it came alive (alive_since_ms) */
    if (reread && (all || (dirty & DIRTY_PRIMARY)) && !(failed & DIRTY_PRIMARY))
        L->primary_read_ms = mono_ms();
    if (reread) end_fence_episode(L);
    /* Issue 11: failoverctl reinit of this node, and another node's re-clone from this one. */
    if (s && reread &&
        repair_poll(&L->rep, a, L->db, L->have_desired ? &L->desired : NULL, all)) {
        L->diverged = L->rep.diverged;
        healthy = local_probe(L, &p, &ns);
    }
    if (L->rep.republish) { /* mysqld was replaced: this node's registration written afresh */
        L->rep.republish = false;
        L->reg_gen = 0;
    }
    L->may_be_writable = !healthy || !p.read_only;
    /* Registered before acting on /primary (G12): a node the coordinator cannot see registered
     * must not become writable. */
    if (s && L->reg_gen != s->gen) {
        char *json = node_state_to_json(&ns);
        if (!json) abort();
        unsigned long before = db_thread_changes();
        ensure_registered(L, s, json);
        free(json);
        free(L->last_json);
        free(L->last_view);
        L->last_json = L->last_view = NULL;
        if (healthy && db_thread_changes() != before) healthy = local_probe(L, &p, &ns);
    }
    pthread_mutex_lock(&a->mu);
    bool registered = L->reg_gen != 0 && L->reg_gen == a->gen;
    pthread_mutex_unlock(&a->mu);
    if (!healthy && L->have_desired && strcmp(L->desired.name, a->cfg->node_name) != 0)
        announce_role(L, ROLE_REPLICA); /* our mysqld is down and the cluster moved on */
    if (fence_requested(L)) {
        unsigned long before = db_thread_changes();
        answer_fence_request(L, healthy ? &p : NULL);
        if (healthy && L->db && db_thread_changes() != before) healthy = local_probe(L, &p, &ns);
    } else if (healthy) {
        unsigned long before = db_thread_changes();
        reconcile(L, &p, registered);
        /* Publish what is true after our actions, not before them; when nothing was done the
         * first probe still is. */
        if (db_thread_changes() != before) {
            healthy = local_probe(L, &p, &ns);
            L->recheck_budget = 20;
        }
    }
    /* Just repointed: for a few ms the IO thread is not running yet (Connecting, or still No
     * right after START SLAVE). Look again shortly rather than a whole interval later, so the
     * coordinator sees the replica streaming at once. */
    if (!(healthy && p.is_replica && !p.io_running)) L->recheck_budget = 0;
    ns.epoch = L->epoch_acted;
    ns.fenced = healthy && p.read_only && L->fenced;
    bool acked = fence_requested(L) && L->fence_epoch == L->desired.epoch &&
                 L->fence_version == L->desired_version && L->fence_how != FENCE_NOT;
    ns.fence_ack = acked;
    ns.fence_version = acked ? L->fence_version : -1;
    snprintf(ns.fence_how, sizeof(ns.fence_how), "%s", acked ? fence_how_name(L->fence_how) : "");
    pthread_mutex_lock(&a->mu);
    snprintf(ns.fence_killed, sizeof(ns.fence_killed), "%s", acked ? a->fence_killed : "");
    pthread_mutex_unlock(&a->mu);
    ns.diverged = L->diverged;
    ns.events_enabled = L->events_epoch == L->epoch_acted ? L->events_enabled : 0;
    pthread_mutex_lock(&a->mu);
    if (healthy) a->mysqld_seen_writable = !p.read_only;
    /* The fencer may have woken before any probe told it mysqld is writable (an agent restarted
     * after its inherited deadline, ZooKeeper out of reach): such a mysqld is fenced now. */
    if (healthy && !p.read_only && a->deadline_passed && !session_live(a, mono_ms()) &&
        !a->fence_requested) {
        a->fence_requested = true;
        pthread_cond_broadcast(&a->cv);
    }
    a->fenced = ns.fenced;
    a->snap_at_ms = mono_ms();
    a->snap = ns;
    a->snap_valid = true;
    pthread_mutex_unlock(&a->mu);
    if (s) {
        publish(L, s, &ns);
        if ((reread && (all || (dirty & DIRTY_ELECTION))) || L->elect_gen != s->gen)
            run_election(L, s);
        session_put(a, s);
    }
}

void *local_main(void *arg)
{
    agent_t *a = arg;
    local_t L = {.a = a};
    zk_cluster_path(a->cfg, L.node_path, sizeof(L.node_path), "/nodes/%s", a->cfg->node_name);
    for (;;) {
        local_iteration(&L);
        int wait_ms = a->cfg->check_interval_ms;
        if (L.recheck_budget > 0) {
            L.recheck_budget--;
            wait_ms = 50;
        }
        if (!wait_kick(a, &a->kick_local, wait_ms, &L.kicked)) break;
    }
    db_close(L.db);
    free(L.last_json);
    free(L.last_view);
    free(L.prev_stream);
    return NULL;
}

/* Stopping the agent ends its session, and a primary is writable only while its agent holds one
 * (invariant 1): fence it first. Not while the cluster is paused: then nobody promotes another,
 * so an operator can stop or upgrade the agent without a write outage. */
void local_fence_on_stop(agent_t *a)
{
    pthread_mutex_lock(&a->mu);
    bool primary = a->is_desired_primary, paused = a->cluster_paused;
    /* An expired pause (pause --for) is none: the coordinator may fail over again. */
    if (paused && a->cluster_pause_until_ms && wall_ms() >= a->cluster_pause_until_ms)
        paused = false;
    pthread_mutex_unlock(&a->mu);
    if (!primary) return;
    if (paused) {
        log_notice("stopping while the cluster is paused: leaving mysqld writable");
        return;
    }
    db_conn_t *db = NULL;
    fence_or_kill(a, &db, true, "the agent is stopping (failoverctl pause first to keep it writable)");
    db_close(db);
}

/* ---- the fencer: acts on session loss even while the local worker is busy --------------- */

void *fencer_main(void *arg)
{
    agent_t *a = arg;
    db_conn_t *db = NULL;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        bool by_clock = false;
        while (!a->fence_requested && !a->stopping) {
            /* The deadline is kept by the clock here too, not only by the loop's timer: a loop
             * thread that cannot run (blocked in a write, starved) must not keep mysqld
             * writable past it (session_live()). */
            if (!a->session_alive) {
                pthread_cond_wait(&a->cv, &a->mu);
                continue;
            }
            int64_t left = a->alive_until_ms - mono_ms();
            if (left <= 0) {
                a->session_alive = false;
                a->deadline_passed = true;
                by_clock = true;
                break;
            }
            struct timespec ts = cond_deadline(left > INT32_MAX ? INT32_MAX : (int)left);
            pthread_cond_timedwait(&a->cv, &a->mu, &ts);
        }
        if (by_clock)
            log_warn("zookeeper: the fencing deadline passed (no sync answered for half the "
                     "session timeout, %d ms) before the event loop saw it: fencing unless "
                     "failsafe applies",
                     a->session_timeout_ms);
        if (a->stopping) {
            pthread_mutex_unlock(&a->mu);
            break;
        }
        a->fence_requested = false;
        bool desired = a->is_desired_primary;
        pthread_mutex_unlock(&a->mu);

        /* Re-check every interval while the session is in doubt: failsafe evidence can lapse. */
        for (;;) {
            const char *why = "";
            write_decision_t d = decide_write(a, desired, false, &why);
            pthread_mutex_lock(&a->mu);
            /* A replica seen read-only keeps its readers: nothing to fence. Unknown = boots
             * read-only (the start hook), so only a mysqld seen writable is killed. */
            bool may_write = desired || a->mysqld_seen_writable;
            pthread_mutex_unlock(&a->mu);
            if (d == WRITE_FENCE && may_write) fence_or_kill(a, &db, true, why);
            pthread_mutex_lock(&a->mu);
            bool doubt = !session_live(a, mono_ms()) && !a->stopping && !a->quit;
            pthread_mutex_unlock(&a->mu);
            if (!doubt || d == WRITE_FENCE) break;
            struct timespec ts = {.tv_sec = 0, .tv_nsec = FAILSAFE_RECHECK_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    db_close(db);
    return NULL;
}
