/* check_repairrec.c -- unit tests for repairrec.c's codec of /<cluster>/repair/<node>: a round
 * trip keeps every field, and hostile payloads are refused with a one-line message. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "repairrec.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_round_trip)
{
    repair_rec_t in = {0}, out;
    strcpy(in.node, "node1");
    in.request_at_ms = 1796308805487;
    strcpy(in.requested_by, "root@db1");
    in.state = REPAIR_STATE_REFUSED;
    strcpy(in.detail, "the errant tail holds 1 DDL \"quoted\"");
    in.answered_at_ms = 1796308805487;
    in.epoch = 7;
    strcpy(in.primary, "node2");
    in.errant_count = 3;
    strcpy(in.errant_gtids, "0-1-10..0-1-12");
    in.errant_first_ms = 1796308800000;
    in.errant_last_ms = 1796308801000;
    in.row_events = 4;
    strcpy(in.archive, "/var/lib/failoverd/archive/c-node1-e7-0-1-10..0-1-12.sql");
    in.took_ms = 125;
    in.updated_ms = 1796308806000;
    char *json = repair_rec_to_json(&in), err[256] = "";
    ck_assert_ptr_nonnull(json);
    ck_assert_msg(repair_rec_from_json(&out, json, strlen(json), err, sizeof(err)) == 0, "%s", err);
    free(json);
    ck_assert_mem_eq(&in, &out, sizeof(in));
}
END_TEST

static const char *const bad[] = {
    "", "[]", "{\"state\": \"healed\"}", "{\"errant_count\": -1}", "{\"errant_count\": \"3\"}",
    "{\"detail\": 5}", "{\"node\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
    "{\"state\": \"diverged\", \"state\": \"rejoined\"}",
};

START_TEST(test_bad)
{
    repair_rec_t r;
    char err[256] = "";
    ck_assert_int_eq(repair_rec_from_json(&r, bad[_i], strlen(bad[_i]), err, sizeof(err)), -1);
    ck_assert_msg(strncmp(err, "repair record: ", 15) == 0 && !strchr(err, '\n'), "%s: %s",
                  bad[_i], err);
}
END_TEST

START_TEST(test_state_names)
{
    for (int s = REPAIR_STATE_DIVERGED; s <= REPAIR_STATE_FAILED; s++)
        ck_assert_int_eq(repair_state_from_string(repair_state_name((repair_state_t)s)), s);
    ck_assert_int_eq(repair_state_from_string("nonsense"), REPAIR_STATE_NONE);
    ck_assert_str_eq(repair_state_name((repair_state_t)99), "");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("repairrec");
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, test_round_trip);
    tcase_add_loop_test(tc, test_bad, 0, (int)ARRAY_LEN(bad));
    tcase_add_test(tc, test_state_names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
