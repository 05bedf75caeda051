/* status.c -- failoverctl status: one snapshot of the cluster from ZooKeeper, as an aligned table
 * for people (redrawn in place with --watch) or as stable JSON (failoverctl(8)) for scripts. */
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clockutil.h"
#include "ctl.h"
#include "exitcodes.h"
#include "gtid.h"
#include "observe.h"
#include "zkutil.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static bool is_desired(const cluster_view_t *v, const node_state_t *n)
{
    return v->have_primary && strcmp(v->primary.name, n->name) == 0;
}

static const char *node_state_word(const cluster_view_t *v, const node_state_t *n)
{
    if (!n->healthy) return "down";
    if (n->diverged) return "diverged";
    if (is_desired(v, n)) {
        if (v->primary.fencing && !n->read_only) return "fencing";
        return n->read_only ? "fenced" : "writable";
    }
    if (n->role == ROLE_REPLICA) {
        if (n->io_running && n->source_silent) return "silent";
        if (n->io_running && n->sql_running) return "streaming";
        return n->error[0] ? "broken" : "stopped";
    }
    return n->read_only ? "read-only" : "WRITABLE!";
}

/* Whether the node does its job, as the load balancer's checks judge it (http.c): the named
 * primary writable, a replica replicating within max_lag_s. A replica whose SQL thread is stopped
 * answers its probes but is not healthy: /replica answers 503 for it. */
static bool node_healthy(const config_t *cfg, const cluster_view_t *v, const node_state_t *n)
{
    if (!n->healthy || n->diverged) return false;
    if (is_desired(v, n)) return !n->read_only && n->role == ROLE_PRIMARY && !v->primary.fencing;
    return n->role == ROLE_REPLICA && n->read_only && n->io_running && n->sql_running &&
           !n->source_silent && n->lag_s >= 0 && n->lag_s <= cfg->max_lag_s;
}

/* The digest the others are held to: the coordinator's (it is the one that acts), else the one
 * most nodes publish. NULL when no node publishes one. */
static const node_state_t *digest_reference(const cluster_view_t *v)
{
    const node_state_t *ref = v->coordinator[0] ? ctl_view_node(v, v->coordinator) : NULL;
    if (ref && ref->config_digest[0]) return ref;
    size_t best = 0;
    ref = NULL;
    for (size_t i = 0; i < v->n; i++) {
        size_t same = 0;
        for (size_t j = 0; j < v->n; j++)
            same += v->nodes[i].config_digest[0] &&
                    strcmp(v->nodes[i].config_digest, v->nodes[j].config_digest) == 0;
        if (same > best) {
            best = same;
            ref = &v->nodes[i];
        }
    }
    return ref;
}

/* One problem per node whose keys that must match on every node (failoverd.conf(5)) differ from
 * the reference's: the coordinator starts no move until they match. Agents of another version
 * may digest other keys and are not compared (neither does the coordinator). */
static size_t config_problems(const cluster_view_t *v, char (*out)[400], size_t max)
{
    const node_state_t *ref = digest_reference(v);
    size_t k = 0;
    for (size_t i = 0; ref && i < v->n && k < max; i++) {
        const node_state_t *n = &v->nodes[i];
        if (!n->config_digest[0] || strcmp(n->agent_version, ref->agent_version) != 0 ||
            strcmp(n->config_digest, ref->config_digest) == 0)
            continue;
        snprintf(out[k++], sizeof(out[0]), "config mismatch: %s's keys that must match on every "
                 "node differ from %s's%s (config_digest %s, %s): no failover or switchover "
                 "until they match", n->name, ref->name,
                 strcmp(ref->name, v->coordinator) == 0 ? " (the coordinator)" : "",
                 n->config_digest, ref->config_digest);
    }
    return k;
}

/* ---- what status knows beyond the registrations --------------------------------------- */

#define ST_MAX_PROBLEMS 128
#define ST_HISTORY_LOOKBACK 20 /* records whose nodes status still lists when their agent is gone */

/* A node that /primary, the history or a replica's source names, with no registered agent. */
typedef struct st_orphan {
    char name[NAME_MAX_LEN + 1];
    char host[HOST_MAX_LEN + 1]; /* "" when nothing says where it is */
    int port;
    const char *named_by;        /* "/primary", "history", "a replica's source", "this config" */
    bool probed, reachable;      /* probed directly (needs the [mysql] account of -c FILE) */
    db_probe_t probe;
    char err[300];
} st_orphan_t;

typedef struct st_problem {
    const char *kind; /* "primary-down", "agent-missing", ... (failoverctl(8), status) */
    char node[NAME_MAX_LEN + 1];
    char text[480];
} st_problem_t;

typedef struct st {
    const config_t *cfg;
    bool can_probe; /* a config file gave the [mysql] account */
    cluster_view_t *v;
    st_orphan_t orphan[CTL_MAX_NODES];
    size_t norphan;
    st_problem_t prob[ST_MAX_PROBLEMS];
    size_t nprob;
    int verdict; /* STATUS_HEALTHY, STATUS_DEGRADED or STATUS_NO_PRIMARY */
    int64_t now;
} st_t;

static void problem(st_t *s, const char *kind, const char *node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(st_t *s, const char *kind, const char *node, const char *fmt, ...)
{
    if (s->nprob >= ST_MAX_PROBLEMS) return;
    st_problem_t *p = &s->prob[s->nprob++];
    p->kind = kind;
    snprintf(p->node, sizeof(p->node), "%s", node ? node : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->text, sizeof(p->text), fmt, ap);
    va_end(ap);
    if (s->verdict == STATUS_HEALTHY) s->verdict = STATUS_DEGRADED;
}

static st_orphan_t *orphan_find(st_t *s, const char *name)
{
    for (size_t i = 0; i < s->norphan; i++)
        if (strcmp(s->orphan[i].name, name) == 0) return &s->orphan[i];
    return NULL;
}

/* Remember a named node that has no registration (and fill in its address when one is known). */
static void orphan_add(st_t *s, const char *name, const char *host, int port, const char *by)
{
    if (!name || !name_is_valid(name) || ctl_view_node(s->v, name)) return;
    st_orphan_t *o = orphan_find(s, name);
    if (!o) {
        if (s->norphan >= CTL_MAX_NODES) return;
        o = &s->orphan[s->norphan++];
        memset(o, 0, sizeof(*o));
        snprintf(o->name, sizeof(o->name), "%s", name);
        o->named_by = by;
    }
    if (!o->host[0] && host && host[0]) {
        snprintf(o->host, sizeof(o->host), "%s", host);
        o->port = port;
    }
}

static void orphans_from_history(st_t *s, zhandle_t *zh)
{
    ctl_hist_t *h = NULL;
    char err[256];
    long n = ctl_hist_load(zh, s->cfg, -1, ST_HISTORY_LOOKBACK, false, &h, NULL, err, sizeof(err));
    for (long i = 0; i < n; i++) {
        if (!h[i].obj) continue;
        orphan_add(s, ctl_json_str(h[i].obj, "old"), NULL, 0, "history");
        orphan_add(s, ctl_json_str(h[i].obj, "new"), NULL, 0, "history");
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(h[i].obj, "candidates"), k, c)
        {
            orphan_add(s, ctl_json_str(c, "name"), NULL, 0, "history");
        }
    }
    ctl_hist_free(h, n);
}

/* /members, which the coordinator keeps: every node whose agent ever registered, and where. */
static void orphans_from_members(st_t *s, zhandle_t *zh)
{
    char path[ZK_PATH_MAX], err[256];
    char *buf = NULL;
    int len = 0;
    zk_cluster_path(s->cfg, path, sizeof(path), "/members");
    if (zk_get_alloc(zh, path, false, &buf, &len, NULL) != ZOK) return;
    members_rec_t *m = calloc(1, sizeof(*m));
    if (!m) abort();
    if (members_rec_from_json(m, buf, (size_t)len, err, sizeof(err)) == 0)
        for (size_t i = 0; i < m->n; i++)
            orphan_add(s, m->m[i].name, m->m[i].host, m->m[i].port, "the member list");
    else
        problem(s, "malformed", NULL, "ignored malformed /members: %s", err);
    free(m);
    free(buf);
}

/* Every node that /primary, the member list, the history, a replica's source or this host's
 * config names. */
static void gather_orphans(st_t *s, zhandle_t *zh)
{
    const cluster_view_t *v = s->v;
    s->norphan = 0;
    if (v->have_primary)
        orphan_add(s, v->primary.name, v->primary.host, v->primary.port, "/primary");
    orphans_from_members(s, zh);
    if (s->cfg->node_name && s->can_probe)
        orphan_add(s, s->cfg->node_name, s->cfg->node_host, s->cfg->node_port, "this config");
    orphans_from_history(s, zh);
    for (size_t i = 0; i < v->n; i++) {
        const node_state_t *n = &v->nodes[i];
        if (!n->source_host[0] || ctl_view_node_at(v, n->source_host, n->source_port)) continue;
        bool known = false;
        for (size_t k = 0; k < s->norphan; k++) {
            st_orphan_t *o = &s->orphan[k];
            if (o->host[0] && o->port == n->source_port && strcmp(o->host, n->source_host) == 0)
                known = true;
        }
        if (!known) { /* an address nobody names: list it under its address */
            char name[NAME_MAX_LEN + 1];
            snprintf(name, sizeof(name), "%.40s_%d", n->source_host, n->source_port);
            for (char *c = name; *c; c++)
                if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-", *c))
                    *c = '_';
            orphan_add(s, name, n->source_host, n->source_port, "a replica's source");
        }
    }
    for (size_t i = 0; s->can_probe && i < s->norphan; i++) {
        st_orphan_t *o = &s->orphan[i];
        if (!o->host[0]) continue;
        db_target_t t = ctl_target(s->cfg, o->host, o->port, NULL);
        db_conn_t *db = db_connect(&t, o->err, sizeof(o->err));
        o->probed = true;
        if (!db) continue;
        o->reachable = db_probe(db, &o->probe, o->err, sizeof(o->err)) == 0;
        db_close(db);
    }
}

/* ---- problems: everything a DBA must act on -------------------------------------------- */

/* The end of the anti-flap hold in force now, 0 when none (control_hold_end()). */
static int64_t hold_end(const st_t *s, const control_rec_t *c)
{
    return control_hold_end(c, s->cfg->anti_flap_s, s->now);
}

static void fmt_until(st_t *s, int64_t until_ms, char *buf, size_t len)
{
    char at[64], left[32];
    ctl_fmt_time(until_ms, at, sizeof(at));
    ctl_fmt_ms(until_ms - s->now, left, sizeof(left));
    snprintf(buf, len, "%s (in %s)", at, left);
}

static void primary_problems(st_t *s)
{
    const cluster_view_t *v = s->v;
    if (!v->have_primary) {
        problem(s, "no-primary", NULL, "no primary: none is recorded yet (bootstrap pending: the "
                "coordinator adopts the running topology once the agents settle)");
        s->verdict = STATUS_NO_PRIMARY;
        return;
    }
    const primary_rec_t *p = &v->primary;
    const node_state_t *n = ctl_view_node(v, p->name);
    if (n) {
        if (!n->healthy)
            problem(s, "primary-down", p->name, "primary down: %s's mysqld does not answer its "
                    "agent (%s)", p->name, n->error[0] ? n->error : "no error published");
        else if (p->fencing)
            problem(s, "primary-fenced", p->name, "no writable primary: %s is being fenced (a "
                    "switchover or failover is moving the primary; see failoverctl history)",
                    p->name);
        else if (n->read_only || n->role != ROLE_PRIMARY)
            problem(s, "primary-read-only", p->name, "no writable primary: %s is named primary "
                    "but %s", p->name, n->read_only ? "is read-only" : "replicates from a source");
        else
            return;
        s->verdict = STATUS_NO_PRIMARY;
        return;
    }
    st_orphan_t *o = orphan_find(s, p->name);
    if (o && o->probed && o->reachable && !o->probe.read_only)
        return; /* writable; its missing agent is reported with the other agent-less nodes */
    if (o && o->probed && o->reachable)
        problem(s, "primary-read-only", p->name, "no writable primary: %s (%s:%d) has no agent "
                "and answers read-only: the coordinator moves the primary away once that lasts "
                "zk_session_timeout_ms", p->name, p->host, p->port);
    else if (o && o->probed)
        problem(s, "primary-down", p->name, "primary down: %s has no agent and its mysqld at "
                "%s:%d does not answer (%s)", p->name, p->host, p->port, o->err);
    else
        problem(s, "primary-down", p->name, "primary %s has no registered agent and was not "
                "probed (give -c FILE so status can reach its mysqld): no writable primary is "
                "known", p->name);
    s->verdict = STATUS_NO_PRIMARY;
}

/* The primary's last position the way the coordinator ranks against it. */
static void primary_pos(const st_t *s, gtid_pos_t *pos)
{
    char err[256];
    memset(pos, 0, sizeof(*pos));
    const cluster_view_t *v = s->v;
    if (!v->have_primary) return;
    const node_state_t *n = ctl_view_node(v, v->primary.name);
    const st_orphan_t *o = n ? NULL : orphan_find((st_t *)s, v->primary.name);
    const char *text = n ? n->gtid_binlog : o && o->reachable ? o->probe.gtid_binlog_pos : "";
    if (gtid_pos_parse(pos, text, err, sizeof(err)) != 0) memset(pos, 0, sizeof(*pos));
}

static void replica_problems(st_t *s, const node_state_t *n, const gtid_pos_t *prim)
{
    const cluster_view_t *v = s->v;
    if (!n->healthy) {
        problem(s, "node-down", n->name, "%s down: its agent cannot reach its mysqld (%s)",
                n->name, n->error[0] ? n->error : "no error published");
        return;
    }
    const repair_rec_t *rr = &v->repair[n - v->nodes];
    if (n->diverged && rr->state != REPAIR_STATE_NONE) {
        char what[2400];
        ctl_repair_summary(rr, what, sizeof(what));
        problem(s, "diverged", n->name, "diverged: %s has %.400s; read-only%s", n->name, what,
                rr->state == REPAIR_STATE_DIVERGED || rr->state == REPAIR_STATE_FAILED
                    ? " (failoverctl rejoin NODE rewinds it)" : "");
        return;
    }
    if (n->diverged) {
        problem(s, "diverged", n->name, "diverged: %s has transactions the primary never had; "
                "its agent keeps it read-only: rebuild it or remove them by hand", n->name);
        return;
    }
    candidate_obs_t o;
    char err[300], errant[512];
    if (v->have_primary && observe_published(&o, n, err, sizeof(err)) == 0) {
        uint64_t k = candidate_errant(&o, prim, errant, sizeof(errant));
        if (k)
            problem(s, "errant-gtids", n->name, "errant GTIDs: %s has %llu transaction(s) the "
                    "primary never had (%s): it cannot be promoted", n->name,
                    (unsigned long long)k, errant);
    }
    if (n->role != ROLE_REPLICA) {
        if (!n->read_only)
            problem(s, "writable-non-primary", n->name, "WRITABLE: %s is writable but not the "
                    "primary %s names (its agent should fence it at once)", n->name,
                    v->have_primary ? v->primary.name : "nobody");
        else
            problem(s, "not-replicating", n->name, "not replicating: %s is read-only and "
                    "replicates from nobody (an old primary waiting to rejoin?)", n->name);
        return;
    }
    if (!n->io_running || !n->sql_running || n->source_silent) {
        problem(s, "not-replicating", n->name, "not replicating: %s's %s%s%s", n->name,
                n->source_silent     ? "source is silent (no event or heartbeat)"
                : !n->io_running     ? "IO thread is not running"
                                     : "SQL thread is stopped",
                n->error[0] ? ": " : "", n->error);
    } else if (n->lag_s > s->cfg->max_lag_s) {
        problem(s, "lagging", n->name, "lagging: %s is %.0f s behind its source (max_lag_s=%d)",
                n->name, n->lag_s, s->cfg->max_lag_s);
    }
    if (v->have_primary && (strcmp(n->source_host, v->primary.host) != 0 ||
                            n->source_port != v->primary.port))
        problem(s, "wrong-source", n->name, "wrong source: %s replicates from %s:%d, not from the "
                "primary %s (%s:%d)", n->name, n->source_host, n->source_port, v->primary.name,
                v->primary.host, v->primary.port);
}

static void orphan_problems(st_t *s)
{
    for (size_t i = 0; i < s->norphan; i++) {
        const st_orphan_t *o = &s->orphan[i];
        char what[400];
        if (!o->host[0])
            snprintf(what, sizeof(what), "its address is unknown, so it was not probed");
        else if (!o->probed)
            snprintf(what, sizeof(what), "its mysqld at %s:%d was not probed (give -c FILE)",
                     o->host, o->port);
        else if (!o->reachable)
            snprintf(what, sizeof(what), "its mysqld at %s:%d does not answer: %s", o->host,
                     o->port, o->err);
        else
            snprintf(what, sizeof(what), "its mysqld at %s:%d answers %s", o->host, o->port,
                     o->probe.read_only ? "read-only" : "WRITABLE");
        problem(s, "agent-missing", o->name, "agent missing: %s (named by %s) has no registered "
                "agent: nobody fences, repoints or reports it; %s", o->name, o->named_by, what);
    }
}

/* The coordinator's ranking over the published positions: a failover now needs an eligible one. */
static void candidate_problems(st_t *s, const gtid_pos_t *prim)
{
    const cluster_view_t *v = s->v;
    if (!v->have_primary) return;
    candidate_obs_t obs[CTL_MAX_NODES];
    candidate_verdict_t ver[CTL_MAX_NODES];
    size_t order[CTL_MAX_NODES], k = 0;
    char err[300], why[400] = "";
    memset(obs, 0, sizeof(obs[0])); /* gcc cannot see that k == 0 reads nothing */
    for (size_t i = 0; i < v->n; i++) {
        if (is_desired(v, &v->nodes[i])) continue;
        observe_published(&obs[k], &v->nodes[i], err, sizeof(err));
        k++;
    }
    if (candidate_rank(obs, k, prim, ver, order) > 0) return;
    size_t pos = 0;
    for (size_t i = 0; i < k && pos < sizeof(why) - 1; i++) {
        int w = snprintf(why + pos, sizeof(why) - pos, "%s%s: %s", i ? "; " : "", obs[i].name,
                         ver[i].reason);
        if (w < 0) break;
        pos += (size_t)w;
    }
    problem(s, "no-candidate", NULL, "no eligible candidate: a failover now would promote nobody "
            "(%s)", k ? why : "no replica has a registered agent");
}

static void control_problems(st_t *s)
{
    const control_rec_t *c = &s->v->control;
    char until[96], at[64];
    if (control_pause_active(c, s->now)) {
        ctl_fmt_time(c->paused_at_ms, at, sizeof(at));
        if (c->pause_until_ms) fmt_until(s, c->pause_until_ms, until, sizeof(until));
        problem(s, "paused", NULL, "paused: no automatic failover %s%s; by %s at %s: %s",
                c->pause_until_ms ? "until " : "until failoverctl resume",
                c->pause_until_ms ? until : "", c->paused_by[0] ? c->paused_by : "(unknown)",
                c->paused_at_ms ? at : "(unknown time)",
                c->pause_reason[0] ? c->pause_reason : "(no reason given)");
    }
    int64_t last = c->last_failover_ms, end = hold_end(s, c);
    if (end) {
        ctl_fmt_time(last, at, sizeof(at));
        fmt_until(s, end, until, sizeof(until));
        problem(s, "anti-flap-hold", NULL, "anti-flap hold until %s: the last failover was at %s "
                "(anti_flap_s=%lld); a lost primary is not failed over automatically until then "
                "(failoverctl failover --to NODE is)", until, at, (long long)((end - last) / 1000));
    }
    if (!s->v->coordinator[0])
        problem(s, "no-coordinator", NULL, "no coordinator: no agent leads the election, so "
                "nothing fails over or carries out a switchover (are the agents running?)");
}

static void find_problems(st_t *s)
{
    const cluster_view_t *v = s->v;
    gtid_pos_t prim;
    s->now = wall_ms();
    primary_problems(s);
    primary_pos(s, &prim);
    for (size_t i = 0; i < v->n; i++)
        if (!is_desired(v, &v->nodes[i])) replica_problems(s, &v->nodes[i], &prim);
    orphan_problems(s);
    candidate_problems(s, &prim);
    control_problems(s);
    for (size_t i = 0; i < v->nbad; i++)
        problem(s, "malformed", NULL, "ignored malformed %s", v->bad[i]);
    char cfgbad[CTL_MAX_NODES][400];
    size_t ncfg = config_problems(v, cfgbad, CTL_MAX_NODES);
    for (size_t i = 0; i < ncfg; i++) problem(s, "config-mismatch", NULL, "%s", cfgbad[i]);
}

static const char *verdict_word(int verdict)
{
    return verdict == STATUS_HEALTHY    ? "healthy"
           : verdict == STATUS_DEGRADED ? "degraded"
                                        : "no-writable-primary";
}

/* ---- JSON --------------------------------------------------------------------------------- */

static json_t *request_json(const cluster_view_t *v)
{
    const control_rec_t *c = &v->control;
    if (!c->request[0]) return json_null();
    return json_pack("{s:s, s:s, s:b, s:i, s:I}", "type", c->request, "to",
                     c->request_to[0] ? c->request_to : "*", "force", c->request_force,
                     "timeout_s", c->request_timeout_s, "at", (json_int_t)c->request_at_ms);
}

static json_t *node_json(const st_t *s, const node_state_t *n)
{
    const cluster_view_t *v = s->v;
    char src[HOST_MAX_LEN + 16];
    snprintf(src, sizeof(src), "%s:%d", n->source_host, n->source_port);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:i, s:b, s:b, s:s, s:s, s:o, s:o, s:s, s:s, s:b, s:b, s:I, s:I}", "name",
        n->name, "role", role_name(n->role), "host", n->host, "port", n->port, "healthy",
        node_healthy(s->cfg, v, n), "read_only", n->read_only, "gtid_received", n->gtid_received,
        "gtid_applied", n->gtid_applied, "lag_s", n->lag_s < 0 ? json_null() : json_real(n->lag_s),
        "source", n->source_host[0] ? json_string(src) : json_null(), "state",
        node_state_word(v, n), "promotion", promotion_name(n->promotion), "fenced", n->fenced,
        "diverged", n->diverged, "epoch", (json_int_t)n->epoch, "updated_at",
        (json_int_t)n->updated_ms);
    json_object_set_new(o, "agent", json_true());
    json_object_set_new(o, "mysql_up", json_boolean(n->healthy));
    json_object_set_new(o, "replicas_connected", json_integer(n->replicas_connected));
    json_object_set_new(o, "fence_ack", json_boolean(n->fence_ack));
    json_object_set_new(o, "fence_killed", json_string(n->fence_killed));
    json_object_set_new(o, "gtid_binlog", json_string(n->gtid_binlog));
    json_object_set_new(o, "io_running", json_boolean(n->io_running));
    json_object_set_new(o, "sql_running", json_boolean(n->sql_running));
    json_object_set_new(o, "source_silent", json_boolean(n->source_silent));
    json_object_set_new(o, "server_id", json_integer(n->server_id));
    json_object_set_new(o, "version", json_string(n->version));
    json_object_set_new(o, "agent_version", json_string(n->agent_version));
    json_object_set_new(o, "config_digest",
                        n->config_digest[0] ? json_string(n->config_digest) : json_null());
    json_object_set_new(o, "error", n->error[0] ? json_string(n->error) : json_null());
    json_object_set_new(o, "coordinator", json_boolean(strcmp(n->name, v->coordinator) == 0));
    const repair_rec_t *rr = &v->repair[n - v->nodes];
    if (rr->state != REPAIR_STATE_NONE) /* issue 11: errant transactions and the repair */
        json_object_set_new(o, "repair", json_pack(
            "{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:s, s:I}", "state", repair_state_name(rr->state),
            "detail", rr->detail, "errant_count", (json_int_t)rr->errant_count, "errant_gtids",
            rr->errant_gtids, "errant_first_at", (json_int_t)rr->errant_first_ms,
            "errant_last_at", (json_int_t)rr->errant_last_ms, "row_events",
            (json_int_t)rr->row_events, "archive", rr->archive, "took_ms", (json_int_t)rr->took_ms));
    return o;
}

/* What the orphan's row says in one word. */
static const char *orphan_state(const st_t *s, const st_orphan_t *o)
{
    bool prim = s->v->have_primary && strcmp(s->v->primary.name, o->name) == 0;
    if (!o->probed) return "unknown";
    if (!o->reachable) return "down";
    if (!o->probe.read_only) return prim ? "writable" : "WRITABLE!";
    if (prim) return "fenced";
    if (o->probe.is_replica) return o->probe.io_running && o->probe.sql_running ? "streaming"
                                                                                : "stopped";
    return "read-only";
}

static json_t *orphan_json(const st_t *s, const st_orphan_t *o)
{
    bool r = o->probed && o->reachable;
    const db_probe_t *p = &o->probe;
    char src[HOST_MAX_LEN + 16];
    snprintf(src, sizeof(src), "%s:%d", p->source_host, p->source_port);
    json_t *j = json_pack("{s:s, s:b, s:s, s:b, s:b, s:s}", "name", o->name, "agent", false,
                          "state", orphan_state(s, o), "healthy", false, "coordinator", false,
                          "named_by", o->named_by);
    json_object_set_new(j, "host", o->host[0] ? json_string(o->host) : json_null());
    json_object_set_new(j, "port", o->host[0] ? json_integer(o->port) : json_null());
    json_object_set_new(j, "probed", json_boolean(o->probed));
    json_object_set_new(j, "mysql_up", o->probed ? json_boolean(o->reachable) : json_null());
    json_object_set_new(j, "role", json_string(!r ? "unknown" : p->is_replica ? "replica" : "primary"));
    json_object_set_new(j, "read_only", r ? json_boolean(p->read_only) : json_null());
    json_object_set_new(j, "gtid_received", json_string(r ? p->gtid_io_pos : ""));
    json_object_set_new(j, "gtid_applied", json_string(r ? p->gtid_slave_pos : ""));
    json_object_set_new(j, "gtid_binlog", json_string(r ? p->gtid_binlog_pos : ""));
    json_object_set_new(j, "lag_s", r && p->lag_s >= 0 ? json_real(p->lag_s) : json_null());
    json_object_set_new(j, "source", r && p->source_host[0] ? json_string(src) : json_null());
    json_object_set_new(j, "error", o->err[0] ? json_string(o->err) : json_null());
    return j;
}

static json_t *view_json(const st_t *s)
{
    const cluster_view_t *v = s->v;
    json_t *nodes = json_array();
    for (size_t i = 0; i < v->n; i++) json_array_append_new(nodes, node_json(s, &v->nodes[i]));
    for (size_t i = 0; i < s->norphan; i++)
        json_array_append_new(nodes, orphan_json(s, &s->orphan[i]));
    json_t *probs = json_array(), *list = json_array();
    for (size_t i = 0; i < s->nprob; i++) {
        const st_problem_t *p = &s->prob[i];
        json_array_append_new(probs, json_string(p->text));
        json_array_append_new(list, json_pack("{s:s, s:o, s:s}", "kind", p->kind, "node",
                                              p->node[0] ? json_string(p->node) : json_null(),
                                              "text", p->text));
    }
    const control_rec_t *c = &v->control;
    bool paused = control_pause_active(c, s->now);
    json_t *o = json_pack("{s:s, s:o, s:I, s:o, s:b, s:o, s:o}", "cluster", s->cfg->cluster_name,
                          "primary", v->have_primary ? json_string(v->primary.name) : json_null(),
                          "epoch", (json_int_t)(v->have_primary ? v->primary.epoch : 0),
                          "coordinator",
                          v->coordinator[0] ? json_string(v->coordinator) : json_null(), "paused",
                          paused, "nodes", nodes, "problems", probs);
    json_object_set_new(o, "problem_list", list);
    json_object_set_new(o, "health", json_string(verdict_word(s->verdict)));
    json_object_set_new(o, "pause",
                        !paused ? json_null()
                                : json_pack("{s:s, s:s, s:I, s:o}", "reason", c->pause_reason,
                                            "by", c->paused_by, "at", (json_int_t)c->paused_at_ms,
                                            "until", c->pause_until_ms
                                                         ? json_integer(c->pause_until_ms)
                                                         : json_null()));
    int64_t hold = hold_end(s, c);
    json_object_set_new(o, "anti_flap_until", hold ? json_integer(hold) : json_null());
    json_object_set_new(o, "fencing", json_boolean(v->have_primary && v->primary.fencing));
    json_object_set_new(o, "request", request_json(v));
    json_object_set_new(o, "primary_since",
                        v->have_primary ? json_integer(v->primary.since_ms) : json_null());
    json_object_set_new(o, "primary_reason",
                        v->have_primary ? json_string(v->primary.reason) : json_null());
    json_object_set_new(o, "last_failover_at",
                        c->last_failover_ms ? json_integer(c->last_failover_ms) : json_null());
    return o;
}

/* ---- the table ---------------------------------------------------------------------------- */

enum { COL_MARK, COL_NODE, COL_ROLE, COL_STATE, COL_RO, COL_RECV, COL_APPL, COL_LAG, COL_SRC, NCOL };
static const char *const col_title[NCOL] = {"", "NODE", "ROLE", "STATE", "RO", "RECEIVED",
                                            "APPLIED", "LAG", "SOURCE"};

typedef struct cell_row {
    char c[NCOL][GTID_POS_STRLEN];
} cell_row_t;

static void source_cell(const cluster_view_t *v, const char *host, int port, bool io,
                        char *buf, size_t len)
{
    const node_state_t *s = ctl_view_node_at(v, host, port);
    if (s)
        snprintf(buf, len, "%s%s", s->name, io ? "" : " (not connected)");
    else
        snprintf(buf, len, "%s:%d%s", host, port, io ? "" : " (not connected)");
}

static void node_cells(const cluster_view_t *v, const node_state_t *n, cell_row_t *r)
{
    snprintf(r->c[COL_MARK], sizeof(r->c[0]), "%s", strcmp(n->name, v->coordinator) == 0 ? "*" : "");
    snprintf(r->c[COL_NODE], sizeof(r->c[0]), "%s", n->name);
    /* Only the node /primary names is "primary" in the table: an old primary waiting to rejoin
     * (diverged, say) has no replication configured either, and two "primary" rows mislead. */
    bool named = v->have_primary && strcmp(n->name, v->primary.name) == 0;
    snprintf(r->c[COL_ROLE], sizeof(r->c[0]), "%s",
             n->role == ROLE_PRIMARY && !named ? "none" : role_name(n->role));
    snprintf(r->c[COL_STATE], sizeof(r->c[0]), "%s", node_state_word(v, n));
    snprintf(r->c[COL_RO], sizeof(r->c[0]), "%s", n->healthy ? (n->read_only ? "on" : "off") : "-");
    snprintf(r->c[COL_RECV], sizeof(r->c[0]), "%s", n->gtid_received[0] ? n->gtid_received : "-");
    snprintf(r->c[COL_APPL], sizeof(r->c[0]), "%s", n->gtid_applied[0] ? n->gtid_applied : "-");
    if (n->role != ROLE_REPLICA || n->lag_s < 0)
        snprintf(r->c[COL_LAG], sizeof(r->c[0]), "-");
    else
        snprintf(r->c[COL_LAG], sizeof(r->c[0]), "%.0fs", n->lag_s);
    if (n->source_host[0])
        source_cell(v, n->source_host, n->source_port, n->io_running, r->c[COL_SRC],
                    sizeof(r->c[0]));
    else
        snprintf(r->c[COL_SRC], sizeof(r->c[0]), "-");
}

/* An agent-less node's row: what a direct probe saw, or dashes. */
static void orphan_cells(const st_t *s, const st_orphan_t *o, cell_row_t *r)
{
    bool ok = o->probed && o->reachable;
    const db_probe_t *p = &o->probe;
    for (int c = 0; c < NCOL; c++) snprintf(r->c[c], sizeof(r->c[0]), "-");
    snprintf(r->c[COL_MARK], sizeof(r->c[0]), "!");
    snprintf(r->c[COL_NODE], sizeof(r->c[0]), "%s", o->name);
    snprintf(r->c[COL_ROLE], sizeof(r->c[0]), "%s",
             !ok ? "unknown" : p->is_replica ? "replica" : "primary");
    snprintf(r->c[COL_STATE], sizeof(r->c[0]), "%s (no agent)", orphan_state(s, o));
    if (!ok) return;
    snprintf(r->c[COL_RO], sizeof(r->c[0]), "%s", p->read_only ? "on" : "off");
    snprintf(r->c[COL_RECV], sizeof(r->c[0]), "%s",
             p->is_replica && p->gtid_io_pos[0] ? p->gtid_io_pos : p->gtid_binlog_pos);
    snprintf(r->c[COL_APPL], sizeof(r->c[0]), "%s",
             p->is_replica && p->gtid_slave_pos[0] ? p->gtid_slave_pos : p->gtid_binlog_pos);
    if (p->is_replica && p->lag_s >= 0) snprintf(r->c[COL_LAG], sizeof(r->c[0]), "%.0fs", p->lag_s);
    if (p->is_replica)
        source_cell(s->v, p->source_host, p->source_port, p->io_running, r->c[COL_SRC],
                    sizeof(r->c[0]));
}

static void print_header(FILE *f, const st_t *s)
{
    const cluster_view_t *v = s->v;
    const config_t *cfg = s->cfg;
    char since[64], ago[32];
    if (v->have_primary) {
        ctl_fmt_time(v->primary.since_ms, since, sizeof(since));
        fprintf(f, "Cluster: %s   Primary: %s   Epoch: %llu   Coordinator: %s\n", cfg->cluster_name,
                v->primary.name, (unsigned long long)v->primary.epoch,
                v->coordinator[0] ? v->coordinator : "(none: no agent running?)");
        fprintf(f, "Primary since %s (%s)\n", since,
                v->primary.reason[0] ? v->primary.reason : "-");
    } else {
        fprintf(f, "Cluster: %s   Primary: (none yet: bootstrap pending)   Coordinator: %s\n",
                cfg->cluster_name, v->coordinator[0] ? v->coordinator : "(none: no agent running?)");
    }
    if (control_pause_active(&v->control, s->now))
        fprintf(f, "*** PAUSED: no automatic failover until %s (agents still publish and "
                   "fence) ***\n", v->control.pause_until_ms ? "it expires or `failoverctl "
                   "resume`" : "`failoverctl resume`");
    if (v->have_primary && v->primary.fencing)
        fprintf(f, "*** FENCING %s: the coordinator is moving the primary away; it must stay "
                   "read-only ***\n", v->primary.name);
    if (v->control.request[0]) {
        ctl_fmt_ms(s->now - v->control.request_at_ms, ago, sizeof(ago));
        fprintf(f, "Pending request: %s%s to %s, requested %s ago\n", v->control.request,
                v->control.request_force ? " --force" : "",
                v->control.request_to[0] && strcmp(v->control.request_to, "*") != 0
                    ? v->control.request_to
                    : "the best candidate",
                ago);
    }
    fprintf(f, "Health: %s\n", verdict_word(s->verdict));
}

static void print_table(FILE *f, const st_t *s)
{
    const cluster_view_t *v = s->v;
    print_header(f, s);
    fputc('\n', f);

    size_t nrows = v->n + s->norphan;
    cell_row_t *rows = calloc(nrows + 1, sizeof(*rows));
    if (!rows) abort();
    size_t w[NCOL];
    for (int c = 0; c < NCOL; c++) {
        snprintf(rows[0].c[c], sizeof(rows[0].c[0]), "%s", col_title[c]);
        w[c] = strlen(col_title[c]);
    }
    for (size_t i = 0; i < nrows; i++) {
        if (i < v->n)
            node_cells(v, &v->nodes[i], &rows[i + 1]);
        else
            orphan_cells(s, &s->orphan[i - v->n], &rows[i + 1]);
        for (int c = 0; c < NCOL; c++) {
            size_t l = strlen(rows[i + 1].c[c]);
            if (l > w[c]) w[c] = l;
        }
    }
    for (size_t i = 0; i <= nrows; i++) {
        for (int c = 0; c < NCOL; c++) {
            if (c == NCOL - 1)
                fprintf(f, "%s", rows[i].c[c]);
            else
                fprintf(f, "%-*s  ", (int)w[c], rows[i].c[c]);
        }
        fputc('\n', f);
    }
    free(rows);

    /* Notes: what the table cannot say in one word and that needs no action. */
    for (size_t i = 0; i < v->n; i++) {
        const node_state_t *n = &v->nodes[i];
        if (n->error[0] && n->healthy) fprintf(f, "note: %s: %s\n", n->name, n->error);
        if (n->promotion == PROMOTION_NEVER && n->role == ROLE_REPLICA)
            fprintf(f, "note: %s has promotion=never\n", n->name);
    }
    const control_rec_t *c = &v->control;
    /* Expired: still flagged, or cleared by the coordinator, who keeps who and until when. */
    if ((c->paused || c->pause_until_ms) && !control_pause_active(c, s->now)) {
        char at[64];
        ctl_fmt_time(c->pause_until_ms, at, sizeof(at));
        fprintf(f, "note: the pause by %s expired at %s: automatic failover is on\n",
                c->paused_by[0] ? c->paused_by : "(unknown)", at);
    }
    for (size_t i = 0; i < s->nprob; i++) fprintf(f, "problem: %s\n", s->prob[i].text);
    if (s->nprob == 0) fprintf(f, "problems: none\n");
    if (v->coordinator[0] || s->norphan)
        fprintf(f, "(%s%s%s)\n", v->coordinator[0] ? "* = coordinator" : "",
                v->coordinator[0] && s->norphan ? ", " : "", s->norphan ? "! = no agent" : "");
}

/* Draw a frame over the previous one: home, each line cleared to its end, the rest erased. */
static void redraw(const char *frame, size_t len)
{
    fputs("\033[H", stdout);
    const char *p = frame, *end = frame + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        fwrite(p, 1, l, stdout);
        fputs("\033[K\n", stdout);
        p += l + 1;
    }
    fputs("\033[J", stdout);
}

/* One frame: the view read, the orphans probed, the problems found, printed to f. Returns the
 * status exit code. */
static int status_frame(ctl_t *c, const ctl_opts_t *o, st_t *s, FILE *f)
{
    char err[512];
    int rc = ctl_read_view(c->zh, c->cfg, s->v, err, sizeof(err));
    if (rc != EXIT_OK) {
        if (o->watch)
            fprintf(f, "%s (retrying every second)\n", err);
        else
            ctl_fail(c, STATUS_NO_ZK, "%s", err);
        return STATUS_NO_ZK;
    }
    s->nprob = 0;
    s->verdict = STATUS_HEALTHY;
    gather_orphans(s, c->zh);
    find_problems(s);
    if (o->json) {
        json_t *j = view_json(s);
        char *txt = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(f, "%s\n", txt);
        free(txt);
        json_decref(j);
    } else {
        print_table(f, s);
        if (o->watch) {
            char now[64];
            ctl_fmt_time(wall_ms(), now, sizeof(now));
            fprintf(f, "\n%s; every 1 s, Ctrl-C to stop\n", now);
        }
    }
    return s->verdict;
}

int ctl_status(ctl_t *c, const ctl_opts_t *o)
{
    int rc = ctl_connect(c);
    if (rc == EXIT_ZK) return STATUS_NO_ZK;
    if (rc != EXIT_OK) return rc;
    if (o->watch) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    bool tty = isatty(STDOUT_FILENO);
    if (o->watch && tty && !o->json) fputs("\033[H\033[2J", stdout);
    st_t *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->cfg = c->cfg;
    s->can_probe = c->cfg_path != NULL;
    s->v = ctl_view_alloc();
    do {
        char *frame = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&frame, &len);
        if (!f) abort();
        rc = status_frame(c, o, s, f);
        fclose(f);
        if (o->watch && tty && !o->json)
            redraw(frame, len);
        else if (o->watch && !o->json)
            printf("%s\n", frame); /* not a terminal: one snapshot after another */
        else
            fputs(frame, stdout);
        free(frame);
        fflush(stdout);
        /* Sleep in slices so Ctrl-C ends the watch at once. */
        for (int i = 0; o->watch && i < 10 && !interrupted; i++) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    } while (o->watch && !interrupted);
    free(s->v);
    free(s);
    return o->watch ? EXIT_OK : rc;
}
