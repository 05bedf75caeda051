/* check_observe.c -- unit tests for observe.c: a probe of MariaDB or MySQL turned into the
 * observations candidate ranking judges (probes written by hand: no server is needed, and no
 * MySQL server exists where this is built). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"

#define UA "3e11fa47-71ca-11e1-9e33-c80aa9429562" /* the primary */
#define UB "5d0fc0a4-1b28-11ee-8b1e-0242ac120002" /* the probed replica */

static const char *text(const gtid_pos_t *p)
{
    static char buf[GTID_POS_STRLEN];
    ck_assert_int_eq(gtid_pos_format(p, buf, sizeof buf), 0);
    return buf;
}

static db_probe_t replica(const char *io, const char *slave, const char *binlog, const char *uuid)
{
    db_probe_t p;
    memset(&p, 0, sizeof p);
    p.is_replica = true;
    p.lag_s = 3;
    p.semi_sync_replica = 1;
    snprintf(p.gtid_io_pos, sizeof p.gtid_io_pos, "%s", io);
    snprintf(p.gtid_slave_pos, sizeof p.gtid_slave_pos, "%s", slave);
    snprintf(p.gtid_binlog_pos, sizeof p.gtid_binlog_pos, "%s", binlog);
    snprintf(p.server_uuid, sizeof p.server_uuid, "%s", uuid);
    return p;
}

START_TEST(test_mariadb_unchanged)
{
    db_probe_t p = replica("0-1-105", "0-1-100", "0-1-100,1-3-2", "");
    candidate_obs_t o;
    char err[256] = "";
    ck_assert_int_eq(observe_candidate(&o, "r", PROMOTION_NEUTRAL, &p, err, sizeof err), 0);
    ck_assert(o.reachable && o.is_replica);
    ck_assert_str_eq(text(&o.received), "0-1-105");
    ck_assert_str_eq(text(&o.applied), "0-1-100");
    ck_assert_str_eq(text(&o.binlog), "0-1-100,1-3-2");
    ck_assert(gtid_pos_is_empty(&o.authored));
    ck_assert_uint_eq(candidate_errant(&o, NULL, NULL, 0), 2);
}
END_TEST

START_TEST(test_mysql_positions)
{
    /* MySQL as db.c fills it: Retrieved_Gtid_Set, then gtid_executed three times */
    const char *executed = UA ":1-100," UB ":1-2";
    db_probe_t p = replica(UA ":90-110", executed, executed, UB);
    candidate_obs_t o;
    char err[256] = "";
    ck_assert_int_eq(observe_candidate(&o, "r", PROMOTION_PREFER, &p, err, sizeof err), 0);
    /* received = Retrieved_Gtid_Set union gtid_executed */
    ck_assert_str_eq(text(&o.received), UA ":1-110," UB ":1-2");
    ck_assert_str_eq(text(&o.applied), executed);
    ck_assert_str_eq(text(&o.binlog), executed);
    ck_assert_str_eq(text(&o.authored), UB ":1-2");
    /* the two it wrote itself are errant unless the old primary has them */
    gtid_pos_t old = {0};
    char err2[256] = "";
    ck_assert_int_eq(gtid_pos_parse(&old, UA ":1-120", err2, sizeof err2), 0);
    ck_assert_uint_eq(candidate_errant(&o, &old, NULL, 0), 2);
    ck_assert_int_eq(gtid_pos_parse(&old, UA ":1-120," UB ":1-2", err2, sizeof err2), 0);
    ck_assert_uint_eq(candidate_errant(&o, &old, NULL, 0), 0);
    /* backlog: received but not applied */
    ck_assert_uint_eq(gtid_pos_missing_count(&o.applied, &o.received), 10);
}
END_TEST

START_TEST(test_mysql_empty_retrieved_and_bad)
{
    db_probe_t p = replica("", UA ":1-5", UA ":1-5", UB);
    candidate_obs_t o;
    char err[256] = "";
    ck_assert_int_eq(observe_candidate(&o, "r", PROMOTION_NEUTRAL, &p, err, sizeof err), 0);
    ck_assert_str_eq(text(&o.received), UA ":1-5");
    ck_assert(gtid_pos_is_empty(&o.authored));
    /* an unparsable answer: unreachable, with a message */
    p = replica(UA ":0", UA ":1-5", UA ":1-5", UB);
    ck_assert_int_eq(observe_candidate(&o, "r", PROMOTION_NEUTRAL, &p, err, sizeof err), -1);
    ck_assert(!o.reachable);
    ck_assert(err[0] != '\0');
    p = replica("", UA ":1-5", UA ":1-5", "garbage");
    ck_assert_int_eq(observe_candidate(&o, "r", PROMOTION_NEUTRAL, &p, err, sizeof err), -1);
    ck_assert(!o.reachable);
    ck_assert_msg(strstr(err, "UUID") != NULL, "%s", err);
    /* no probe: unreachable, not an error */
    ck_assert_int_eq(observe_candidate(&o, "r", PROMOTION_NEUTRAL, NULL, err, sizeof err), 0);
    ck_assert(!o.reachable);
}
END_TEST

static Suite *observe_suite(void)
{
    Suite *s = suite_create("observe");
    TCase *tc = tcase_create("candidate");
    tcase_add_test(tc, test_mariadb_unchanged);
    tcase_add_test(tc, test_mysql_positions);
    tcase_add_test(tc, test_mysql_empty_retrieved_and_bad);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(observe_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
