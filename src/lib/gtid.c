/* gtid.c -- replication positions: parse what the server prints, compare and diff positions;
 * MariaDB's here, MySQL's GTID sets handed to gtidset.c. Pure (no I/O), so candidate ranking built
 * on it is unit-tested with tables. */
#include "gtid.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtidset.h"

/* Quoted input is capped so a huge or binary value still yields a readable one-line message. */
#define QUOTE_MAX 200

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* SHOW SLAVE STATUS puts newlines inside positions; escaping them keeps every message on one line
 * so it survives syslog and `failoverctl status` intact. */
static void quote_text(char *dst, size_t dstlen, const char *s, size_t n)
{
    size_t o = 0;
    size_t limit = dstlen < QUOTE_MAX ? dstlen : QUOTE_MAX;

    for (size_t i = 0; i < n; i++) {
        char esc[8];
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n')
            snprintf(esc, sizeof esc, "\\n");
        else if (ch == '\r')
            snprintf(esc, sizeof esc, "\\r");
        else if (ch == '\t')
            snprintf(esc, sizeof esc, "\\t");
        else if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
            snprintf(esc, sizeof esc, "\\x%02x", ch);
        else
            snprintf(esc, sizeof esc, "%c", ch);
        size_t el = strlen(esc);
        /* keep room for "..." and the terminator */
        if (o + el + 4 > limit) {
            if (limit >= 4) {
                memcpy(dst + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(dst + o, esc, el);
        o += el;
    }
    if (dstlen > 0)
        dst[o < dstlen ? o : dstlen - 1] = '\0';
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Appends like snprintf but remembers a failure, so callers check once at the end. */
static void appendf(char *buf, size_t len, size_t *pos, bool *overflow, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void appendf(char *buf, size_t len, size_t *pos, bool *overflow, const char *fmt, ...)
{
    if (*overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= len - *pos) {
        *overflow = true;
        *pos = len - 1;
        return;
    }
    *pos += (size_t)w;
}

typedef enum { NUM_OK, NUM_NONE, NUM_RANGE } num_status_t;

/* Digits only: strtoull would accept signs and leading blanks, which are not GTID syntax. */
static num_status_t parse_num(const char **p, const char *end, uint64_t max, uint64_t *v)
{
    const char *s = *p;
    uint64_t acc = 0;
    bool range = false;

    if (s >= end || *s < '0' || *s > '9')
        return NUM_NONE;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (acc > (max - d) / 10)
            range = true;
        else
            acc = acc * 10 + d;
    }
    *p = s;
    *v = acc;
    return range ? NUM_RANGE : NUM_OK;
}

/* One "D-S-N" token (already trimmed). Returns 0, or -1 with the message written. */
static int parse_one(gtid_t *g, const char *tok, size_t toklen, const char *whole, char *err,
                     size_t errlen)
{
    static const char *const part_name[3] = {"domain", "server id", "seq"};
    static const uint64_t part_max[3] = {UINT32_MAX, UINT32_MAX, UINT64_MAX};
    const char *p = tok;
    const char *end = tok + toklen;
    uint64_t v[3];
    char qt[QUOTE_MAX], qw[QUOTE_MAX];

    quote_text(qt, sizeof qt, tok, toklen);
    quote_text(qw, sizeof qw, whole, strlen(whole));
    for (int i = 0; i < 3; i++) {
        num_status_t st = parse_num(&p, end, part_max[i], &v[i]);
        if (st == NUM_RANGE) {
            set_err(err, errlen, "bad GTID \"%s\" in \"%s\": %s exceeds %" PRIu64, qt, qw,
                    part_name[i], part_max[i]);
            return -1;
        }
        bool sep_ok = i < 2 ? (p < end && *p == '-') : p == end;
        if (st == NUM_NONE || !sep_ok) {
            set_err(err, errlen,
                    "bad GTID \"%s\" in \"%s\": expected domain-server-seq, e.g. 0-1-100", qt,
                    qw);
            return -1;
        }
        if (i < 2)
            p++;
    }
    g->domain = (uint32_t)v[0];
    g->server = (uint32_t)v[1];
    g->seq = v[2];
    return 0;
}

/* ---- MySQL GTID sets: the text in p->set, worked on by gtidset.c ------------------------- */

bool gtid_pos_is_empty(const gtid_pos_t *p)
{
    return p == NULL || (p->mysql ? p->set[0] == '\0' : p->n == 0);
}

/* The set p holds: empty for an empty position. Its text was written by gtidset_format, so it
 * parses; a struct filled by hand with junk counts as empty. Out of memory aborts. */
static gtidset_t *set_of(const gtid_pos_t *p)
{
    gtidset_t *s = gtidset_alloc();
    if (s == NULL)
        abort();
    if (p != NULL && p->mysql && gtidset_parse(s, p->set, NULL, 0) != 0)
        gtidset_clear(s);
    return s;
}

/* Store s in out as canonical text; -1 when it does not fit (out unchanged). */
static int set_store(gtid_pos_t *out, const gtidset_t *s)
{
    char *text = gtidset_to_string(s);
    if (text == NULL)
        abort();
    size_t n = strlen(text);
    if (n >= sizeof out->set) {
        free(text);
        return -1;
    }
    out->n = 0;
    out->mysql = true;
    memcpy(out->set, text, n + 1);
    free(text);
    return 0;
}

static int mysql_parse(gtid_pos_t *out, const char *s, char *err, size_t errlen)
{
    gtidset_t *set = set_of(NULL);
    int rc = gtidset_parse(set, s, err, errlen);
    if (rc == 0 && set_store(out, set) != 0) {
        char qw[QUOTE_MAX];
        quote_text(qw, sizeof qw, s, strlen(s));
        set_err(err, errlen,
                "MySQL GTID set \"%s\" is too long: at most %d characters once normalised",
                qw, GTID_POS_STRLEN - 1);
        rc = -1;
    }
    gtidset_free(set);
    return rc;
}

/* Both sides as sets; false (nothing allocated) when one is a non-empty MariaDB position and the
 * other a non-empty MySQL set: positions of different flavors have no transaction in common. */
static bool both_sets(const gtid_pos_t *a, const gtid_pos_t *b, gtidset_t **sa, gtidset_t **sb)
{
    bool ea = gtid_pos_is_empty(a), eb = gtid_pos_is_empty(b);
    if ((!ea && !a->mysql) || (!eb && !b->mysql))
        return false;
    *sa = set_of(a);
    *sb = set_of(b);
    return true;
}

static bool any_mysql(const gtid_pos_t *a, const gtid_pos_t *b)
{
    return (a != NULL && a->mysql) || (b != NULL && b->mysql);
}

int gtid_pos_parse(gtid_pos_t *out, const char *s, char *err, size_t errlen)
{
    if (out == NULL) {
        set_err(err, errlen, "no place to store the GTID position");
        return -1;
    }
    out->n = 0;
    out->mysql = false;
    out->set[0] = '\0';
    if (s == NULL) {
        set_err(err, errlen, "no GTID position given (NULL)");
        return -1;
    }
    if (strchr(s, ':') != NULL)
        return mysql_parse(out, s, err, errlen);

    const char *p = s;
    while (is_space(*p))
        p++;
    if (*p == '\0')
        return 0;

    for (;;) {
        const char *tok = p;
        const char *comma = strchr(tok, ',');
        const char *end = comma != NULL ? comma : tok + strlen(tok);
        const char *tend = end;
        while (tok < tend && is_space(*tok))
            tok++;
        while (tend > tok && is_space(tend[-1]))
            tend--;

        char qw[QUOTE_MAX];
        if (tok == tend) {
            quote_text(qw, sizeof qw, s, strlen(s));
            set_err(err, errlen,
                    "empty GTID in \"%s\": expected domain-server-seq entries separated by "
                    "commas, e.g. 0-1-100,1-2-5",
                    qw);
            out->n = 0;
            return -1;
        }

        gtid_t g;
        if (parse_one(&g, tok, (size_t)(tend - tok), s, err, errlen) < 0) {
            out->n = 0;
            return -1;
        }

        size_t at = 0;
        while (at < out->n && out->g[at].domain < g.domain)
            at++;
        if (at < out->n && out->g[at].domain == g.domain) {
            quote_text(qw, sizeof qw, s, strlen(s));
            set_err(err, errlen,
                    "duplicate domain %" PRIu32 " in \"%s\": one GTID per domain allowed",
                    g.domain, qw);
            out->n = 0;
            return -1;
        }
        if (out->n == GTID_MAX_DOMAINS) {
            quote_text(qw, sizeof qw, s, strlen(s));
            set_err(err, errlen, "too many domains in \"%s\": at most %d allowed", qw,
                    GTID_MAX_DOMAINS);
            out->n = 0;
            return -1;
        }
        memmove(&out->g[at + 1], &out->g[at], (out->n - at) * sizeof out->g[0]);
        out->g[at] = g;
        out->n++;

        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

int gtid_pos_format(const gtid_pos_t *p, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return -1;
    buf[0] = '\0';
    if (p != NULL && p->mysql)
        return (size_t)snprintf(buf, len, "%s", p->set) < len ? 0 : -1;
    size_t pos = 0;
    bool overflow = false;
    for (size_t i = 0; p != NULL && i < p->n; i++)
        appendf(buf, len, &pos, &overflow, "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64, i ? "," : "",
                p->g[i].domain, p->g[i].server, p->g[i].seq);
    return overflow ? -1 : 0;
}

static const gtid_t *find_domain(const gtid_pos_t *p, uint32_t domain)
{
    for (size_t i = 0; p != NULL && i < p->n; i++)
        if (p->g[i].domain == domain)
            return &p->g[i];
    return NULL;
}

uint64_t gtid_pos_seq(const gtid_pos_t *p, uint32_t domain)
{
    const gtid_t *g = find_domain(p, domain);
    return g != NULL ? g->seq : 0;
}

/* true when b has some seq beyond a's in any domain (absent counts as 0). Positions carry only the
 * last GTID of each domain, so server ids cannot tell more: seq decides, as MariaDB does. */
static bool has_beyond(const gtid_pos_t *a, const gtid_pos_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->g[i].seq > gtid_pos_seq(a, b->g[i].domain))
            return true;
    return false;
}

bool gtid_pos_contains(const gtid_pos_t *a, const gtid_pos_t *b)
{
    if (a == NULL || b == NULL)
        return false;
    if (any_mysql(a, b)) {
        gtid_cmp_t c = gtid_pos_compare(a, b);
        return c == GTID_CMP_EQUAL || c == GTID_CMP_AHEAD;
    }
    return !has_beyond(a, b);
}

gtid_cmp_t gtid_pos_compare(const gtid_pos_t *a, const gtid_pos_t *b)
{
    if (a == NULL || b == NULL)
        return GTID_CMP_INVALID;
    if (any_mysql(a, b)) {
        gtidset_t *sa, *sb;
        if (!both_sets(a, b, &sa, &sb))
            return GTID_CMP_INVALID;
        gtid_cmp_t c = gtidset_compare(sa, sb);
        gtidset_free(sa);
        gtidset_free(sb);
        return c;
    }
    bool a_extra = has_beyond(b, a);
    bool b_extra = has_beyond(a, b);
    if (a_extra && b_extra)
        return GTID_CMP_DIVERGED;
    if (a_extra)
        return GTID_CMP_AHEAD;
    if (b_extra)
        return GTID_CMP_BEHIND;
    return GTID_CMP_EQUAL;
}

const char *gtid_cmp_name(gtid_cmp_t c)
{
    switch (c) {
    case GTID_CMP_EQUAL:
        return "equal";
    case GTID_CMP_BEHIND:
        return "behind";
    case GTID_CMP_AHEAD:
        return "ahead";
    case GTID_CMP_DIVERGED:
        return "diverged";
    case GTID_CMP_INVALID:
        break;
    }
    return "invalid";
}

uint64_t gtid_pos_missing_count(const gtid_pos_t *a, const gtid_pos_t *b)
{
    uint64_t total = 0;
    if (a == NULL || b == NULL)
        return 0;
    if (any_mysql(a, b)) {
        gtidset_t *sa, *sb;
        if (!both_sets(a, b, &sa, &sb))
            return gtid_pos_count(b);
        /* b - a in place of b; a subtraction never grows a set, so it cannot hit a cap */
        total = gtidset_subtract(sb, sa, NULL, 0) == 0 ? gtidset_count(sb) : gtid_pos_count(b);
        gtidset_free(sa);
        gtidset_free(sb);
        return total;
    }
    for (size_t i = 0; i < b->n; i++) {
        uint64_t have = gtid_pos_seq(a, b->g[i].domain);
        if (b->g[i].seq <= have)
            continue;
        uint64_t d = b->g[i].seq - have;
        /* saturate: a count this large already means "everything", wrapping would hide it */
        total = d > UINT64_MAX - total ? UINT64_MAX : total + d;
    }
    return total;
}

int gtid_pos_missing_format(const gtid_pos_t *a, const gtid_pos_t *b, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return -1;
    buf[0] = '\0';
    if (a == NULL || b == NULL)
        return 0;
    if (any_mysql(a, b)) {
        gtidset_t *sa, *sb;
        if (!both_sets(a, b, &sa, &sb))
            return gtid_pos_format(b, buf, len);
        int rc = gtidset_subtract(sb, sa, NULL, 0) == 0 && gtidset_format(sb, buf, len) < len
                     ? 0
                     : -1;
        gtidset_free(sa);
        gtidset_free(sb);
        return rc;
    }
    size_t pos = 0;
    bool overflow = false;
    bool first = true;
    for (size_t i = 0; i < b->n; i++) {
        const gtid_t *g = &b->g[i];
        uint64_t have = gtid_pos_seq(a, g->domain);
        if (g->seq <= have)
            continue;
        /* b's server id: b is the one that has these transactions, a only knows older ones */
        appendf(buf, len, &pos, &overflow, "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64, first ? "" : ",",
                g->domain, g->server, have + 1);
        if (g->seq > have + 1)
            appendf(buf, len, &pos, &overflow, "..%" PRIu32 "-%" PRIu32 "-%" PRIu64, g->domain,
                    g->server, g->seq);
        first = false;
    }
    return overflow ? -1 : 0;
}

void gtid_pos_merge_max(gtid_pos_t *acc, const gtid_pos_t *b)
{
    if (acc == NULL || b == NULL)
        return;
    if (any_mysql(acc, b)) {
        gtidset_t *sa, *sb;
        if (!both_sets(acc, b, &sa, &sb))
            return;
        if (gtidset_union(sa, sb, NULL, 0) == 0)
            (void)set_store(acc, sa); /* too long: acc unchanged (gtid.h) */
        gtidset_free(sa);
        gtidset_free(sb);
        return;
    }
    gtid_pos_t out;
    size_t i = 0, j = 0;
    out.n = 0;
    out.mysql = false;
    out.set[0] = '\0';
    /* both are sorted by domain: a merge walk keeps the result sorted. If the union exceeds
     * GTID_MAX_DOMAINS the highest domains are dropped; that understates what was received,
     * which ranks a candidate lower or calls GTIDs errant: the cautious direction. */
    while ((i < acc->n || j < b->n) && out.n < GTID_MAX_DOMAINS) {
        if (j >= b->n || (i < acc->n && acc->g[i].domain < b->g[j].domain)) {
            out.g[out.n++] = acc->g[i++];
        } else if (i >= acc->n || b->g[j].domain < acc->g[i].domain) {
            out.g[out.n++] = b->g[j++];
        } else {
            out.g[out.n++] = b->g[j].seq > acc->g[i].seq ? b->g[j] : acc->g[i];
            i++;
            j++;
        }
    }
    *acc = out;
}

uint64_t gtid_pos_count(const gtid_pos_t *p)
{
    uint64_t s = 0;
    if (p == NULL)
        return 0;
    if (p->mysql) {
        gtidset_t *set = set_of(p);
        s = gtidset_count(set);
        gtidset_free(set);
        return s;
    }
    for (size_t i = 0; i < p->n; i++)
        s = p->g[i].seq > UINT64_MAX - s ? UINT64_MAX : s + p->g[i].seq;
    return s;
}

int gtid_pos_from_source(gtid_pos_t *out, const gtid_pos_t *p, const char *uuid, char *err,
                         size_t errlen)
{
    if (out == NULL)
        return -1;
    if (p == NULL || !p->mysql) {
        *out = (gtid_pos_t){0};
        return 0;
    }
    gtidset_t *set = set_of(p);
    int rc = gtidset_keep_uuid(set, uuid, err, errlen);
    gtid_pos_t r = {0};
    if (rc == 0 && !gtidset_is_empty(set))
        (void)set_store(&r, set); /* a part of a set that fitted fits */
    *out = r;
    gtidset_free(set);
    return rc;
}
