/* check_rewind.c -- unit tests for rewind.c: binlog states compared per (domain, server id), the
 * errant tail read from real mariadb-binlog text, and the rejoin decision as a table. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rewind.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static binlog_state_t st(const char *s)
{
    binlog_state_t b;
    char err[256] = "";
    ck_assert_msg(binlog_state_parse(&b, s, err, sizeof(err)) == 0, "parse \"%s\": %s", s, err);
    return b;
}

/* ---- states ---- */

static const struct {
    const char *node, *primary;
    bool subset;
    const char *common, *fork;
} state_rows[] = {
    {"", "0-1-5", true, "", ""},
    {"0-1-5", "0-1-5", true, "0-1-5", "0-1-5"},
    {"0-1-4", "0-1-5", true, "0-1-4", "0-1-4"},
    /* the case: the new primary's own writes overtook our sequence numbers */
    {"0-1-2032", "0-1-1115,0-2-2100", false, "0-1-1115", "0-1-1115"},
    {"0-1-2032,0-2-500", "0-1-1115,0-2-2100", false, "0-1-1115,0-2-500", "0-1-1115"},
    {"0-3-9", "0-1-1115,0-2-2100", false, "", ""},
    {"0-1-7,1-1-3", "0-1-7,1-2-9", false, "0-1-7", "0-1-7"},
    {"1-1-3,0-1-7", "0-1-9,1-1-3", true, "0-1-7,1-1-3", "0-1-7,1-1-3"},
};

START_TEST(test_states)
{
    binlog_state_t n = st(state_rows[_i].node), p = st(state_rows[_i].primary), c;
    ck_assert_int_eq(binlog_state_subset(&n, &p), state_rows[_i].subset);
    binlog_state_common(&n, &p, &c);
    char buf[512];
    ck_assert_int_eq(binlog_state_format(&c, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, state_rows[_i].common);
    gtid_pos_t f;
    binlog_state_fork_pos(&c, &f);
    ck_assert_int_eq(gtid_pos_format(&f, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, state_rows[_i].fork);
    ck_assert(binlog_state_subset(&c, &p)); /* the common state is always on the primary */
}
END_TEST

START_TEST(test_state_bad)
{
    static const char *bad[] = {"0-1", "0-1-5,0-1-6", "x", "0-1-5,,0-2-3", "0-1-5;0-2-1"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        binlog_state_t b;
        char err[256] = "";
        ck_assert_msg(binlog_state_parse(&b, bad[i], err, sizeof(err)) == -1, "%s", bad[i]);
        ck_assert_msg(strlen(err) > 10 && !strchr(err, '\n'), "message for %s: %s", bad[i], err);
    }
}
END_TEST

/* ---- the tail: lines as mariadb-binlog 10.11 prints them ---- */

static const char *tail_text[] = {
    "# at 1969",
    "#261203 14:32:57 server id 1  end_log_pos 1969 CRC32 0xfb416a01 \tGTID 0-1-9 trans",
    "#261203 14:32:57 server id 1  end_log_pos 2000 CRC32 0xfb416a02 \tWrite_rows: table id 22 flags: STMT_END_F",
    "#261203 14:32:58 server id 1  end_log_pos 2011 CRC32 0xfb416a00 \tGTID 0-1-10 trans",
    "/*M!100001 SET @@session.gtid_seq_no=10*//*!*/;",
    "#261203 14:32:58 server id 1  end_log_pos 2074 CRC32 0x669f8e7f \tAnnotate_rows:",
    "#Q> INSERT INTO app.t VALUES (2,'b'),(3,'c')",
    "#261203 14:32:58 server id 1  end_log_pos 2120 CRC32 0x2ee69917 \tTable_map: `app`.`t` mapped to number 22",
    "#261203 14:32:58 server id 1  end_log_pos 2167 CRC32 0xf9d3e0c4 \tWrite_rows: table id 22 flags: STMT_END_F",
    "#261203 14:32:58 server id 1  end_log_pos 2198 CRC32 0xeda5cabf \tXid = 35",
    "#261203 14:32:59 server id 1  end_log_pos 2240 CRC32 0x8e47e31b \tGTID 0-1-11 cid=44 trans",
    "#261203 14:32:59 server id 1  end_log_pos 2390 CRC32 0x9f19fbd3 \tUpdate_rows: table id 22 flags: STMT_END_F",
    "#261203 14:32:59 server id 1  end_log_pos 2600 CRC32 0x3447095a \tDelete_rows: table id 22 flags: STMT_END_F",
    "#261203 14:33:01 server id 1  end_log_pos 2673 CRC32 0xb7bdfa33 \tGTID 1-1-4 trans",
    "#261203 14:33:01 server id 1  end_log_pos 2700 CRC32 0xb7bdfa34 \tWrite_rows: table id 23 flags: STMT_END_F",
};

static rewind_scan_t scan(const binlog_state_t *primary, const char *const *lines, size_t n)
{
    rewind_scan_t s;
    rewind_scan_init(&s, primary);
    for (size_t i = 0; i < n; i++) rewind_scan_line(&s, lines[i]);
    return s;
}

START_TEST(test_scan_tail)
{
    binlog_state_t p = st("0-1-9,0-2-20,1-2-8");
    rewind_scan_t s = scan(&p, tail_text, ARRAY_LEN(tail_text));
    ck_assert_uint_eq(s.errant, 3);
    ck_assert_uint_eq(s.row_events, 4);
    ck_assert_uint_eq(s.ddl, 0);
    ck_assert(!s.interleaved);
    ck_assert_int_eq(s.first_at_s, 1796308378); /* 2026-12-03 14:32:58 UTC */
    ck_assert_int_eq(s.last_at_s, 1796308381);
    char buf[256], why[256];
    ck_assert_int_eq(rewind_scan_gtids(&s, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "0-1-10..0-1-11,1-1-4");
    ck_assert_ptr_null(rewind_refusal(&s, 100, "ROW", "FULL", why, sizeof(why)));
    ck_assert_ptr_nonnull(rewind_refusal(&s, 3, "ROW", "FULL", why, sizeof(why)));
    ck_assert_msg(strstr(why, "4 row events, more than rewind_max_events (3)"), "%s", why);
    ck_assert_ptr_nonnull(rewind_refusal(&s, 100, "MIXED", "FULL", why, sizeof(why)));
    ck_assert_msg(strstr(why, "binlog_format is MIXED"), "%s", why);
    ck_assert_ptr_nonnull(rewind_refusal(&s, 100, "ROW", "MINIMAL", why, sizeof(why)));
    ck_assert_msg(strstr(why, "binlog_row_image is MINIMAL"), "%s", why);
}
END_TEST

START_TEST(test_scan_ddl_and_interleaved)
{
    static const char *ddl[] = {
        "#261203 14:32:58 server id 1  end_log_pos 2011 CRC32 0xfb416a00 \tGTID 0-1-10 trans",
        "#261203 14:32:58 server id 1  end_log_pos 2673 CRC32 0xb7bdfa33 \tGTID 0-1-11 ddl",
        "#261203 14:32:58 server id 1  end_log_pos 2771 CRC32 0x3936de12 \tQuery\tthread_id=12",
    };
    binlog_state_t p = st("0-1-9");
    rewind_scan_t s = scan(&p, ddl, ARRAY_LEN(ddl));
    char why[256];
    ck_assert_uint_eq(s.errant, 2);
    ck_assert_uint_eq(s.ddl, 1);
    ck_assert_ptr_nonnull(rewind_refusal(&s, 100, "ROW", "FULL", why, sizeof(why)));
    ck_assert_msg(strstr(why, "DDL") && strstr(why, "0-1-11"), "%s", why);

    static const char *inter[] = {
        "#261203 14:32:58 server id 1  end_log_pos 2011 CRC32 0xfb416a00 \tGTID 0-1-10 trans",
        "#261203 14:32:58 server id 2  end_log_pos 2211 CRC32 0xfb416a00 \tGTID 0-2-11 trans",
    };
    p = st("0-1-9,0-2-11");
    s = scan(&p, inter, ARRAY_LEN(inter));
    ck_assert_uint_eq(s.errant, 1);
    ck_assert(s.interleaved);
    ck_assert_ptr_nonnull(rewind_refusal(&s, 100, "ROW", "FULL", why, sizeof(why)));
}
END_TEST

START_TEST(test_line_time)
{
    /* the hour is space-padded ("%2d"), the year two digits of 20YY */
    ck_assert_int_eq(rewind_line_time("#261203  9:05:01 server id 1"), 1796288701);
    ck_assert_int_eq(rewind_line_time("#000101 00:00:00 server id 1"), 946684800);
    ck_assert_int_eq(rewind_line_time("# at 4"), -1);
    ck_assert_int_eq(rewind_line_time("#261399 14:32:58 server id 1"), -1);
}
END_TEST

/* ---- MySQL: set subtraction ---- */

#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U2 "4e11fa47-71ca-11e1-9e33-c80aa9429562"

static const struct {
    const char *node, *primary;
    uint64_t count;
    const char *gtids;
} mysql_rows[] = {
    {"", "", 0, ""},
    {U1 ":1-100", U1 ":1-100", 0, ""},
    {U1 ":1-90", U1 ":1-100," U2 ":1-5", 0, ""},
    {U1 ":1-105", U1 ":1-100," U2 ":1-5", 5, U1 ":101-105"},
    {U1 ":1-105:107," U2 ":1-3", U1 ":1-100," U2 ":1-5", 6, U1 ":101-105:107"},
    {U2 ":1-9", U1 ":1-100", 9, U2 ":1-9"},
};

START_TEST(test_mysql_errant)
{
    uint64_t n = 99;
    char g[256], err[256] = "";
    ck_assert_msg(rewind_mysql_errant(mysql_rows[_i].node, mysql_rows[_i].primary, &n, g, sizeof(g),
                                      err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(n, mysql_rows[_i].count);
    ck_assert_str_eq(g, mysql_rows[_i].gtids);
}
END_TEST

START_TEST(test_mysql_errant_bad)
{
    uint64_t n;
    char g[64], err[256] = "";
    ck_assert_int_eq(rewind_mysql_errant("nonsense", "", &n, g, sizeof(g), err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "this node's gtid_executed") && !strchr(err, '\n'), "%s", err);
    ck_assert_int_eq(rewind_mysql_errant("", U1 ":0", &n, g, sizeof(g), err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "the primary's gtid_executed"), "%s", err);
    /* a list too long for the buffer is cut at an entry and marked */
    ck_assert_int_eq(rewind_mysql_errant(U1 ":1-3:5:7:9:11:13," U2 ":1", "", &n, g, 48, err,
                                         sizeof(err)), 0);
    ck_assert_uint_eq(n, 9);
    ck_assert_msg(strlen(g) < 48 && strstr(g, "..."), "%s", g);
}
END_TEST

/* ---- the decision ---- */

#define M REJOIN_POLICY_MANUAL
#define R REJOIN_POLICY_REWIND
#define C REJOIN_POLICY_RECLONE

static const struct {
    rejoin_obs_t o; /* named, known, compared, subset, diverged, changed, policy, requested,
                       paused, elsewhere, refused, failed */
    rejoin_action_t want;
    const char *why;
} decide_rows[] = {
    {{true, true, true, false, true, false, R, true, false, false, false, false, false}, REJOIN_WAIT, "desired primary"},
    {{false, false, false, false, false, false, R, false, false, false, false, false, false}, REJOIN_WAIT, "no desired"},
    {{false, false, false, false, true, false, R, false, false, false, false, false, false}, REJOIN_KEEP_DIVERGED, "no desired"},
    {{false, true, false, false, false, false, R, false, false, false, false, false, false}, REJOIN_WAIT, "not known"},
    {{false, true, false, false, true, false, R, true, false, false, false, false, false}, REJOIN_KEEP_DIVERGED, "not known"},
    {{false, true, true, true, false, false, R, false, false, false, false, false, false}, REJOIN_REPOINT, "holds everything"},
    {{false, true, true, true, false, false, M, false, false, false, false, false, false}, REJOIN_REPOINT, "holds everything"},
    /* issue 11, point 5: refused once, a later clean-looking comparison changes nothing */
    {{false, true, true, true, true, false, M, false, false, false, false, false, false}, REJOIN_KEEP_DIVERGED, "rejoin = manual"},
    {{false, true, true, true, true, false, R, false, false, false, false, true, false}, REJOIN_KEEP_DIVERGED, "last repair failed"},
    /* repaired by hand: the binlog state changed and the primary holds all of it */
    {{false, true, true, true, true, true, M, false, false, false, false, false, false}, REJOIN_REPOINT, "changed by hand"},
    {{false, true, true, false, true, true, M, false, false, false, false, false, false}, REJOIN_KEEP_DIVERGED, "rejoin = manual"},
    {{false, true, true, false, false, false, M, false, false, false, false, false, false}, REJOIN_KEEP_DIVERGED, "rejoin = manual"},
    {{false, true, true, false, false, false, M, true, false, false, false, false, false}, REJOIN_REWIND, "failoverctl rejoin"},
    {{false, true, true, false, false, false, R, false, false, false, false, false, false}, REJOIN_REWIND, "rejoin = rewind"},
    {{false, true, true, false, true, false, R, false, false, false, false, false, false}, REJOIN_REWIND, "rejoin = rewind"},
    {{false, true, true, false, true, false, R, false, true, false, false, false, false}, REJOIN_KEEP_DIVERGED, "paused"},
    {{false, true, true, false, true, false, R, true, true, false, false, false, false}, REJOIN_KEEP_DIVERGED, "paused"},
    {{false, true, true, false, true, false, R, false, false, true, false, false, false}, REJOIN_KEEP_DIVERGED, "one at a time"},
    {{false, true, true, false, true, false, R, true, false, false, true, false, false}, REJOIN_KEEP_DIVERGED, "cannot be rewound"},
    {{false, true, true, false, true, false, R, false, false, false, false, true, false}, REJOIN_KEEP_DIVERGED, "last repair failed"},
    {{false, true, true, false, true, false, R, true, false, false, false, true, false}, REJOIN_REWIND, "failoverctl rejoin"},
    /* re-clone (point 4): a refused tail, by itself unless manual; rejoin = reclone; MariaDB */
    {{false, true, true, false, true, false, R, false, false, false, true, false, true}, REJOIN_RECLONE, "re-cloning"},
    {{false, true, true, false, true, false, C, false, false, false, true, false, true}, REJOIN_RECLONE, "re-cloning"},
    {{false, true, true, false, true, false, M, false, false, false, true, false, true}, REJOIN_KEEP_DIVERGED, "cannot be rewound"},
    {{false, true, true, false, true, false, R, true, false, false, true, false, true}, REJOIN_KEEP_DIVERGED, "cannot be rewound"},
    {{false, true, true, false, true, false, R, false, false, false, true, false, false}, REJOIN_KEEP_DIVERGED, "cannot be rewound"},
    {{false, true, true, false, true, false, R, false, false, false, true, true, true}, REJOIN_KEEP_DIVERGED, "last re-clone failed"},
    {{false, true, true, false, true, false, R, false, true, false, true, false, true}, REJOIN_KEEP_DIVERGED, "paused"},
    {{false, true, true, false, true, false, R, false, false, true, true, false, true}, REJOIN_KEEP_DIVERGED, "one at a time"},
    {{false, true, true, false, false, false, C, false, false, false, false, false, true}, REJOIN_RECLONE, "rejoin = reclone"},
    {{false, true, true, false, false, false, C, false, false, false, false, false, false}, REJOIN_KEEP_DIVERGED, "MariaDB only"},
    {{false, true, true, false, false, false, C, true, false, false, false, false, true}, REJOIN_REWIND, "failoverctl rejoin"},
    {{false, true, true, true, false, false, C, false, false, false, false, false, true}, REJOIN_REPOINT, "holds everything"},
};

START_TEST(test_decide)
{
    const char *why = NULL;
    rejoin_action_t got = rejoin_decide(&decide_rows[_i].o, &why);
    ck_assert_msg(got == decide_rows[_i].want, "row %d: expected %s, saw %s (%s)", _i,
                  rejoin_action_name(decide_rows[_i].want), rejoin_action_name(got), why);
    ck_assert_msg(why && strstr(why, decide_rows[_i].why), "row %d: reason \"%s\" lacks \"%s\"", _i,
                  why, decide_rows[_i].why);
}
END_TEST

START_TEST(test_policy_names)
{
    static const char *names[] = {"manual", "rewind", "reclone"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        ck_assert_str_eq(rejoin_policy_name(rejoin_policy_from_string(names[i])), names[i]);
    ck_assert_int_eq(rejoin_policy_from_string("auto"), REJOIN_POLICY_INVALID);
    ck_assert_int_eq(rejoin_policy_from_string(NULL), REJOIN_POLICY_INVALID);
}
END_TEST

static Suite *rewind_suite(void)
{
    Suite *s = suite_create("rewind");
    TCase *tc = tcase_create("state");
    tcase_add_loop_test(tc, test_states, 0, (int)ARRAY_LEN(state_rows));
    tcase_add_test(tc, test_state_bad);
    suite_add_tcase(s, tc);
    tc = tcase_create("scan");
    tcase_add_test(tc, test_scan_tail);
    tcase_add_test(tc, test_scan_ddl_and_interleaved);
    tcase_add_test(tc, test_line_time);
    suite_add_tcase(s, tc);
    tc = tcase_create("mysql");
    tcase_add_loop_test(tc, test_mysql_errant, 0, (int)ARRAY_LEN(mysql_rows));
    tcase_add_test(tc, test_mysql_errant_bad);
    suite_add_tcase(s, tc);
    tc = tcase_create("decide");
    tcase_add_loop_test(tc, test_decide, 0, (int)ARRAY_LEN(decide_rows));
    tcase_add_test(tc, test_policy_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rewind_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
