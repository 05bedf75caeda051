/* rewind.c -- names a diverged node's errant transactions exactly (binlog states compared per
 * (domain, server id), the binlog tail read from mariadb-binlog's text) and decides what the node
 * does about them. Pure: the agent's repair.c does the I/O and carries the decision out. */
#include "rewind.h"

#include "gtidset.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int cmp_pair(const gtid_t *a, const gtid_t *b)
{
    if (a->domain != b->domain) return a->domain < b->domain ? -1 : 1;
    if (a->server != b->server) return a->server < b->server ? -1 : 1;
    return 0;
}

static int cmp_pair_q(const void *x, const void *y)
{
    return cmp_pair(x, y);
}

/* ---- binlog states ---------------------------------------------------------------------------- */

/* "D-S-N" (blanks around allowed) -> g; 0 or -1. */
static int parse_gtid(const char *s, size_t n, gtid_t *g)
{
    char buf[80];
    while (n > 0 && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n == 0 || n >= sizeof(buf)) return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    gtid_pos_t p;
    char e[64];
    if (gtid_pos_parse(&p, buf, e, sizeof(e)) != 0 || p.n != 1) return -1;
    *g = p.g[0];
    return 0;
}

int binlog_state_parse(binlog_state_t *out, const char *s, char *err, size_t errlen)
{
    out->n = 0;
    if (s == NULL) {
        set_err(err, errlen, "no binlog state given (NULL)");
        return -1;
    }
    const char *p = s;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        gtid_t g;
        if (parse_gtid(p, n, &g) != 0) {
            set_err(err, errlen, "bad entry \"%.*s\" in binlog state \"%.200s\": expected "
                    "domain-server-seq entries separated by commas, e.g. 0-1-100,0-2-7",
                    (int)(n > 60 ? 60 : n), p, s);
            out->n = 0;
            return -1;
        }
        for (size_t i = 0; i < out->n; i++)
            if (cmp_pair(&out->g[i], &g) == 0) {
                set_err(err, errlen, "binlog state \"%.200s\" lists domain %" PRIu32
                        " server %" PRIu32 " twice: one entry per pair allowed", s, g.domain,
                        g.server);
                out->n = 0;
                return -1;
            }
        if (out->n == BINLOG_STATE_MAX) {
            set_err(err, errlen, "binlog state \"%.200s\": more than %d entries", s,
                    BINLOG_STATE_MAX);
            out->n = 0;
            return -1;
        }
        out->g[out->n++] = g;
        if (!comma) break;
        p = comma + 1;
    }
    qsort(out->g, out->n, sizeof(out->g[0]), cmp_pair_q);
    return 0;
}

int binlog_state_format(const binlog_state_t *st, char *buf, size_t len)
{
    if (len == 0) return -1;
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < st->n; i++) {
        int w = snprintf(buf + o, len - o, "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64, i ? "," : "",
                         st->g[i].domain, st->g[i].server, st->g[i].seq);
        if (w < 0 || (size_t)w >= len - o) return -1;
        o += (size_t)w;
    }
    return 0;
}

static const gtid_t *find_pair(const binlog_state_t *st, uint32_t domain, uint32_t server)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->g[i].domain == domain && st->g[i].server == server) return &st->g[i];
    return NULL;
}

bool binlog_state_holds(const binlog_state_t *have, const gtid_t *g)
{
    const gtid_t *h = find_pair(have, g->domain, g->server);
    return h != NULL && h->seq >= g->seq;
}

bool binlog_state_subset(const binlog_state_t *node, const binlog_state_t *primary)
{
    for (size_t i = 0; i < node->n; i++)
        if (!binlog_state_holds(primary, &node->g[i])) return false;
    return true;
}

void binlog_state_common(const binlog_state_t *node, const binlog_state_t *primary,
                         binlog_state_t *out)
{
    out->n = 0;
    for (size_t i = 0; i < node->n; i++) {
        const gtid_t *h = find_pair(primary, node->g[i].domain, node->g[i].server);
        if (!h) continue;
        gtid_t g = node->g[i];
        if (h->seq < g.seq) g.seq = h->seq;
        out->g[out->n++] = g;
    }
}

void binlog_state_fork_pos(const binlog_state_t *common, gtid_pos_t *out)
{
    *out = (gtid_pos_t){0}; /* a MariaDB position: every field, not just n (gtid.h) */
    for (size_t i = 0; i < common->n; i++) {
        const gtid_t *g = &common->g[i];
        if (out->n > 0 && out->g[out->n - 1].domain == g->domain) {
            if (g->seq > out->g[out->n - 1].seq) out->g[out->n - 1] = *g;
        } else if (out->n < GTID_MAX_DOMAINS) {
            out->g[out->n++] = *g;
        }
    }
}

/* ---- the tail, as mariadb-binlog prints it ------------------------------------------------ */

void rewind_scan_init(rewind_scan_t *s, const binlog_state_t *primary)
{
    memset(s, 0, sizeof(*s));
    s->primary = primary;
    s->first_at_s = -1;
    s->last_at_s = -1;
}

int64_t rewind_line_time(const char *line)
{
    int yy, mo, dd, hh, mi, ss;
    char tail;
    if (line[0] != '#' ||
        sscanf(line + 1, "%2d%2d%2d %d:%d:%d%c", &yy, &mo, &dd, &hh, &mi, &ss, &tail) != 7 ||
        tail != ' ')
        return -1;
    if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 60) return -1;
    struct tm tm = {.tm_year = 100 + yy, .tm_mon = mo - 1, .tm_mday = dd, .tm_hour = hh,
                    .tm_min = mi, .tm_sec = ss};
    return (int64_t)timegm(&tm);
}

/* The event description of an event header line: what follows the tab after the CRC. */
static const char *event_desc(const char *line)
{
    if (line[0] != '#' || !strstr(line, " server id ")) return NULL;
    const char *tab = strchr(line, '\t');
    return tab ? tab + 1 : NULL;
}

static void pos_note(gtid_pos_t *p, const gtid_t *g, bool keep_first)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->g[i].domain == g->domain) {
            if (!keep_first) p->g[i] = *g;
            return;
        }
    if (p->n < GTID_MAX_DOMAINS) {
        gtid_pos_t one = {.n = 1, .g = {*g}};
        gtid_pos_merge_max(p, &one);
    }
}

static bool domain_has_errant(const rewind_scan_t *s, uint32_t domain)
{
    for (size_t i = 0; i < s->first.n; i++)
        if (s->first.g[i].domain == domain) return true;
    return false;
}

static void scan_gtid(rewind_scan_t *s, const char *desc, int64_t at)
{
    /* "GTID 0-1-10 trans", "GTID 0-1-13 ddl", "GTID 0-1-5" (standalone), "GTID 0-1-9 cid=7 trans" */
    const char *p = desc + 5;
    size_t n = strcspn(p, " \t");
    gtid_t g;
    if (parse_gtid(p, n, &g) != 0) {
        s->in_errant = false;
        return;
    }
    bool errant = !binlog_state_holds(s->primary, &g);
    s->in_errant = errant;
    s->cur_domain = g.domain;
    if (!errant) {
        if (domain_has_errant(s, g.domain)) s->interleaved = true;
        return;
    }
    s->errant++;
    pos_note(&s->first, &g, true);
    pos_note(&s->last, &g, false);
    if (at >= 0) {
        if (s->first_at_s < 0) s->first_at_s = at;
        s->last_at_s = at;
    }
    bool trans = strstr(p + n, "trans") != NULL;
    if (!trans) {
        if (!s->ddl) snprintf(s->first_ddl, sizeof(s->first_ddl), "%.*s", (int)n, p);
        s->ddl++;
    }
}

void rewind_scan_line(rewind_scan_t *s, const char *line)
{
    const char *desc = event_desc(line);
    if (!desc) return;
    if (strncmp(desc, "GTID ", 5) == 0) {
        scan_gtid(s, desc, rewind_line_time(line));
        return;
    }
    if (!s->in_errant) return;
    if (strncmp(desc, "Write_rows", 10) == 0 || strncmp(desc, "Update_rows", 11) == 0 ||
        strncmp(desc, "Delete_rows", 11) == 0)
        s->row_events++;
    else if (strncmp(desc, "Query", 5) == 0)
        s->statements++;
}

int rewind_scan_gtids(const rewind_scan_t *s, char *buf, size_t len)
{
    if (len == 0) return -1;
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < s->first.n; i++) {
        const gtid_t *f = &s->first.g[i], *l = f;
        for (size_t j = 0; j < s->last.n; j++)
            if (s->last.g[j].domain == f->domain) l = &s->last.g[j];
        int w;
        if (l->seq == f->seq && l->server == f->server)
            w = snprintf(buf + o, len - o, "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64, i ? "," : "",
                         f->domain, f->server, f->seq);
        else
            w = snprintf(buf + o, len - o,
                         "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64 "..%" PRIu32 "-%" PRIu32 "-%" PRIu64,
                         i ? "," : "", f->domain, f->server, f->seq, l->domain, l->server, l->seq);
        if (w < 0 || (size_t)w >= len - o) return -1;
        o += (size_t)w;
    }
    return 0;
}

const char *rewind_refusal(const rewind_scan_t *s, uint64_t max_events, const char *binlog_format,
                           const char *row_image, char *why, size_t len)
{
    if (strcasecmp(binlog_format, "ROW") != 0)
        snprintf(why, len, "binlog_format is %s: flashback needs ROW (set binlog_format=ROW)",
                 binlog_format);
    else if (strcasecmp(row_image, "FULL") != 0)
        snprintf(why, len, "binlog_row_image is %s: flashback needs FULL (set "
                 "binlog_row_image=FULL)", row_image);
    else if (s->ddl)
        snprintf(why, len, "the errant tail holds %" PRIu64 " DDL or non-transactional "
                 "statement(s), the first %s: flashback cannot undo them", s->ddl, s->first_ddl);
    else if (s->statements)
        snprintf(why, len, "the errant tail holds %" PRIu64 " statement-based event(s): "
                 "flashback undoes only row events", s->statements);
    else if (s->interleaved)
        snprintf(why, len, "transactions the primary has come after errant ones in the binlog: "
                 "undoing the tail would undo them too");
    else if (s->row_events > max_events)
        snprintf(why, len, "the errant tail holds %" PRIu64 " row events, more than "
                 "rewind_max_events (%" PRIu64 ")", s->row_events, max_events);
    else
        return NULL;
    return why;
}

/* ---- MySQL ------------------------------------------------------------------------------------ */

int rewind_mysql_errant(const char *node_executed, const char *primary_executed, uint64_t *count,
                        char *gtids, size_t len, char *err, size_t errlen)
{
    gtidset_t *n = gtidset_alloc(), *p = gtidset_alloc();
    char e[256];
    int rc = -1;
    if (!n || !p) abort();
    if (gtidset_parse(n, node_executed, e, sizeof(e)) != 0)
        set_err(err, errlen, "this node's gtid_executed: %s", e);
    else if (gtidset_parse(p, primary_executed, e, sizeof(e)) != 0)
        set_err(err, errlen, "the primary's gtid_executed: %s", e);
    else if (gtidset_subtract(n, p, e, sizeof(e)) != 0)
        set_err(err, errlen, "gtid_executed subtraction: %s", e);
    else
        rc = 0;
    if (rc == 0) {
        *count = gtidset_count(n);
        size_t need = gtidset_format(n, gtids, len);
        if (need >= len && len > 4) { /* cut at the last whole entry */
            char *c = strrchr(gtids, ',');
            snprintf(c && (size_t)(c - gtids) + 4 < len ? c : gtids + len - 4, 4, "...");
        }
    }
    gtidset_free(n);
    gtidset_free(p);
    return rc;
}

/* ---- the decision ---------------------------------------------------------------------------- */

static const char *const policy_names[] = {"invalid", "manual", "rewind", "reclone"};
static const char *const action_names[] = {"invalid", "wait", "repoint", "keep-diverged",
                                           "rewind", "reclone"};
#define NAMES(t) (sizeof(t) / sizeof((t)[0]))

const char *rejoin_policy_name(rejoin_policy_t p)
{
    return (unsigned)p < NAMES(policy_names) ? policy_names[p] : "invalid";
}

rejoin_policy_t rejoin_policy_from_string(const char *s)
{
    for (size_t i = 1; s && i < NAMES(policy_names); i++)
        if (strcmp(s, policy_names[i]) == 0) return (rejoin_policy_t)i;
    return REJOIN_POLICY_INVALID;
}

const char *rejoin_action_name(rejoin_action_t a)
{
    return (unsigned)a < NAMES(action_names) ? action_names[a] : "invalid";
}

/* Diverged: whether to repair now, and why not. */
static rejoin_action_t decide_repair(const rejoin_obs_t *o, const char **why)
{
    if (o->paused) {
        *why = "the cluster is paused: no repair until failoverctl resume";
        return REJOIN_KEEP_DIVERGED;
    }
    if (o->repair_elsewhere) {
        *why = "another node is being repaired: one at a time";
        return REJOIN_KEEP_DIVERGED;
    }
    if (o->refused) {
        if (o->repair_requested || o->policy == REJOIN_POLICY_MANUAL || !o->reclone_ok) {
            *why = o->reclone_ok ? "its errant tail cannot be rewound (failoverctl reinit "
                                   "re-clones the node instead)"
                                 : "its errant tail cannot be rewound";
            return REJOIN_KEEP_DIVERGED;
        }
        if (o->failed) {
            *why = "its errant tail cannot be rewound and its last re-clone failed: waiting for "
                   "failoverctl reinit";
            return REJOIN_KEEP_DIVERGED;
        }
        *why = "its errant tail cannot be rewound: re-cloning";
        return REJOIN_RECLONE;
    }
    if (o->repair_requested) {
        *why = "failoverctl rejoin asked for it";
        return REJOIN_REWIND;
    }
    if (o->policy != REJOIN_POLICY_REWIND && o->policy != REJOIN_POLICY_RECLONE) {
        *why = "rejoin = manual: waiting for failoverctl rejoin or reinit";
        return REJOIN_KEEP_DIVERGED;
    }
    if (o->failed) {
        *why = "its last repair failed: waiting for failoverctl rejoin or reinit";
        return REJOIN_KEEP_DIVERGED;
    }
    if (o->policy == REJOIN_POLICY_RECLONE) {
        *why = o->reclone_ok ? "rejoin = reclone" : "rejoin = reclone, and a re-clone is "
                                                    "MariaDB only";
        return o->reclone_ok ? REJOIN_RECLONE : REJOIN_KEEP_DIVERGED;
    }
    *why = "rejoin = rewind";
    return REJOIN_REWIND;
}

rejoin_action_t rejoin_decide(const rejoin_obs_t *o, const char **why)
{
    static const char *dummy;
    if (why == NULL) why = &dummy;
    if (o->named_primary) {
        *why = "this node is the desired primary: never repaired";
        return REJOIN_WAIT;
    }
    if (!o->primary_known) {
        *why = "no desired primary known yet";
        return o->diverged ? REJOIN_KEEP_DIVERGED : REJOIN_WAIT;
    }
    if (!o->compared) {
        *why = "the primary's and this node's GTID states are not known yet";
        return o->diverged ? REJOIN_KEEP_DIVERGED : REJOIN_WAIT;
    }
    if (o->subset && (!o->diverged || o->state_changed)) {
        *why = o->diverged ? "its binlog state was changed by hand and the primary holds all of it"
                           : "the primary holds everything this node has";
        return REJOIN_REPOINT;
    }
    /* Errant now, or diverged before and untouched since: a later comparison that looks clean
     * (say, positions compared by sequence number alone) never overrides the verdict. */
    return decide_repair(o, why);
}
