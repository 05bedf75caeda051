/* move.c -- failoverctl switchover / failover: check locally what can be checked, hand the request
 * to the coordinator through /control, then narrate each step it takes as ZooKeeper shows it. */
#include <inttypes.h>
#include <pthread.h>
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

/* After the catch-up timeout, how long the coordinator may take for the rest (fence, promote,
 * repoint: 10 s each at most in coord.c) before we call it a timeout. */
#define MOVE_GRACE_S 30
/* We look again when a ZooKeeper watch fires (so a step is seen within a millisecond or two and
 * its timing is true), and at least this often anyway. */
#define POLL_MS 200

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cv; /* cond_init_monotonic() before the watcher is set */
static bool watch_fired;

/* The handle's default watcher while we follow: runs on the client's thread, so it only flags. */
static void on_watch(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)type, (void)state, (void)path, (void)ctx;
    pthread_mutex_lock(&watch_mu);
    watch_fired = true;
    pthread_cond_broadcast(&watch_cv);
    pthread_mutex_unlock(&watch_mu);
}

static void wait_change(int timeout_ms)
{
    struct timespec ts = cond_deadline(timeout_ms);
    pthread_mutex_lock(&watch_mu);
    while (!watch_fired && !interrupted)
        if (pthread_cond_timedwait(&watch_cv, &watch_mu, &ts) != 0) break;
    watch_fired = false;
    pthread_mutex_unlock(&watch_mu);
}


typedef struct move {
    ctl_t *c;
    const ctl_opts_t *o;
    bool planned;       /* switchover: the old primary is alive and hands over */
    const char *kind;   /* "switchover" | "failover" */
    const char *request; /* what goes into /control */
    cluster_view_t *v;  /* the view the checks ran on */
    const node_state_t *prim; /* the old primary's registration, may be NULL */
    char old[NAME_MAX_LEN + 1];
    char target[NAME_MAX_LEN + 1]; /* a node, or "*" */
    char expect[NAME_MAX_LEN + 1]; /* who we expect to be promoted */
    gtid_pos_t old_pos; /* the old primary's last published binlog position */
    uint64_t epoch0;
    int timeout_s;      /* effective catch-up bound, for checks and our deadline */
    int candidates;     /* eligible ones the coordinator may try in turn ("*") */
    int64_t req_at;
    int64_t req_mtime;  /* ZooKeeper's time of our write to /control */
} move_t;

/* ---- local checks ------------------------------------------------------------------------- */

/* Why n cannot be promoted now, from what the agents publish; NULL when it can. */
static const char *candidate_problem(const move_t *m, const node_state_t *n, char *buf, size_t len)
{
    const char *pn = m->old;
    candidate_obs_t ob;
    char err[300], list[512];
    if (n->promotion == PROMOTION_NEVER) {
        snprintf(buf, len, "%s has promotion=never in its config: it is never promoted; pick "
                 "another node (failoverctl explain)", n->name);
        return buf;
    }
    if (n->sql_delay_s > 0) {
        snprintf(buf, len, "%s is a delayed replica (SQL_Delay %d s): it is never promoted; pick "
                 "another node (failoverctl explain)", n->name, n->sql_delay_s);
        return buf;
    }
    if (n->promotion != PROMOTION_PREFER && n->promotion != PROMOTION_NEUTRAL) {
        snprintf(buf, len, "%s publishes no valid promotion setting: refusing rather than "
                 "guessing; check its agent version", n->name);
        return buf;
    }
    if (!n->healthy) {
        snprintf(buf, len, "%s's mysqld is down (its agent reports: %s); start it or pick another "
                 "node", n->name, n->error[0] ? n->error : "no answer");
        return buf;
    }
    if (n->diverged) {
        snprintf(buf, len, "%s is diverged (it has transactions the primary never had); rebuild "
                 "it first", n->name);
        return buf;
    }
    if (n->role != ROLE_REPLICA) {
        snprintf(buf, len, "%s is not a replica (no replication configured): it may lack "
                 "transactions; make it a replica first", n->name);
        return buf;
    }
    if (observe_published(&ob, n, err, sizeof(err)) != 0) {
        snprintf(buf, len, "%s", err);
        return buf;
    }
    uint64_t errant = candidate_errant(&ob, &m->old_pos, list, sizeof(list));
    if (errant > 0) {
        snprintf(buf, len, "%s has %" PRIu64 " errant transaction(s) %s that %s never had: "
                 "promoting it would spread them; remove them or rebuild %s", n->name, errant,
                 list, pn, n->name);
        return buf;
    }
    if (m->planned) {
        if (!m->prim || strcmp(n->source_host, m->prim->host) != 0 ||
            n->source_port != m->prim->port) {
            snprintf(buf, len, "%s replicates from %s:%d, not from the primary %s: it cannot get "
                     "%s's last transactions; repoint it first", n->name,
                     n->source_host[0] ? n->source_host : "nowhere", n->source_port, pn, pn);
            return buf;
        }
        uint64_t behind = gtid_pos_missing_count(&ob.applied, &m->old_pos);
        if (!n->io_running) {
            snprintf(buf, len, "%s is not receiving from %s (IO thread not running, %" PRIu64
                     " transaction(s) behind): it cannot catch up; fix its replication first "
                     "(SHOW SLAVE STATUS on %s)", n->name, pn, behind, n->name);
            return buf;
        }
        if (behind > 0 && !n->sql_running) {
            snprintf(buf, len, "%s is %" PRIu64 " transaction(s) behind %s (applied %s, %s at "
                     "%s) and its SQL thread is stopped: it cannot catch up within the %d s "
                     "timeout; START SLAVE on %s, or pick another node (failoverctl explain)",
                     n->name, behind, pn, n->gtid_applied[0] ? n->gtid_applied : "nothing", pn,
                     m->prim->gtid_binlog, m->timeout_s, n->name);
            return buf;
        }
        if (n->lag_s > m->timeout_s) {
            snprintf(buf, len, "%s lags %.0f s behind %s (%" PRIu64 " transaction(s)), more "
                     "than the %d s catch-up timeout; wait, raise --timeout, or pick another node",
                     n->name, n->lag_s, pn, behind, m->timeout_s);
            return buf;
        }
    } else {
        uint64_t backlog = gtid_pos_missing_count(&ob.applied, &ob.received);
        if (backlog > 0 && !n->sql_running) {
            snprintf(buf, len, "%s has %" PRIu64 " received transaction(s) not applied and its "
                     "SQL thread is stopped: it cannot apply them within %d s; START SLAVE "
                     "SQL_THREAD on %s first", n->name, backlog, m->timeout_s, n->name);
            return buf;
        }
    }
    return NULL;
}

/* Failover: a named node that received less than another replica first fetches the rest from
 * the most advanced one (the coordinator's candidate_plan); say so before it happens. */
static const char *behind_others(const move_t *m, const node_state_t *t, char *buf, size_t len)
{
    candidate_obs_t to, oo;
    char err[300];
    if (observe_published(&to, t, err, sizeof(err)) != 0) return NULL;
    for (size_t i = 0; i < m->v->n; i++) {
        const node_state_t *n = &m->v->nodes[i];
        if (n == t || strcmp(n->name, m->old) == 0 || !n->healthy || n->role != ROLE_REPLICA)
            continue;
        if (observe_published(&oo, n, err, sizeof(err)) != 0) continue;
        uint64_t more = gtid_pos_missing_count(&to.received, &oo.received);
        if (more == 0) continue;
        snprintf(buf, len, "%s has received %" PRIu64 " transaction(s) fewer than %s (%s vs %s): "
                 "the coordinator first has it fetch them from the most advanced replica, "
                 "within the catch-up timeout, and does not promote it if that fails",
                 t->name, more, n->name, t->gtid_received[0] ? t->gtid_received : "nothing",
                 n->gtid_received);
        return buf;
    }
    return NULL;
}

/* One line of what NODE lacks from FROM: "N transaction(s) GTIDS (FROM has POS, NODE POS)". */
static bool print_lack(const node_state_t *t, const gtid_pos_t *has, const char *from,
                       const char *what, const gtid_pos_t *want)
{
    char lost[1024], pos[GTID_POS_STRLEN];
    uint64_t n = gtid_pos_missing_count(has, want);
    if (n == 0) return false;
    gtid_pos_missing_format(has, want, lost, sizeof(lost));
    gtid_pos_format(want, pos, sizeof(pos));
    printf("  %" PRIu64 " transaction(s) %s: on %s (%s %s), not received by %s\n", n, lost, from,
           what, pos, t->name);
    return true;
}

/* failover --force: the operator decides, so say exactly what may be lost. The coordinator first
 * has NODE fetch what it lacks from the most advanced replica (a promotion=never or delayed one
 * too); what it cannot fetch within the catch-up timeout is lost, and named in the history. */
static void print_possible_loss(const move_t *m, const node_state_t *t)
{
    candidate_obs_t to, oo;
    char err[300];
    if (observe_published(&to, t, err, sizeof(err)) != 0) {
        printf("--force: cannot tell what may be lost: %s\n", err);
        return;
    }
    printf("--force: %s has received %s; what it may lose, unless it fetches it first from the "
           "most advanced replica within the catch-up timeout (%d s):\n", t->name,
           t->gtid_received[0] ? t->gtid_received : "nothing", m->timeout_s);
    bool any = print_lack(t, &to.received, m->old, "its last published binlog position",
                          &m->old_pos);
    for (size_t i = 0; i < m->v->n; i++) {
        const node_state_t *n = &m->v->nodes[i];
        if (n == t || strcmp(n->name, m->old) == 0 ||
            observe_published(&oo, n, err, sizeof(err)) != 0)
            continue;
        any |= print_lack(t, &to.received, n->name, "received", &oo.received);
    }
    if (!any)
        printf("  nothing: no other node is known to hold a transaction %s lacks\n", t->name);
}

/* Switchover without --to: rank as the coordinator would (from published positions) and take
 * the best one that can catch up. */
static int pick_candidate(move_t *m)
{
    candidate_obs_t *obs = calloc(CTL_MAX_NODES, sizeof(*obs));
    const node_state_t *who[CTL_MAX_NODES];
    candidate_verdict_t verdict[CTL_MAX_NODES];
    if (!obs) abort();
    size_t order[CTL_MAX_NODES], n = 0;
    char err[300], why[600], all[1500] = "";
    size_t pos = 0;
    for (size_t i = 0; i < m->v->n; i++) {
        const node_state_t *s = &m->v->nodes[i];
        if (strcmp(s->name, m->old) == 0) continue;
        observe_published(&obs[n], s, err, sizeof(err));
        who[n++] = s;
    }
    size_t eligible = candidate_rank(obs, n, &m->old_pos, verdict, order);
    m->candidates = (int)eligible;
    for (size_t k = 0; k < eligible; k++) {
        const node_state_t *s = who[order[k]];
        if (!candidate_problem(m, s, why, sizeof(why))) {
            snprintf(m->expect, sizeof(m->expect), "%s", s->name);
            if (k == 0) {
                snprintf(m->target, sizeof(m->target), "*");
            } else {
                /* The best ranked cannot catch up: name this one, so the coordinator does not
                 * spend the whole timeout on the first. */
                snprintf(m->target, sizeof(m->target), "%s", s->name);
                m->candidates = 1;
                printf("note: %s ranks first but cannot catch up (%s); asking for %s\n",
                       who[order[0]]->name, all, s->name);
            }
            free(obs);
            return EXIT_OK;
        }
        int w = snprintf(all + pos, sizeof(all) - pos, "%s%s", pos ? "; " : "", why);
        if (w > 0) pos = pos + (size_t)w < sizeof(all) ? pos + (size_t)w : sizeof(all) - 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (verdict[i].eligible) continue;
        int w = snprintf(all + pos, sizeof(all) - pos, "%s%s: %s", pos ? "; " : "", who[i]->name,
                         verdict[i].reason);
        if (w > 0) pos = pos + (size_t)w < sizeof(all) ? pos + (size_t)w : sizeof(all) - 1;
    }
    free(obs);
    return ctl_fail(m->c, EXIT_REFUSED, "no replica can take over from %s now: %s", m->old,
                    n ? all : "no replica has a registered agent");
}

static int checks(move_t *m)
{
    const cluster_view_t *v = m->v;
    const ctl_opts_t *o = m->o;
    char why[800], names[512];
    if (!v->have_primary)
        return ctl_fail(m->c, EXIT_REFUSED, "no primary is recorded yet (bootstrap pending): "
                        "nothing to move; see failoverctl status");
    snprintf(m->old, sizeof(m->old), "%s", v->primary.name);
    m->epoch0 = v->primary.epoch;
    if (o->primary && strcmp(o->primary, m->old) != 0)
        return ctl_fail(m->c, EXIT_REFUSED, "--primary %s: the primary is %s (epoch %llu), not %s: "
                        "nothing changed; check failoverctl status", o->primary, m->old,
                        (unsigned long long)m->epoch0, o->primary);
    m->prim = ctl_view_node(v, m->old);
    if (m->prim && m->prim->gtid_binlog[0] &&
        gtid_pos_parse(&m->old_pos, m->prim->gtid_binlog, why, sizeof(why)) != 0)
        memset(&m->old_pos, 0, sizeof(m->old_pos));
    ctl_view_names(v, names, sizeof(names));

    if (o->to) {
        const node_state_t *t = ctl_view_node(v, o->to);
        if (!t && strcmp(o->to, m->old) != 0)
            return ctl_fail(m->c, EXIT_NOT_FOUND, "unknown node \"%s\": no agent of that name is "
                            "registered in cluster %s (registered: %s)", o->to,
                            m->c->cfg->cluster_name, names);
        if (strcmp(o->to, m->old) == 0)
            return ctl_fail(m->c, EXIT_REFUSED, "%s is already the primary (epoch %llu): nothing "
                            "to do", m->old, (unsigned long long)m->epoch0);
    }
    if (v->control.request[0]) {
        char ago[32];
        ctl_fmt_ms(wall_ms() - v->control.request_at_ms, ago, sizeof(ago));
        return ctl_fail(m->c, EXIT_REFUSED, "a %s to %s requested %s ago is still pending; wait "
                        "for it (failoverctl status, failoverctl history)", v->control.request,
                        v->control.request_to[0] ? v->control.request_to : "*", ago);
    }
    if (v->primary.fencing && (m->planned || !o->force))
        return ctl_fail(m->c, EXIT_REFUSED, "%s is being fenced: the coordinator is already "
                        "moving the primary; wait for it (failoverctl status), or, if it is "
                        "stuck (no eligible candidate, history says why), decide yourself with "
                        "failoverctl failover --to NODE --force", m->old);
    if (v->primary.fencing)
        printf("note: %s is being fenced and nothing has been promoted yet (the coordinator is "
               "waiting: failoverctl history says why); --force hands it your decision\n", m->old);
    if (!v->coordinator[0])
        return ctl_fail(m->c, EXIT_REFUSED, "no coordinator is elected (no agent running?): "
                        "nobody would carry out the %s", m->kind);

    if (m->planned) {
        if (control_pause_active(&v->control, wall_ms()))
            return ctl_fail(m->c, EXIT_REFUSED, "cluster %s is paused: run failoverctl resume "
                            "first (a switchover is refused while paused)",
                            m->c->cfg->cluster_name);
        if (!m->prim)
            return ctl_fail(m->c, EXIT_REFUSED, "the primary %s has no registered agent, so it "
                            "cannot hand over; if it is dead use failoverctl failover --to NODE",
                            m->old);
        if (!m->prim->healthy)
            return ctl_fail(m->c, EXIT_REFUSED, "the primary %s is down (its agent reports: %s): "
                            "use failoverctl failover --to NODE", m->old,
                            m->prim->error[0] ? m->prim->error : "no answer");
        if (!o->to) return pick_candidate(m);
        snprintf(m->target, sizeof(m->target), "%s", o->to);
        snprintf(m->expect, sizeof(m->expect), "%s", o->to);
        m->candidates = 1;
        if (candidate_problem(m, ctl_view_node(v, o->to), why, sizeof(why)))
            return ctl_fail(m->c, EXIT_REFUSED, "refused: %s", why);
        return EXIT_OK;
    }

    /* failover --to NODE */
    const node_state_t *t = ctl_view_node(v, o->to);
    snprintf(m->target, sizeof(m->target), "%s", o->to);
    snprintf(m->expect, sizeof(m->expect), "%s", o->to);
    m->candidates = 1;
    if (!o->force && m->prim && m->prim->healthy)
        return ctl_fail(m->c, EXIT_REFUSED, "the primary %s is alive (its agent reports its mysqld "
                        "healthy): use failoverctl switchover --to %s, or failover --force to "
                        "skip this check", m->old, o->to);
    if (candidate_problem(m, t, why, sizeof(why)))
        return ctl_fail(m->c, EXIT_REFUSED, "refused: %s", why);
    if (behind_others(m, t, why, sizeof(why))) printf("note: %s\n", why);
    if (o->force) print_possible_loss(m, t);
    if (o->force) {
        printf("--force: skipping the holistic check (primary unreachable AND no replica's IO "
               "thread connected to it); %s is still fenced first (its agent makes it "
               "read-only, or its ZooKeeper session must end) before %s is promoted\n",
               m->old, o->to);
        if (m->prim && m->prim->healthy)
            printf("warning: %s is alive: transactions it commits before it is fenced and that "
                   "%s has not received are lost (named in the history record)\n", m->old, o->to);
    }
    if (control_pause_active(&v->control, wall_ms()))
        printf("note: cluster %s is paused; a manual failover is still carried out\n",
               m->c->cfg->cluster_name);
    return EXIT_OK;
}

/* ---- switchover guards: long transactions, confirmation ----------------------------------- */

#define TRX_LIST_MAX 8 /* transactions named in the refusal; the rest are counted */

typedef struct trx_arg {
    int n;
    char list[TRX_LIST_MAX][300];
} trx_arg_t;

static int trx_row(char **row, unsigned ncols, void *arg)
{
    trx_arg_t *t = arg;
    if (ncols < 5) return 0;
    if (t->n < TRX_LIST_MAX) {
        char stmt[81];
        snprintf(stmt, sizeof(stmt), "%s", row[4] ? row[4] : "");
        for (char *p = stmt; *p; p++)
            if ((unsigned char)*p < 0x20) *p = ' ';
        snprintf(t->list[t->n], sizeof(t->list[0]), "thread %s %s@%s open %s s%s%s%s",
                 row[0] ? row[0] : "?", row[1] ? row[1] : "?", row[2] ? row[2] : "?",
                 row[3] ? row[3] : "?", stmt[0] ? " (" : " (idle in transaction", stmt,
                 ")");
    }
    t->n++;
    return 0;
}

/* Transactions open on the primary for longer than switchover_max_trx_s: fencing kills their
 * sessions and rolls them back, so a switchover waits for them unless --force. Needs the
 * [mysql] account of a config file; without one it says it could not look. */
static int check_long_trx(move_t *m)
{
    const config_t *cfg = m->c->cfg;
    const ctl_opts_t *o = m->o;
    char sql[512], err[512];
    if (!m->c->cfg_path) {
        printf("note: transactions open on %s were not checked (switchover_max_trx_s needs the "
               "[mysql] account: give -c FILE)\n", m->old);
        return EXIT_OK;
    }
    snprintf(sql, sizeof(sql),
             "SELECT t.trx_mysql_thread_id, p.USER, p.HOST, "
             "TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), COALESCE(t.trx_query, p.INFO, '') "
             "FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p "
             "ON p.ID = t.trx_mysql_thread_id "
             "WHERE t.trx_started <= NOW() - INTERVAL %d SECOND ORDER BY t.trx_started",
             cfg->switchover_max_trx_s);
    db_target_t t = ctl_target(cfg, m->prim->host, m->prim->port, NULL);
    trx_arg_t ta = {0};
    if (ctl_sql_rows(&t, sql, trx_row, &ta, err, sizeof(err)) != 0)
        return ctl_fail(m->c, EXIT_MYSQL, "cannot list the transactions open on %s (%s:%d), "
                        "which a switchover would roll back: %s; fix the [mysql] account, or "
                        "omit -c to skip this check", m->old, m->prim->host, m->prim->port, err);
    if (ta.n == 0) return EXIT_OK;
    char all[TRX_LIST_MAX * 300 + 64] = "";
    size_t pos = 0;
    for (int i = 0; i < ta.n && i < TRX_LIST_MAX; i++) {
        int w = snprintf(all + pos, sizeof(all) - pos, "%s%s", i ? "; " : "", ta.list[i]);
        if (w > 0) pos = pos + (size_t)w < sizeof(all) ? pos + (size_t)w : sizeof(all) - 1;
    }
    if (ta.n > TRX_LIST_MAX)
        snprintf(all + pos, sizeof(all) - pos, "; and %d more", ta.n - TRX_LIST_MAX);
    if (o->force) {
        printf("--force: %d transaction(s) open on %s for more than switchover_max_trx_s=%d s "
               "will be rolled back (their sessions killed): %s\n", ta.n, m->old,
               cfg->switchover_max_trx_s, all);
        return EXIT_OK;
    }
    return ctl_fail(m->c, EXIT_REFUSED, "%d transaction(s) open on %s for more than "
                    "switchover_max_trx_s=%d s, which fencing would roll back: %s; wait for them, "
                    "end them, or use --force", ta.n, m->old, cfg->switchover_max_trx_s, all);
}

/* An interactive yes, or --yes: a switchover cuts writes and kills client sessions. */
static int confirm(move_t *m)
{
    if (m->o->yes) return EXIT_OK;
    if (!isatty(STDIN_FILENO))
        return ctl_fail(m->c, EXIT_USAGE, "standard input is not a terminal, so nobody can "
                        "confirm: add --yes to switch over %s -> %s without asking", m->old,
                        strcmp(m->target, "*") == 0 ? m->expect : m->target);
    printf("Switch over %s -> %s: %s is fenced (its client sessions are killed, writes stop "
           "until %s is writable). Go on? [y/N] ", m->old,
           strcmp(m->target, "*") == 0 ? m->expect : m->target, m->old,
           strcmp(m->target, "*") == 0 ? m->expect : m->target);
    fflush(stdout);
    char line[32];
    if (!fgets(line, sizeof(line), stdin) || (strcmp(line, "y\n") != 0 && strcmp(line, "yes\n") != 0
                                              && strcmp(line, "Y\n") != 0))
        return ctl_fail(m->c, EXIT_REFUSED, "not confirmed: nothing changed");
    return EXIT_OK;
}

/* ---- the request -------------------------------------------------------------------------- */

static int edit_request(const ctl_t *c, control_rec_t *rec, bool malformed, void *arg)
{
    move_t *m = arg;
    if (malformed)
        return ctl_fail(c, EXIT_REFUSED, "/control is malformed: the coordinator treats the "
                        "cluster as paused; run failoverctl resume to rewrite it, then retry");
    if (rec->request[0])
        return ctl_fail(c, EXIT_REFUSED, "a %s to %s is pending (requested just now by someone "
                        "else); wait for it (failoverctl status)", rec->request,
                        rec->request_to[0] ? rec->request_to : "*");
    if (m->planned && control_pause_active(rec, wall_ms()))
        return ctl_fail(c, EXIT_REFUSED, "cluster %s was paused just now: run failoverctl resume "
                        "first", c->cfg->cluster_name);
    snprintf(rec->request, sizeof(rec->request), "%s", m->request);
    snprintf(rec->request_to, sizeof(rec->request_to), "%s", m->target);
    rec->request_force = m->o->force;
    rec->request_timeout_s = m->o->timeout_s;
    m->req_at = wall_ms();
    rec->request_at_ms = m->req_at;
    return EXIT_OK;
}

static int edit_withdraw(const ctl_t *c, control_rec_t *rec, bool malformed, void *arg)
{
    (void)c;
    const move_t *m = arg;
    if (malformed || !rec->request[0] || rec->request_at_ms != m->req_at) return EXIT_FAILURE_GENERIC;
    rec->request[0] = 0;
    rec->request_to[0] = 0;
    rec->request_force = false;
    rec->request_timeout_s = 0;
    rec->request_at_ms = 0;
    return EXIT_OK;
}

/* ---- following the coordinator ------------------------------------------------------------ */

/* Every time here is ZooKeeper's own clock (the mtime of the znode whose change we report), so
 * the steps are timed by when they happened, not by when we happened to look. */
typedef struct follow {
    int64_t t0;                  /* when our request was written */
    int64_t t_fence, t_ack, t_promoted;
    bool fence_seen, ack_seen, promoted, writable, unfenced, cleared;
    int64_t cleared_at;          /* monotonic */
    char old_final[GTID_POS_STRLEN]; /* the old primary's position once fenced */
    char new_name[NAME_MAX_LEN + 1], new_host[HOST_MAX_LEN + 1];
    int new_port;
    uint64_t new_epoch;
    char done[CTL_MAX_NODES][NAME_MAX_LEN + 1]; /* nodes seen following the new primary */
    size_t ndone;
    bool old_diverged;
    /* Steps found in one look, printed in the order they happened. */
    struct {
        int64_t at;
        char text[2600];
    } ev[CTL_MAX_NODES + 8];
    size_t nev;
} follow_t;

static void step(follow_t *f, int64_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void step(follow_t *f, int64_t at, const char *fmt, ...)
{
    if (f->nev >= sizeof(f->ev) / sizeof(f->ev[0])) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->ev[f->nev].text, sizeof(f->ev[0].text), fmt, ap);
    va_end(ap);
    f->ev[f->nev++].at = at;
}

static void print_steps(follow_t *f)
{
    /* Stable by time: a handful of entries, insertion order breaks ties. */
    for (size_t i = 0; i < f->nev; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < f->nev; j++)
            if (f->ev[j].at < f->ev[best].at) best = j;
        if (best != i) {
            typeof(f->ev[0]) tmp = f->ev[best];
            memmove(&f->ev[i + 1], &f->ev[i], (best - i) * sizeof(f->ev[0]));
            f->ev[i] = tmp;
        }
        int64_t at = f->ev[i].at;
        printf("  +%7.3fs  %s\n", (double)(at > f->t0 ? at - f->t0 : 0) / 1000.0, f->ev[i].text);
    }
    f->nev = 0;
    fflush(stdout);
}

static bool was_done(const follow_t *f, const char *name)
{
    for (size_t i = 0; i < f->ndone; i++)
        if (strcmp(f->done[i], name) == 0) return true;
    return false;
}

static int64_t node_mtime(const cluster_view_t *v, const node_state_t *n)
{
    return n ? v->node_mtime[n - v->nodes] : 0;
}

/* "41 ms" between two ZooKeeper times (never negative). */
static const char *took(int64_t from, int64_t to, char *buf, size_t len)
{
    ctl_fmt_ms(to > from ? to - from : 0, buf, len);
    return buf;
}

/* Print what changed since the last look. */
static void observe(const move_t *m, follow_t *f, const cluster_view_t *v)
{
    char d[32];
    const node_state_t *old = ctl_view_node(v, m->old);
    bool moved = v->have_primary && v->primary.epoch > m->epoch0;

    if (!f->fence_seen && v->have_primary &&
        ((v->primary.fencing && strcmp(v->primary.name, m->old) == 0) || moved)) {
        f->fence_seen = true;
        /* Seen only after the move: the fence happened, but its time is gone with it. */
        f->t_fence = moved ? 0 : v->primary_mtime;
        step(f, moved ? v->primary_mtime : f->t_fence,
             "fencing %s: the coordinator (%s) marked /primary fencing; its agent must make it "
             "read-only and cut client sessions", m->old, v->coordinator[0] ? v->coordinator : "?");
    }
    if (f->fence_seen && !f->ack_seen) {
        const char *how = NULL;
        char killed[300];
        int64_t at = node_mtime(v, old);
        if (!old) {
            /* Gone, or listed but unreadable (no acknowledgement can be read from it). */
            if (!ctl_view_listed(v, m->old)) {
                how = "its agent is gone (ZooKeeper session ended)";
                at = v->primary_mtime;
            } else if (moved) {
                how = "acknowledged";
                at = v->primary_mtime;
            }
        } else if (!old->healthy) {
            how = "its agent reports its mysqld down";
        } else if (old->read_only && old->fence_ack) {
            snprintf(killed, sizeof(killed), "read-only, client sessions cut (%s)",
                     old->fence_killed[0] ? old->fence_killed : "none was open");
            how = killed;
        } else if (moved) {
            how = "acknowledged";
            at = v->primary_mtime;
        }
        if (how) {
            if (old && old->healthy && m->planned)
                snprintf(f->old_final, sizeof(f->old_final), "%s", old->gtid_binlog);
            f->ack_seen = true;
            if (f->t_fence && at < f->t_fence) at = f->t_fence; /* it was so before the fence */
            f->t_ack = at;
            if (f->t_fence)
                step(f, at, "%s fenced: %s (acknowledged in %s)", m->old, how,
                     took(f->t_fence, at, d, sizeof(d)));
            else
                step(f, at, "%s fenced: %s", m->old, how);
        }
    }
    if (!f->promoted && moved) {
        f->promoted = true;
        f->t_promoted = v->primary_mtime;
        snprintf(f->new_name, sizeof(f->new_name), "%s", v->primary.name);
        snprintf(f->new_host, sizeof(f->new_host), "%s", v->primary.host);
        f->new_port = v->primary.port;
        f->new_epoch = v->primary.epoch;
        step(f, f->t_promoted, "%s caught up%s%s and was named primary at epoch %llu (%s)",
             f->new_name, f->old_final[0] ? " to " : "", f->old_final,
             (unsigned long long)f->new_epoch,
             took(f->t_ack ? f->t_ack : f->t0, f->t_promoted, d, sizeof(d)));
    }
    if (f->fence_seen && !f->promoted && !f->unfenced && v->have_primary && !v->primary.fencing &&
        v->primary.epoch == m->epoch0) {
        f->unfenced = true;
        step(f, v->primary_mtime, "the coordinator lifted the fence: %s stays primary", m->old);
    }
    if (f->promoted && !f->writable) {
        const node_state_t *n = ctl_view_node(v, f->new_name);
        if (n && n->healthy && n->role == ROLE_PRIMARY && !n->read_only && n->epoch == f->new_epoch) {
            f->writable = true;
            int64_t at = node_mtime(v, n);
            step(f, at, "%s applied its relay log, detached and is writable (%s)", f->new_name,
                 took(f->t_promoted, at, d, sizeof(d)));
        }
    }
    if (!f->promoted) return;
    for (size_t i = 0; i < v->n && f->ndone < CTL_MAX_NODES; i++) {
        const node_state_t *n = &v->nodes[i];
        if (strcmp(n->name, f->new_name) == 0 || was_done(f, n->name)) continue;
        bool is_old = strcmp(n->name, m->old) == 0;
        int64_t at = v->node_mtime[i];
        if (is_old && n->diverged && !f->old_diverged) {
            f->old_diverged = true;
            step(f, at, "%s has transactions %s never had: kept read-only (diverged), not rejoined",
                 m->old, f->new_name);
            continue;
        }
        if (!n->healthy || n->role != ROLE_REPLICA || !n->io_running || n->source_port != f->new_port ||
            strcmp(n->source_host, f->new_host) != 0)
            continue;
        snprintf(f->done[f->ndone++], sizeof(f->done[0]), "%s", n->name);
        if (is_old)
            step(f, at, "%s is now a replica of %s (%s)", n->name, f->new_name,
                 took(f->t_promoted, at, d, sizeof(d)));
        else
            step(f, at, "%s replicating from %s (%s)", n->name, f->new_name,
                 took(f->t_promoted, at, d, sizeof(d)));
    }
}

static void observe_print(const move_t *m, follow_t *f, const cluster_view_t *v)
{
    observe(m, f, v);
    print_steps(f);
}

/* After the record: say which nodes have not followed yet. */
static void leftovers(const move_t *m, const follow_t *f, const cluster_view_t *v)
{
    if (!f->promoted) return;
    if (!f->writable)
        printf("warning: %s has not confirmed it is writable yet (failoverctl status)\n", f->new_name);
    for (size_t i = 0; i < v->n; i++) {
        const node_state_t *n = &v->nodes[i];
        if (strcmp(n->name, f->new_name) == 0 || was_done(f, n->name)) continue;
        bool is_old = strcmp(n->name, m->old) == 0;
        if (is_old && f->old_diverged) continue;
        if (!n->healthy)
            printf("note: %s's mysqld is down; its agent makes it a replica of %s when it "
                   "returns\n", n->name, f->new_name);
        else
            printf("warning: %s is not replicating from %s yet (failoverctl status)\n", n->name,
                   f->new_name);
    }
    if (!ctl_view_node(v, m->old) && !m->planned)
        printf("note: %s has no agent running; it rejoins as a replica of %s when its agent and "
               "mysqld return\n", m->old, f->new_name);
}

static json_t *find_record(move_t *m, long *after)
{
    ctl_hist_t *h = NULL;
    char err[256];
    long n = ctl_hist_load(m->c->zh, m->c->cfg, *after, 0, true, &h, NULL, err, sizeof(err));
    json_t *found = NULL;
    long newest = *after;
    for (long i = 0; i < n; i++) {
        if (h[i].seq > newest) newest = h[i].seq;
        if (!h[i].obj || found) continue;
        json_t *ra = json_object_get(h[i].obj, "request_at");
        if (json_is_integer(ra) && json_integer_value(ra) == m->req_at)
            found = json_incref(h[i].obj);
    }
    ctl_hist_free(h, n);
    if (!found) *after = newest; /* never read the same unrelated record twice */
    return found;
}

static int report(const move_t *m, const follow_t *f, json_t *rec, const cluster_view_t *v)
{
    const char *outcome = ctl_json_str(rec, "outcome");
    const char *detail = ctl_json_str(rec, "detail");
    char phases[300], loss[600];
    ctl_hist_phases(rec, phases, sizeof(phases));
    ctl_hist_loss(rec, loss, sizeof(loss));
    bool ok = strcmp(outcome, "success") == 0 || strcmp(outcome, "success-repoint-incomplete") == 0;
    if (ok) {
        leftovers(m, f, v);
        json_t *ep = json_object_get(rec, "epoch");
        printf("%s %s -> %s: %s at epoch %lld\n", m->kind, m->old, ctl_json_str(rec, "new"),
               outcome, json_is_integer(ep) ? (long long)json_integer_value(ep) : -1LL);
        if (phases[0]) printf("  coordinator phases: %s\n", phases);
        if (loss[0]) printf("  data: %s\n", loss);
        if (strcmp(outcome, "success") != 0)
            printf("warning: not every replica followed the new primary in time; their agents "
                   "keep trying (failoverctl status)\n");
        return EXIT_OK;
    }
    /* Name the candidates' verdicts: that is usually the why. */
    ctl_hist_candidates(stdout, "  ", json_object_get(rec, "candidates"));
    if (strcmp(outcome, "refused") == 0 || strcmp(outcome, "aborted") == 0 ||
        strcmp(outcome, "no-candidate") == 0) {
        char still[128] = "";
        if (v->have_primary)
            snprintf(still, sizeof(still), "; %s is still primary at epoch %llu", v->primary.name,
                     (unsigned long long)v->primary.epoch);
        return ctl_fail(m->c, EXIT_REFUSED, "%s by the coordinator: %s%s", outcome,
                        detail[0] ? detail : "(no detail recorded)", still);
    }
    if (strcmp(outcome, "promotion-unconfirmed") == 0)
        return ctl_fail(m->c, EXIT_FAILURE_GENERIC, "%s was named primary at epoch %lld but did "
                        "not confirm it is writable in time; check failoverctl status and its "
                        "agent's log", ctl_json_str(rec, "new"),
                        (long long)json_integer_value(json_object_get(rec, "epoch")));
    return ctl_fail(m->c, EXIT_FAILURE_GENERIC, "the coordinator recorded outcome \"%s\": %s",
                    outcome, detail);
}

static int follow(move_t *m)
{
    follow_t *f = calloc(1, sizeof(*f));
    cluster_view_t *v = ctl_view_alloc();
    if (!f) abort();
    f->t0 = m->req_mtime;
    int64_t start = mono_ms();
    long after = ctl_hist_last_seq(m->c->zh, m->c->cfg);
    /* Each candidate's catch-up, plus the donor applying its relay log and the wanted one
     * fetching from it (coord.c catch_up_from), each bounded by the same timeout. */
    int64_t deadline = start + ((int64_t)m->timeout_s * ((m->candidates > 0 ? m->candidates : 1) + 2) +
                               MOVE_GRACE_S) * 1000;
    char err[512];
    int rc = -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    cond_init_monotonic(&watch_cv);
    zoo_set_watcher(m->c->zh, on_watch);

    while (rc < 0 && !interrupted && mono_ms() < deadline) {
        json_t *rec = find_record(m, &after);
        if (ctl_read_view_watch(m->c->zh, m->c->cfg, v, true, err, sizeof(err)) == EXIT_OK) {
            observe_print(m, f, v);
            if (!rec && !f->cleared && v->control.request_at_ms != m->req_at) {
                f->cleared = true;
                f->cleared_at = mono_ms();
            }
        }
        if (rec) {
            rc = report(m, f, rec, v);
            json_decref(rec);
        } else if (f->cleared && mono_ms() - f->cleared_at > 3000) {
            /* Cleared without a record: a late record had its moment; say so. */
            rc = ctl_fail(m->c, EXIT_FAILURE_GENERIC, "the request left /control without a "
                          "history record: the coordinator dropped it (see its log) or someone "
                          "rewrote /control; primary is now %s at epoch %llu",
                          v->have_primary ? v->primary.name : "?",
                          (unsigned long long)v->primary.epoch);
        } else {
            wait_change(POLL_MS);
        }
    }
    if (rc >= 0) {
        /* done */
    } else if (interrupted) {
        rc = ctl_fail(m->c, EXIT_FAILURE_GENERIC, "interrupted: the request stays with the "
                      "coordinator; follow it with failoverctl status and failoverctl history");
    } else if (!f->fence_seen && ctl_control_update(m->c, edit_withdraw, m, NULL) == EXIT_OK) {
        rc = ctl_fail(m->c, EXIT_TIMEOUT, "no coordinator acted on the request within %d s; "
                      "withdrew it (nothing changed); check the coordinator's log",
                      (int)((deadline - start) / 1000));
    } else {
        rc = ctl_fail(m->c, EXIT_TIMEOUT, "no outcome recorded within %d s; the coordinator may "
                      "still be working on it: follow with failoverctl status and failoverctl "
                      "history", (int)((deadline - start) / 1000));
    }
    free(v);
    free(f);
    return rc;
}

static int run_move(ctl_t *c, const ctl_opts_t *o, bool planned)
{
    move_t m;
    memset(&m, 0, sizeof(m));
    m.c = c;
    m.o = o;
    m.planned = planned;
    m.kind = planned ? "switchover" : "failover";
    m.request = planned ? "switchover" : "failover";
    m.timeout_s = o->timeout_s ? o->timeout_s : (c->cfg->catchup_timeout_ms + 999) / 1000;
    if (!planned && !o->to)
        return ctl_fail(c, EXIT_USAGE, "needs --to NODE: a manual failover names the replica to "
                        "promote (failoverctl explain ranks them); for a planned move of a live "
                        "primary use switchover");
    int rc = ctl_connect(c);
    if (rc != EXIT_OK) return rc;
    m.v = ctl_view_alloc();
    char err[512];
    rc = ctl_read_view(c->zh, c->cfg, m.v, err, sizeof(err));
    if (rc != EXIT_OK) {
        free(m.v);
        return ctl_fail(c, rc, "%s", err);
    }
    rc = checks(&m);
    if (rc == EXIT_OK && planned) rc = check_long_trx(&m);
    if (rc == EXIT_OK && planned && o->dry_run) {
        printf("dry run: switchover %s -> %s passes every check; nothing changed. The plan:\n\n",
               m.old, strcmp(m.target, "*") == 0 ? m.expect : m.target);
        fflush(stdout);
        rc = c->cfg_path ? ctl_explain_switchover(c, strcmp(m.target, "*") == 0 ? NULL : m.target)
                         : (printf("(the statements need the [mysql] account: give -c FILE)\n"),
                            EXIT_OK);
        free(m.v);
        return rc;
    }
    if (rc == EXIT_OK && planned) rc = confirm(&m);
    if (rc == EXIT_OK) rc = ctl_control_update(c, edit_request, &m, &m.req_mtime);
    if (rc != EXIT_OK) {
        free(m.v);
        return rc;
    }
    printf("%s %s -> %s requested (catch-up timeout %d s%s); coordinator: %s\n", m.kind, m.old,
           strcmp(m.target, "*") == 0 ? m.expect : m.target, m.timeout_s,
           strcmp(m.target, "*") == 0 ? "; best ranked now, the coordinator decides" : "",
           m.v->coordinator);
    fflush(stdout);
    rc = follow(&m);
    free(m.v);
    return rc;
}

int ctl_switchover(ctl_t *c, const ctl_opts_t *o)
{
    return run_move(c, o, true);
}

int ctl_failover(ctl_t *c, const ctl_opts_t *o)
{
    return run_move(c, o, false);
}
