/* check_lease.c -- unit tests for lease_codec.c: the lease file's line, written and read back,
 * and every torn, foreign or hostile line rejected as a whole. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lease_codec.h"

static const char *boot = "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01";

START_TEST(test_deadline_only)
{
    char buf[160];
    lease_t l = {.deadline_ms = 123456789}, got;
    int n = lease_format(buf, sizeof(buf), boot, &l);
    ck_assert_int_gt(n, 0);
    ck_assert_str_eq(buf, "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 123456789\n");
    ck_assert(lease_parse(buf, boot, &got));
    ck_assert_int_eq(got.deadline_ms, 123456789);
    ck_assert_int_eq(got.session_id, 0);
    ck_assert(lease_parse("0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 7", boot, &got));
    ck_assert_int_eq(got.deadline_ms, 7);
}
END_TEST

START_TEST(test_with_session)
{
    char buf[160];
    lease_t l = {.deadline_ms = 42, .session_id = 0x10000e398a30017LL}, got;
    for (int i = 0; i < LEASE_PASSWD_LEN; i++) l.passwd[i] = (char)(0xf0 + i);
    int n = lease_format(buf, sizeof(buf), boot, &l);
    ck_assert_int_gt(n, 0);
    ck_assert_str_eq(buf, "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 42 010000e398a30017 "
                          "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n");
    ck_assert(lease_parse(buf, boot, &got));
    ck_assert_int_eq(got.deadline_ms, 42);
    ck_assert(got.session_id == l.session_id);
    ck_assert(memcmp(got.passwd, l.passwd, LEASE_PASSWD_LEN) == 0);
    /* the highest session id ZooKeeper can hand out (its top byte is the server id) */
    l.session_id = (int64_t)0xff00000000000001ULL;
    ck_assert_int_gt(lease_format(buf, sizeof(buf), boot, &l), 0);
    ck_assert(lease_parse(buf, boot, &got));
    ck_assert(got.session_id == l.session_id);
}
END_TEST

/* Each line is rejected, and *out is left alone. */
static const char *const bad[] = {
    "",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 ",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12x\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 -12\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 99999999999999999999999\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12\n13\n",
    /* another boot: CLOCK_MONOTONIC started again, the number means nothing */
    "11111111-3f2a-4c55-9d3e-2b7f4e1a9c01 12\n",
    /* torn session fields */
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 \n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 010000e398a30017\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 010000e398a30017 f0f1f2f3\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 010000e398a30017 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 010000e398a3001 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0\n",
    /* not hex, upper case, a zero session, trailing junk */
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 010000e398a3001g f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 010000E398A30017 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 0000000000000000 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 010000e398a30017 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff x\n",
    "0b1d7c9e-3f2a-4c55-9d3e-2b7f4e1a9c01 12 010000e398a30017 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff\n\n",
};

START_TEST(test_rejected)
{
    lease_t got = {.deadline_ms = -5, .session_id = 9};
    ck_assert_msg(!lease_parse(bad[_i], boot, &got), "accepted: \"%s\"", bad[_i]);
    ck_assert_int_eq(got.deadline_ms, -5);
    ck_assert_int_eq(got.session_id, 9);
}
END_TEST

START_TEST(test_bad_arguments)
{
    char buf[160];
    lease_t l = {.deadline_ms = 1}, got;
    ck_assert(!lease_parse(NULL, boot, &got));
    ck_assert(!lease_parse("x 1\n", "", &got));
    ck_assert(!lease_parse("x 1\n", "x", NULL));
    /* a boot id that would break the line, or a buffer too small */
    ck_assert_int_eq(lease_format(buf, sizeof(buf), "a b", &l), -1);
    ck_assert_int_eq(lease_format(buf, sizeof(buf), "", &l), -1);
    ck_assert_int_eq(lease_format(buf, 10, boot, &l), -1);
    ck_assert_int_eq(lease_format(buf, sizeof(buf), boot, NULL), -1);
    l.session_id = 5;
    ck_assert_int_eq(lease_format(buf, 60, boot, &l), -1); /* fits without the session only */
}
END_TEST

static Suite *lease_suite(void)
{
    Suite *s = suite_create("lease");
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, test_deadline_only);
    tcase_add_test(tc, test_with_session);
    tcase_add_loop_test(tc, test_rejected, 0, (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lease_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
