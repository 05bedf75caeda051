/* check_gtidset.c -- unit and property tests for gtidset.c (MySQL GTID sets).
 * Tables for what MySQL prints, malformed input and the limits; then thousands of random sets
 * checked against a naive model: a set as a sorted list of single transactions. */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtidset.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U2 "8a94f357-aab4-11df-86ab-c80aa9429562"
#define U3 "f47ac10b-58cc-4372-a567-0e02b2c3d479"
#define MAXS "9223372036854775807"

static gtidset_t *set_of(const char *text)
{
    gtidset_t *s = gtidset_alloc();
    char err[512] = "";
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(gtidset_parse(s, text, err, sizeof err) == 0,
                  "test setup: parsing \"%s\" failed: %s", text, err);
    return s;
}

/* The canonical text of s, in a static buffer that is big enough for the tables. */
static const char *text_of(const gtidset_t *s)
{
    static char buf[4096];
    ck_assert_uint_lt(gtidset_format(s, buf, sizeof buf), sizeof buf);
    return buf;
}

/* ---- parse: good ---------------------------------------------------------------------------- */

static const struct {
    const char *in, *canon;
    uint64_t count;
} parse_good[] = {
    {"", "", 0},
    {" \n\t ", "", 0},
    {U1 ":1-5", U1 ":1-5", 5},
    {"3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5", U1 ":1-5", 5}, /* uuids kept lowercase */
    {U1 ":1-1", U1 ":1", 1},
    {U1 ":7", U1 ":7", 1},
    {U1 ":1-3:4-6", U1 ":1-6", 6},              /* adjacent intervals merge */
    {U1 ":1-3:5-6", U1 ":1-3:5-6", 5},          /* a gap stays */
    {U1 ":5:1-3:4", U1 ":1-5", 5},              /* unordered, then merged */
    {U1 ":1-10:3-4:2-12", U1 ":1-12", 12},      /* overlapping */
    {U1 ":7-9:1-2", U1 ":1-2:7-9", 5},
    {U2 ":1-5,\n" U1 ":1-100:102", U1 ":1-100:102," U2 ":1-5", 106}, /* as SHOW prints */
    {" " U1 " : 1 - 3 ,\r\n " U2 " :4 \n", U1 ":1-3," U2 ":4", 4},     /* blanks anywhere */
    {U1 ":1-3," U1 ":4-5", U1 ":1-5", 5},       /* a uuid given twice is joined */
    {U1 ":" MAXS, U1 ":" MAXS, 1},
    {U1 ":1-" MAXS, U1 ":1-" MAXS, INT64_MAX},
    {U1 ":1-" MAXS "," U2 ":1-" MAXS, U1 ":1-" MAXS "," U2 ":1-" MAXS, UINT64_MAX - 1},
    {U1 ":1-" MAXS "," U2 ":1-" MAXS "," U3 ":1-" MAXS,
     U1 ":1-" MAXS "," U2 ":1-" MAXS "," U3 ":1-" MAXS, UINT64_MAX}, /* count saturates */
    {U1 ":0001-0003", U1 ":1-3", 3},            /* leading zeros */
    /* MySQL 8.4 tags: untagged first, then tags in order, lowercase */
    {U1 ":1-2:TAG_A:1-3", U1 ":1-2:tag_a:1-3", 5},
    {U1 ":b:1," U1 ":a:2," U1 ":3", U1 ":3:a:2:b:1", 3},
    {U1 ":a:1:b:2:a:3", U1 ":a:1:3:b:2", 3},    /* a tag named twice in one entry */
    {U1 ":tag_a:1-5:4-9", U1 ":tag_a:1-9", 9},
    {U1 ":_:1", U1 ":_:1", 1},
    {U1 ":abcdefghijklmnopqrstuvwxyz012345:1", U1 ":abcdefghijklmnopqrstuvwxyz012345:1", 1},
    {U2 ":x:1," U1 ":x:1", U1 ":x:1," U2 ":x:1", 2},
};

START_TEST(test_parse_good)
{
    gtidset_t *s = gtidset_alloc();
    char err[512] = "";
    int rc = gtidset_parse(s, parse_good[_i].in, err, sizeof err);
    ck_assert_msg(rc == 0, "parse \"%s\": expected success, got: %s", parse_good[_i].in, err);
    ck_assert_str_eq(text_of(s), parse_good[_i].canon);
    ck_assert_msg(gtidset_count(s) == parse_good[_i].count,
                  "count of \"%s\": expected %" PRIu64 ", got %" PRIu64, parse_good[_i].in,
                  parse_good[_i].count, gtidset_count(s));
    /* the canonical text parses to the same set */
    gtidset_t *t = set_of(parse_good[_i].canon);
    ck_assert(gtidset_equal(s, t));
    gtidset_free(t);
    gtidset_free(s);
}
END_TEST

/* ---- parse: bad ----------------------------------------------------------------------------- */

static const struct {
    const char *in, *msg; /* msg: a part of the expected message */
} parse_bad[] = {
    {"3e11fa47", "expected a server UUID like"},
    {"3e11fa4771ca11e19e33c80aa9429562:1", "8-4-4-4-12 hex digits"},
    {"3e11fa47-71ca-11e1-9e33-c80aa942956g:1", "expected a server UUID"},
    {U1 "1:1", "expected a server UUID"},                 /* 13 digits in the last group */
    {U1, "expected ':' after the UUID"},
    {U1 " 1-5", "expected ':' after the UUID"},
    {U1 ":", "expected a transaction number or a tag after ':'"},
    {U1 "::1", "expected a transaction number or a tag"},
    {U1 ":0", "transaction number 0 (they start at 1)"},
    {U1 ":0-5", "transaction number 0"},
    {U1 ":5-3", "interval 5-3 ends before it starts; allowed: N or N-M"},
    {U1 ":9223372036854775808", "transaction number too large"},
    {U1 ":1-99999999999999999999", "transaction number too large"},
    {U1 ":1-", "expected a transaction number"},
    {U1 ":-1", "expected a transaction number or a tag"},
    {U1 ":+1", "expected a transaction number or a tag"},
    {U1 ":1 2", "expected ',' and another uuid:intervals entry"},
    {U1 ":1x", "expected ',' and another"},
    {U1 ":1,", "empty entry after ','"},
    {U1 ":1,,", "empty entry after ','"},
    {"," U1 ":1", "expected a server UUID"},
    {U1 ":1;" U2 ":1", "expected ','"},
    {U1 ":tag", "a tag has no interval after it"},
    {U1 ":tag:", "expected a transaction number or a tag"},
    {U1 ":a:b:1", "tag \"a\" has no interval after it"},
    {U1 ":abcdefghijklmnopqrstuvwxyz0123456:1", "tag longer than 32 characters"},
    {U1 ":ta-g:1", "a tag has no interval after it"},
    {U1 ":t\xc3\xa4g:1", "a tag has no interval after it"},
    {"\x01\xff", "near \"\\x01\\xff\""},
    {U1 ":1\n,\n" U2 ":0", "character 79"}, /* the position counts the newlines */
};

START_TEST(test_parse_bad)
{
    gtidset_t *s = set_of(U3 ":1-3");
    char err[512] = "";
    int rc = gtidset_parse(s, parse_bad[_i].in, err, sizeof err);
    ck_assert_msg(rc == -1, "parse \"%s\": expected an error, got success: %s",
                  parse_bad[_i].in, text_of(s));
    ck_assert_msg(strstr(err, parse_bad[_i].msg) != NULL,
                  "parse \"%s\": expected a message with \"%s\", got \"%s\"", parse_bad[_i].in,
                  parse_bad[_i].msg, err);
    ck_assert_msg(strncmp(err, "bad GTID set at character ", 26) == 0, "got \"%s\"", err);
    ck_assert_msg(strchr(err, '\n') == NULL, "message spans lines: \"%s\"", err);
    ck_assert_str_eq(text_of(s), U3 ":1-3"); /* a failed parse leaves the set as it was */
    gtidset_free(s);
}
END_TEST

START_TEST(test_parse_null_and_tiny_err)
{
    gtidset_t *s = gtidset_alloc();
    char err[8] = "";
    ck_assert_int_eq(gtidset_parse(s, NULL, err, sizeof err), -1);
    ck_assert_int_eq(gtidset_parse(NULL, "", err, sizeof err), -1);
    ck_assert_int_eq(gtidset_parse(s, U1 ":0", err, sizeof err), -1);
    ck_assert_uint_eq(strlen(err), sizeof err - 1); /* cut, terminated */
    ck_assert_int_eq(gtidset_parse(s, U1 ":0", NULL, 0), -1);
    gtidset_free(s);
}
END_TEST

/* A long quoted input is cut short: the message stays one short line. */
START_TEST(test_parse_bad_long_input)
{
    size_t n = 100000;
    char *in = malloc(n + 1);
    memset(in, 'z', n);
    in[n] = '\0';
    gtidset_t *s = gtidset_alloc();
    char err[512] = "";
    ck_assert_int_eq(gtidset_parse(s, in, err, sizeof err), -1);
    ck_assert_msg(strlen(err) < 300 && strstr(err, "zzz...\"") != NULL, "got \"%s\"", err);
    gtidset_free(s);
    free(in);
}
END_TEST

/* ---- the caps ------------------------------------------------------------------------------- */

/* U1 with n single transactions start, start + 2, ... (n intervals: none adjacent). */
static char *singles(size_t n, size_t start)
{
    size_t len = 40 + n * 22, o = 0;
    char *t = malloc(len);
    o += (size_t)snprintf(t, len, "%s", U1);
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(t + o, len - o, ":%zu", start + 2 * i);
    return t;
}

START_TEST(test_cap_intervals)
{
    char err[512] = "";
    char *t = singles(GTIDSET_MAX_INTERVALS, 1);
    gtidset_t *s = gtidset_alloc();
    ck_assert_msg(gtidset_parse(s, t, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(gtidset_intervals(s), GTIDSET_MAX_INTERVALS);
    free(t);

    t = singles(GTIDSET_MAX_INTERVALS + 1, 1);
    gtidset_t *u = gtidset_alloc();
    ck_assert_int_eq(gtidset_parse(u, t, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "more than 16384 intervals (the limit on one set)"), "got %s", err);
    free(t);

    /* a union past the cap is refused and leaves acc as it was */
    gtidset_t *b = set_of(U2 ":1");
    ck_assert_int_eq(gtidset_union(s, b, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "union would hold more than 16384 intervals"), "got %s", err);
    ck_assert_uint_eq(gtidset_intervals(s), GTIDSET_MAX_INTERVALS);

    /* so is a difference that splits one interval into too many */
    gtidset_t *whole = set_of(U1 ":1-1000000");
    gtidset_t *evens = gtidset_alloc();
    t = singles(GTIDSET_MAX_INTERVALS, 2);
    ck_assert_int_eq(gtidset_parse(evens, t, err, sizeof err), 0);
    ck_assert_int_eq(gtidset_subtract(whole, evens, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "difference would hold more than"), "got %s", err);
    ck_assert_str_eq(text_of(whole), U1 ":1-1000000");
    free(t);
    gtidset_free(evens);
    gtidset_free(whole);
    gtidset_free(b);
    gtidset_free(u);
    gtidset_free(s);
}
END_TEST

START_TEST(test_cap_sids)
{
    size_t len = 64 + (GTIDSET_MAX_SIDS + 1) * 12, o = 0;
    char *t = malloc(len);
    char err[512] = "";
    o += (size_t)snprintf(t, len, "%s", U1);
    for (int i = 0; i < GTIDSET_MAX_SIDS; i++)
        o += (size_t)snprintf(t + o, len - o, ":t%d:1", i);
    gtidset_t *s = gtidset_alloc();
    ck_assert_msg(gtidset_parse(s, t, err, sizeof err) == 0, "%s", err);
    snprintf(t + o, len - o, ":one_more:1");
    ck_assert_int_eq(gtidset_parse(s, t, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "more than 1024 distinct uuid:tag entries"), "got %s", err);
    ck_assert_uint_eq(gtidset_intervals(s), GTIDSET_MAX_SIDS);
    free(t);
    gtidset_free(s);
}
END_TEST

/* ---- operations on tables ------------------------------------------------------------------- */

static const struct {
    const char *a, *b, *a_or_b, *a_minus_b;
    gtid_cmp_t cmp;
} op_rows[] = {
    {"", "", "", "", GTID_CMP_EQUAL},
    {U1 ":1-5", "", U1 ":1-5", U1 ":1-5", GTID_CMP_AHEAD},
    {"", U1 ":1-5", U1 ":1-5", "", GTID_CMP_BEHIND},
    {U1 ":1-5", U1 ":6-9", U1 ":1-9", U1 ":1-5", GTID_CMP_DIVERGED},
    {U1 ":1-100", U1 ":1-100", U1 ":1-100", "", GTID_CMP_EQUAL},
    {U1 ":1-100", U1 ":1-50", U1 ":1-100", U1 ":51-100", GTID_CMP_AHEAD},
    {U1 ":1-100", U1 ":20-30:40", U1 ":1-100", U1 ":1-19:31-39:41-100", GTID_CMP_AHEAD},
    /* errant transactions: the replica's set minus its primary's */
    {U1 ":1-100," U2 ":1-5", U1 ":1-100", U1 ":1-100," U2 ":1-5", U2 ":1-5", GTID_CMP_AHEAD},
    {U1 ":1-90," U2 ":1-5", U1 ":1-100", U1 ":1-100," U2 ":1-5", U2 ":1-5", GTID_CMP_DIVERGED},
    {U1 ":1-" MAXS, U1 ":" MAXS, U1 ":1-" MAXS, U1 ":1-9223372036854775806", GTID_CMP_AHEAD},
    {U1 ":1-" MAXS, U1 ":2-9223372036854775806", U1 ":1-" MAXS, U1 ":1:" MAXS,
     GTID_CMP_AHEAD},
    {U1 ":1-3:tag_a:1-3", U1 ":tag_a:2", U1 ":1-3:tag_a:1-3", U1 ":1-3:tag_a:1:3",
     GTID_CMP_AHEAD},
    {U1 ":tag_a:1-3", U1 ":1-3", U1 ":1-3:tag_a:1-3", U1 ":tag_a:1-3", GTID_CMP_DIVERGED},
    {U1 ":1:3:5", U1 ":2:4", U1 ":1-5", U1 ":1:3:5", GTID_CMP_DIVERGED},
};

START_TEST(test_ops)
{
    gtidset_t *a = set_of(op_rows[_i].a), *b = set_of(op_rows[_i].b);
    gtidset_t *u = set_of(op_rows[_i].a), *d = set_of(op_rows[_i].a);
    char err[256] = "";
    ck_assert_int_eq(gtidset_union(u, b, err, sizeof err), 0);
    ck_assert_int_eq(gtidset_subtract(d, b, err, sizeof err), 0);
    ck_assert_msg(strcmp(text_of(u), op_rows[_i].a_or_b) == 0, "\"%s\" | \"%s\": expected %s, got %s",
                  op_rows[_i].a, op_rows[_i].b, op_rows[_i].a_or_b, text_of(u));
    ck_assert_msg(strcmp(text_of(d), op_rows[_i].a_minus_b) == 0,
                  "\"%s\" - \"%s\": expected %s, got %s", op_rows[_i].a, op_rows[_i].b,
                  op_rows[_i].a_minus_b, text_of(d));
    ck_assert_msg(gtidset_compare(a, b) == op_rows[_i].cmp, "compare \"%s\", \"%s\": expected %s, got %s",
                  op_rows[_i].a, op_rows[_i].b, gtid_cmp_name(op_rows[_i].cmp),
                  gtid_cmp_name(gtidset_compare(a, b)));
    gtidset_free(a);
    gtidset_free(b);
    gtidset_free(u);
    gtidset_free(d);
}
END_TEST

START_TEST(test_self_ops_and_copy)
{
    gtidset_t *a = set_of(U1 ":1-5:9," U2 ":x:3");
    gtidset_t *c = gtidset_alloc();
    char err[256];
    ck_assert_int_eq(gtidset_copy(c, a), 0);
    ck_assert(gtidset_equal(a, c));
    ck_assert_int_eq(gtidset_union(a, a, err, sizeof err), 0);
    ck_assert(gtidset_equal(a, c));
    ck_assert_int_eq(gtidset_subtract(a, a, err, sizeof err), 0);
    ck_assert(gtidset_is_empty(a));
    ck_assert_str_eq(text_of(a), "");
    gtidset_clear(c);
    ck_assert(gtidset_is_empty(c));
    gtidset_free(a);
    gtidset_free(c);
    gtidset_free(NULL);
}
END_TEST

START_TEST(test_format_small_buffer)
{
    gtidset_t *s = set_of(U1 ":1-5");
    char buf[8];
    size_t need = strlen(U1 ":1-5");
    ck_assert_uint_eq(gtidset_format(s, buf, sizeof buf), need);
    ck_assert_str_eq(buf, "3e11fa4");
    ck_assert_uint_eq(gtidset_format(s, NULL, 0), need);
    char *str = gtidset_to_string(s);
    ck_assert_str_eq(str, U1 ":1-5");
    free(str);
    gtidset_free(s);
}
END_TEST

/* ---- properties against a naive model -------------------------------------------------------- */

/* Nine uuid:tag keys, in the library's order (uuid bytes, then tag). Each key's transactions are
 * base + 0..63, a base of 1 or one that ends the range at GTIDSET_GNO_MAX. */
static const char *const key_uuid[3] = {U1, U2, U3};
static const char *const key_tag[3] = {"", "a", "tag_b"};
#define NKEYS 9
#define SPAN 64
static uint64_t key_base(int k)
{
    return (k == 2 || k == 5 || k == 6 || k == 8) ? GTIDSET_GNO_MAX - SPAN + 1 : 1;
}

/* The model: sorted, distinct (key, gno) pairs. */
typedef struct trx {
    int key;
    uint64_t gno;
} trx_t;
typedef struct model {
    size_t n;
    trx_t t[NKEYS * SPAN];
} model_t;

static int trx_cmp(const trx_t *a, const trx_t *b)
{
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->gno < b->gno ? -1 : a->gno > b->gno;
}

static bool model_has(const model_t *m, const trx_t *x)
{
    for (size_t i = 0; i < m->n; i++)
        if (trx_cmp(&m->t[i], x) == 0)
            return true;
    return false;
}

static void model_union(model_t *out, const model_t *a, const model_t *b)
{
    size_t i = 0, j = 0;
    out->n = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : trx_cmp(&a->t[i], &b->t[j]);
        out->t[out->n++] = c <= 0 ? a->t[i] : b->t[j];
        i += c <= 0;
        j += c >= 0;
    }
}

static void model_subtract(model_t *out, const model_t *a, const model_t *b)
{
    out->n = 0;
    for (size_t i = 0; i < a->n; i++)
        if (!model_has(b, &a->t[i]))
            out->t[out->n++] = a->t[i];
}

static bool model_subset(const model_t *a, const model_t *b)
{
    for (size_t i = 0; i < a->n; i++)
        if (!model_has(b, &a->t[i]))
            return false;
    return true;
}

/* The canonical text, written the simple way: runs of consecutive transactions. */
static void model_text(const model_t *m, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < m->n;) {
        int k = m->t[i].key;
        bool new_uuid = i == 0 || m->t[i - 1].key / 3 != k / 3;
        bool new_key = i == 0 || m->t[i - 1].key != k;
        if (new_uuid)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "", key_uuid[k / 3]);
        if (new_key && key_tag[k % 3][0])
            o += (size_t)snprintf(buf + o, len - o, ":%s", key_tag[k % 3]);
        size_t j = i;
        while (j + 1 < m->n && m->t[j + 1].key == k && m->t[j + 1].gno == m->t[j].gno + 1)
            j++;
        if (j == i)
            o += (size_t)snprintf(buf + o, len - o, ":%" PRIu64, m->t[i].gno);
        else
            o += (size_t)snprintf(buf + o, len - o, ":%" PRIu64 "-%" PRIu64, m->t[i].gno,
                                  m->t[j].gno);
        i = j + 1;
    }
}

/* splitmix64: the same numbers on every platform, so a seed reproduces a failure anywhere. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static unsigned rnd_below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static uint64_t seed_base;

static void random_model(model_t *m)
{
    m->n = 0;
    for (int k = 0; k < NKEYS; k++) {
        unsigned density = rnd_below(4) == 0 ? 0 : rnd_below(101); /* percent; often none */
        for (uint64_t g = 0; g < SPAN; g++)
            if (rnd_below(100) < density)
                m->t[m->n++] = (trx_t){k, key_base(k) + g};
    }
}

/* A few transactions, anywhere. */
static void sparse_model(model_t *m)
{
    unsigned n = 1 + rnd_below(3);
    m->n = 0;
    for (int k = 0; k < NKEYS; k++)
        for (uint64_t g = 0; g < SPAN; g++)
            if (rnd_below(NKEYS * SPAN) < n)
                m->t[m->n++] = (trx_t){k, key_base(k) + g};
}

/* One piece of presented text: key k, transactions first..last. */
typedef struct piece {
    int key;
    uint64_t first, last;
} piece_t;

/* Cuts m's runs into random pieces, some repeated (overlaps), and shuffles them. */
static size_t random_pieces(const model_t *m, piece_t *p)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n;) {
        size_t j = i;
        while (j + 1 < m->n && m->t[j + 1].key == m->t[i].key && m->t[j + 1].gno == m->t[j].gno + 1 &&
               rnd_below(4) != 0)
            j++;
        p[n++] = (piece_t){m->t[i].key, m->t[i].gno, m->t[j].gno};
        if (rnd_below(5) == 0) /* the same again, or a part of it */
            p[n++] = (piece_t){m->t[i].key, m->t[i].gno, m->t[i].gno + (m->t[j].gno - m->t[i].gno) / 2};
        i = j + 1;
    }
    for (size_t i = n; i > 1; i--) {
        size_t r = rnd_below((unsigned)i);
        piece_t tmp = p[i - 1];
        p[i - 1] = p[r];
        p[r] = tmp;
    }
    return n;
}

static void put_blank(char *buf, size_t len, size_t *o)
{
    static const char *const blanks[] = {"", "", "", " ", "\n", "\t", " \r\n "};
    *o += (size_t)snprintf(buf + *o, len - *o, "%s", blanks[rnd_below(ARRAY_LEN(blanks))]);
}

/* The text of word with each letter's case drawn at random (uuids and tags ignore case). */
static void put_word(char *buf, size_t len, size_t *o, const char *word)
{
    for (; *word && *o + 1 < len; word++)
        buf[(*o)++] = rnd_below(2) ? (char)(*word >= 'a' && *word <= 'z' ? *word - 32 : *word) : *word;
    buf[*o] = '\0';
}

/* Random text MySQL could print (or a user type) for m: pieces in any order, a uuid split over
 * several entries, tags in any order, blanks and case anywhere allowed. */
static void random_text(const model_t *m, char *buf, size_t len)
{
    static piece_t p[NKEYS * SPAN * 2];
    size_t n = random_pieces(m, p), o = 0;
    int cur = -1; /* key of the open entry's last item, -1 when no entry is open */
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int k = p[i].key;
        /* an untagged interval after a tag, or another uuid, needs a new entry */
        bool new_entry = cur < 0 || cur / 3 != k / 3 || (k % 3 == 0 && cur % 3 != 0) ||
                         rnd_below(8) == 0;
        if (new_entry) {
            o += (size_t)snprintf(buf + o, len - o, "%s", cur < 0 ? "" : ",");
            put_blank(buf, len, &o);
            put_word(buf, len, &o, key_uuid[k / 3]);
        }
        if (k % 3 != 0 && (new_entry || cur != k)) {
            put_blank(buf, len, &o);
            o += (size_t)snprintf(buf + o, len - o, ":");
            put_word(buf, len, &o, key_tag[k % 3]);
        }
        put_blank(buf, len, &o);
        if (p[i].first == p[i].last && rnd_below(2))
            o += (size_t)snprintf(buf + o, len - o, ":%" PRIu64, p[i].first);
        else
            o += (size_t)snprintf(buf + o, len - o, ":%" PRIu64 " - %" PRIu64, p[i].first,
                                  p[i].last);
        cur = k;
    }
    put_blank(buf, len, &o);
}

#define TEXT_MAX (NKEYS * SPAN * 2 * 64)
#define ROUNDS 3000

typedef struct pair {
    model_t a, b;
    gtidset_t *sa, *sb;
    char ta[TEXT_MAX], tb[TEXT_MAX];
} pair_t;

/* Draws two models and parses random texts of them; the parse must give the model's set. */
static void draw_pair(pair_t *pr, unsigned round)
{
    char err[512], want[TEXT_MAX];
    static model_t x, y;
    random_model(&pr->a);
    random_model(&pr->b);
    switch (rnd_below(4)) { /* b near a often, so that subset and compare meet close calls */
    case 0: /* b independent of a */
        break;
    case 1: /* a subset of a, often a itself */
        x = pr->b;
        model_subtract(&pr->b, &pr->a, rnd_below(3) ? &x : &(model_t){.n = 0});
        break;
    default: /* a with a few transactions added (case 2), or a few added and a few taken */
        sparse_model(&x);
        sparse_model(&y);
        model_union(&pr->b, &pr->a, &x);
        if (rnd_below(2)) {
            x = pr->b;
            model_subtract(&pr->b, &x, &y);
        }
        break;
    }
    random_text(&pr->a, pr->ta, sizeof pr->ta);
    random_text(&pr->b, pr->tb, sizeof pr->tb);
    pr->sa = gtidset_alloc();
    pr->sb = gtidset_alloc();
    ck_assert_msg(gtidset_parse(pr->sa, pr->ta, err, sizeof err) == 0,
                  "seed %" PRIu64 " round %u: parse \"%.300s\": %s", seed_base, round, pr->ta, err);
    ck_assert_msg(gtidset_parse(pr->sb, pr->tb, err, sizeof err) == 0,
                  "seed %" PRIu64 " round %u: parse \"%.300s\": %s", seed_base, round, pr->tb, err);
    model_text(&pr->a, want, sizeof want);
    char *got = gtidset_to_string(pr->sa);
    ck_assert_msg(strcmp(got, want) == 0, "seed %" PRIu64 " round %u: \"%.300s\" formats as \"%.300s\", expected \"%.300s\"",
                  seed_base, round, pr->ta, got, want);
    free(got);
}

static void free_pair(pair_t *pr)
{
    gtidset_free(pr->sa);
    gtidset_free(pr->sb);
}

START_TEST(test_prop_round_trip_and_count)
{
    static pair_t pr;
    char err[512];
    rng_state = seed_base + 1;
    for (unsigned r = 0; r < ROUNDS; r++) {
        draw_pair(&pr, r);
        ck_assert_msg(gtidset_count(pr.sa) == pr.a.n, "seed %" PRIu64 " round %u: count of \"%.300s\": %" PRIu64 ", expected %zu",
                      seed_base, r, pr.ta, gtidset_count(pr.sa), pr.a.n);
        char *canon = gtidset_to_string(pr.sa);
        gtidset_t *back = gtidset_alloc();
        ck_assert_int_eq(gtidset_parse(back, canon, err, sizeof err), 0);
        ck_assert_msg(gtidset_equal(back, pr.sa), "seed %" PRIu64 " round %u: \"%.300s\" does not parse back",
                      seed_base, r, canon);
        free(canon);
        gtidset_free(back);
        free_pair(&pr);
    }
}
END_TEST

START_TEST(test_prop_union_subtract)
{
    static pair_t pr;
    static model_t want;
    static char want_text[TEXT_MAX];
    char err[512];
    rng_state = seed_base + 2;
    for (unsigned r = 0; r < ROUNDS; r++) {
        draw_pair(&pr, r);
        gtidset_t *u = gtidset_alloc(), *d = gtidset_alloc();
        ck_assert_int_eq(gtidset_copy(u, pr.sa), 0);
        ck_assert_int_eq(gtidset_copy(d, pr.sa), 0);
        ck_assert_int_eq(gtidset_union(u, pr.sb, err, sizeof err), 0);
        ck_assert_int_eq(gtidset_subtract(d, pr.sb, err, sizeof err), 0);
        model_union(&want, &pr.a, &pr.b);
        model_text(&want, want_text, sizeof want_text);
        char *got = gtidset_to_string(u);
        ck_assert_msg(strcmp(got, want_text) == 0, "seed %" PRIu64 " round %u: \"%.300s\" | \"%.300s\" = \"%.300s\", expected \"%.300s\"",
                      seed_base, r, pr.ta, pr.tb, got, want_text);
        free(got);
        ck_assert_uint_eq(gtidset_count(u), want.n);
        model_subtract(&want, &pr.a, &pr.b);
        model_text(&want, want_text, sizeof want_text);
        got = gtidset_to_string(d);
        ck_assert_msg(strcmp(got, want_text) == 0, "seed %" PRIu64 " round %u: \"%.300s\" - \"%.300s\" = \"%.300s\", expected \"%.300s\"",
                      seed_base, r, pr.ta, pr.tb, got, want_text);
        free(got);
        ck_assert_uint_eq(gtidset_count(d), want.n);
        gtidset_free(u);
        gtidset_free(d);
        free_pair(&pr);
    }
}
END_TEST

START_TEST(test_prop_subset_compare)
{
    static pair_t pr;
    rng_state = seed_base + 3;
    for (unsigned r = 0; r < ROUNDS; r++) {
        draw_pair(&pr, r);
        bool ab = model_subset(&pr.a, &pr.b), ba = model_subset(&pr.b, &pr.a);
        gtid_cmp_t want = ab && ba ? GTID_CMP_EQUAL : ab ? GTID_CMP_BEHIND : ba ? GTID_CMP_AHEAD : GTID_CMP_DIVERGED;
        ck_assert_msg(gtidset_is_subset(pr.sa, pr.sb) == ab && gtidset_is_subset(pr.sb, pr.sa) == ba &&
                          gtidset_equal(pr.sa, pr.sb) == (ab && ba) && gtidset_compare(pr.sa, pr.sb) == want,
                      "seed %" PRIu64 " round %u: \"%.300s\" vs \"%.300s\": expected subset %d/%d, compare %s; got %d/%d, %s",
                      seed_base, r, pr.ta, pr.tb, ab, ba, gtid_cmp_name(want), gtidset_is_subset(pr.sa, pr.sb),
                      gtidset_is_subset(pr.sb, pr.sa), gtid_cmp_name(gtidset_compare(pr.sa, pr.sb)));
        free_pair(&pr);
    }
}
END_TEST

/* ---- keep one uuid: what a server wrote itself -------------------------------------------- */

START_TEST(test_keep_uuid)
{
    char err[256] = "";
    gtidset_t *s = set_of(U1 ":1-100:102," U2 ":1-3:tag_a:1-2:tag_b:5," U3 ":7");
    ck_assert_int_eq(gtidset_keep_uuid(s, U2, err, sizeof err), 0);
    ck_assert_str_eq(text_of(s), U2 ":1-3:tag_a:1-2:tag_b:5"); /* every tag of it */
    ck_assert_uint_eq(gtidset_count(s), 6);
    ck_assert_uint_eq(gtidset_intervals(s), 3);
    /* upper case is the same uuid; an absent one leaves the empty set */
    ck_assert_int_eq(gtidset_keep_uuid(s, "8A94F357-AAB4-11DF-86AB-C80AA9429562", err, sizeof err),
                     0);
    ck_assert_uint_eq(gtidset_count(s), 6);
    ck_assert_int_eq(gtidset_keep_uuid(s, U1, err, sizeof err), 0);
    ck_assert(gtidset_is_empty(s));
    ck_assert_str_eq(text_of(s), "");
    /* malformed: refused with a message, the set untouched */
    gtidset_t *t = set_of(U1 ":1-5");
    static const char *const bad[] = {"", "3e11fa47", U1 ",", "3e11fa47-71ca-11e1-9e33-c80aa942956z",
                                      "3e11fa47:71ca-11e1-9e33-c80aa9429562"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err[0] = '\0';
        ck_assert_msg(gtidset_keep_uuid(t, bad[i], err, sizeof err) == -1, "\"%s\" kept", bad[i]);
        ck_assert_msg(strstr(err, "8-4-4-4-12") != NULL || strstr(err, "UUID") != NULL,
                      "\"%s\": %s", bad[i], err);
        ck_assert_str_eq(text_of(t), U1 ":1-5");
    }
    ck_assert_int_eq(gtidset_keep_uuid(t, NULL, err, sizeof err), -1);
    gtidset_free(s);
    gtidset_free(t);
}
END_TEST

static Suite *gtidset_suite(void)
{
    Suite *s = suite_create("gtidset");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_parse_good, 0, (int)ARRAY_LEN(parse_good));
    tcase_add_loop_test(tc, test_parse_bad, 0, (int)ARRAY_LEN(parse_bad));
    tcase_add_test(tc, test_parse_null_and_tiny_err);
    tcase_add_test(tc, test_parse_bad_long_input);
    suite_add_tcase(s, tc);

    tc = tcase_create("caps");
    tcase_add_test(tc, test_cap_intervals);
    tcase_add_test(tc, test_cap_sids);
    suite_add_tcase(s, tc);

    tc = tcase_create("ops");
    tcase_add_loop_test(tc, test_ops, 0, (int)ARRAY_LEN(op_rows));
    tcase_add_test(tc, test_self_ops_and_copy);
    tcase_add_test(tc, test_format_small_buffer);
    tcase_add_test(tc, test_keep_uuid);
    suite_add_tcase(s, tc);

    tc = tcase_create("properties");
    tcase_set_timeout(tc, 120); /* under ASan on a busy machine */
    tcase_add_test(tc, test_prop_round_trip_and_count);
    tcase_add_test(tc, test_prop_union_subtract);
    tcase_add_test(tc, test_prop_subset_compare);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* Fixed, so a failure reproduces; GTIDSET_SEED=N tries other sets. */
    const char *env = getenv("GTIDSET_SEED");
    seed_base = env && *env ? strtoull(env, NULL, 0) : 20261203;
    printf("check_gtidset: seed %" PRIu64 " (GTIDSET_SEED=%" PRIu64 " repeats it), %d random "
           "pairs per property\n",
           seed_base, seed_base, ROUNDS);
    fflush(stdout);
    SRunner *sr = srunner_create(gtidset_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
