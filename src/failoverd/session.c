/* session.c -- the agent's ZooKeeper session, owned by the event loop thread: connect, hand
 * callbacks to the loop, heartbeat, the fencing deadline, and a fresh session after expiry. */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "clockutil.h"
#include "decide.h"
#include "log.h"

/* ---- ZooKeeper threads: copy, queue, wake the loop; never block here -------------------- */

static void enqueue(agent_t *a, zev_t *e)
{
    pthread_mutex_lock(&a->qmu);
    if (a->qtail)
        a->qtail->next = e;
    else
        a->qhead = e;
    a->qtail = e;
    pthread_mutex_unlock(&a->qmu);
    ev_async_send(a->loop, &a->wake);
}

typedef struct watch_ctx {
    agent_t *a;
    uint64_t gen;
} watch_ctx_t;

static void on_zk_event(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    watch_ctx_t *w = ctx;
    zev_t *e = calloc(1, sizeof(*e));
    if (!e) abort();
    e->kind = type == ZOO_SESSION_EVENT ? ZEV_SESSION : ZEV_WATCH;
    e->gen = w->gen;
    e->type = type;
    e->state = state;
    snprintf(e->path, sizeof(e->path), "%s", path ? path : "");
    enqueue(w->a, e);
}

typedef struct hb_ctx {
    agent_t *a;
    uint64_t gen;
    int64_t sent_ms;
} hb_ctx_t;

/* The answer to a sync: the server we talk to forwarded it to the ZooKeeper leader and heard
 * back, so the leader had not expired our session when it ordered the sync, which was after
 * sent_ms. A plain read would not do: a follower cut off from the leader keeps answering reads
 * (and pings) from its own state for up to syncLimit x tickTime, after the leader has expired
 * the session and a new primary may have been promoted. */
static void on_heartbeat_done(int rc, const char *value, const void *data)
{
    (void)value;
    hb_ctx_t *h = (hb_ctx_t *)data;
    zev_t *e = calloc(1, sizeof(*e));
    if (!e) abort();
    e->kind = ZEV_HEARTBEAT;
    e->gen = h->gen;
    e->rc = rc;
    e->sent_ms = h->sent_ms;
    agent_t *a = h->a;
    free(h);
    enqueue(a, e);
}

/* ---- references ------------------------------------------------------------------------- */

static void sess_release(agent_t *a, zsess_t *s)
{
    pthread_mutex_lock(&a->mu);
    bool last = --s->refs == 0;
    pthread_mutex_unlock(&a->mu);
    if (last) {
        /* The old session is dead: closing it sends nothing the server still needs. */
        if (s->zh) zookeeper_close(s->zh); /* no watcher call can follow this */
        free(s->watch_ctx);
        free(s);
    }
}

zsess_t *session_get(agent_t *a)
{
    zsess_t *s = NULL;
    pthread_mutex_lock(&a->mu);
    if (a->sess && a->zk_connected) {
        s = a->sess;
        s->refs++;
    }
    pthread_mutex_unlock(&a->mu);
    return s;
}

void session_put(agent_t *a, zsess_t *s)
{
    if (s) sess_release(a, s);
}

int agent_session_timeout(const agent_t *a)
{
    return a->session_timeout_ms > 0 ? a->session_timeout_ms : a->cfg->zk_session_timeout_ms;
}

void agent_kick(agent_t *a, bool local, bool coord)
{
    pthread_mutex_lock(&a->mu);
    a->kick_local |= local;
    a->kick_coord |= coord;
    if (local) a->local_dirty |= DIRTY_ALL;
    if (coord) a->coord_dirty |= DIRTY_ALL;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* ---- loop thread ------------------------------------------------------------------------ */

static void new_session(agent_t *a)
{
    zsess_t *s = calloc(1, sizeof(*s));
    if (!s) abort();
    watch_ctx_t *w = calloc(1, sizeof(*w)); /* lives as long as the handle */
    if (!w) abort();
    s->watch_ctx = w;
    pthread_mutex_lock(&a->mu);
    s->gen = ++a->gen;
    s->refs = 1; /* the loop's own reference */
    a->sess = s;
    a->zk_connected = false;
    a->last_ack_sent_ms = 0; /* only answers within this session count */
    pthread_mutex_unlock(&a->mu);
    w->a = a;
    w->gen = s->gen;
    /* The first session of a restarted agent is its predecessor's, if the lease names one
     * (lease.c: its registration must not vanish while mysqld may be writable). */
    clientid_t saved;
    const clientid_t *resume = lease_resume(a, &saved);
    if (resume)
        log_notice("zookeeper: resuming the previous agent's session 0x%llx (from %s)",
                   (unsigned long long)resume->client_id, a->lease_path);
    s->zh = zookeeper_init(a->cfg->zk_hosts, on_zk_event, a->cfg->zk_session_timeout_ms, resume,
                           w, 0);
    zk_tune_handle(s->zh);
    char aerr[256];
    /* Before the session exists, so no znode of ours is ever created without our identity; the
     * client resends it on every reconnect. */
    if (s->zh && zk_add_auth(s->zh, a->cfg, aerr, sizeof(aerr)) != 0) log_error("zookeeper: %s", aerr);
    if (!s->zh) {
        /* Only bad arguments or out of memory get here; config validation rules out the first. */
        log_error("zookeeper_init(%s) failed; retrying at the next heartbeat", a->cfg->zk_hosts);
    }
    log_info("zookeeper: new session handle (generation %llu) to %s",
             (unsigned long long)s->gen, a->cfg->zk_hosts);
}

/* Session expiry ends every belief tied to the session: leadership, our ephemerals, watches. */
static void session_expired(agent_t *a)
{
    pthread_mutex_lock(&a->mu);
    zsess_t *old = a->sess;
    a->sess = NULL;
    a->zk_connected = false;
    a->session_alive = false;
    a->is_coordinator = false;
    a->is_desired_primary = false; /* re-learned from /primary in the new session */
    a->peers_known = false;
    a->fence_requested = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    ev_timer_stop(a->loop, &a->fence_timer);
    lease_session(a, NULL);
    log_warn("zookeeper: session expired: dropping leadership, registration and watches; "
             "fencing and starting a new session");
    if (old) sess_release(a, old);
    new_session(a);
}

static void arm_fence_timer(agent_t *a)
{
    int64_t deadline;
    pthread_mutex_lock(&a->mu);
    deadline = fence_deadline_ms(a->last_ack_sent_ms, a->session_timeout_ms);
    int64_t now = mono_ms();
    bool was = a->session_alive;
    a->session_alive = a->last_ack_sent_ms > 0 && now < deadline;
    a->alive_until_ms = a->session_alive ? deadline : 0;
    bool alive = a->session_alive;
    if (alive) a->deadline_passed = false;
    if (alive && !was) {
        a->alive_since_ms = now;
        a->kick_local = true;
        a->local_dirty |= DIRTY_ALL;
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    ev_timer_stop(a->loop, &a->fence_timer);
    if (alive) {
        ev_timer_set(&a->fence_timer, (double)(deadline - now) / 1000.0, 0.);
        ev_timer_start(a->loop, &a->fence_timer);
        lease_record(a, deadline);
    }
    if (alive && !was) log_info("zookeeper: session confirmed live; fencing deadline armed");
}

static void on_fence_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    agent_t *a = w->data;
    pthread_mutex_lock(&a->mu);
    /* The fencer keeps the same deadline by the clock and may have acted on it already. */
    bool seen = !a->session_alive && a->deadline_passed;
    a->session_alive = false;
    a->deadline_passed = true;
    if (!seen) a->fence_requested = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    if (seen) return;
    log_warn("zookeeper: no answer for half the session timeout (%d ms): the session may expire "
             "soon; fencing unless failsafe applies",
             a->session_timeout_ms);
}

static void handle_session_event(agent_t *a, const zev_t *e)
{
    if (e->state == ZOO_CONNECTED_STATE) {
        pthread_mutex_lock(&a->mu);
        zsess_t *s = a->sess;
        a->zk_connected = true;
        a->connected_at_ms = mono_ms();
        a->session_timeout_ms = zoo_recv_timeout(s->zh);
        const clientid_t *cid = zoo_client_id(s->zh);
        s->client_id = cid ? cid->client_id : 0;
        a->kick_local = a->kick_coord = true;
        a->local_dirty |= DIRTY_ALL;
        a->coord_dirty |= DIRTY_ALL;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (cid) lease_session(a, cid); /* for our next process, should this one die */
        const char *srv = zoo_get_current_server(s->zh);
        log_info("zookeeper: connected to %s, session 0x%llx, timeout %d ms", srv ? srv : "?",
                 (unsigned long long)s->client_id, a->session_timeout_ms);
        ev_feed_event(a->loop, &a->heartbeat, EV_TIMER); /* prove the session live at once */
    } else if (e->state == ZOO_CONNECTING_STATE || e->state == ZOO_ASSOCIATING_STATE) {
        pthread_mutex_lock(&a->mu);
        bool was = a->zk_connected;
        a->zk_connected = false;
        pthread_mutex_unlock(&a->mu);
        if (was) log_warn("zookeeper: connection lost; reconnecting (the session lives on until "
                          "the server expires it)");
    } else if (e->state == ZOO_EXPIRED_SESSION_STATE || e->state == ZOO_AUTH_FAILED_STATE) {
        if (e->state == ZOO_AUTH_FAILED_STATE) log_error("zookeeper: authentication failed");
        session_expired(a);
    }
}

/* Wake the thread(s) a fired watch concerns, saying what to re-read: the local worker
 * watches /primary, /control, the /nodes listing and its election predecessor; the coordinator
 * /primary, /control, the listing and every nodes/<name>. Anything else: both, everything. */
static void kick_for_watch(agent_t *a, const char *path)
{
    char root[ZK_PATH_MAX];
    zk_cluster_path(a->cfg, root, sizeof(root), "%s", "");
    size_t rl = strlen(root);
    const char *rel = strncmp(path, root, rl) == 0 ? path + rl : "";
    unsigned local = 0, coord = 0;
    const char *node = NULL;
    if (strcmp(rel, "/primary") == 0)
        local = coord = DIRTY_PRIMARY;
    else if (strcmp(rel, "/control") == 0)
        local = coord = DIRTY_CONTROL;
    else if (strcmp(rel, "/nodes") == 0)
        local = coord = DIRTY_NODE_LIST;
    else if (strncmp(rel, "/nodes/", 7) == 0 && name_is_valid(rel + 7))
        node = rel + 7;
    else if (strcmp(rel, "/election") == 0 || strncmp(rel, "/election/", 10) == 0)
        local = DIRTY_ELECTION;
    else
        local = coord = DIRTY_ALL;
    pthread_mutex_lock(&a->mu);
    if (node) {
        bool have = false;
        for (int i = 0; i < a->ndirty_nodes && !have; i++)
            have = strcmp(a->dirty_nodes[i], node) == 0;
        if (!have && a->ndirty_nodes < DIRTY_NODES_MAX)
            snprintf(a->dirty_nodes[a->ndirty_nodes++], sizeof(a->dirty_nodes[0]), "%s", node);
        else if (!have)
            coord |= DIRTY_ALL;
        a->kick_coord = true;
    }
    a->local_dirty |= local;
    a->coord_dirty |= coord;
    if (local) a->kick_local = true;
    if (coord) a->kick_coord = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* Everything the ZooKeeper threads queued, oldest first; the queue is left empty. */
static zev_t *take_queue(agent_t *a)
{
    pthread_mutex_lock(&a->qmu);
    zev_t *e = a->qhead;
    a->qhead = a->qtail = NULL;
    pthread_mutex_unlock(&a->qmu);
    return e;
}

static void on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)loop;
    (void)revents;
    agent_t *a = w->data;
    zev_t *e = take_queue(a);
    while (e) {
        zev_t *next = e->next;
        pthread_mutex_lock(&a->mu);
        bool current = e->gen == a->gen;
        pthread_mutex_unlock(&a->mu);
        if (current) {
            switch (e->kind) {
            case ZEV_SESSION:
                handle_session_event(a, e);
                break;
            case ZEV_WATCH:
                log_debug("zookeeper: watch fired on %s (type %d)", e->path, e->type);
                kick_for_watch(a, e->path);
                break;
            case ZEV_HEARTBEAT:
                if (e->rc == ZOK) {
                    pthread_mutex_lock(&a->mu);
                    if (e->sent_ms > a->last_ack_sent_ms) a->last_ack_sent_ms = e->sent_ms;
                    pthread_mutex_unlock(&a->mu);
                    arm_fence_timer(a);
                }
                break;
            default:
                break;
            }
        }
        free(e);
        e = next;
    }
}

/* The heartbeat stalled on a server that still holds our TCP connection (a follower cut off
 * from its leader, a stopped or overloaded server): move the session to another server of the
 * connect string well before the fencing deadline. zoo_set_servers() with a list that lacks the
 * current server makes the client drop the connection and resume the same session (its client
 * id) on one of the others; the list then lacks that server until the next move. Only literal
 * host:port entries can be told apart (no DNS on the loop thread). */
static void move_session(agent_t *a, zsess_t *s, int64_t now)
{
    const char *srv = zoo_get_current_server(s->zh); /* a static buffer of the client's: copy */
    char curbuf[300], list[1024] = "", hosts[1024];
    snprintf(curbuf, sizeof(curbuf), "%s", srv ? srv : "");
    const char *cur = curbuf[0] ? curbuf : NULL;
    snprintf(hosts, sizeof(hosts), "%s", a->cfg->zk_hosts);
    int kept = 0, dropped = 0;
    for (char *save = NULL, *h = strtok_r(hosts, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
        while (*h == ' ') h++;
        if (cur && strcmp(h, cur) == 0) {
            dropped++;
            continue;
        }
        size_t l = strlen(list);
        snprintf(list + l, sizeof(list) - l, "%s%s", kept ? "," : "", h);
        kept++;
    }
    a->last_move_ms = now;
    if (!dropped || !kept) {
        if (kept > 1 || dropped)
            log_warn("zookeeper: no answer from %s for a quarter of the session timeout, and no "
                     "other server to move to (zk_hosts lists it %s)", cur ? cur : "?",
                     dropped ? "alone" : "by name, not as host:port");
        return;
    }
    int rc = zoo_set_servers(s->zh, list);
    if (rc == ZOK)
        log_warn("zookeeper: no answer from %s for a quarter of the session timeout: moving the "
                 "session to %s", cur, list);
    else
        log_warn("zookeeper: cannot move the session off %s: %s", cur, zerror(rc));
}

static void on_heartbeat(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    agent_t *a = w->data;
    pthread_mutex_lock(&a->mu);
    zsess_t *s = a->sess;
    bool up = s && a->zk_connected;
    uint64_t gen = s ? s->gen : 0;
    int64_t now = mono_ms();
    int T = a->session_timeout_ms;
    /* Counted from the last answer or the last (re)connection, whichever is later: a server we
     * have just reached gets its chance to answer before we move on. */
    int64_t since = a->last_ack_sent_ms > a->connected_at_ms ? a->last_ack_sent_ms : a->connected_at_ms;
    bool stalled = up && since > 0 && T > 0 && zk_in_doubt(true, since, now, T) &&
                   now - a->last_move_ms > T / 4;
    pthread_mutex_unlock(&a->mu);
    if (!s) return;
    if (!s->zh) {
        /* zookeeper_init failed earlier: try a fresh handle. */
        session_expired(a);
        return;
    }
    if (stalled) move_session(a, s, now);
    if (!up) return;
    hb_ctx_t *h = calloc(1, sizeof(*h));
    if (!h) abort();
    h->a = a;
    h->gen = gen;
    h->sent_ms = mono_ms();
    /* Only an operation the leader has ordered extends the writable deadline, counted from when
     * it was sent (DESIGN invariant 2): a sync. */
    if (zoo_async(s->zh, "/", on_heartbeat_done, h) != ZOK) free(h);
}

void session_start(agent_t *a)
{
    ev_async_init(&a->wake, on_wake);
    a->wake.data = a;
    ev_async_start(a->loop, &a->wake);
    ev_init(&a->fence_timer, on_fence_timer);
    a->fence_timer.data = a;
    /* An agent that never reaches ZooKeeper must not leave its mysqld writable: the first
     * deadline runs from startup, or is the one its previous process left (lease.c), and every
     * answered heartbeat pushes it further. */
    int64_t now = mono_ms();
    int64_t first = lease_start_deadline(a, now);
    ev_timer_set(&a->fence_timer, first > now ? (double)(first - now) / 1000.0 : 0., 0.);
    ev_timer_start(a->loop, &a->fence_timer);
    /* Several heartbeats per half-timeout, so one lost answer does not trigger fencing. */
    int hb = a->cfg->zk_session_timeout_ms / 8;
    if (hb > a->cfg->check_interval_ms) hb = a->cfg->check_interval_ms;
    if (hb < 50) hb = 50;
    ev_timer_init(&a->heartbeat, on_heartbeat, 0.05, hb / 1000.0);
    a->heartbeat.data = a;
    ev_timer_start(a->loop, &a->heartbeat);
    new_session(a);
}

void session_stop(agent_t *a)
{
    ev_timer_stop(a->loop, &a->heartbeat);
    ev_timer_stop(a->loop, &a->fence_timer);
    pthread_mutex_lock(&a->mu);
    zsess_t *s = a->sess;
    a->sess = NULL;
    a->zk_connected = false;
    pthread_mutex_unlock(&a->mu);
    /* A clean close removes our ephemerals at once, so peers need not wait for expiry. */
    if (s) sess_release(a, s);
    lease_close(a, true);
    ev_async_stop(a->loop, &a->wake);
    /* zookeeper_close() hands the watcher its last events and fails pending completions: they
     * were queued for a loop that no longer runs. */
    for (zev_t *e = take_queue(a), *next; e; e = next) {
        next = e->next;
        free(e);
    }
}
