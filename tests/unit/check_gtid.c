/* check_gtid.c -- unit tests for gtid.c: parsing what MariaDB and MySQL print, and comparing
 * positions.
 * Table-driven: each row is its own loop test, so a failure names the row and what it saw. */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtid.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static gtid_pos_t pos(const char *s)
{
    gtid_pos_t p;
    char err[256] = "";
    int rc = gtid_pos_parse(&p, s, err, sizeof err);
    ck_assert_msg(rc == 0, "test setup: parsing \"%s\" failed: %s", s, err);
    return p;
}

static const char *fmt(const gtid_pos_t *p, char *buf, size_t len)
{
    ck_assert_int_eq(gtid_pos_format(p, buf, len), 0);
    return buf;
}

/* ---- parse: good ---- */

static const struct {
    const char *in;
    size_t n;
    const char *canon;
} parse_good[] = {
    {"", 0, ""},
    {"   ", 0, ""},
    {"\n\t ", 0, ""},
    {"0-1-100", 1, "0-1-100"},
    {"0-1-0", 1, "0-1-0"},
    {"1-2-5,0-1-100", 2, "0-1-100,1-2-5"},                 /* sorted by domain */
    {"0-1-100,\n1-2-5", 2, "0-1-100,1-2-5"},               /* SHOW SLAVE STATUS style */
    {"  0-1-100 ,\r\n 1-2-5 \n", 2, "0-1-100,1-2-5"},      /* blanks around entries */
    {"00-01-007", 1, "0-1-7"},                             /* leading zeros */
    {"4294967295-4294967295-18446744073709551615", 1,      /* every field at its maximum */
     "4294967295-4294967295-18446744073709551615"},
    {"3-1-1,2-1-2,1-1-3", 3, "1-1-3,2-1-2,3-1-1"},
};

START_TEST(test_parse_good)
{
    gtid_pos_t p;
    char err[256] = "";
    char buf[GTID_POS_STRLEN];
    int rc = gtid_pos_parse(&p, parse_good[_i].in, err, sizeof err);
    ck_assert_msg(rc == 0, "parse \"%s\": expected success, got error: %s", parse_good[_i].in,
                  err);
    ck_assert_uint_eq(p.n, parse_good[_i].n);
    ck_assert_str_eq(fmt(&p, buf, sizeof buf), parse_good[_i].canon);
}
END_TEST

START_TEST(test_parse_max_domains)
{
    char in[GTID_POS_STRLEN];
    size_t off = 0;
    for (int d = GTID_MAX_DOMAINS - 1; d >= 0; d--)
        off += (size_t)snprintf(in + off, sizeof in - off, "%s%d-1-%d", off ? "," : "", d, d + 1);
    gtid_pos_t p;
    char err[256] = "";
    ck_assert_int_eq(gtid_pos_parse(&p, in, err, sizeof err), 0);
    ck_assert_uint_eq(p.n, GTID_MAX_DOMAINS);
    for (size_t i = 0; i < p.n; i++)
        ck_assert_uint_eq(p.g[i].domain, i);

    /* the canonical form of a full position fits the advertised buffer size */
    char buf[GTID_POS_STRLEN];
    ck_assert_int_eq(gtid_pos_format(&p, buf, sizeof buf), 0);
    gtid_pos_t q;
    ck_assert_int_eq(gtid_pos_parse(&q, buf, err, sizeof err), 0);
    ck_assert_int_eq(gtid_pos_compare(&p, &q), GTID_CMP_EQUAL);
}
END_TEST

/* ---- parse: bad ---- */

static const struct {
    const char *in;
    const char *msg; /* expected substring of the error */
} parse_bad[] = {
    {"0-1-x", "bad GTID \"0-1-x\" in \"0-1-x\": expected domain-server-seq, e.g. 0-1-100"},
    {"0-1", "expected domain-server-seq"},
    {"0-1-", "expected domain-server-seq"},
    {"0-1-2-3", "expected domain-server-seq"},
    {"a-1-2", "expected domain-server-seq"},
    {"-0-1-2", "expected domain-server-seq"},
    {"+0-1-2", "expected domain-server-seq"},
    {"0-+1-2", "expected domain-server-seq"},
    {"0--1-2", "expected domain-server-seq"},
    {"0-1--2", "expected domain-server-seq"},
    {"0 -1-2", "expected domain-server-seq"},
    {"0-1-2 x", "expected domain-server-seq"},
    {"0-1-2;1-1-1", "expected domain-server-seq"},
    {"0x1-1-2", "expected domain-server-seq"},
    {"0-1-18446744073709551616", "seq exceeds 18446744073709551615"},
    {"0-1-99999999999999999999999", "seq exceeds 18446744073709551615"},
    {"4294967296-1-1", "domain exceeds 4294967295"},
    {"0-4294967296-1", "server id exceeds 4294967295"},
    {"0-1-5,0-2-6", "duplicate domain 0 in \"0-1-5,0-2-6\": one GTID per domain allowed"},
    {"1-1-5,0-1-1,1-1-5", "duplicate domain 1"},
    {"0-1-5,", "empty GTID in \"0-1-5,\""},
    {",0-1-5", "empty GTID"},
    {"0-1-5,,1-1-1", "empty GTID"},
    {"0-1-5, \n ,1-1-1", "empty GTID"},
    {",", "empty GTID"},
    {"0-1-5\n-2", "bad GTID \"0-1-5\\n-2\""}, /* the newline is shown escaped */
};

START_TEST(test_parse_bad)
{
    gtid_pos_t p;
    char err[512] = "";
    p.n = 7; /* must be reset on failure */
    int rc = gtid_pos_parse(&p, parse_bad[_i].in, err, sizeof err);
    ck_assert_msg(rc == -1, "parse \"%s\": expected failure, got %d", parse_bad[_i].in, rc);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_msg(strstr(err, parse_bad[_i].msg) != NULL, "parse \"%s\": expected \"%s\" in \"%s\"",
                  parse_bad[_i].in, parse_bad[_i].msg, err);
    ck_assert_msg(strchr(err, '\n') == NULL, "error message is not one line: \"%s\"", err);
}
END_TEST

START_TEST(test_parse_too_many_domains)
{
    char in[GTID_POS_STRLEN];
    size_t off = 0;
    for (int d = 0; d <= GTID_MAX_DOMAINS; d++)
        off += (size_t)snprintf(in + off, sizeof in - off, "%s%d-1-1", off ? "," : "", d);
    gtid_pos_t p;
    char err[512] = "";
    ck_assert_int_eq(gtid_pos_parse(&p, in, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "too many domains") != NULL && strstr(err, "at most 64 allowed"),
                  "got \"%s\"", err);
    /* the whole input is far too long to quote: the message is cut, visibly */
    ck_assert_msg(strstr(err, "...") != NULL, "got \"%s\"", err);
}
END_TEST

START_TEST(test_parse_null_and_tiny_err)
{
    gtid_pos_t p;
    char err[256] = "";
    ck_assert_int_eq(gtid_pos_parse(&p, NULL, err, sizeof err), -1);
    ck_assert_str_eq(err, "no GTID position given (NULL)");
    ck_assert_int_eq(gtid_pos_parse(NULL, "0-1-1", err, sizeof err), -1);

    /* a short or absent error buffer is respected (ASan would catch an overrun) */
    char tiny[8];
    memset(tiny, 'Z', sizeof tiny);
    ck_assert_int_eq(gtid_pos_parse(&p, "0-1-x", tiny, sizeof tiny), -1);
    ck_assert_str_eq(tiny, "bad GTI");
    ck_assert_int_eq(gtid_pos_parse(&p, "0-1-x", NULL, 0), -1);
}
END_TEST

/* ---- format ---- */

START_TEST(test_format)
{
    gtid_pos_t p = pos("2-7-9,0-1-100\n,1-2-5");
    char buf[64];
    ck_assert_str_eq(fmt(&p, buf, sizeof buf), "0-1-100,1-2-5,2-7-9");
    gtid_pos_t q = pos(buf);
    char buf2[64];
    ck_assert_str_eq(fmt(&q, buf2, sizeof buf2), buf);

    gtid_pos_t e = pos("");
    ck_assert_str_eq(fmt(&e, buf, sizeof buf), "");

    /* exactly big enough, then one byte short */
    gtid_pos_t one = pos("0-1-100");
    char small[8];
    ck_assert_int_eq(gtid_pos_format(&one, small, 8), 0);
    ck_assert_str_eq(small, "0-1-100");
    ck_assert_int_eq(gtid_pos_format(&one, small, 7), -1);
    ck_assert_uint_lt(strlen(small), 7);
    ck_assert_int_eq(gtid_pos_format(&one, small, 0), -1);
}
END_TEST

START_TEST(test_seq)
{
    gtid_pos_t p = pos("0-1-100,3-2-7");
    ck_assert_uint_eq(gtid_pos_seq(&p, 0), 100);
    ck_assert_uint_eq(gtid_pos_seq(&p, 3), 7);
    ck_assert_uint_eq(gtid_pos_seq(&p, 1), 0);
    ck_assert_uint_eq(gtid_pos_seq(NULL, 0), 0);
}
END_TEST

/* ---- compare / contains ---- */

static const struct {
    const char *a, *b;
    gtid_cmp_t want;
    bool a_has_b, b_has_a;
} compare_rows[] = {
    {"", "", GTID_CMP_EQUAL, true, true},
    {"0-1-100", "0-1-100", GTID_CMP_EQUAL, true, true},
    {"0-1-100", "0-2-100", GTID_CMP_EQUAL, true, true}, /* positions carry seq only */
    {"0-1-100,1-1-5", "1-1-5,0-1-100", GTID_CMP_EQUAL, true, true},
    {"0-1-0", "", GTID_CMP_EQUAL, true, true}, /* seq 0 is "nothing" */
    {"0-1-100", "0-1-105", GTID_CMP_BEHIND, false, true},
    {"", "0-1-1", GTID_CMP_BEHIND, false, true},
    {"0-1-100", "0-1-100,1-1-1", GTID_CMP_BEHIND, false, true},
    {"0-1-105", "0-1-100", GTID_CMP_AHEAD, true, false},
    {"0-1-100,1-1-1", "0-1-100", GTID_CMP_AHEAD, true, false},
    {"0-1-5", "", GTID_CMP_AHEAD, true, false},
    {"0-1-105,1-1-1", "0-1-100,1-1-2", GTID_CMP_DIVERGED, false, false},
    {"0-1-100", "1-1-1", GTID_CMP_DIVERGED, false, false},
};

START_TEST(test_compare)
{
    gtid_pos_t a = pos(compare_rows[_i].a), b = pos(compare_rows[_i].b);
    gtid_cmp_t got = gtid_pos_compare(&a, &b);
    ck_assert_msg(got == compare_rows[_i].want, "compare(\"%s\", \"%s\"): expected %s, got %s",
                  compare_rows[_i].a, compare_rows[_i].b, gtid_cmp_name(compare_rows[_i].want),
                  gtid_cmp_name(got));
    ck_assert_int_eq(gtid_pos_contains(&a, &b), compare_rows[_i].a_has_b);
    ck_assert_int_eq(gtid_pos_contains(&b, &a), compare_rows[_i].b_has_a);
}
END_TEST

START_TEST(test_compare_invalid_and_names)
{
    gtid_pos_t a = pos("0-1-1");
    ck_assert_int_eq(gtid_pos_compare(NULL, &a), GTID_CMP_INVALID);
    ck_assert_int_eq(gtid_pos_compare(&a, NULL), GTID_CMP_INVALID);
    ck_assert(!gtid_pos_contains(NULL, &a));
    ck_assert_str_eq(gtid_cmp_name(GTID_CMP_INVALID), "invalid");
    ck_assert_str_eq(gtid_cmp_name(GTID_CMP_EQUAL), "equal");
    ck_assert_str_eq(gtid_cmp_name(GTID_CMP_BEHIND), "behind");
    ck_assert_str_eq(gtid_cmp_name(GTID_CMP_AHEAD), "ahead");
    ck_assert_str_eq(gtid_cmp_name(GTID_CMP_DIVERGED), "diverged");
    ck_assert_str_eq(gtid_cmp_name((gtid_cmp_t)99), "invalid");
}
END_TEST

/* ---- missing ---- */

static const struct {
    const char *a, *b;
    uint64_t count;
    const char *text;
} missing_rows[] = {
    {"0-1-100", "0-1-105", 5, "0-1-101..0-1-105"},
    {"0-1-100", "0-1-101", 1, "0-1-101"},
    {"0-1-100", "0-2-103", 3, "0-2-101..0-2-103"}, /* b's server id is shown */
    {"", "1-3-2", 2, "1-3-1..1-3-2"},
    {"0-1-105", "0-1-100", 0, ""},
    {"0-1-100", "0-1-100", 0, ""},
    {"0-1-100,1-1-9", "0-1-102,1-1-5,2-4-1", 3, "0-1-101..0-1-102,2-4-1"},
    {"", "", 0, ""},
};

START_TEST(test_missing)
{
    gtid_pos_t a = pos(missing_rows[_i].a), b = pos(missing_rows[_i].b);
    char buf[128];
    ck_assert_uint_eq(gtid_pos_missing_count(&a, &b), missing_rows[_i].count);
    ck_assert_int_eq(gtid_pos_missing_format(&a, &b, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, missing_rows[_i].text);
}
END_TEST

START_TEST(test_missing_edges)
{
    gtid_pos_t a = pos(""), b = pos("0-1-18446744073709551615,1-1-5");
    ck_assert_uint_eq(gtid_pos_missing_count(&a, &b), UINT64_MAX); /* saturates, no wrap */
    ck_assert_uint_eq(gtid_pos_missing_count(NULL, &b), 0);

    gtid_pos_t c = pos("0-1-100"), d = pos("0-1-105");
    char small[10];
    ck_assert_int_eq(gtid_pos_missing_format(&c, &d, small, sizeof small), -1);
    ck_assert_uint_lt(strlen(small), sizeof small);
    ck_assert_int_eq(gtid_pos_missing_format(&c, &d, small, 0), -1);
}
END_TEST

/* ---- merge ---- */

static const struct {
    const char *acc, *b, *want;
} merge_rows[] = {
    {"", "", ""},
    {"", "0-1-5", "0-1-5"},
    {"0-1-5", "", "0-1-5"},
    {"0-1-5", "0-2-7", "0-2-7"},   /* larger seq wins, with its server id */
    {"0-1-9", "0-2-7", "0-1-9"},
    {"0-1-5,2-1-1", "1-3-3", "0-1-5,1-3-3,2-1-1"},
    {"0-1-5,1-1-10", "0-2-8,1-2-3,3-3-3", "0-2-8,1-1-10,3-3-3"},
};

START_TEST(test_merge)
{
    gtid_pos_t acc = pos(merge_rows[_i].acc), b = pos(merge_rows[_i].b);
    char buf[128];
    gtid_pos_merge_max(&acc, &b);
    ck_assert_str_eq(fmt(&acc, buf, sizeof buf), merge_rows[_i].want);
}
END_TEST

START_TEST(test_merge_overflow)
{
    /* 64 even + 64 odd domains: the union cannot fit; what fits stays sorted and correct */
    gtid_pos_t a = {0}, b = {0}; /* built by hand: zeroed first, so a MariaDB position */
    a.n = b.n = GTID_MAX_DOMAINS;
    for (uint32_t i = 0; i < GTID_MAX_DOMAINS; i++) {
        a.g[i] = (gtid_t){.domain = 2 * i, .server = 1, .seq = 10};
        b.g[i] = (gtid_t){.domain = 2 * i + 1, .server = 2, .seq = 20};
    }
    gtid_pos_merge_max(&a, &b);
    ck_assert_uint_eq(a.n, GTID_MAX_DOMAINS);
    for (uint32_t i = 0; i < GTID_MAX_DOMAINS; i++)
        ck_assert_uint_eq(a.g[i].domain, i);
    gtid_pos_merge_max(NULL, &b); /* no crash */
}
END_TEST

/* ---- MySQL GTID sets through the same API (no MySQL server here: texts as the 8.0/8.4 manual
 * prints them) ---- */

#define UA "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define UB "5d0fc0a4-1b28-11ee-8b1e-0242ac120002"
#define UC "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

static const struct {
    const char *in, *canon;
} my_parse_good[] = {
    {UA ":1-5", UA ":1-5"},
    {UB ":1-3,\n" UA ":1-100:102", UA ":1-100:102," UB ":1-3"}, /* several uuids, a gap */
    {"3E11FA47-71CA-11E1-9E33-C80AA9429562:5:1-4", UA ":1-5"},     /* case, order, merge */
    {UA ":1-2:TAG_A:1-3," UA ":tag_b:7", UA ":1-2:tag_a:1-3:tag_b:7"}, /* 8.4 tags */
    {"  " UA ":1 ,\r\n " UC ":9-10 \n", UA ":1," UC ":9-10"},
};

START_TEST(test_mysql_parse_good)
{
    char buf[GTID_POS_STRLEN];
    gtid_pos_t p = pos(my_parse_good[_i].in);
    ck_assert(p.mysql);
    ck_assert_uint_eq(p.n, 0);
    ck_assert(!gtid_pos_is_empty(&p));
    ck_assert_str_eq(fmt(&p, buf, sizeof buf), my_parse_good[_i].canon);
    gtid_pos_t q = pos(buf); /* the canonical text parses to itself */
    ck_assert_str_eq(fmt(&q, buf, sizeof buf), my_parse_good[_i].canon);
    ck_assert_uint_eq(gtid_pos_seq(&p, 0), 0);
}
END_TEST

START_TEST(test_mysql_parse_bad)
{
    static const char *const bad[] = {
        UA ":0",                 /* transaction numbers start at 1 */
        UA ":5-3",               /* reversed */
        "3e11fa47-71ca-11e1:1",  /* short uuid */
        UA ":1-3,",              /* trailing comma */
        "0-1-5:3",               /* neither flavor */
        UA ":1:9tag:1",          /* a tag starts with a letter or _ */
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        gtid_pos_t p;
        char err[256] = "";
        ck_assert_msg(gtid_pos_parse(&p, bad[i], err, sizeof err) == -1, "\"%s\" parsed", bad[i]);
        ck_assert_msg(err[0] != '\0' && strchr(err, '\n') == NULL, "\"%s\": message \"%s\"",
                      bad[i], err);
        ck_assert(gtid_pos_is_empty(&p));
    }
    /* a set whose canonical text does not fit GTID_POS_STRLEN is refused, saying so */
    static char big[64 * 1024];
    size_t at = (size_t)snprintf(big, sizeof big, "%s", UA ":1");
    for (int k = 3; at < 3 * GTID_POS_STRLEN; k += 2)
        at += (size_t)snprintf(big + at, sizeof big - at, ":%d", k);
    gtid_pos_t p;
    char err[256] = "";
    ck_assert_int_eq(gtid_pos_parse(&p, big, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "too long: at most 2047 characters") != NULL, "%s", err);
}
END_TEST

static const struct {
    const char *a, *b;
    gtid_cmp_t want;
    uint64_t a_lacks; /* missing_count(a, b) */
    const char *a_lacks_text;
} my_rows[] = {
    {UA ":1-5", UA ":1-5", GTID_CMP_EQUAL, 0, ""},
    {UA ":1-5", UA ":1-7", GTID_CMP_BEHIND, 2, UA ":6-7"},
    {UA ":1-7", UA ":1-5", GTID_CMP_AHEAD, 0, ""},
    {"", UA ":1-5," UB ":1-2", GTID_CMP_BEHIND, 7, UA ":1-5," UB ":1-2"}, /* empty vs a set */
    {UA ":1-5", "", GTID_CMP_AHEAD, 0, ""},
    /* several uuids: inclusion, not a per-uuid maximum */
    {UA ":1-5," UB ":1-3", UA ":1-5," UB ":1-2", GTID_CMP_AHEAD, 0, ""},
    {UA ":1-5", UA ":1-5," UB ":1", GTID_CMP_BEHIND, 1, UB ":1"},
    /* incomparable: each has a transaction the other lacks (an errant one on one side) */
    {UA ":1-5," UB ":1", UA ":1-6", GTID_CMP_DIVERGED, 1, UA ":6"},
    {UA ":1-6", UA ":1-5," UB ":1", GTID_CMP_DIVERGED, 1, UB ":1"},
    /* gaps: the higher number does not contain the lower one's missing middle */
    {UA ":1-3:5-9", UA ":1-8", GTID_CMP_DIVERGED, 1, UA ":4"},
    {UA ":1-9", UA ":1-3:5-9", GTID_CMP_AHEAD, 0, ""},
    /* tags (8.4) are transactions of their own */
    {UA ":1-5", UA ":1-5:tag_a:1-2", GTID_CMP_BEHIND, 2, UA ":tag_a:1-2"},
    {UA ":1-5:tag_a:1", UA ":1-5:tag_b:1", GTID_CMP_DIVERGED, 1, UA ":tag_b:1"},
};

START_TEST(test_mysql_compare_missing)
{
    char buf[GTID_POS_STRLEN];
    gtid_pos_t a = pos(my_rows[_i].a), b = pos(my_rows[_i].b);
    ck_assert_str_eq(gtid_cmp_name(gtid_pos_compare(&a, &b)), gtid_cmp_name(my_rows[_i].want));
    ck_assert(gtid_pos_contains(&a, &b) ==
              (my_rows[_i].want == GTID_CMP_EQUAL || my_rows[_i].want == GTID_CMP_AHEAD));
    ck_assert_uint_eq(gtid_pos_missing_count(&a, &b), my_rows[_i].a_lacks);
    ck_assert_int_eq(gtid_pos_missing_format(&a, &b, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, my_rows[_i].a_lacks_text);
}
END_TEST

START_TEST(test_mysql_merge_count)
{
    char buf[GTID_POS_STRLEN];
    /* what observe.c does: received = Retrieved_Gtid_Set union gtid_executed */
    gtid_pos_t acc = pos(UA ":1-100:102");
    gtid_pos_t retrieved = pos(UA ":101-105," UB ":1-3");
    gtid_pos_merge_max(&acc, &retrieved);
    ck_assert_str_eq(fmt(&acc, buf, sizeof buf), UA ":1-105," UB ":1-3");
    ck_assert_uint_eq(gtid_pos_count(&acc), 108);
    /* the empty position is neutral either way */
    gtid_pos_t e = pos("");
    gtid_pos_merge_max(&e, &retrieved);
    ck_assert_str_eq(fmt(&e, buf, sizeof buf), UA ":101-105," UB ":1-3");
    gtid_pos_merge_max(&e, &(gtid_pos_t){0});
    ck_assert_str_eq(fmt(&e, buf, sizeof buf), UA ":101-105," UB ":1-3");
    /* a plain value: a copy is independent of the original */
    gtid_pos_t copy = acc;
    gtid_pos_merge_max(&acc, &(gtid_pos_t){0});
    gtid_pos_merge_max(&copy, &e);
    ck_assert_str_eq(fmt(&acc, buf, sizeof buf), UA ":1-105," UB ":1-3");
    /* MariaDB's count: the sum of the seqs, as the ranking always used */
    gtid_pos_t m = pos("0-1-100,1-2-5");
    ck_assert_uint_eq(gtid_pos_count(&m), 105);
    ck_assert_uint_eq(gtid_pos_count(&(gtid_pos_t){0}), 0);
    ck_assert(gtid_pos_is_empty(&(gtid_pos_t){0}));
    ck_assert(!m.mysql);
    /* a union too long to keep leaves acc as it was (gtid.h: the cautious direction) */
    static char big[GTID_POS_STRLEN];
    size_t at = (size_t)snprintf(big, sizeof big, "%s", UA ":1");
    for (int k = 3; at < GTID_POS_STRLEN - 16; k += 2)
        at += (size_t)snprintf(big + at, sizeof big - at, ":%d", k);
    gtid_pos_t full = pos(big), more = pos(UB ":1-1000," UC ":1-1000");
    char before[GTID_POS_STRLEN];
    fmt(&full, before, sizeof before);
    gtid_pos_merge_max(&full, &more);
    ck_assert_str_eq(fmt(&full, buf, sizeof buf), before);
}
END_TEST

START_TEST(test_mixed_flavors)
{
    char buf[GTID_POS_STRLEN];
    gtid_pos_t m = pos("0-1-100"), y = pos(UA ":1-5");
    /* nothing in common: not comparable, all of b missing, acc kept */
    ck_assert_int_eq(gtid_pos_compare(&m, &y), GTID_CMP_INVALID);
    ck_assert_int_eq(gtid_pos_compare(&y, &m), GTID_CMP_INVALID);
    ck_assert(!gtid_pos_contains(&m, &y));
    ck_assert(!gtid_pos_contains(&y, &m));
    ck_assert_uint_eq(gtid_pos_missing_count(&m, &y), 5);
    ck_assert_uint_eq(gtid_pos_missing_count(&y, &m), 100);
    ck_assert_int_eq(gtid_pos_missing_format(&m, &y, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, UA ":1-5");
    gtid_pos_merge_max(&m, &y);
    ck_assert_str_eq(fmt(&m, buf, sizeof buf), "0-1-100");
    gtid_pos_merge_max(&y, &m);
    ck_assert_str_eq(fmt(&y, buf, sizeof buf), UA ":1-5");
}
END_TEST

START_TEST(test_from_source)
{
    char buf[GTID_POS_STRLEN], err[256] = "";
    gtid_pos_t x = pos(UA ":1-100," UB ":1-3:7:tag_a:1-2," UC ":4"), out;
    ck_assert_int_eq(gtid_pos_from_source(&out, &x, UB, err, sizeof err), 0);
    ck_assert_str_eq(fmt(&out, buf, sizeof buf), UB ":1-3:7:tag_a:1-2"); /* every tag */
    ck_assert_int_eq(gtid_pos_from_source(&out, &x, "5D0FC0A4-1B28-11EE-8B1E-0242AC120002", err,
                                          sizeof err), 0);
    ck_assert_str_eq(fmt(&out, buf, sizeof buf), UB ":1-3:7:tag_a:1-2");
    ck_assert_int_eq(gtid_pos_from_source(&out, &x, "11111111-2222-3333-4444-555555555555", err,
                                          sizeof err), 0);
    ck_assert(gtid_pos_is_empty(&out));
    ck_assert_int_eq(gtid_pos_from_source(&out, &x, "not-a-uuid", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "8-4-4-4-12") != NULL, "%s", err);
    ck_assert(gtid_pos_is_empty(&out));
    gtid_pos_t m = pos("0-1-100"); /* MariaDB: nothing to pick, never an error */
    ck_assert_int_eq(gtid_pos_from_source(&out, &m, "", err, sizeof err), 0);
    ck_assert(gtid_pos_is_empty(&out));
}
END_TEST

static Suite *gtid_suite(void)
{
    Suite *s = suite_create("gtid");
    TCase *tc;

    tc = tcase_create("parse-good");
    tcase_add_loop_test(tc, test_parse_good, 0, (int)ARRAY_LEN(parse_good));
    tcase_add_test(tc, test_parse_max_domains);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse-bad");
    tcase_add_loop_test(tc, test_parse_bad, 0, (int)ARRAY_LEN(parse_bad));
    tcase_add_test(tc, test_parse_too_many_domains);
    tcase_add_test(tc, test_parse_null_and_tiny_err);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_seq);
    suite_add_tcase(s, tc);

    tc = tcase_create("compare");
    tcase_add_loop_test(tc, test_compare, 0, (int)ARRAY_LEN(compare_rows));
    tcase_add_test(tc, test_compare_invalid_and_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("missing");
    tcase_add_loop_test(tc, test_missing, 0, (int)ARRAY_LEN(missing_rows));
    tcase_add_test(tc, test_missing_edges);
    suite_add_tcase(s, tc);

    tc = tcase_create("merge");
    tcase_add_loop_test(tc, test_merge, 0, (int)ARRAY_LEN(merge_rows));
    tcase_add_test(tc, test_merge_overflow);
    suite_add_tcase(s, tc);

    tc = tcase_create("mysql");
    tcase_add_loop_test(tc, test_mysql_parse_good, 0, (int)ARRAY_LEN(my_parse_good));
    tcase_add_test(tc, test_mysql_parse_bad);
    tcase_add_loop_test(tc, test_mysql_compare_missing, 0, (int)ARRAY_LEN(my_rows));
    tcase_add_test(tc, test_mysql_merge_count);
    tcase_add_test(tc, test_mixed_flavors);
    tcase_add_test(tc, test_from_source);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(gtid_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
