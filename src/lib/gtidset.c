/* gtidset.c -- MySQL GTID sets: parse what the server prints, normalise, compare, union, subtract.
 * Pure (no I/O); every allocation is bounded by GTIDSET_MAX_INTERVALS and GTIDSET_MAX_SIDS. */
#include "gtidset.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UUID_TEXT_LEN 36
#define SNIPPET_MAX 24 /* input quoted in a message, so a huge value still gives one short line */

typedef struct iv {
    uint64_t first, last; /* inclusive, 1 <= first <= last <= GTIDSET_GNO_MAX */
} iv_t;

/* One uuid[:tag]: its intervals sorted, disjoint and not adjacent once normalised. */
typedef struct sid {
    uint8_t uuid[16];
    char tag[GTIDSET_TAG_MAX + 1]; /* "" = untagged */
    size_t n, cap;
    iv_t *iv;
} sid_t;

/* Sids sorted by (uuid, tag), none empty; total = sum of their n. */
struct gtidset {
    size_t nsid, cap, total;
    sid_t *sid;
};

static const char allowed_interval[] =
    "allowed: N or N-M with 1 <= N <= M <= 9223372036854775807";

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

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static char lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool tag_start(char ch)
{
    ch = lower(ch);
    return (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool tag_char(char ch)
{
    return tag_start(ch) || is_digit(ch);
}

/* ---- the set's storage --------------------------------------------------------------------- */

static void sid_free_all(sid_t *sid, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(sid[i].iv);
    free(sid);
}

gtidset_t *gtidset_alloc(void)
{
    return calloc(1, sizeof(gtidset_t));
}

void gtidset_clear(gtidset_t *s)
{
    if (s == NULL)
        return;
    sid_free_all(s->sid, s->nsid);
    memset(s, 0, sizeof *s);
}

void gtidset_free(gtidset_t *s)
{
    gtidset_clear(s);
    free(s);
}

static void set_move(gtidset_t *dst, gtidset_t *src)
{
    gtidset_clear(dst);
    *dst = *src;
    memset(src, 0, sizeof *src);
}

static int key_cmp(const sid_t *a, const sid_t *b)
{
    int c = memcmp(a->uuid, b->uuid, sizeof a->uuid);
    return c != 0 ? c : strcmp(a->tag, b->tag);
}

static int key_cmp_qsort(const void *a, const void *b)
{
    return key_cmp(a, b);
}

static int iv_cmp_qsort(const void *a, const void *b)
{
    const iv_t *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* A new sid with key's uuid and tag, at the end (callers keep the order). NULL: out of memory. */
static sid_t *sid_append(gtidset_t *s, const sid_t *key)
{
    if (s->nsid == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        sid_t *grown = realloc(s->sid, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        s->sid = grown;
        s->cap = cap;
    }
    sid_t *d = &s->sid[s->nsid++];
    memset(d, 0, sizeof *d);
    memcpy(d->uuid, key->uuid, sizeof d->uuid);
    memcpy(d->tag, key->tag, sizeof d->tag);
    return d;
}

static int iv_push(sid_t *d, uint64_t first, uint64_t last)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4;
        iv_t *grown = realloc(d->iv, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        d->iv = grown;
        d->cap = cap;
    }
    d->iv[d->n].first = first;
    d->iv[d->n].last = last;
    d->n++;
    return 0;
}

/* Sort and merge overlapping or adjacent intervals in place. */
static void sid_normalise(sid_t *d)
{
    size_t o = 0;
    if (d->n == 0)
        return;
    qsort(d->iv, d->n, sizeof d->iv[0], iv_cmp_qsort);
    for (size_t i = 1; i < d->n; i++) {
        /* last <= GTIDSET_GNO_MAX, so last + 1 cannot wrap a uint64_t */
        if (d->iv[i].first <= d->iv[o].last + 1) {
            if (d->iv[i].last > d->iv[o].last)
                d->iv[o].last = d->iv[i].last;
        } else {
            d->iv[++o] = d->iv[i];
        }
    }
    d->n = o + 1;
}

int gtidset_copy(gtidset_t *dst, const gtidset_t *src)
{
    gtidset_t r = {0};
    for (size_t i = 0; i < src->nsid; i++) {
        sid_t *d = sid_append(&r, &src->sid[i]);
        iv_t *iv = d ? malloc(src->sid[i].n * sizeof *iv) : NULL;
        if (iv == NULL) {
            gtidset_clear(&r);
            return -1;
        }
        memcpy(iv, src->sid[i].iv, src->sid[i].n * sizeof *iv);
        d->iv = iv;
        d->n = d->cap = src->sid[i].n;
    }
    r.total = src->total;
    set_move(dst, &r);
    return 0;
}

/* ---- parsing ------------------------------------------------------------------------------- */

typedef struct parser {
    const char *text, *p;
    gtidset_t *set;
    sid_t key;    /* the uuid and tag the next intervals belong to */
    sid_t *cur;   /* its sid once it has one: NULL after a new uuid or tag */
    char *err;
    size_t errlen;
} parser_t;

/* The input from q, escaped and cut short, so every message stays on one line. */
static void snippet(char *dst, size_t len, const char *q)
{
    size_t o = 0;
    for (; *q != '\0' && o + 8 < len && o < SNIPPET_MAX; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
            o += (size_t)snprintf(dst + o, len - o, "\\x%02x", ch);
        else
            dst[o++] = (char)ch;
    }
    if (*q != '\0')
        o += (size_t)snprintf(dst + o, len - o, "...");
    dst[o] = '\0';
}

static int parse_fail(parser_t *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "bad GTID set at character N (near "..."): WHAT; allowed: ..." */
static int parse_fail(parser_t *ps, const char *at, const char *fmt, ...)
{
    char what[256], near[SNIPPET_MAX * 4 + 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snippet(near, sizeof near, at);
    set_err(ps->err, ps->errlen, "bad GTID set at character %zu (near \"%s\"): %s",
            (size_t)(at - ps->text) + 1, near, what);
    return -1;
}

static void skip_space(parser_t *ps)
{
    while (is_space(*ps->p))
        ps->p++;
}

static int parse_uuid(parser_t *ps)
{
    static const char expect[] =
        "expected a server UUID like 3e11fa47-71ca-11e1-9e33-c80aa9429562 (8-4-4-4-12 hex "
        "digits)";
    const char *q = ps->p;
    int b = 0;
    for (int i = 0; i < UUID_TEXT_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? q[i] != '-' : hex_value(q[i]) < 0)
            return parse_fail(ps, q, "%s", expect);
        if (!dash && b % 2 == 0)
            ps->key.uuid[b / 2] = (uint8_t)(hex_value(q[i]) << 4);
        else if (!dash)
            ps->key.uuid[b / 2] |= (uint8_t)hex_value(q[i]);
        b += !dash;
    }
    if (hex_value(q[UUID_TEXT_LEN]) >= 0 || q[UUID_TEXT_LEN] == '-')
        return parse_fail(ps, q, "%s", expect);
    ps->p = q + UUID_TEXT_LEN;
    ps->key.tag[0] = '\0';
    ps->cur = NULL;
    return 0;
}

static int parse_tag(parser_t *ps)
{
    const char *q = ps->p;
    size_t n = 0;
    while (n <= GTIDSET_TAG_MAX && tag_char(q[n]))
        n++;
    if (n > GTIDSET_TAG_MAX)
        return parse_fail(ps, q, "tag longer than %d characters; allowed: a letter or _ then up "
                          "to 31 letters, digits or _", GTIDSET_TAG_MAX);
    for (size_t i = 0; i < n; i++)
        ps->key.tag[i] = lower(q[i]);
    ps->key.tag[n] = '\0';
    ps->p = q + n;
    ps->cur = NULL;
    return 0;
}

static int parse_gno(parser_t *ps, uint64_t *v)
{
    const char *q = ps->p;
    uint64_t acc = 0;
    if (!is_digit(*q))
        return parse_fail(ps, q, "expected a transaction number; %s", allowed_interval);
    for (; is_digit(*q); q++) {
        unsigned d = (unsigned)(*q - '0');
        if (acc > (GTIDSET_GNO_MAX - d) / 10)
            return parse_fail(ps, ps->p, "transaction number too large; %s", allowed_interval);
        acc = acc * 10 + d;
    }
    if (acc == 0)
        return parse_fail(ps, ps->p, "transaction number 0 (they start at 1); %s",
                          allowed_interval);
    ps->p = q;
    *v = acc;
    return 0;
}

/* The sid the next interval goes to: found (a uuid may be given twice) or added. */
static int current_sid(parser_t *ps, const char *at)
{
    gtidset_t *s = ps->set;
    if (ps->cur != NULL)
        return 0;
    for (size_t i = 0; i < s->nsid; i++)
        if (key_cmp(&s->sid[i], &ps->key) == 0) {
            ps->cur = &s->sid[i];
            return 0;
        }
    if (s->nsid >= GTIDSET_MAX_SIDS)
        return parse_fail(ps, at, "more than %d distinct uuid:tag entries (the limit on one set)",
                          GTIDSET_MAX_SIDS);
    ps->cur = sid_append(s, &ps->key);
    return ps->cur ? 0 : parse_fail(ps, at, "out of memory");
}

static int parse_interval(parser_t *ps)
{
    const char *at = ps->p;
    uint64_t first, last;
    if (parse_gno(ps, &first) != 0)
        return -1;
    last = first;
    skip_space(ps);
    if (*ps->p == '-') {
        ps->p++;
        skip_space(ps);
        if (parse_gno(ps, &last) != 0)
            return -1;
        if (last < first)
            return parse_fail(ps, at, "interval %" PRIu64 "-%" PRIu64 " ends before it starts; %s",
                              first, last, allowed_interval);
    }
    if (ps->set->total >= GTIDSET_MAX_INTERVALS)
        return parse_fail(ps, at, "more than %d intervals (the limit on one set)",
                          GTIDSET_MAX_INTERVALS);
    if (current_sid(ps, at) != 0)
        return -1;
    if (iv_push(ps->cur, first, last) != 0)
        return parse_fail(ps, at, "out of memory");
    ps->set->total++;
    return 0;
}

/* "uuid:item[:item...]", an item an interval or a tag; every tag, and the uuid, need an
 * interval after them. */
static int parse_entry(parser_t *ps)
{
    size_t since_key = 0;
    if (parse_uuid(ps) != 0)
        return -1;
    skip_space(ps);
    if (*ps->p != ':')
        return parse_fail(ps, ps->p, "expected ':' after the UUID, then its intervals");
    while (*ps->p == ':') {
        ps->p++;
        skip_space(ps);
        if (is_digit(*ps->p)) {
            if (parse_interval(ps) != 0)
                return -1;
            since_key++;
        } else if (tag_start(*ps->p)) {
            if (since_key == 0 && ps->key.tag[0] != '\0')
                return parse_fail(ps, ps->p, "tag \"%s\" has no interval after it",
                                  ps->key.tag);
            if (parse_tag(ps) != 0)
                return -1;
            since_key = 0;
        } else {
            return parse_fail(ps, ps->p, "expected a transaction number or a tag after ':'; "
                              "%s, tag: a letter or _ then up to 31 letters, digits or _",
                              allowed_interval);
        }
        skip_space(ps);
    }
    if (since_key == 0)
        return parse_fail(ps, ps->p, "%s has no interval after it",
                          ps->key.tag[0] ? "a tag" : "the UUID");
    return 0;
}

static int parse_all(parser_t *ps)
{
    skip_space(ps);
    if (*ps->p == '\0')
        return 0;
    for (;;) {
        if (parse_entry(ps) != 0)
            return -1;
        if (*ps->p == '\0')
            return 0;
        if (*ps->p != ',')
            return parse_fail(ps, ps->p, "expected ',' and another uuid:intervals entry, or "
                              "the end");
        ps->p++;
        skip_space(ps);
        if (*ps->p == '\0' || *ps->p == ',')
            return parse_fail(ps, ps->p, "empty entry after ','");
    }
}

int gtidset_parse(gtidset_t *out, const char *text, char *err, size_t errlen)
{
    gtidset_t r = {0};
    parser_t ps = {.text = text, .p = text, .set = &r, .err = err, .errlen = errlen};
    if (out == NULL || text == NULL) {
        set_err(err, errlen, "no GTID set text to parse");
        return -1;
    }
    if (parse_all(&ps) != 0) {
        gtidset_clear(&r);
        return -1;
    }
    r.total = 0;
    for (size_t i = 0; i < r.nsid; i++) {
        sid_normalise(&r.sid[i]);
        r.total += r.sid[i].n;
    }
    if (r.nsid > 1) /* qsort wants an array, and an empty set has none */
        qsort(r.sid, r.nsid, sizeof r.sid[0], key_cmp_qsort);
    set_move(out, &r);
    return 0;
}

/* ---- formatting ---------------------------------------------------------------------------- */

/* Appends what fits and counts all of it, as snprintf does. */
static void put(char *buf, size_t len, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    if (*pos < len) {
        size_t room = len - *pos - 1;
        memcpy(buf + *pos, s, n < room ? n : room);
    }
    *pos += n;
}

static void uuid_text(const uint8_t *u, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[u[i] >> 4];
        out[o++] = hex[u[i] & 15];
    }
    out[o] = '\0';
}

size_t gtidset_format(const gtidset_t *s, char *buf, size_t len)
{
    size_t pos = 0;
    char t[2 * 21 + 4];
    for (size_t i = 0; i < s->nsid; i++) {
        const sid_t *d = &s->sid[i];
        if (i == 0 || memcmp(d->uuid, s->sid[i - 1].uuid, sizeof d->uuid) != 0) {
            char u[UUID_TEXT_LEN + 1];
            uuid_text(d->uuid, u);
            put(buf, len, &pos, i == 0 ? "" : ",");
            put(buf, len, &pos, u);
        }
        if (d->tag[0] != '\0') {
            put(buf, len, &pos, ":");
            put(buf, len, &pos, d->tag);
        }
        for (size_t k = 0; k < d->n; k++) {
            if (d->iv[k].first == d->iv[k].last)
                snprintf(t, sizeof t, ":%" PRIu64, d->iv[k].first);
            else
                snprintf(t, sizeof t, ":%" PRIu64 "-%" PRIu64, d->iv[k].first, d->iv[k].last);
            put(buf, len, &pos, t);
        }
    }
    if (len > 0)
        buf[pos < len ? pos : len - 1] = '\0';
    return pos;
}

char *gtidset_to_string(const gtidset_t *s)
{
    size_t n = gtidset_format(s, NULL, 0);
    char *buf = malloc(n + 1);
    if (buf != NULL)
        gtidset_format(s, buf, n + 1);
    return buf;
}

/* ---- questions ----------------------------------------------------------------------------- */

bool gtidset_is_empty(const gtidset_t *s)
{
    return s->nsid == 0;
}

size_t gtidset_intervals(const gtidset_t *s)
{
    return s->total;
}

uint64_t gtidset_count(const gtidset_t *s)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < s->nsid; i++)
        for (size_t k = 0; k < s->sid[i].n; k++) {
            uint64_t n = s->sid[i].iv[k].last - s->sid[i].iv[k].first + 1;
            if (sum > UINT64_MAX - n)
                return UINT64_MAX;
            sum += n;
        }
    return sum;
}

/* Every interval of a lies inside one interval of b (both normalised, so one suffices). */
static bool sid_subset(const sid_t *a, const sid_t *b)
{
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++) {
        while (j < b->n && b->iv[j].last < a->iv[i].first)
            j++;
        if (j == b->n || b->iv[j].first > a->iv[i].first || b->iv[j].last < a->iv[i].last)
            return false;
    }
    return true;
}

bool gtidset_is_subset(const gtidset_t *a, const gtidset_t *b)
{
    size_t j = 0;
    for (size_t i = 0; i < a->nsid; i++) {
        while (j < b->nsid && key_cmp(&b->sid[j], &a->sid[i]) < 0)
            j++;
        if (j == b->nsid || key_cmp(&b->sid[j], &a->sid[i]) != 0 ||
            !sid_subset(&a->sid[i], &b->sid[j]))
            return false;
    }
    return true;
}

bool gtidset_equal(const gtidset_t *a, const gtidset_t *b)
{
    if (a->nsid != b->nsid || a->total != b->total)
        return false;
    for (size_t i = 0; i < a->nsid; i++)
        if (key_cmp(&a->sid[i], &b->sid[i]) != 0 || a->sid[i].n != b->sid[i].n ||
            memcmp(a->sid[i].iv, b->sid[i].iv, a->sid[i].n * sizeof(iv_t)) != 0)
            return false;
    return true;
}

gtid_cmp_t gtidset_compare(const gtidset_t *a, const gtidset_t *b)
{
    bool ab = gtidset_is_subset(a, b), ba = gtidset_is_subset(b, a);
    if (ab && ba)
        return GTID_CMP_EQUAL;
    if (ab)
        return GTID_CMP_BEHIND;
    if (ba)
        return GTID_CMP_AHEAD;
    return GTID_CMP_DIVERGED;
}

/* ---- union and subtraction ----------------------------------------------------------------- */

typedef enum { OP_UNION, OP_SUBTRACT } op_t;

/* Appends [first, last] to a normalised list, merging with its end when they touch. */
static void iv_add_sorted(sid_t *d, uint64_t first, uint64_t last)
{
    if (d->n > 0 && first <= d->iv[d->n - 1].last + 1) {
        if (last > d->iv[d->n - 1].last)
            d->iv[d->n - 1].last = last;
        return;
    }
    d->iv[d->n].first = first;
    d->iv[d->n].last = last;
    d->n++;
}

static void iv_union(sid_t *d, const sid_t *a, const sid_t *b)
{
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        bool take_a = j == b->n || (i < a->n && a->iv[i].first <= b->iv[j].first);
        const iv_t *v = take_a ? &a->iv[i++] : &b->iv[j++];
        iv_add_sorted(d, v->first, v->last);
    }
}

static void iv_subtract(sid_t *d, const sid_t *a, const sid_t *b)
{
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++) {
        uint64_t cur = a->iv[i].first, last = a->iv[i].last;
        while (j < b->n && b->iv[j].last < cur)
            j++;
        /* b's intervals that cut this one; the last of them may reach into the next */
        for (size_t k = j; k < b->n && b->iv[k].first <= last && cur <= last; k++) {
            if (b->iv[k].first > cur)
                iv_add_sorted(d, cur, b->iv[k].first - 1);
            cur = b->iv[k].last + 1; /* <= GTIDSET_GNO_MAX + 1: no wrap */
        }
        if (cur <= last)
            iv_add_sorted(d, cur, last);
    }
}

/* One key of the result: a (may be NULL) op b (may be NULL), appended to r if not empty. */
static int combine_sid(gtidset_t *r, const sid_t *a, const sid_t *b, op_t op)
{
    static const sid_t none = {.n = 0};
    const sid_t *key = a ? a : b;
    size_t room = (a ? a->n : 0) + (b ? b->n : 0);
    sid_t d = {.iv = malloc(room * sizeof(iv_t)), .cap = room};
    if (d.iv == NULL)
        return -1;
    if (op == OP_UNION)
        iv_union(&d, a ? a : &none, b ? b : &none);
    else
        iv_subtract(&d, a ? a : &none, b ? b : &none);
    if (d.n == 0 || r->total + d.n > GTIDSET_MAX_INTERVALS || r->nsid >= GTIDSET_MAX_SIDS) {
        free(d.iv);
        return d.n == 0 ? 0 : 1;
    }
    sid_t *slot = sid_append(r, key);
    if (slot == NULL) {
        free(d.iv);
        return -1;
    }
    slot->iv = d.iv;
    slot->n = d.n;
    slot->cap = d.cap;
    r->total += d.n;
    return 0;
}

static int combine(gtidset_t *acc, const gtidset_t *b, op_t op, char *err, size_t errlen)
{
    gtidset_t r = {0};
    size_t i = 0, j = 0;
    int rc = 0;
    while (rc == 0 && (i < acc->nsid || j < b->nsid)) {
        int c = i == acc->nsid ? 1 : j == b->nsid ? -1 : key_cmp(&acc->sid[i], &b->sid[j]);
        const sid_t *x = c <= 0 ? &acc->sid[i++] : NULL;
        const sid_t *y = c >= 0 ? &b->sid[j++] : NULL;
        if (x != NULL || op == OP_UNION)
            rc = combine_sid(&r, x, y, op);
    }
    if (rc != 0) {
        gtidset_clear(&r);
        if (rc < 0)
            set_err(err, errlen, "out of memory");
        else
            set_err(err, errlen,
                    "the %s would hold more than %d intervals or %d uuid:tag entries (the "
                    "limits on one set)",
                    op == OP_UNION ? "union" : "difference", GTIDSET_MAX_INTERVALS,
                    GTIDSET_MAX_SIDS);
        return -1;
    }
    set_move(acc, &r);
    return 0;
}

int gtidset_union(gtidset_t *acc, const gtidset_t *b, char *err, size_t errlen)
{
    return combine(acc, b, OP_UNION, err, errlen);
}

int gtidset_subtract(gtidset_t *acc, const gtidset_t *b, char *err, size_t errlen)
{
    return combine(acc, b, OP_SUBTRACT, err, errlen);
}

/* ---- one source ---------------------------------------------------------------------------- */

int gtidset_keep_uuid(gtidset_t *s, const char *uuid, char *err, size_t errlen)
{
    /* the uuid is read by the set parser, so it is checked exactly as a set's uuids are */
    char text[UUID_TEXT_LEN + 8];
    gtidset_t one = {0};
    if (s == NULL || uuid == NULL || strlen(uuid) != UUID_TEXT_LEN) {
        set_err(err, errlen, "bad server UUID \"%.40s\": expected 8-4-4-4-12 hex digits, e.g. "
                "3e11fa47-71ca-11e1-9e33-c80aa9429562", uuid ? uuid : "(null)");
        return -1;
    }
    snprintf(text, sizeof text, "%s:1", uuid);
    if (gtidset_parse(&one, text, err, errlen) != 0)
        return -1;
    size_t kept = 0, total = 0;
    for (size_t i = 0; i < s->nsid; i++) {
        if (memcmp(s->sid[i].uuid, one.sid[0].uuid, sizeof one.sid[0].uuid) == 0) {
            total += s->sid[i].n;
            s->sid[kept++] = s->sid[i];
        } else {
            free(s->sid[i].iv);
        }
    }
    s->nsid = kept;
    s->total = total;
    gtidset_clear(&one);
    return 0;
}
