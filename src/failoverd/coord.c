/* coord.c -- the coordinator thread: runs only while this agent leads the election. It adopts the
 * topology at bootstrap, confirms primary loss holistically, and drives failover through /primary. */
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "clockutil.h"
#include "db.h"
#include "decide.h"
#include "gtid.h"
#include "log.h"
#include "observe.h"

#define COORD_MAX_NODES 64
/* While a confirmed failover waits for the old primary's fence, how often it is probed again
 * (a probe towards a cut-off host blocks for its whole deadline, and a watch that fires then is
 * served only after it). */
#define FENCE_WAIT_REPROBE_MS 1000

typedef struct cnode {
    char name[NAME_MAX_LEN + 1];
    char host[HOST_MAX_LEN + 1];
    int port;
    bool present;       /* its agent's znode exists now, and its state was read from it */
    bool listed;        /* its agent's znode may exist: listed, and no read said ZNONODE (a read
                           that failed, or a payload that does not parse, is no absence: only a
                           listed-nowhere node counts as gone, for fenced_ack() above all) */
    bool was_present;   /* ... as of the refresh before (membership changes restart bootstrap's
                           settle window) */
    bool have_state;    /* st holds its last published state (kept after it vanishes) */
    node_state_t st;
    char last_binlog[GTID_POS_STRLEN]; /* its binlog position when it last answered: a dead
                                          mysqld's agent publishes none, and the history record
                                          needs it to name lost transactions */
    db_conn_t *db;      /* the coordinator's own connection, for direct probes */
    bool probed_ok;
    db_probe_t probe;
    bool io_stopped_by_us; /* failsafe: we stopped its IO thread; restart it if the move fails */
    int64_t stranded_since_ms; /* first seen answering read-only with no agent (0: not so) */
} cnode_t;

typedef struct coord {
    agent_t *a;
    cnode_t nodes[COORD_MAX_NODES];
    size_t n;
    bool have_prim;
    primary_rec_t prim;
    int prim_version;
    control_rec_t ctl;
    int ctl_version; /* -1: no /control znode */
    int failures;
    int64_t first_failure_ms;
    int64_t backoff_until_ms; /* after a failed automatic move: don't retry (and re-record) */
    int64_t move_started_ms;  /* when the move in progress was decided (0 = none): its phase
                                 timings survive the coordinator waiting for a fence ack */
    uint64_t read_gen;      /* session in which we last read the cluster state */
    int64_t members_changed_ms; /* when the set of registered agents last changed (0: never read) */
    int64_t next_check_ms;  /* when check_primary() is due again (its own timer) */
    int checked_prim_version; /* the /primary version check_primary() last saw */
    int64_t last_read_ms;
    int64_t last_full_read_ms;
    int64_t flap_seen;      /* the last_failover_at the hold below was judged from */
    int64_t flap_until_ms;  /* monotonic end of the anti-flap hold */
    int64_t pause_seen;     /* the pause_until the end below was judged from */
    int64_t pause_end_ms;   /* monotonic end of a pause --for */
    int64_t last_prim_probe_ms; /* when check_primary() last probed the primary */
    char last_msg[512];
    /* What to re-read (refresh_dirty()): DIRTY_* bits and the nodes/<name> whose watch fired */
    unsigned dirty;
    char dirty_names[DIRTY_NODES_MAX][NAME_MAX_LEN + 1];
    int ndirty;
    int64_t expiry_said_for;        /* paused_at_ms of the pause whose expiry was logged */
} coord_t;

/* Wall-clock time as ZooKeeper's leader has it (zk_clock_ms), for last_failover_at: written by
 * one coordinator and judged by another, whose clock may have been stepped since (an hour ahead,
 * it took a failover a minute old for an hour old and failed over again at once). This host's
 * clock only when ZooKeeper cannot be written to. */
static int64_t coord_wall_ms(coord_t *C, zsess_t *s)
{
    int64_t t = 0;
    int rc = zk_clock_ms(s->zh, C->a->cfg, &t);
    if (rc == ZOK && t > 0) return t;
    log_warn("coordinator: cannot read ZooKeeper's clock (a write to /clock: %s): using this "
             "host's wall clock for the anti-flap time", zerror(rc));
    return wall_ms();
}

/* The anti-flap hold on the monotonic clock: judged once per last_failover_at value, against
 * ZooKeeper's clock. */
static bool antiflap_holds(coord_t *C, zsess_t *s)
{
    if (C->ctl.last_failover_ms != C->flap_seen) {
        C->flap_seen = C->ctl.last_failover_ms;
        int64_t now = C->flap_seen > 0 && C->a->cfg->anti_flap_s > 0 ? coord_wall_ms(C, s) : 0;
        C->flap_until_ms = mono_ms() + antiflap_hold_ms(C->flap_seen, now, C->a->cfg->anti_flap_s);
    }
    return mono_ms() < C->flap_until_ms;
}

/* A pause with an expiry (failoverctl pause --for) ends by itself: judged once per pause_until
 * value against ZooKeeper's clock, as the anti-flap hold is, then counted down on the monotonic
 * clock. An expired pause is no pause. */
static bool pause_in_force(coord_t *C, zsess_t *s)
{
    if (!C->ctl.paused) return false;
    if (!C->ctl.pause_until_ms) return true;
    if (C->ctl.pause_until_ms != C->pause_seen) {
        C->pause_seen = C->ctl.pause_until_ms;
        C->pause_end_ms = mono_ms() + (C->ctl.pause_until_ms - coord_wall_ms(C, s));
    }
    return mono_ms() < C->pause_end_ms;
}

/* Log a message only when it differs from the last one, so a waiting coordinator is not noisy. */
static void say_once(coord_t *C, log_level_t lvl, const char *msg)
{
    if (strcmp(C->last_msg, msg) == 0) return;
    snprintf(C->last_msg, sizeof(C->last_msg), "%s", msg);
    log_msg(lvl, "coordinator: %s", msg);
}

static cnode_t *node_find(coord_t *C, const char *name)
{
    for (size_t i = 0; i < C->n; i++)
        if (strcmp(C->nodes[i].name, name) == 0) return &C->nodes[i];
    return NULL;
}

static cnode_t *node_add(coord_t *C, const char *name)
{
    cnode_t *n = node_find(C, name);
    if (n || C->n >= COORD_MAX_NODES) return n;
    n = &C->nodes[C->n++];
    memset(n, 0, sizeof(*n));
    snprintf(n->name, sizeof(n->name), "%s", name);
    return n;
}

/* Probe a node over the coordinator's own connection. The primary's liveness check (bounded)
 * reads only the variables, and must answer within probe_deadline_ms() (and once suspected, or
 * once its agent's registration is gone, also connect within it: a coordinator elected because
 * the primary's host took the old one with it would otherwise wait out connect_timeout_ms
 * first); other probes are whole and get the API's connect/read timeouts, since an
 * unanswered replica counts as no witness. */
static bool probe_node_within(coord_t *C, cnode_t *n, bool bounded)
{
    const config_t *cfg = C->a->cfg;
    char err[512];
    int dl = !bounded   ? 0
             : n->listed ? probe_deadline_ms(cfg->check_interval_ms, cfg->read_timeout_ms)
                         : probe_deadline_agentless_ms(cfg->check_interval_ms, cfg->read_timeout_ms);
    n->probed_ok = false;
    if (!n->host[0] || n->port <= 0) return false;
    if (!n->db) {
        db_target_t t = {.host = n->host, .port = n->port, .user = cfg->mysql_user,
                         .password = config_mysql_password(cfg),
                         .connect_timeout_ms = cfg->connect_timeout_ms,
                         .read_timeout_ms = cfg->read_timeout_ms, .cfg = cfg,
                         .deadline_ms = !bounded                      ? 0
                                        : C->failures || !n->present ? dl
                                                                     : cfg->connect_timeout_ms};
        n->db = db_connect(&t, err, sizeof(err));
        if (!n->db) {
            log_debug("coordinator: probe %s: %s", n->name, err);
            return false;
        }
    }
    if (db_probe_within(n->db, &n->probe, dl, bounded, err, sizeof(err)) != 0) {
        log_debug("coordinator: probe %s: %s", n->name, err);
        db_close(n->db);
        n->db = NULL;
        return false;
    }
    n->probed_ok = true;
    if (n->probe.gtid_binlog_pos[0])
        snprintf(n->last_binlog, sizeof(n->last_binlog), "%s", n->probe.gtid_binlog_pos);
    return true;
}

static bool probe_node(coord_t *C, cnode_t *n)
{
    return probe_node_within(C, n, false);
}

typedef struct probe_job {
    coord_t *C;
    cnode_t *n;
} probe_job_t;

static void *probe_job_run(void *arg)
{
    probe_job_t *j = arg;
    probe_node(j->C, j->n);
    return NULL;
}

/* Whole probes of several nodes at once, each over its own connection in a thread of its own:
 * a move (confirmation, candidate ranking) waits for the slowest node, not for the sum of them
 * all. Each probe touches only its node (its connection, probe and last position); the results
 * are read after every thread has ended (probed_ok). A thread that cannot be started probes in
 * this one. */
static void probe_nodes(coord_t *C, cnode_t **nodes, size_t n)
{
    probe_job_t job[COORD_MAX_NODES];
    pthread_t th[COORD_MAX_NODES];
    bool started[COORD_MAX_NODES] = {false};
    if (n == 1) {
        probe_node(C, nodes[0]);
        return;
    }
    for (size_t i = 0; i < n && i < COORD_MAX_NODES; i++) {
        job[i] = (probe_job_t){.C = C, .n = nodes[i]};
        started[i] = pthread_create(&th[i], NULL, probe_job_run, &job[i]) == 0;
        if (!started[i]) probe_node(C, nodes[i]);
    }
    for (size_t i = 0; i < n && i < COORD_MAX_NODES; i++)
        if (started[i]) pthread_join(th[i], NULL);
}

/* ---- reading ZooKeeper ------------------------------------------------------------------ */

static int read_json(zsess_t *s, const char *path, bool watch, char **buf, int *len, struct Stat *st)
{
    int rc = zk_get_alloc(s->zh, path, watch, buf, len, st);
    if (rc == ZNONODE && watch) zoo_exists(s->zh, path, 1, NULL);
    return rc;
}

/* /members: every node whose agent ever registered, with its address, so that failoverctl
 * status still lists a node whose agent is gone (it has no other record of its address).
 * Informational only: nothing decides from it. Written when the registered set changes. */
static void remember_members(coord_t *C, zsess_t *s)
{
    char path[ZK_PATH_MAX], err[256];
    pthread_mutex_lock(&C->a->mu);
    bool leader = C->a->is_coordinator && C->a->sess == s;
    pthread_mutex_unlock(&C->a->mu);
    if (!leader) return;
    zk_cluster_path(C->a->cfg, path, sizeof(path), "/members");
    for (int attempt = 0; attempt < 3; attempt++) {
        members_rec_t *m = calloc(1, sizeof(*m));
        if (!m) abort();
        char *buf = NULL;
        int len = 0, rc;
        struct Stat st;
        rc = zk_get_alloc(s->zh, path, false, &buf, &len, &st);
        if (rc == ZOK && members_rec_from_json(m, buf, (size_t)len, err, sizeof(err)) != 0)
            log_warn("coordinator: %s is malformed (%s): rewriting it", path, err);
        free(buf);
        bool changed = rc == ZNONODE;
        for (size_t i = 0; i < C->n; i++)
            if (C->nodes[i].present)
                changed |= members_rec_put(m, C->nodes[i].name, C->nodes[i].host, C->nodes[i].port);
        /* A member whose agent was gone before we became coordinator: known agent-less, so a
         * move observes it (never promoted, but a donor if it received the most). */
        for (size_t i = 0; i < m->n; i++) {
            cnode_t *c = node_find(C, m->m[i].name) ? NULL : node_add(C, m->m[i].name);
            if (!c) continue;
            snprintf(c->host, sizeof(c->host), "%s", m->m[i].host);
            c->port = m->m[i].port;
        }
        char *json = changed && (rc == ZOK || rc == ZNONODE) ? members_rec_to_json(m) : NULL;
        free(m);
        if (!json) return;
        rc = rc == ZNONODE ? zoo_create(s->zh, path, json, (int)strlen(json), zk_acl(C->a->cfg),
                                        0, NULL, 0)
                           : zoo_set(s->zh, path, json, (int)strlen(json), st.version);
        free(json);
        if (rc != ZBADVERSION && rc != ZNODEEXISTS) {
            if (rc != ZOK) log_warn("coordinator: cannot write %s: %s", path, zerror(rc));
            return;
        }
    }
}

/* A published binlog position may be up to POSITION_KEEPALIVE_MS old, older than our last probe
 * of the node: it only ever moves last_binlog forward (per domain). */
static void note_published_binlog(cnode_t *n, const char *pub)
{
    gtid_pos_t have, got;
    char err[128];
    if (gtid_pos_parse(&got, pub, err, sizeof(err)) != 0) return;
    if (!n->last_binlog[0] || gtid_pos_parse(&have, n->last_binlog, err, sizeof(err)) != 0) {
        snprintf(n->last_binlog, sizeof(n->last_binlog), "%s", pub);
        return;
    }
    gtid_pos_merge_max(&have, &got);
    gtid_pos_format(&have, n->last_binlog, sizeof(n->last_binlog));
}

/* nodes/<name>, read and watched. ZNONODE: gone (no longer listed); another error leaves the
 * node listed but not present (a failed read or a payload that does not parse is no absence). */
static int read_node(coord_t *C, zsess_t *s, const char *dir, const char *name)
{
    char path[ZK_PATH_MAX], err[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    char *buf = NULL;
    int len = 0;
    int rc = read_json(s, path, true, &buf, &len, NULL);
    if (rc == ZNONODE) {
        cnode_t *gone = node_find(C, name);
        if (gone) gone->present = gone->listed = false;
        return rc;
    }
    cnode_t *ln = node_add(C, name);
    if (ln) {
        ln->listed = true;
        ln->present = false;
    }
    if (rc != ZOK) return rc;
    node_state_t st;
    if (node_state_from_json(&st, buf, (size_t)len, err, sizeof(err)) != 0) {
        say_once(C, LOG_LVL_ERROR, err);
    } else if (strcmp(st.name, name) != 0) {
        log_error("coordinator: ignoring %s: it names itself \"%s\"", path, st.name);
    } else {
        cnode_t *n = node_add(C, st.name);
        if (n) {
            if (strcmp(n->host, st.host) != 0 || n->port != st.port) {
                db_close(n->db);
                n->db = NULL;
            }
            n->st = st;
            n->have_state = true;
            if (st.healthy && st.gtid_binlog[0]) note_published_binlog(n, st.gtid_binlog);
            n->present = true;
            snprintf(n->host, sizeof(n->host), "%s", st.host);
            n->port = st.port;
        }
    }
    free(buf);
    return ZOK;
}

/* A node whose read failed is read again at the next refresh_dirty(). */
static void mark_node_dirty(coord_t *C, const char *name)
{
    for (int i = 0; i < C->ndirty; i++)
        if (strcmp(C->dirty_names[i], name) == 0) return;
    if (C->ndirty < DIRTY_NODES_MAX)
        snprintf(C->dirty_names[C->ndirty++], sizeof(C->dirty_names[0]), "%s", name);
    else
        C->dirty |= DIRTY_ALL;
}

/* The /nodes listing (watched). all: read every listed node; else only those not listed before
 * (their data watches were not set yet). */
static int read_list(coord_t *C, zsess_t *s, bool all)
{
    char dir[ZK_PATH_MAX];
    struct String_vector kids = {0, NULL};
    zk_cluster_path(C->a->cfg, dir, sizeof(dir), "/nodes");
    int rc = zoo_get_children(s->zh, dir, 1, &kids);
    if (rc != ZOK) return rc;
    bool seen[COORD_MAX_NODES] = {false};
    for (int i = 0; i < kids.count; i++) {
        if (!name_is_valid(kids.data[i])) continue;
        cnode_t *n = node_find(C, kids.data[i]);
        if (all || !n || !n->listed) {
            int r = read_node(C, s, dir, kids.data[i]);
            if (r != ZOK && r != ZNONODE) mark_node_dirty(C, kids.data[i]);
            n = node_find(C, kids.data[i]);
        }
        if (n) seen[n - C->nodes] = true;
    }
    deallocate_String_vector(&kids);
    for (size_t i = 0; i < C->n; i++)
        if (!seen[i]) C->nodes[i].present = C->nodes[i].listed = false;
    return ZOK;
}

/* The set of registered agents changed: restart bootstrap's settle window, update /members. */
static void note_membership(coord_t *C, zsess_t *s)
{
    bool changed = C->members_changed_ms == 0;
    for (size_t i = 0; i < C->n; i++) {
        if (C->nodes[i].present != C->nodes[i].was_present) changed = true;
        C->nodes[i].was_present = C->nodes[i].present;
    }
    if (changed) {
        C->members_changed_ms = mono_ms();
        remember_members(C, s);
    }
}

static int read_primary(coord_t *C, zsess_t *s)
{
    char path[ZK_PATH_MAX], err[256];
    zk_cluster_path(C->a->cfg, path, sizeof(path), "/primary");
    char *buf = NULL;
    int len = 0;
    struct Stat st;
    int rc = read_json(s, path, true, &buf, &len, &st);
    if (rc != ZOK && rc != ZNONODE) return rc;
    C->have_prim = false;
    if (rc == ZOK) {
        if (primary_rec_from_json(&C->prim, buf, (size_t)len, err, sizeof(err)) != 0) {
            say_once(C, LOG_LVL_ERROR, "/primary is malformed; refusing to act until it is fixed");
            free(buf);
            return ZBADARGUMENTS;
        }
        C->have_prim = true;
        C->prim_version = st.version;
        free(buf);
    }
    return ZOK;
}

/* An expired pause (pause --for) is no pause: said once per pause. */
static void note_pause_expiry(coord_t *C, zsess_t *s)
{
    if (!C->ctl.paused || pause_in_force(C, s)) return;
    if (C->expiry_said_for != C->ctl.paused_at_ms) {
        char msg[400];
        snprintf(msg, sizeof(msg), "the pause by %s (%s) has expired: automatic failover is on",
                 C->ctl.paused_by[0] ? C->ctl.paused_by : "(unknown)", C->ctl.pause_reason);
        C->expiry_said_for = C->ctl.paused_at_ms;
        say_once(C, LOG_LVL_NOTICE, msg);
    }
    C->ctl.paused = false;
}

static int read_control(coord_t *C, zsess_t *s)
{
    char path[ZK_PATH_MAX], err[256];
    zk_cluster_path(C->a->cfg, path, sizeof(path), "/control");
    char *buf = NULL;
    int len = 0;
    struct Stat st;
    int rc = read_json(s, path, true, &buf, &len, &st);
    if (rc != ZOK && rc != ZNONODE) return rc;
    memset(&C->ctl, 0, sizeof(C->ctl));
    C->ctl_version = -1;
    if (rc == ZOK) {
        if (control_rec_from_json(&C->ctl, buf, (size_t)len, err, sizeof(err)) != 0) {
            char msg[400];
            snprintf(msg, sizeof(msg), "/control is malformed (%s); treating the cluster as "
                     "paused until it is fixed", err);
            say_once(C, LOG_LVL_ERROR, msg);
            memset(&C->ctl, 0, sizeof(C->ctl));
            C->ctl.paused = true;
        }
        C->ctl_version = st.version;
        free(buf);
    }
    note_pause_expiry(C, s);
    return ZOK;
}

/* Everything: the listing and every node, /primary, /control. */
static int refresh(coord_t *C, zsess_t *s)
{
    C->dirty = 0;
    C->ndirty = 0;
    int rc = read_list(C, s, true);
    if (rc != ZOK) {
        C->dirty |= DIRTY_ALL;
        return rc;
    }
    note_membership(C, s);
    rc = read_primary(C, s);
    if (rc == ZOK) rc = read_control(C, s);
    if (rc != ZOK) C->dirty |= DIRTY_ALL;
    return rc;
}

/* Collect what the watches that fired since the last look were about (session.c). */
static bool take_dirty(coord_t *C)
{
    agent_t *a = C->a;
    pthread_mutex_lock(&a->mu);
    C->dirty |= a->coord_dirty;
    for (int i = 0; i < a->ndirty_nodes; i++) mark_node_dirty(C, a->dirty_nodes[i]);
    a->coord_dirty = 0;
    a->ndirty_nodes = 0;
    pthread_mutex_unlock(&a->mu);
    return C->dirty || C->ndirty;
}

/* Only what changed: the znodes whose watches fired. A read that fails stays due. */
static int refresh_dirty(coord_t *C, zsess_t *s)
{
    if (C->dirty & DIRTY_ALL) return refresh(C, s);
    unsigned bits = C->dirty;
    int nn = C->ndirty;
    char names[DIRTY_NODES_MAX][NAME_MAX_LEN + 1];
    memcpy(names, C->dirty_names, sizeof(names[0]) * (size_t)nn);
    C->dirty = 0;
    C->ndirty = 0;
    int rc = ZOK, r;
    if ((bits & DIRTY_NODE_LIST) && (r = read_list(C, s, false)) != ZOK) {
        C->dirty |= DIRTY_NODE_LIST;
        rc = r;
    }
    char dir[ZK_PATH_MAX];
    zk_cluster_path(C->a->cfg, dir, sizeof(dir), "/nodes");
    for (int i = 0; i < nn; i++) {
        r = read_node(C, s, dir, names[i]);
        if (r != ZOK && r != ZNONODE) {
            mark_node_dirty(C, names[i]);
            rc = r;
        }
    }
    if (nn || (bits & DIRTY_NODE_LIST)) note_membership(C, s);
    if ((bits & DIRTY_PRIMARY) && (r = read_primary(C, s)) != ZOK) {
        C->dirty |= DIRTY_PRIMARY;
        rc = r;
    }
    if ((bits & DIRTY_CONTROL) && (r = read_control(C, s)) != ZOK) {
        C->dirty |= DIRTY_CONTROL;
        rc = r;
    }
    return rc;
}

/* A failover starts the anti-flap hold: its end goes into /control with it, so that failoverctl
 * (with its own config, or none) shows the hold this coordinator applies. */
static void note_failover(coord_t *C, zsess_t *s)
{
    C->ctl.last_failover_ms = coord_wall_ms(C, s);
    C->ctl.anti_flap_until_ms = C->ctl.last_failover_ms + (int64_t)C->a->cfg->anti_flap_s * 1000;
}

/* ---- writing ---------------------------------------------------------------------------- */

static bool still_leader(coord_t *C, zsess_t *s, char *elect, size_t len)
{
    agent_t *a = C->a;
    pthread_mutex_lock(&a->mu);
    bool ok = a->is_coordinator && a->coord_gen == s->gen && a->sess == s;
    snprintf(elect, len, "%s", a->election_path);
    pthread_mutex_unlock(&a->mu);
    return ok;
}

/* Leadership, confirmed by the ZooKeeper leader right now: a sync, then our election znode must
 * still be ours. Before every side effect on a mysqld or a hook, so that a coordinator stopped
 * (SIGSTOP, a long GC-like stall) mid-failover cannot act on what it believed before the stall:
 * its session may have expired and another coordinator may be moving the primary. */
static bool leader_confirmed(coord_t *C, zsess_t *s, const char *what)
{
    char elect[ZK_PATH_MAX];
    if (!still_leader(C, s, elect, sizeof(elect))) return false;
    struct Stat st;
    int rc = zk_sync_wait(s->zh, elect, C->a->cfg->check_interval_ms);
    if (rc == ZOK) rc = zoo_exists(s->zh, elect, 0, &st);
    if (rc == ZOK && st.ephemeralOwner == s->client_id) return true;
    log_warn("coordinator: leadership not confirmed before %s (%s): not acting", what,
             rc == ZOK ? "election znode owned by another session" : zerror(rc));
    return false;
}

/* Write /primary guarded by our election znode and the version we read: a deposed coordinator
 * or a concurrent writer makes the whole multi fail. */
static int write_primary(coord_t *C, zsess_t *s, const primary_rec_t *p)
{
    char elect[ZK_PATH_MAX], path[ZK_PATH_MAX];
    if (!still_leader(C, s, elect, sizeof(elect))) return ZNOTEMPTY;
    zk_cluster_path(C->a->cfg, path, sizeof(path), "/primary");
    char *json = primary_rec_to_json(p);
    if (!json) abort();
    zoo_op_t ops[2];
    zoo_op_result_t res[2];
    char created[ZK_PATH_MAX];
    zoo_check_op_init(&ops[0], elect, -1);
    if (C->have_prim)
        zoo_set_op_init(&ops[1], path, json, (int)strlen(json), C->prim_version, NULL);
    else
        zoo_create_op_init(&ops[1], path, json, (int)strlen(json), zk_acl(C->a->cfg), 0, created,
                           sizeof(created));
    int rc = zoo_multi(s->zh, 2, ops, res);
    free(json);
    return rc;
}

static int write_control(coord_t *C, zsess_t *s)
{
    char path[ZK_PATH_MAX];
    zk_cluster_path(C->a->cfg, path, sizeof(path), "/control");
    char *json = control_rec_to_json(&C->ctl);
    if (!json) abort();
    int rc = C->ctl_version < 0
                 ? zoo_create(s->zh, path, json, (int)strlen(json), zk_acl(C->a->cfg), 0, NULL, 0)
                 : zoo_set(s->zh, path, json, (int)strlen(json), C->ctl_version);
    if (rc != ZOK && rc != ZBADVERSION) log_warn("coordinator: cannot update /control: %s", zerror(rc));
    free(json);
    return rc;
}

static void write_history(coord_t *C, zsess_t *s, json_t *rec)
{
    char path[ZK_PATH_MAX], made[ZK_PATH_MAX];
    zk_cluster_path(C->a->cfg, path, sizeof(path), "/history/e_");
    char *json = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    if (!json) abort();
    int rc = zoo_create(s->zh, path, json, (int)strlen(json), zk_acl(C->a->cfg), ZOO_SEQUENCE, made,
                        sizeof(made));
    if (rc != ZOK)
        log_error("coordinator: cannot write history record: %s", zerror(rc));
    else
        log_info("coordinator: history record %s", made);
    free(json);
}

/* ---- bootstrap -------------------------------------------------------------------------- */

static void bootstrap(coord_t *C, zsess_t *s)
{
    topo_obs_t t[COORD_MAX_NODES];
    size_t n = 0;
    char why[512], msg[640];
    for (size_t i = 0; i < C->n; i++)
        if (C->nodes[i].present && C->nodes[i].have_state) n++;
    /* An agent that starts a moment after us may run a second writable mysqld: adopt only once
     * registrations have been quiet for bootstrap_settle_ms. */
    int64_t quiet = mono_ms() - C->members_changed_ms;
    if (quiet < C->a->cfg->bootstrap_settle_ms) {
        snprintf(msg, sizeof(msg), "bootstrap: %zu agent(s) registered; waiting until no agent "
                 "has joined or left for %d ms before adopting a topology", n,
                 C->a->cfg->bootstrap_settle_ms);
        say_once(C, LOG_LVL_INFO, msg);
        return;
    }
    n = 0;
    for (size_t i = 0; i < C->n; i++) {
        cnode_t *c = &C->nodes[i];
        if (!c->present || !c->have_state) continue;
        t[n++] = (topo_obs_t){.name = c->name, .host = c->host, .port = c->port,
                              .reachable = c->st.healthy, .read_only = c->st.read_only,
                              .is_replica = c->st.role == ROLE_REPLICA,
                              .source_host = c->st.source_host, .source_port = c->st.source_port};
    }
    int idx = bootstrap_pick_primary(t, n, why, sizeof(why));
    if (idx < 0) {
        snprintf(msg, sizeof(msg), "bootstrap: not adopting any topology yet: %s", why);
        say_once(C, LOG_LVL_WARNING, msg);
        return;
    }
    cnode_t *p = node_find(C, t[idx].name);
    primary_rec_t rec = {0};
    snprintf(rec.name, sizeof(rec.name), "%s", p->name);
    snprintf(rec.host, sizeof(rec.host), "%s", p->host);
    rec.port = p->port;
    rec.epoch = 1;
    rec.since_ms = wall_ms();
    snprintf(rec.reason, sizeof(rec.reason), "bootstrap");
    int rc = write_primary(C, s, &rec);
    if (rc != ZOK) {
        log_warn("coordinator: bootstrap write of /primary failed: %s", zerror(rc));
        return;
    }
    log_notice("coordinator: bootstrap: adopted %s as primary (epoch 1): %s", p->name, why);
    json_t *h = json_pack("{s:s, s:n, s:s, s:I, s:s, s:I, s:s}", "type", "bootstrap", "old", "new",
                          p->name, "epoch", (json_int_t)1, "reason", why, "at",
                          (json_int_t)rec.since_ms, "outcome", "adopted");
    write_history(C, s, h);
    json_decref(h);
}

/* ---- moving the primary: automatic failover, switchover, manual failover --------------- */

typedef struct timings {
    int64_t detect, confirm, fence, catchup, promote, repoint;
} timings_t;

typedef enum {
    MOVE_INVALID = 0,
    MOVE_DONE,     /* /primary names the new node */
    MOVE_WAITING,  /* waiting for the old primary to be fenced: call again */
    MOVE_FAILED,   /* nothing promoted; a history record says why when final */
} move_result_t;

typedef struct move_req {
    const char *kind;     /* "failover" | "switchover" | "manual-failover" */
    const char *reason;
    const char *target;   /* NULL or "*" = best candidate */
    bool planned;         /* switchover: the old primary is alive and must hand over */
    bool force;           /* failover --force: an operator takes the loss it was told about */
    int catchup_ms;
    int64_t request_at;   /* /control request this serves, 0 = automatic */
} move_req_t;

/* The old primary is fenced when its agent acknowledges fencing=true for this epoch, having seen
 * read_only take effect, killed mysqld and seen it gone, or found no mysqld running; or when its
 * session is gone (it fenced itself, fence-or-kill, before the server could expire it).
 * "Not healthy" alone is no fence: a stalled mysqld wakes up and acknowledges pending commits. */
static bool fenced_ack(coord_t *C, void *arg)
{
    const cnode_t *p = arg;
    if (!p->listed) return true;
    /* ... answering this very request: the /primary version that set fencing (an ack left from
     * an abandoned move, after which the node may have been writable again, is not one). */
    return p->st.fence_ack && p->st.epoch == C->prim.epoch &&
           p->st.fence_version == C->prim_version && (!p->st.healthy || p->st.read_only);
}

static bool wait_for(coord_t *C, zsess_t *s, int timeout_ms, bool (*done)(coord_t *, void *),
                     void *arg)
{
    int64_t end = mono_ms() + timeout_ms;
    char elect[ZK_PATH_MAX];
    bool first = true;
    while (mono_ms() < end && !C->a->quit && still_leader(C, s, elect, sizeof(elect))) {
        /* Everything once, then only the znodes whose watches fired. */
        int rc = first ? refresh(C, s) : take_dirty(C) ? refresh_dirty(C, s) : ZOK;
        first = false;
        if (rc == ZOK && done(C, arg)) return true;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

static bool is_promoted(coord_t *C, void *arg)
{
    const primary_rec_t *want = arg;
    cnode_t *n = node_find(C, want->name);
    return n && n->present && n->st.healthy && n->st.role == ROLE_PRIMARY && !n->st.read_only &&
           n->st.epoch == want->epoch;
}

static bool all_repointed(coord_t *C, void *arg)
{
    const primary_rec_t *want = arg;
    for (size_t i = 0; i < C->n; i++) {
        cnode_t *n = &C->nodes[i];
        if (!n->present || !n->st.healthy || strcmp(n->name, want->name) == 0) continue;
        if (n->st.diverged) continue;
        if (n->st.role != ROLE_REPLICA || strcmp(n->st.source_host, want->host) != 0 ||
            n->st.source_port != want->port || !n->st.io_running)
            return false;
    }
    return true;
}

static json_t *candidates_json(const candidate_obs_t *obs, const candidate_verdict_t *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char rec[GTID_POS_STRLEN];
        gtid_pos_format(&obs[i].received, rec, sizeof(rec));
        json_array_append_new(arr, json_pack("{s:s, s:b, s:i, s:s, s:s}", "name", obs[i].name,
                                             "eligible", v[i].eligible, "rank", v[i].rank,
                                             "reason", v[i].reason, "received", rec));
    }
    return arr;
}

/* One history record per attempt that ended (done, refused or failed). */
static void record(coord_t *C, zsess_t *s, const move_req_t *rq, const char *old, const char *new_,
                   uint64_t epoch, const char *outcome, const char *detail, json_t *cands,
                   const timings_t *t, const char *oldpos, const char *newpos,
                   const gtid_pos_t *newp, const gtid_pos_t *oldp)
{
    json_t *h = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s}", "type", rq->kind, "old", old,
                          "new", new_ ? new_ : "", "epoch", (json_int_t)epoch, "reason", rq->reason,
                          "at", (json_int_t)wall_ms(), "outcome", outcome, "detail",
                          detail ? detail : "");
    if (rq->request_at) json_object_set_new(h, "request_at", json_integer(rq->request_at));
    json_object_set_new(h, "candidates", cands ? cands : json_array());
    if (t && t->repoint)
        json_object_set_new(
            h, "phases_ms",
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "detect",
                      (json_int_t)(t->confirm - t->detect), "fence",
                      (json_int_t)(t->fence - t->confirm), "catchup",
                      (json_int_t)(t->catchup - t->fence), "promote",
                      (json_int_t)(t->promote - t->catchup), "repoint",
                      (json_int_t)(t->repoint - t->promote), "total",
                      (json_int_t)(t->repoint - t->detect)));
    if (oldpos) {
        char lost[1024] = "";
        gtid_pos_missing_format(newp, oldp, lost, sizeof(lost));
        json_object_set_new(h, "old_primary_gtid", json_string(oldpos));
        json_object_set_new(h, "new_primary_gtid", json_string(newpos));
        json_object_set_new(h, "lost_gtids", json_string(lost));
        json_object_set_new(h, "lost_count", json_integer((json_int_t)gtid_pos_missing_count(newp, oldp)));
    }
    write_history(C, s, h);
    json_decref(h);
    http_count_move(C->a, rq->kind, outcome);
}

static int set_fencing(coord_t *C, zsess_t *s, bool on)
{
    primary_rec_t rec = C->prim;
    rec.fencing = on;
    int rc = write_primary(C, s, &rec);
    if (rc == ZOK) {
        log_notice("coordinator: %s %s (epoch %llu)", on ? "fencing" : "unfencing", rec.name,
                   (unsigned long long)rec.epoch);
        refresh(C, s);
    } else {
        log_warn("coordinator: cannot set fencing=%d on /primary: %s", on, zerror(rc));
    }
    return rc;
}

/* The donor applies everything it received. A delayed one (MASTER_DELAY) would not for SQL_Delay
 * seconds: its delay is lifted for the wait, keeping its relay log, and put back afterwards. */
static int donor_apply(coord_t *C, cnode_t *donor, const char *pos, int timeout_ms, char *err,
                       size_t errlen)
{
    const db_probe_t *p = &donor->probe;
    int delay = donor->probed_ok ? p->sql_delay_s : 0;
    if (delay > 0) {
        log_notice("coordinator: %s is delayed (SQL_Delay %d s): lifting the delay so it applies "
                   "its relay log up to %s, then putting it back", donor->name, delay, pos);
        if (db_lift_sql_delay(donor->db, err, errlen) != 0) return -1;
    }
    int rc = db_gtid_wait(donor->db, pos, timeout_ms, &C->a->quit, err, errlen);
    char e2[512];
    if (delay > 0 && db_restore_sql_delay(donor->db, delay, p->io_running || p->io_connecting, e2,
                                          sizeof(e2)) != 0)
        log_error("coordinator: could not put %s's MASTER_DELAY=%d back: %s", donor->name, delay,
                  e2);
    return rc;
}

/* Make cand fetch what donor has received: donor applies its relay log, cand replicates from
 * donor (log_slave_updates puts everything donor applied in its binlog) until it has it all.
 * The agents hold replicas still while /primary is fencing, so nobody undoes this. */
static int catch_up_from(coord_t *C, cnode_t *donor, const gtid_pos_t *goal, cnode_t *cand,
                         int timeout_ms)
{
    const config_t *cfg = C->a->cfg;
    char pos[GTID_POS_STRLEN], err[1024];
    gtid_pos_format(goal, pos, sizeof(pos));
    log_notice("coordinator: catching %s up to %s from %s before promoting it", cand->name, pos,
               donor->name);
    if (donor_apply(C, donor, pos, timeout_ms, err, sizeof(err)) != 0) {
        log_warn("coordinator: cannot catch %s up from %s: %s did not apply its relay log: %s",
                 cand->name, donor->name, donor->name, err);
        return -1;
    }
    if (db_repoint(cand->db, donor->host, donor->port, cfg->repl_user, config_repl_password(cfg),
                   false, replication_heartbeat_ms(cfg->zk_session_timeout_ms), err,
                   sizeof(err)) != 0) {
        log_warn("coordinator: cannot catch %s up from %s: repoint: %s", cand->name, donor->name,
                 err);
        return -1;
    }
    if (db_gtid_wait(cand->db, pos, timeout_ms, &C->a->quit, err, sizeof(err)) != 0) {
        log_warn("coordinator: %s did not catch up from %s: %s", cand->name, donor->name, err);
        return -1;
    }
    return 0;
}

/* failover --force promotes a candidate that received less than a replica that acknowledges
 * semi-sync: say exactly what it lacks, once, where the operator will look. */
static void warn_forced_loss(const char *cand, const gtid_pos_t *has, const char *top_name,
                             const gtid_pos_t *top)
{
    char lost[1024] = "";
    gtid_pos_missing_format(has, top, lost, sizeof(lost));
    log_warn("coordinator: failover --force: promoting %s although it received less than %s "
             "(which acknowledges semi-sync): %llu transaction(s) %s that %s has may be lost",
             cand, top_name, (unsigned long long)gtid_pos_missing_count(has, top), lost, top_name);
}

static move_result_t move_steps(coord_t *C, zsess_t *s, cnode_t *old, const move_req_t *rq,
                                timings_t *t)
{
    const config_t *cfg = C->a->cfg;
    char msg[1024], err[512];

    /* 1. Fence: tell the old primary's agent, then wait for its acknowledgement or its session
     * to end. Never skipped, not even with --force. */
    if (!C->prim.fencing && set_fencing(C, s, true) != ZOK) {
        record(C, s, rq, old->name, NULL, C->prim.epoch, "aborted",
               "could not set fencing on /primary (lost leadership or ZooKeeper trouble)", NULL,
               NULL, NULL, NULL, NULL, NULL);
        return MOVE_FAILED;
    }
    if (!fenced_ack(C, old)) {
        if (!rq->planned) {
            snprintf(msg, sizeof(msg), "primary %s lost; waiting for its agent to fence it or for "
                     "its ZooKeeper session to expire", old->name);
            say_once(C, LOG_LVL_WARNING, msg);
            return MOVE_WAITING;
        }
        if (!wait_for(C, s, 10000, fenced_ack, old)) {
            set_fencing(C, s, false);
            record(C, s, rq, old->name, NULL, C->prim.epoch, "aborted",
                   "the old primary's agent did not acknowledge fencing within 10 s", NULL, NULL,
                   NULL, NULL, NULL, NULL);
            return MOVE_FAILED;
        }
    }
    if (!old->listed && cfg->failsafe) {
        /* No acknowledgement: the old agent may be in failsafe. Cut its evidence, let it lapse.
         * A switchover too (G13): its old primary's session ended, so it may be as well. */
        if (!leader_confirmed(C, s, "stopping the replicas' IO threads")) return MOVE_FAILED;
        for (size_t i = 0; i < C->n; i++) {
            cnode_t *n = &C->nodes[i];
            if (n == old || !n->db) continue;
            if (db_stop_io_thread(n->db, err, sizeof(err)) != 0)
                log_warn("coordinator: stop IO thread on %s: %s", n->name, err);
            else
                n->io_stopped_by_us = true;
        }
        int64_t w = failsafe_lapse_wait_ms(cfg->check_interval_ms, fence_budget_ms(cfg->fence_timeout_ms, cfg->zk_session_timeout_ms));
        log_notice("coordinator: failsafe on: waiting %lld ms so %s's failsafe evidence lapses",
                   (long long)w, old->name);
        struct timespec ts = {w / 1000, (long)(w % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    t->fence = mono_ms();

    /* The old primary's last position: live when it still answers (switchover), else the last
     * it published. A planned switchover waits for the candidate to apply all of it. */
    gtid_pos_t old_pos = {0};
    char oldpos[GTID_POS_STRLEN] = "";
    /* A planned move reads the fenced primary's final position live. An automatic one has just
     * failed to reach it: probing again would only wait out another connect timeout. */
    if (rq->planned && probe_node(C, old))
        snprintf(oldpos, sizeof(oldpos), "%s", old->probe.gtid_binlog_pos);
    else if (old->last_binlog[0])
        snprintf(oldpos, sizeof(oldpos), "%s", old->last_binlog);
    if (gtid_pos_parse(&old_pos, oldpos, err, sizeof(err)) != 0) {
        log_error("coordinator: old primary's GTID position unusable: %s", err);
        memset(&old_pos, 0, sizeof(old_pos));
    }

    /* 2. Rank candidates from fresh direct probes. */
    candidate_obs_t obs[COORD_MAX_NODES];
    cnode_t *who[COORD_MAX_NODES] = {0};
    size_t n = 0;
    /* A replica whose agent is gone (killed, its host's ZooKeeper link down) may still hold
     * what every other lacks: with semi-sync, it may be the one that acknowledged the last
     * writes. It is never promoted (no agent would lift read_only), but it is observed, so
     * the donor search and the semi-sync rule below see it. All are probed at once. */
    cnode_t *ask[COORD_MAX_NODES];
    size_t nask = 0;
    for (size_t i = 0; i < C->n; i++) {
        cnode_t *c = &C->nodes[i];
        if (c != old && (c->present || c->host[0])) ask[nask++] = c;
    }
    probe_nodes(C, ask, nask);
    int64_t probed_at = mono_ms();
    for (size_t k = 0; k < nask; k++) {
        cnode_t *c = ask[k];
        bool agentless = !c->present;
        bool up = c->probed_ok;
        if (agentless && !up) continue;
        if (observe_candidate(&obs[n], c->name, agentless ? PROMOTION_NEVER : c->st.promotion,
                              up ? &c->probe : NULL, err, sizeof(err)) != 0)
            log_error("coordinator: %s answered a bad GTID position: %s", c->name, err);
        who[n++] = c;
    }
    candidate_verdict_t v[COORD_MAX_NODES];
    size_t order[COORD_MAX_NODES];
    size_t eligible = candidate_rank(obs, n, &old_pos, v, order);
    for (size_t i = 0; i < n; i++)
        if (!who[i]->present)
            snprintf(v[i].reason, sizeof(v[i].reason), "no registered agent: never promoted, "
                     "but a donor if it received the most");
    bool any = !rq->target || strcmp(rq->target, "*") == 0;

    /* 2b. The most advanced replica, eligible or not (a promotion=never one may hold the only
     * copy of an acknowledged write), is the donor: the candidate we want (preferred, requested,
     * or simply the best eligible) first fetches from it whatever it lacks, so nothing is lost. */
    candidate_plan_t plan;
    candidate_plan(obs, n, &old_pos, order, eligible, rq->target, &plan);
    size_t donor = plan.donor, want = plan.want;
    /* The history names the operator's choice, whatever its rank. */
    for (size_t i = 0; i < n && !any; i++)
        if (strcmp(who[i]->name, rq->target) == 0) {
            size_t l = strlen(v[i].reason);
            snprintf(v[i].reason + l, sizeof(v[i].reason) - l, " (requested)");
        }
    if (plan.fetch && leader_confirmed(C, s, "repointing a candidate at the donor") &&
        catch_up_from(C, who[donor], &obs[donor].received, who[want], rq->catchup_ms) == 0) {
        obs[want].received = obs[donor].received;
        for (size_t k = 0; k < eligible; k++) /* it goes first now */
            if (order[k] == want) {
                memmove(&order[1], &order[0], k * sizeof(order[0]));
                order[0] = want;
                break;
            }
        snprintf(v[want].reason, sizeof(v[want].reason), "caught up from %s first%s",
                 who[donor]->name, any ? "" : " (requested)");
        for (size_t i = 0; i < n; i++)
            if (v[i].eligible && v[i].rank < v[want].rank) v[i].rank++;
        v[want].rank = 1;
    }
    /* What an acknowledged write may be on: never a replica that does not acknowledge. */
    size_t acked = semi_sync_ack_top(obs, n, &old_pos);
    const gtid_pos_t *top = acked != CANDIDATE_NONE ? &obs[acked].received : NULL;

    /* 3. Catch up: the chosen one applies everything before it may become writable. */
    cnode_t *best = NULL;
    size_t best_i = 0;
    for (size_t k = 0; k < eligible && !best; k++) {
        size_t i = order[k];
        if (!any && strcmp(who[i]->name, rq->target) != 0) continue;
        if (cfg->semi_sync && top && semi_sync_lacks_acked(&obs[i].received, top)) {
            /* An acknowledged write may be only on the most advanced acknowledging replica: never
             * promote one that received less and could not fetch the rest (invariant 3), unless
             * an operator decided so (failover --force), knowing what is lost. */
            if (rq->force) {
                warn_forced_loss(who[i]->name, &obs[i].received, who[acked]->name, top);
            } else {
                v[i].eligible = false;
                snprintf(v[i].reason, sizeof(v[i].reason), "received less than %s, which "
                         "acknowledges semi-sync; semi_sync forbids promoting it (failover --to "
                         "%s --force decides otherwise)", who[acked]->name, who[i]->name);
                continue;
            }
        }
        gtid_pos_t goal = obs[i].received;
        if (rq->planned) gtid_pos_merge_max(&goal, &old_pos);
        char pos[GTID_POS_STRLEN];
        gtid_pos_format(&goal, pos, sizeof(pos));
        int rc = db_gtid_wait(who[i]->db, pos, rq->catchup_ms, &C->a->quit, err, sizeof(err));
        if (rc == 0) {
            best = who[i];
            best_i = i;
            obs[i].received = goal;
        } else {
            v[i].eligible = false;
            snprintf(v[i].reason, sizeof(v[i].reason), "did not apply %s within %d ms", pos,
                     rq->catchup_ms);
            log_warn("coordinator: candidate %s could not catch up: %s", who[i]->name, err);
        }
    }
    t->catchup = mono_ms();
    if (!best) {
        const char *why = "no replica is eligible for promotion (see failoverctl explain)";
        if (!any) {
            why = "the requested node is not eligible or did not catch up";
            for (size_t i = 0; i < n; i++)
                if (strcmp(who[i]->name, rq->target) == 0) why = v[i].reason;
        }
        snprintf(msg, sizeof(msg), "%s of %s: %s", rq->kind, old->name, why);
        say_once(C, LOG_LVL_ERROR, msg);
        if (rq->planned) set_fencing(C, s, false); /* hand writes back to the old primary */
        record(C, s, rq, old->name, NULL, C->prim.epoch, rq->planned ? "aborted" : "no-candidate",
               why, candidates_json(obs, v, n), NULL, NULL, NULL, NULL, NULL);
        return MOVE_FAILED;
    }

    /* 4. Promote: the desired state moves, guarded by our leadership and /primary's version. */
    primary_rec_t rec = {0};
    snprintf(rec.name, sizeof(rec.name), "%s", best->name);
    snprintf(rec.host, sizeof(rec.host), "%s", best->host);
    rec.port = best->port;
    rec.epoch = C->prim.epoch + 1;
    rec.since_ms = wall_ms();
    snprintf(rec.reason, sizeof(rec.reason), "%s", rq->kind);
    hook_env_t he = {.old_primary = old->name, .old_host = old->host, .old_port = old->port,
                     .new_primary = best->name, .new_host = best->host, .new_port = best->port,
                     .epoch = rec.epoch, .reason = rq->kind};
    /* The hook is a side effect: leadership confirmed first. Without one, nothing happens before
     * the /primary write, and that write is itself guarded by our election znode (a multi with
     * its check): a sync and a read fewer on the way to the promotion. */
    bool pre_hook = cfg->hook_pre_failover && cfg->hook_pre_failover[0];
    char elect[ZK_PATH_MAX];
    if (pre_hook ? !leader_confirmed(C, s, "the pre-failover hook")
                 : !still_leader(C, s, elect, sizeof(elect)))
        return MOVE_FAILED;
    int hrc = hook_run(cfg, "pre_failover", cfg->hook_pre_failover, &he);
    if (hrc != 0 && cfg->hook_pre_failover_abort) {
        snprintf(msg, sizeof(msg), "hook_pre_failover failed (%s %d) and "
                 "hook_pre_failover_abort is on", hrc < 0 ? "killed or not run," : "exit", hrc);
        log_error("coordinator: %s of %s aborted: %s", rq->kind, old->name, msg);
        if (rq->planned) set_fencing(C, s, false);
        record(C, s, rq, old->name, NULL, C->prim.epoch, "aborted", msg,
               candidates_json(obs, v, n), NULL, NULL, NULL, NULL, NULL);
        return MOVE_FAILED;
    }
    int rc = write_primary(C, s, &rec);
    if (rc != ZOK) {
        log_error("coordinator: writing /primary failed (%s): not promoting; will re-evaluate",
                  zerror(rc));
        snprintf(msg, sizeof(msg), "writing /primary failed: %s", zerror(rc));
        record(C, s, rq, old->name, NULL, C->prim.epoch, "aborted", msg,
               candidates_json(obs, v, n), NULL, NULL, NULL, NULL, NULL);
        return MOVE_FAILED;
    }
    log_notice("coordinator: %s: %s -> %s at epoch %llu (%s)", rq->kind, old->name, best->name,
               (unsigned long long)rec.epoch, rq->reason);
    log_debug("coordinator: since the fence: %lld ms probing %zu candidate(s) at once, %lld ms "
              "catching up, %lld ms confirming leadership, the hook and writing /primary",
              (long long)(probed_at - t->fence), nask, (long long)(t->catchup - probed_at),
              (long long)(mono_ms() - t->catchup));
    bool promoted = wait_for(C, s, rq->catchup_ms + 5000, is_promoted, &rec);
    t->promote = mono_ms();
    bool repointed = promoted && wait_for(C, s, 10000, all_repointed, &rec);
    t->repoint = mono_ms();

    /* 5. Record: anti-flap, and a history record that names any lost transactions. */
    char newpos[GTID_POS_STRLEN], detail[160] = "";
    gtid_pos_format(&obs[best_i].received, newpos, sizeof(newpos));
    if (promoted && best->st.events_enabled > 0)
        snprintf(detail, sizeof(detail), "event scheduler on %s: %d replicated event(s) re-enabled",
                 best->name, best->st.events_enabled);
    /* The old primary's published position may be an interval old: what the most advanced
     * replica received was on it too, so a forced promotion's loss is named in full. */
    if (donor != CANDIDATE_NONE) {
        gtid_pos_merge_max(&old_pos, &obs[donor].received);
        gtid_pos_format(&old_pos, oldpos, sizeof(oldpos));
    }
    record(C, s, rq, old->name, best->name, rec.epoch,
           !promoted ? "promotion-unconfirmed" : repointed ? "success" : "success-repoint-incomplete",
           detail, candidates_json(obs, v, n), t, oldpos, newpos, &obs[best_i].received, &old_pos);
    hook_run(cfg, "post_failover", cfg->hook_post_failover, &he);
    C->failures = 0;
    C->last_msg[0] = 0;
    return MOVE_DONE;
}

/* The replicas' side of holistic detection: which registered replicas the coordinator reaches,
 * and how many of those still stream from the primary p. */
static void observe_replicas(coord_t *C, const cnode_t *p, primary_obs_t *o, bool probe)
{
    cnode_t *ask[COORD_MAX_NODES];
    size_t nask = 0;
    for (size_t i = 0; i < C->n && probe; i++)
        if (&C->nodes[i] != p && C->nodes[i].present) ask[nask++] = &C->nodes[i];
    probe_nodes(C, ask, nask);
    for (size_t i = 0; i < C->n; i++) {
        cnode_t *r = &C->nodes[i];
        if (r == p || !r->present) continue;
        o->replicas_known++;
        if (!probe || !r->probed_ok) continue;
        o->replicas_reachable++;
        if (!observe_streams_from(&r->probe, p->host, p->port)) continue;
        /* Slave_IO_Running stays Yes until slave_net_timeout when the primary is frozen; its
         * agent, which watches the heartbeat counter, says whether it still hears the primary. */
        if (r->have_state && r->st.source_silent && r->st.source_port == p->port &&
            strcmp(r->st.source_host, p->host) == 0) {
            log_debug("coordinator: %s's IO thread says Yes but has heard nothing from %s for 1.5 "
                      "heartbeat periods: not counted as connected", r->name, p->name);
            continue;
        }
        o->replicas_io_connected++;
    }
}

/* Keys that must match on every node (config_digest()): a node running with other values judges
 * by them, e.g. the old primary its failsafe evidence by its own check_interval_ms while we wait
 * by ours. So a move does not start while a registered agent of our version publishes another
 * digest (another version may digest other keys; an old agent publishes none); an operator's
 * failover --force still goes ahead, logged. Checked only before fencing starts: a move under
 * way (ours or a previous coordinator's) is finished. */
static bool config_matches_for_move(coord_t *C, zsess_t *s, const cnode_t *old,
                                    const move_req_t *rq)
{
    char mine[CONFIG_DIGEST_HEX + 1], why[512], msg[640];
    if (C->prim.fencing) return true;
    config_digest(C->a->cfg, mine, sizeof(mine));
    for (size_t i = 0; i < C->n; i++) {
        const cnode_t *n = &C->nodes[i];
        if (!n->present || !n->have_state || !n->st.config_digest[0] ||
            strcmp(n->st.agent_version, FO_VERSION) != 0 || strcmp(n->st.config_digest, mine) == 0)
            continue;
        snprintf(why, sizeof(why), "the keys that must match on every node differ: %s has "
                 "config_digest %s, this coordinator (%s) %s (see failoverd.conf(5))", n->name,
                 n->st.config_digest, C->a->cfg->node_name, mine);
        if (rq->request_at && C->ctl.request_force) {
            log_warn("coordinator: %s of %s goes ahead (--force) although %s", rq->kind,
                     old->name, why);
            return true;
        }
        snprintf(msg, sizeof(msg), "%s of %s refused: %s", rq->kind, old->name, why);
        say_once(C, LOG_LVL_ERROR, msg);
        record(C, s, rq, old->name, NULL, C->prim.epoch, "refused", why, NULL, NULL, NULL, NULL,
               NULL, NULL);
        return false;
    }
    return true;
}

/* Move the primary; if the move fails after we stopped replicas' IO threads (failsafe), start
 * them again so the cluster is left as we found it. */
static move_result_t move_primary(coord_t *C, zsess_t *s, cnode_t *old, const move_req_t *rq,
                                  timings_t *t)
{
    if (!config_matches_for_move(C, s, old, rq)) return MOVE_FAILED;
    move_result_t r = move_steps(C, s, old, rq, t);
    for (size_t i = 0; i < C->n; i++) {
        cnode_t *n = &C->nodes[i];
        if (!n->io_stopped_by_us) continue;
        n->io_stopped_by_us = false;
        char err[512];
        if (r != MOVE_DONE && n->db && db_start_io_thread(n->db, err, sizeof(err)) != 0)
            log_warn("coordinator: restart IO thread on %s after the failed move: %s", n->name, err);
    }
    return r;
}

/* ---- operator requests (failoverctl switchover / failover) ------------------------------ */

/* Clear the request we served, with a read-modify-write that retries when someone (pause,
 * resume) wrote /control in between: a request left behind would be served twice. */
static void clear_request(coord_t *C, zsess_t *s, int64_t request_at, bool failed_over)
{
    for (int tries = 0; tries < 20; tries++) {
        if (refresh(C, s) != ZOK) continue;
        if (C->ctl.request_at_ms != request_at || !C->ctl.request[0]) return; /* not ours now */
        C->ctl.request[0] = 0;
        C->ctl.request_to[0] = 0;
        C->ctl.request_force = false;
        C->ctl.request_timeout_s = 0;
        if (failed_over) note_failover(C, s);
        if (write_control(C, s) != ZBADVERSION) return;
    }
    log_error("coordinator: could not clear the served request from /control");
}

static void refuse_request(coord_t *C, zsess_t *s, const move_req_t *rq, const char *why)
{
    C->move_started_ms = 0;
    log_warn("coordinator: %s refused: %s", rq->kind, why);
    record(C, s, rq, C->prim.name, NULL, C->prim.epoch, "refused", why, NULL, NULL, NULL, NULL,
           NULL, NULL);
    clear_request(C, s, rq->request_at, false);
}

static int handle_request(coord_t *C, zsess_t *s, cnode_t *p)
{
    const config_t *cfg = C->a->cfg;
    const control_rec_t *c = &C->ctl;
    bool sw = strcmp(c->request, "switchover") == 0;
    move_req_t rq = {.kind = sw ? "switchover" : "manual-failover",
                     .reason = sw ? "requested switchover" : "requested failover",
                     .target = c->request_to[0] ? c->request_to : NULL,
                     .planned = sw,
                     .force = !sw && c->request_force,
                     .catchup_ms = c->request_timeout_s > 0 ? c->request_timeout_s * 1000
                                                            : cfg->catchup_timeout_ms,
                     .request_at = c->request_at_ms};
    char why[256];
    if (!sw && strcmp(c->request, "failover") != 0) {
        snprintf(why, sizeof(why), "unknown request \"%.20s\"; allowed: switchover, failover",
                 c->request);
        refuse_request(C, s, &rq, why);
        return cfg->check_interval_ms;
    }
    if (rq.target && strcmp(rq.target, "*") != 0) {
        cnode_t *t = node_find(C, rq.target);
        if (!t || !t->present) {
            snprintf(why, sizeof(why), "node %s has no registered agent", rq.target);
            refuse_request(C, s, &rq, why);
            return cfg->check_interval_ms;
        }
        if (t == p) {
            snprintf(why, sizeof(why), "%s is already the primary", rq.target);
            refuse_request(C, s, &rq, why);
            return cfg->check_interval_ms;
        }
    }
    if (sw && pause_in_force(C, s)) {
        refuse_request(C, s, &rq, "the cluster is paused (failoverctl resume first)");
        return cfg->check_interval_ms;
    }
    timings_t t = {0};
    if (!C->move_started_ms) C->move_started_ms = mono_ms();
    t.detect = t.confirm = C->move_started_ms;
    bool alive = probe_node(C, p);
    if (sw && !alive) {
        refuse_request(C, s, &rq, "the primary is down: use failoverctl failover --to NODE");
        return cfg->check_interval_ms;
    }
    if (!sw && alive && !c->request_force) {
        refuse_request(C, s, &rq, "the primary answers: use switchover, or failover --force");
        return cfg->check_interval_ms;
    }
    if (!sw && !alive && !c->request_force) {
        primary_obs_t o = {.consecutive_failures = cfg->failure_threshold};
        observe_replicas(C, p, &o, true);
        detect_t d = detect_primary_loss(&o, cfg->failure_threshold);
        if (d != DETECT_CONFIRMED_DEAD) {
            snprintf(why, sizeof(why), "primary loss not confirmed (%s): use --force to skip "
                     "this check", detect_name(d));
            refuse_request(C, s, &rq, why);
            return cfg->check_interval_ms;
        }
    }
    move_result_t r = move_primary(C, s, p, &rq, &t);
    if (r == MOVE_WAITING) return 100;
    C->move_started_ms = 0;
    clear_request(C, s, rq.request_at, r == MOVE_DONE && !sw);
    return 100;
}

/* ---- watching the primary --------------------------------------------------------------- */

/* A watch fired since the main loop last read the cluster state (the kick stays for it). */
/* A confirmed automatic failover, unless the cluster is paused, anti-flap holds, or the last
 * attempt failed a moment ago. Returns the wait before the next check. stranded: the old primary
 * answers (read-only, no agent): the move is planned, its live position caught up. */
static int start_failover(coord_t *C, zsess_t *s, cnode_t *p, timings_t *t, const char *stranded)
{
    const config_t *cfg = C->a->cfg;
    char msg[512];
    if (pause_in_force(C, s)) {
        /* Time spent paused is not detection time: count again from the resume. No move is
         * decided, so none has started: a manual one served meanwhile times itself. */
        C->first_failure_ms = mono_ms();
        C->move_started_ms = 0;
        snprintf(msg, sizeof(msg), "primary %s is lost but the cluster is paused: no automatic "
                 "failover (failoverctl resume)", p->name);
        say_once(C, LOG_LVL_WARNING, msg);
        return cfg->check_interval_ms;
    }
    if (antiflap_holds(C, s)) {
        snprintf(msg, sizeof(msg), "primary %s is lost but the last failover was less than "
                 "anti_flap_s=%d ago: use failoverctl failover", p->name, cfg->anti_flap_s);
        say_once(C, LOG_LVL_ERROR, msg);
        C->first_failure_ms = mono_ms();
        C->move_started_ms = 0;
        return cfg->check_interval_ms;
    }
    if (mono_ms() < C->backoff_until_ms) return cfg->check_interval_ms;
    move_req_t rq = {.kind = "failover",
                     .reason = stranded ? stranded
                                        : "primary mysqld unreachable and no replica connected to it",
                     .planned = stranded != NULL,
                     .catchup_ms = cfg->catchup_timeout_ms};
    move_result_t r = move_primary(C, s, p, &rq, t);
    if (r != MOVE_WAITING) C->move_started_ms = 0;
    if (r == MOVE_FAILED) {
        /* Nothing changes in a tenth of a second: look again later, record once per attempt. */
        int64_t wait = 10 * (int64_t)cfg->check_interval_ms;
        C->backoff_until_ms = mono_ms() + (wait < 5000 ? 5000 : wait);
    }
    if (r == MOVE_DONE) {
        refresh(C, s);
        note_failover(C, s);
        write_control(C, s);
    }
    return 100;
}

/* The primary answered: is it stranded (read-only, no agent, for a session timeout)? */
static int check_stranded(coord_t *C, zsess_t *s, cnode_t *p)
{
    const config_t *cfg = C->a->cfg;
    int64_t now = mono_ms();
    if (p->listed || !p->probe.read_only) {
        p->stranded_since_ms = 0;
        return cfg->check_interval_ms;
    }
    if (!p->stranded_since_ms) p->stranded_since_ms = now;
    pthread_mutex_lock(&C->a->mu);
    int T = agent_session_timeout(C->a);
    pthread_mutex_unlock(&C->a->mu);
    int64_t ms = now - p->stranded_since_ms;
    if (!primary_stranded(true, true, false, ms, T)) {
        char msg[300];
        snprintf(msg, sizeof(msg), "primary %s is read-only and has no registered agent; moving "
                 "the primary if that lasts %d ms (the session timeout)", p->name, T);
        say_once(C, LOG_LVL_WARNING, msg);
        int64_t left = T - ms;
        return left < cfg->check_interval_ms ? (int)left + 1 : cfg->check_interval_ms;
    }
    char why[200];
    snprintf(why, sizeof(why), "primary read-only with no registered agent for %lld ms",
             (long long)ms);
    timings_t t = {.detect = p->stranded_since_ms, .confirm = now};
    if (!C->move_started_ms) C->move_started_ms = now;
    return start_failover(C, s, p, &t, why);
}

static int check_primary(coord_t *C, zsess_t *s)
{
    const config_t *cfg = C->a->cfg;
    cnode_t *p = node_add(C, C->prim.name);
    if (!p) return cfg->check_interval_ms;
    if (!p->host[0]) {
        snprintf(p->host, sizeof(p->host), "%s", C->prim.host);
        p->port = C->prim.port;
    }
    if (C->ctl.request[0]) return handle_request(C, s, p);
    /* A confirmed failover waiting for the old primary's fence: the acknowledgement (or its
     * session's end) arrives by a watch, which wakes us. Once it is there, go on at once: probing
     * the fenced primary again first would only wait out a connect deadline towards a host that
     * is cut off. Until then, look for its return (then unfence) only every FENCE_WAIT_REPROBE_MS,
     * so that the watch does not land while we sit in such a probe. */
    bool fence_wait = C->move_started_ms && C->prim.fencing;
    if (fence_wait && fenced_ack(C, p)) {
        timings_t t = {.detect = C->first_failure_ms, .confirm = C->move_started_ms};
        return start_failover(C, s, p, &t, NULL);
    }
    int64_t since = mono_ms() - C->last_prim_probe_ms;
    if (fence_wait && since < FENCE_WAIT_REPROBE_MS) return (int)(FENCE_WAIT_REPROBE_MS - since);
    int64_t sent = C->last_prim_probe_ms = mono_ms();
    if (probe_node_within(C, p, true)) {
        if (C->failures) log_notice("coordinator: primary %s answers again", p->name);
        C->failures = 0;
        C->move_started_ms = 0;
        C->last_msg[0] = 0;
        /* A move that did not finish (we or a previous coordinator died, or the primary came
         * back): the primary answers, so hand writes back to it. */
        if (C->prim.fencing) set_fencing(C, s, false);
        return check_stranded(C, s, p);
    }
    timings_t t = {0};
    if (C->failures++ == 0) C->first_failure_ms = sent; /* the unanswered probe's send time */
    t.detect = C->first_failure_ms;

    /* The replicas' word (an agent publishing that its IO thread went silent) often arrives
     * while we sit in that probe: judge by it now, not after yet another probe. */
    if (C->failures >= cfg->failure_threshold && take_dirty(C)) refresh_dirty(C, s);
    /* Its agent saying that no mysqld process runs any more counts as much as failure_threshold
     * probes of ours (crashwatch.c): the node's state as read at the watch it fired. */
    primary_obs_t o = {.primary_reachable = false, .consecutive_failures = C->failures,
                       .agent_gone = !p->listed,
                       .mysqld_down = p->present && p->st.mysqld_down && !p->st.healthy};
    int need = o.agent_gone || o.mysqld_down ? 1 : cfg->failure_threshold;
    observe_replicas(C, p, &o, C->failures >= need);
    detect_t d = detect_primary_loss(&o, cfg->failure_threshold);
    if (d != DETECT_CONFIRMED_DEAD) {
        char msg[512];
        snprintf(msg, sizeof(msg), "primary %s unreachable (%d in a row): %s; no failover", p->name,
                 C->failures, detect_name(d));
        say_once(C, d == DETECT_SUSPECT ? LOG_LVL_INFO : LOG_LVL_WARNING, msg);
        /* Look again soon: detection speed is set by this, not by check_interval_ms. A replica's
         * IO thread notices a dead source's closed connection within milliseconds: once the
         * agent reported its mysqld gone, the replicas' word is a few ms away (20 ms: a refused
         * connect and the replicas' probes, a few times at most). */
        return d == DETECT_SUSPECT ? 100 : o.mysqld_down ? 20 : cfg->check_interval_ms;
    }
    if (!C->move_started_ms) C->move_started_ms = mono_ms(); /* confirmed once, kept while waiting */
    t.confirm = C->move_started_ms;
    return start_failover(C, s, p, &t, NULL);
}

void *coord_main(void *arg)
{
    agent_t *a = arg;
    coord_t *C = calloc(1, sizeof(*C));
    if (!C) abort();
    C->a = a;
    int wait_ms = a->cfg->check_interval_ms;
    for (;;) {
        struct timespec ts = cond_deadline(wait_ms);
        pthread_mutex_lock(&a->mu);
        while (!a->kick_coord && !a->stopping)
            if (pthread_cond_timedwait(&a->cv, &a->mu, &ts) != 0) break;
        a->kick_coord = false;
        bool stop = a->stopping;
        bool leader = a->is_coordinator;
        pthread_mutex_unlock(&a->mu);
        if (stop) break;
        wait_ms = a->cfg->check_interval_ms;
        if (!leader) continue;
        zsess_t *s = session_get(a);
        if (!s) continue;
        /* Re-read only the znodes whose watches fired (refresh_dirty()). Outside a move, at
         * most twice per interval, and probe the primary on its own timer; during a move (or
         * once the primary failed a probe, or a request is pending) react to every change at
         * once. A new session, or ZK_REREAD_MS without a full read, re-reads everything. */
        const int interval = a->cfg->check_interval_ms;
        int64_t now = mono_ms();
        bool busy = C->move_started_ms || C->failures || C->ctl.request[0] || !C->have_prim;
        bool dirty = take_dirty(C);
        bool full = C->read_gen != s->gen || now - C->last_full_read_ms > ZK_REREAD_MS;
        bool want_read = dirty || full;
        /* The primary's own agent published (its mysqld went down, say): act on it now. */
        bool prim_fired = false;
        for (int i = 0; C->have_prim && i < C->ndirty && !prim_fired; i++)
            prim_fired = strcmp(C->dirty_names[i], C->prim.name) == 0;
        busy |= prim_fired;
        bool read_now = want_read && (busy || full || now - C->last_read_ms >= interval / 2);
        if (!read_now && !busy && now < C->next_check_ms) {
            int64_t until = C->next_check_ms;
            if (want_read && C->last_read_ms + interval / 2 < until)
                until = C->last_read_ms + interval / 2;
            wait_ms = until > now ? (int)(until - now) : 1;
            session_put(a, s);
            continue;
        }
        char elect[ZK_PATH_MAX];
        if (still_leader(C, s, elect, sizeof(elect))) {
            int rc = ZOK;
            if (read_now) {
                /* A new session may sit on a follower that lags: sync before its first read. */
                if (C->read_gen != s->gen) rc = zk_sync_wait(s->zh, "/", interval);
                if (rc == ZOK) rc = full ? refresh(C, s) : refresh_dirty(C, s);
                if (rc == ZOK) C->read_gen = s->gen;
                if (full) C->last_full_read_ms = mono_ms();
                C->last_read_ms = mono_ms();
            }
            if (rc != ZOK) {
                log_debug("coordinator: cannot read cluster state: %s", zerror(rc));
            } else if (!C->have_prim) {
                bootstrap(C, s);
            } else if (mono_ms() >= C->next_check_ms || C->failures || C->move_started_ms ||
                       C->ctl.request[0] || C->prim_version != C->checked_prim_version ||
                       prim_fired) {
                C->checked_prim_version = C->prim_version;
                wait_ms = check_primary(C, s);
                C->next_check_ms = mono_ms() + wait_ms;
            } else {
                wait_ms = (int)(C->next_check_ms - mono_ms());
            }
            if (C->dirty || C->ndirty) { /* a read that failed, or one deferred */
                int64_t left = C->last_read_ms + interval / 2 - mono_ms();
                if (left < wait_ms) wait_ms = left > 0 ? (int)left : 1;
            }
        }
        session_put(a, s);
    }
    for (size_t i = 0; i < C->n; i++) db_close(C->nodes[i].db);
    free(C);
    return NULL;
}
