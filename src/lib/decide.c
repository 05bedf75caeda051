/* decide.c -- the failover decisions (ranking, detection, fencing, anti-flap, bootstrap) as pure
 * functions of (observations, now), so every safety rule is pinned down by a unit-test table. */
#include "decide.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *nz(const char *s, const char *dflt)
{
    return s != NULL ? s : dflt;
}

/* Appends like snprintf; on truncation the text stays terminated and later appends are dropped,
 * which is what an explanation in a fixed buffer wants. */
static void appendf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void appendf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    if (buf == NULL || len == 0 || *pos >= len - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (w < 0)
        return;
    *pos = (size_t)w >= len - *pos ? len - 1 : *pos + (size_t)w;
}

/* ---- candidate ranking ------------------------------------------------------------------ */

/* Positions can be far longer than a reason: cut them visibly ("...") rather than silently. */
static void set_reason(candidate_verdict_t *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_reason(candidate_verdict_t *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    if (w >= (int)sizeof v->reason)
        memcpy(v->reason + sizeof v->reason - 4, "...", 4);
}

uint64_t candidate_errant(const candidate_obs_t *c, const gtid_pos_t *old_primary, char *buf,
                          size_t len)
{
    if (buf != NULL && len > 0)
        buf[0] = '\0';
    if (c == NULL)
        return 0;
    /* A replica's binlog holds what it applied from its source (log_slave_updates) and, once it
     * was itself primary, what the old primary also had; anything beyond both was written
     * locally and would be replayed onto every other replica after promotion. */
    gtid_pos_t accounted = c->applied;
    const gtid_pos_t *suspect = &c->binlog;
    if (c->binlog.mysql) {
        /* MySQL: gtid_executed is both what was applied and what was logged, so only the
         * transactions it wrote itself can be errant: those the old primary lacks */
        accounted = (gtid_pos_t){0};
        suspect = &c->authored;
    }
    if (old_primary != NULL)
        gtid_pos_merge_max(&accounted, old_primary);
    uint64_t count = gtid_pos_missing_count(&accounted, suspect);
    if (buf != NULL && len > 0)
        (void)gtid_pos_missing_format(&accounted, suspect, buf, len); /* truncated is fine */
    return count;
}

static int promotion_order(promotion_t p)
{
    return p == PROMOTION_PREFER ? 0 : 1;
}

/* < 0 when a should be promoted before b. Received data comes first because with AFTER_SYNC
 * semi-sync only the replica that received the most is guaranteed to hold every acknowledged
 * write (invariant 3). */
static int candidate_cmp(const candidate_obs_t *a, const candidate_obs_t *b)
{
    switch (gtid_pos_compare(&a->received, &b->received)) {
    case GTID_CMP_AHEAD:
        return -1;
    case GTID_CMP_BEHIND:
        return 1;
    case GTID_CMP_DIVERGED: {
        /* neither contains the other (multi-domain, or MySQL sets each with transactions the
         * other lacks): more transactions in total is the better guess, the verdict says the two
         * are incomparable, and the coordinator catches the winner up from the others anyway */
        uint64_t sa = gtid_pos_count(&a->received), sb = gtid_pos_count(&b->received);
        if (sa != sb)
            return sa > sb ? -1 : 1;
        break;
    }
    case GTID_CMP_EQUAL:
    case GTID_CMP_INVALID:
        break;
    }
    int pa = promotion_order(a->promotion), pb = promotion_order(b->promotion);
    if (pa != pb)
        return pa - pb;
    /* Apply backlog (received but not applied) first: Seconds_Behind_Master is NULL on every
     * replica once the primary is gone, so it cannot tell a stalled SQL thread from a healthy one. */
    uint64_t ba = gtid_pos_missing_count(&a->applied, &a->received);
    uint64_t bb = gtid_pos_missing_count(&b->applied, &b->received);
    if (ba != bb)
        return ba < bb ? -1 : 1;
    /* written as !(x >= 0) so that NaN counts as unknown too */
    bool ua = !(a->lag_s >= 0), ub = !(b->lag_s >= 0);
    if (ua != ub)
        return ua ? 1 : -1;
    if (!ua && a->lag_s != b->lag_s)
        return a->lag_s < b->lag_s ? -1 : 1;
    return strcmp(nz(a->name, ""), nz(b->name, ""));
}

static void format_received(const gtid_pos_t *p, char *buf, size_t len)
{
    if (gtid_pos_is_empty(p))
        snprintf(buf, len, "nothing");
    else
        (void)gtid_pos_format(p, buf, len); /* truncated text still explains */
}

size_t candidate_rank(const candidate_obs_t *c, size_t n, const gtid_pos_t *old_primary,
                      candidate_verdict_t *verdicts, size_t *order)
{
    size_t eligible = 0;
    if (c == NULL || verdicts == NULL || order == NULL)
        return 0;

    for (size_t i = 0; i < n; i++) {
        candidate_verdict_t *v = &verdicts[i];
        char errant[GTID_POS_STRLEN];
        v->eligible = false;
        v->rank = 0;
        v->reason[0] = '\0';
        if (c[i].promotion == PROMOTION_NEVER) {
            set_reason(v, "promotion=never");
        } else if (c[i].sql_delay_s > 0) {
            set_reason(v, "delayed replica (SQL_Delay %d s): never promoted", c[i].sql_delay_s);
        } else if (c[i].promotion != PROMOTION_PREFER && c[i].promotion != PROMOTION_NEUTRAL) {
            /* an unset setting may hide a "never": refuse rather than guess */
            set_reason(v, "promotion setting unknown");
        } else if (!c[i].reachable) {
            set_reason(v, "unreachable");
        } else if (!c[i].is_replica) {
            set_reason(v, "not a replica");
        } else if (candidate_errant(&c[i], old_primary, errant, sizeof errant) > 0) {
            set_reason(v, "errant GTIDs: %s", errant);
        } else {
            v->eligible = true;
            /* stable insertion sort: n is small and ties keep input order */
            size_t at = eligible;
            while (at > 0 && candidate_cmp(&c[i], &c[order[at - 1]]) < 0) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = i;
            eligible++;
        }
    }

    for (size_t r = 0; r < eligible; r++) {
        const candidate_obs_t *cand = &c[order[r]];
        const candidate_obs_t *best = &c[order[0]];
        candidate_verdict_t *v = &verdicts[order[r]];
        char recv[GTID_POS_STRLEN];
        v->rank = (int)(r + 1);
        format_received(&cand->received, recv, sizeof recv);
        if (r == 0) {
            set_reason(v, "received %s (most)", recv);
            continue;
        }
        uint64_t behind = gtid_pos_missing_count(&cand->received, &best->received);
        if (cand->received.mysql && /* MariaDB's reasons stay as they were */
            gtid_pos_compare(&cand->received, &best->received) == GTID_CMP_DIVERGED)
            set_reason(v, "received %s: incomparable with the best (each has transactions the "
                       "other lacks), %" PRIu64 " behind it", recv, behind);
        else if (behind == 0)
            set_reason(v, "received %s (as much as the best)", recv);
        else
            set_reason(v, "received %s, %" PRIu64 " behind the best", recv, behind);
    }
    return eligible;
}

void candidate_plan(const candidate_obs_t *c, size_t n, const gtid_pos_t *old_primary,
                    const size_t *order, size_t eligible, const char *target,
                    candidate_plan_t *out)
{
    out->donor = out->want = CANDIDATE_NONE;
    out->fetch = false;
    if (c == NULL || order == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].reachable || !c[i].is_replica || candidate_errant(&c[i], old_primary, NULL, 0) > 0)
            continue;
        if (out->donor == CANDIDATE_NONE ||
            gtid_pos_compare(&c[i].received, &c[out->donor].received) == GTID_CMP_AHEAD)
            out->donor = i;
    }
    bool any = target == NULL || strcmp(target, "*") == 0;
    for (size_t k = 0; k < eligible && out->want == CANDIDATE_NONE; k++) {
        size_t i = order[k];
        if (any ? c[i].promotion == PROMOTION_PREFER : strcmp(nz(c[i].name, ""), target) == 0)
            out->want = i;
    }
    if (out->want == CANDIDATE_NONE && any && eligible > 0)
        out->want = order[0];
    out->fetch = out->want != CANDIDATE_NONE && out->donor != CANDIDATE_NONE &&
                 out->want != out->donor &&
                 gtid_pos_compare(&c[out->want].received, &c[out->donor].received) ==
                     GTID_CMP_BEHIND;
}

/* ---- semi-sync: who may acknowledge ------------------------------------------------------ */

bool semi_sync_replica_wanted(promotion_t promotion, int sql_delay_s)
{
    /* an unknown setting may hide a "never": stay silent rather than guess */
    return (promotion == PROMOTION_PREFER || promotion == PROMOTION_NEUTRAL) && sql_delay_s <= 0;
}

size_t semi_sync_ack_top(const candidate_obs_t *c, size_t n, const gtid_pos_t *old_primary)
{
    size_t top = CANDIDATE_NONE;
    if (c == NULL)
        return top;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].reachable || !c[i].is_replica || c[i].semi_sync_ack == 0 ||
            candidate_errant(&c[i], old_primary, NULL, 0) > 0)
            continue;
        gtid_cmp_t cmp = top == CANDIDATE_NONE ? GTID_CMP_AHEAD
                                               : gtid_pos_compare(&c[i].received, &c[top].received);
        /* MySQL sets that each hold what the other lacks: the larger one is the bar, as in
         * candidate_cmp (MariaDB keeps the first, as it always did) */
        if (cmp == GTID_CMP_AHEAD ||
            (cmp == GTID_CMP_DIVERGED && c[i].received.mysql &&
             gtid_pos_count(&c[i].received) > gtid_pos_count(&c[top].received)))
            top = i;
    }
    return top;
}

bool semi_sync_lacks_acked(const gtid_pos_t *cand, const gtid_pos_t *top)
{
    if (cand == NULL || top == NULL)
        return false;
    gtid_cmp_t c = gtid_pos_compare(cand, top);
    /* MySQL: a set that lacks any of top's transactions may lack an acknowledged one, whatever
     * it holds besides (MariaDB keeps its old rule: strictly behind) */
    return c == GTID_CMP_BEHIND || (c == GTID_CMP_DIVERGED && (cand->mysql || top->mysql));
}

/* ---- holistic primary-loss detection ---------------------------------------------------- */

detect_t detect_primary_loss(const primary_obs_t *o, int failure_threshold)
{
    if (o == NULL || failure_threshold < 1 || o->consecutive_failures < 0 ||
        o->replicas_known < 0 || o->replicas_reachable < 0 || o->replicas_io_connected < 0 ||
        o->replicas_reachable > o->replicas_known ||
        o->replicas_io_connected > o->replicas_reachable)
        return DETECT_INVALID;
    if (o->primary_reachable)
        return DETECT_HEALTHY;
    if (o->consecutive_failures < (o->agent_gone || o->mysqld_down ? 1 : failure_threshold))
        return DETECT_SUSPECT;
    /* Our own probe failing proves only that we cannot reach it; a failover needs a witness that
     * the replicas cannot either (invariant 4), or a partition would promote a second primary. */
    if (o->replicas_known == 0 || o->replicas_reachable == 0)
        return DETECT_NO_WITNESS;
    if (o->replicas_io_connected > 0)
        return DETECT_REPLICAS_DISAGREE;
    return DETECT_CONFIRMED_DEAD;
}

bool primary_stranded(bool answers, bool read_only, bool agent_listed, int64_t stranded_ms,
                      int session_timeout_ms)
{
    if (!answers || !read_only || agent_listed || stranded_ms < 0 || session_timeout_ms < 0)
        return false;
    return stranded_ms >= session_timeout_ms;
}

bool source_is_silent(bool io_running, int heartbeat_period_ms, int64_t unheard_ms)
{
    if (!io_running || heartbeat_period_ms <= 0) return false;
    return unheard_ms > (int64_t)heartbeat_period_ms * 3 / 2;
}

int replication_heartbeat_ms(int session_timeout_ms)
{
    int h = session_timeout_ms / 8;
    return h < 100 ? 100 : h > 1000 ? 1000 : h;
}

int probe_deadline_ms(int check_interval_ms, int read_timeout_ms)
{
    int d = check_interval_ms < 200 ? 200 : check_interval_ms;
    return read_timeout_ms > 0 && read_timeout_ms < d ? read_timeout_ms : d;
}

int probe_deadline_agentless_ms(int check_interval_ms, int read_timeout_ms)
{
    int d = probe_deadline_ms(check_interval_ms, read_timeout_ms) / 4;
    return d < 50 ? 50 : d;
}

const char *detect_name(detect_t d)
{
    switch (d) {
    case DETECT_HEALTHY:
        return "healthy";
    case DETECT_SUSPECT:
        return "suspect";
    case DETECT_REPLICAS_DISAGREE:
        return "replicas-disagree";
    case DETECT_NO_WITNESS:
        return "no-witness";
    case DETECT_CONFIRMED_DEAD:
        return "confirmed-dead";
    case DETECT_INVALID:
        break;
    }
    return "invalid";
}

/* ---- fencing on ZooKeeper loss ---------------------------------------------------------- */

int64_t fence_deadline_ms(int64_t last_ack_sent_ms, int session_timeout_ms)
{
    /* a negative timeout would put the deadline before the last ack: treat it as "no grace" */
    if (session_timeout_ms < 0)
        session_timeout_ms = 0;
    return last_ack_sent_ms + session_timeout_ms / 2;
}

int64_t start_deadline_ms(int64_t now_ms, int session_timeout_ms, bool have_saved,
                          int64_t saved_deadline_ms)
{
    int64_t fresh = fence_deadline_ms(now_ms, session_timeout_ms);
    return have_saved && saved_deadline_ms < fresh ? saved_deadline_ms : fresh;
}

int fence_budget_ms(int fence_timeout_ms, int session_timeout_ms)
{
    int quarter = session_timeout_ms / 4;
    int b = fence_timeout_ms < quarter ? fence_timeout_ms : quarter;
    return b < 50 ? 50 : b; /* below this not even a local KILL round trip fits */
}

int fence_kill_wait_ms(int session_timeout_ms)
{
    int w = session_timeout_ms / 8;
    return w < 50 ? 50 : w;
}

int64_t failsafe_evidence_ttl_ms(int check_interval_ms)
{
    /* two intervals: one missed probe must not drop a healthy primary into read-only */
    return 2 * (int64_t)check_interval_ms;
}

int64_t failsafe_lapse_wait_ms(int check_interval_ms, int fence_budget)
{
    /* Evidence is timed from when the old primary SENT its round, which every replica answered
     * before its IO thread was stopped or its vouch was given (after that it refuses): it lapses
     * within one ttl of that. The old primary notices within a re-check and is read-only within
     * its fence budget; the margin covers the hosts' monotonic clocks and scheduling. */
    return failsafe_evidence_ttl_ms(check_interval_ms) + FAILSAFE_RECHECK_MS +
           (fence_budget > 0 ? fence_budget : 0) + FAILSAFE_LAPSE_MARGIN_MS;
}

write_decision_t writable_decision(const write_obs_t *o, int64_t now_ms, int check_interval_ms,
                                   const char **why)
{
    const char *reason;
    write_decision_t d;

    if (o == NULL) {
        reason = "no observation";
        d = WRITE_INVALID;
    } else if (o->diverged) {
        reason = "diverged";
        d = WRITE_FENCE;
    } else if (!o->is_desired_primary) {
        reason = "not the desired primary";
        d = WRITE_FENCE;
    } else if (o->episode_fenced) {
        reason = "fenced earlier in this ZooKeeper outage: waits for a session and /primary";
        d = WRITE_FENCE;
    } else if (o->session_alive) {
        reason = "desired primary, session alive";
        d = WRITE_ALLOW;
    } else if (o->failsafe_enabled && o->replicas_expected > 0 &&
               o->replicas_connected >= o->replicas_expected && o->evidence_at_ms > 0 &&
               now_ms >= o->evidence_at_ms &&
               now_ms - o->evidence_at_ms <= failsafe_evidence_ttl_ms(check_interval_ms)) {
        /* every replica vouched, in a round trip we began at evidence_at_ms, that it streams from
         * us and has lost ZooKeeper too; a promotion first stops their IO threads and outwaits
         * this evidence, and a replica that vouched is not made writable before it lapses */
        reason = "failsafe: every replica vouched";
        d = WRITE_ALLOW;
    } else {
        reason = "ZooKeeper session lost";
        d = WRITE_FENCE;
    }
    if (why != NULL)
        *why = reason;
    return d;
}

bool zk_in_doubt(bool connected, int64_t last_ack_sent_ms, int64_t now_ms, int session_timeout_ms)
{
    return !connected || last_ack_sent_ms <= 0 ||
           now_ms - last_ack_sent_ms > (int64_t)session_timeout_ms / 4;
}

bool failsafe_vouch(const vouch_obs_t *o, int check_interval_ms, const char **why)
{
    const char *w = NULL;
    if (!o->zk_in_doubt)
        w = "this agent has a live ZooKeeper session";
    else if (!o->desired_name || !o->desired_name[0])
        w = "this agent does not know the desired primary";
    else if (!o->asker || strcmp(o->asker, o->desired_name) != 0)
        w = "the asker is not the desired primary";
    else if (o->asker_epoch != o->desired_epoch)
        w = "the asker's epoch is not the current one";
    else if (!o->probe_ok || o->probe_age_ms < 0 || o->probe_age_ms > 2 * (int64_t)check_interval_ms)
        w = "no fresh probe of the local mysqld";
    else if (!o->is_replica || !o->io_running)
        w = "the IO thread is not running";
    else if (o->source_silent)
        w = "the IO thread has heard nothing from its source for 1.5 heartbeat periods";
    else if (!o->source_host || strcmp(o->source_host, o->desired_host) != 0 ||
             o->source_port != o->desired_port)
        w = "the IO thread replicates from another source";
    if (why) *why = w ? w : "vouched: connected to the desired primary and ZooKeeper lost too";
    return w == NULL;
}

bool zk_timing_ok(int tick_ms, int sync_limit, int min_session_ms, int max_session_ms,
                  int session_timeout_ms, char *why, size_t len)
{
    int T = session_timeout_ms;
    /* ZooKeeper's own defaults when the server does not say: 2 and 20 ticks */
    int lo = min_session_ms > 0 ? min_session_ms : 2 * tick_ms;
    int hi = max_session_ms > 0 ? max_session_ms : 20 * tick_ms;
    if (tick_ms <= 0 || sync_limit <= 0)
        snprintf(why, len, "the server did not report tickTime and syncLimit");
    else if (T < lo || T > hi)
        snprintf(why, len, "zk_session_timeout_ms %d is outside the server's %d..%d ms "
                 "(minSessionTimeout..maxSessionTimeout): it grants another timeout", T, lo, hi);
    else if ((int64_t)sync_limit * tick_ms >= T / 2)
        snprintf(why, len, "syncLimit x tickTime = %d x %d = %lld ms is not below half the session "
                 "timeout (%d ms): a cut-off ZooKeeper leader could answer syncs after a new "
                 "leader may have expired the session; lower tickTime or syncLimit, or raise "
                 "zk_session_timeout_ms above %lld", sync_limit, tick_ms,
                 (long long)sync_limit * tick_ms, T / 2, 2LL * sync_limit * tick_ms);
    else if (tick_ms >= T / 4)
        snprintf(why, len, "tickTime %d ms is not below a quarter of the session timeout (%d ms): "
                 "the fencing margin needs it", tick_ms, T / 4);
    else
        return true;
    return false;
}

/* ---- anti-flap -------------------------------------------------------------------------- */

bool antiflap_allows(int64_t last_failover_ms, int64_t now_ms, int anti_flap_s)
{
    if (last_failover_ms == 0 || anti_flap_s <= 0)
        return true;
    return now_ms - last_failover_ms >= (int64_t)anti_flap_s * 1000;
}

int64_t antiflap_hold_ms(int64_t last_failover_ms, int64_t wall_now_ms, int anti_flap_s)
{
    if (last_failover_ms <= 0 || anti_flap_s <= 0) return 0;
    int64_t window = (int64_t)anti_flap_s * 1000;
    if (last_failover_ms > wall_now_ms) return window;
    int64_t left = last_failover_ms + window - wall_now_ms;
    return left > 0 ? left : 0;
}

/* ---- bootstrap: adopting an existing topology ------------------------------------------- */

static bool is_loopback(const char *h)
{
    return strcasecmp(h, "localhost") == 0 || strcmp(h, "127.0.0.1") == 0 || strcmp(h, "::1") == 0;
}

/* Master_Host is whatever the operator typed into CHANGE MASTER; the sandbox mixes "localhost"
 * and "127.0.0.1" for the same mysqld, and host names are case-insensitive. */
static bool same_host(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    if (strcasecmp(a, b) == 0)
        return true;
    return is_loopback(a) && is_loopback(b);
}

int bootstrap_pick_primary(const topo_obs_t *t, size_t n, char *why, size_t len)
{
    size_t pos = 0;
    if (why != NULL && len > 0)
        why[0] = '\0';

    if (t == NULL || n == 0) {
        appendf(why, len, &pos, "no node registered");
        return -1;
    }
    /* an unreachable node could be the real primary, or a replica of something else: adopting a
     * topology we cannot see whole risks making a second primary */
    for (size_t i = 0; i < n; i++) {
        if (!t[i].reachable) {
            appendf(why, len, &pos, "node %s (%s:%d) is unreachable: can't be sure which node is "
                    "the primary", nz(t[i].name, "?"), nz(t[i].host, "?"), t[i].port);
            return -1;
        }
    }

    size_t primaries = 0;
    int cand = -1;
    for (size_t i = 0; i < n; i++) {
        if (!t[i].is_replica) {
            primaries++;
            if (cand < 0)
                cand = (int)i;
        }
    }

    if (primaries == 0) {
        appendf(why, len, &pos,
                "no non-replica node: every node replicates (circular replication, or the primary "
                "is not registered); sources:");
        for (size_t i = 0; i < n; i++)
            appendf(why, len, &pos, "%s %s->%s:%d", i ? "," : "", nz(t[i].name, "?"),
                    nz(t[i].source_host, "?"), t[i].source_port);
        return -1;
    }
    if (primaries > 1) {
        bool first = true;
        appendf(why, len, &pos, "several non-replica nodes:");
        for (size_t i = 0; i < n; i++) {
            if (t[i].is_replica)
                continue;
            appendf(why, len, &pos, "%s %s", first ? "" : ",", nz(t[i].name, "?"));
            first = false;
        }
        appendf(why, len, &pos, "; only one may be the primary");
        return -1;
    }

    const topo_obs_t *p = &t[cand];
    for (size_t i = 0; i < n; i++) {
        if (!t[i].is_replica)
            continue;
        if (!same_host(t[i].source_host, p->host) || t[i].source_port != p->port) {
            appendf(why, len, &pos,
                    "replica %s replicates from %s:%d which is not the candidate %s (%s:%d)",
                    nz(t[i].name, "?"), nz(t[i].source_host, "?"), t[i].source_port,
                    nz(p->name, "?"), nz(p->host, "?"), p->port);
            return -1;
        }
    }
    if (n == 1)
        appendf(why, len, &pos, "%s is the only node (single-node cluster)", nz(p->name, "?"));
    else
        appendf(why, len, &pos, "%s is the only non-replica and every replica replicates from it",
                nz(p->name, "?"));
    return cand;
}

bool publish_due(bool changed, bool urgent, bool settled, int64_t since_last_publish_ms)
{
    if (!changed) return false;
    if (urgent) return true;
    return since_last_publish_ms >= POSITION_KEEPALIVE_MS ||
           (settled && since_last_publish_ms >= POSITION_MIN_GAP_MS);
}
