/* check_semiwatch.c -- unit tests for semiwatch.c: when the primary's agent ends a semi-sync wait
 * (falls back to asynchronous replication) and when it turns semi-sync back on. */
#include <check.h>
#include <stdlib.h>

#include "semiwatch.h"

static semi_sample_t ours(long waiting, long long yes, long clients)
{
    return (semi_sample_t){.timeout_ms = SEMI_MYSQLD_TIMEOUT_MS, .wait_no_slave = true,
                           .enabled = true, .wait_sessions = waiting, .yes_tx = yes,
                           .clients = clients};
}

START_TEST(test_configure_first)
{
    semi_watch_t w = {0};
    semi_sample_t s = ours(0, 0, 1);
    s.timeout_ms = 10000; /* my.cnf's, or MariaDB's default */
    ck_assert_int_eq(semi_watch_step(&w, &s, 1000, 1500), SEMI_CONFIGURE);
    s = ours(0, 0, 1);
    s.wait_no_slave = false;
    ck_assert_int_eq(semi_watch_step(&w, &s, 1000, 1500), SEMI_CONFIGURE);
    s = ours(0, 0, 1);
    ck_assert_int_eq(semi_watch_step(&w, &s, 1000, 1500), SEMI_KEEP);
}
END_TEST

START_TEST(test_fall_back_after_timeout_without_acks)
{
    semi_watch_t w = {0};
    semi_sample_t s = ours(1, 5, 0);
    ck_assert_int_eq(semi_watch_step(&w, &s, 1000, 1500), SEMI_KEEP); /* yes_tx 0 -> 5: acked */
    ck_assert_int_eq(semi_watch_step(&w, &s, 1200, 1500), SEMI_KEEP); /* stalled from here */
    ck_assert_int_eq(semi_watch_step(&w, &s, 2600, 1500), SEMI_KEEP); /* 1400 ms */
    ck_assert_int_eq(semi_watch_step(&w, &s, 2700, 1500), SEMI_FALL_BACK);
    /* not carried out (the agent may no longer write): asked again, never forgotten */
    ck_assert_int_eq(semi_watch_step(&w, &s, 2900, 1500), SEMI_FALL_BACK);
    semi_watch_done(&w, SEMI_FALL_BACK, 2900);
    s.enabled = false;
    s.clients = 1; /* connected, but still being sent what it missed */
    ck_assert_int_eq(semi_watch_step(&w, &s, 4500, 1500), SEMI_KEEP);
    s.caught_up = 1; /* caught up, but the fallback was only 1500 ms ago: not before 4400 */
    ck_assert_int_eq(semi_watch_step(&w, &s, 4300, 1500), SEMI_KEEP);
    ck_assert_int_eq(semi_watch_step(&w, &s, 4400, 1500), SEMI_RESUME);
    semi_watch_done(&w, SEMI_RESUME, 4400);
    s = ours(0, 5, 1);
    s.caught_up = 1;
    ck_assert_int_eq(semi_watch_step(&w, &s, 4600, 1500), SEMI_KEEP);
    s.wait_sessions = 1; /* no ack after the retry (a frozen replica): fall back again ... */
    ck_assert_int_eq(semi_watch_step(&w, &s, 4800, 1500), SEMI_KEEP);
    ck_assert_int_eq(semi_watch_step(&w, &s, 6300, 1500), SEMI_FALL_BACK);
    semi_watch_done(&w, SEMI_FALL_BACK, 6300);
    ck_assert_int_eq(semi_watch_retry_ms(&w, 1500), 3000); /* ... and wait twice as long */
    s.enabled = false;
    ck_assert_int_eq(semi_watch_step(&w, &s, 9200, 1500), SEMI_KEEP);
    ck_assert_int_eq(semi_watch_step(&w, &s, 9300, 1500), SEMI_RESUME);
    semi_watch_done(&w, SEMI_RESUME, 9300);
    s.enabled = true;
    ck_assert_int_eq(semi_watch_step(&w, &s, 9500, 1500), SEMI_KEEP);
    ck_assert_int_eq(semi_watch_step(&w, &s, 11000, 1500), SEMI_FALL_BACK);
    semi_watch_done(&w, SEMI_FALL_BACK, 11000);
    ck_assert_int_eq(semi_watch_retry_ms(&w, 1500), 6000);
    for (int i = 0; i < 20; i++) w.failed_tries++;
    ck_assert_int_eq(semi_watch_retry_ms(&w, 1500), SEMI_RETRY_MAX_MS); /* capped */
    /* an acknowledgement resets the doubling */
    semi_watch_done(&w, SEMI_RESUME, 400000);
    s.yes_tx = 6;
    ck_assert_int_eq(semi_watch_step(&w, &s, 400200, 1500), SEMI_KEEP);
    ck_assert_int_eq(w.failed_tries, 0);
    ck_assert_int_eq(semi_watch_retry_ms(&w, 1500), 1500);
}
END_TEST

START_TEST(test_acks_flowing_never_fall_back)
{
    /* Always some commit waiting (a busy primary), but acknowledgements keep coming. */
    semi_watch_t w = {0};
    for (int i = 0; i < 100; i++) {
        semi_sample_t s = ours(3, 100 + i, 2);
        ck_assert_int_eq(semi_watch_step(&w, &s, 1000 + 200 * i, 1500), SEMI_KEEP);
    }
    /* and a wait that ends (nothing waiting) restarts the count */
    semi_sample_t s = ours(1, 500, 2);
    ck_assert_int_eq(semi_watch_step(&w, &s, 30000, 1500), SEMI_KEEP);
    ck_assert_int_eq(semi_watch_step(&w, &s, 31000, 1500), SEMI_KEEP);
    s.wait_sessions = 0;
    ck_assert_int_eq(semi_watch_step(&w, &s, 31400, 1500), SEMI_KEEP);
    s.wait_sessions = 1;
    ck_assert_int_eq(semi_watch_step(&w, &s, 31600, 1500), SEMI_KEEP);
    ck_assert_int_eq(semi_watch_step(&w, &s, 32900, 1500), SEMI_KEEP); /* 1300 since 31600 */
    ck_assert_int_eq(semi_watch_step(&w, &s, 33100, 1500), SEMI_FALL_BACK);
}
END_TEST

START_TEST(test_zero_never_falls_back)
{
    semi_watch_t w = {0};
    semi_sample_t s = ours(1, 0, 0);
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(semi_watch_step(&w, &s, 1000 + 1000 * i, 0), SEMI_KEEP);
}
END_TEST

START_TEST(test_disabled_by_others)
{
    semi_watch_t w = {0};
    semi_sample_t s = ours(1, 0, 0);
    s.enabled = false; /* the role code turns it on; nothing waits then */
    ck_assert_int_eq(semi_watch_step(&w, &s, 1000, 1500), SEMI_KEEP);
    ck_assert_int_eq(semi_watch_step(&w, &s, 9000, 1500), SEMI_KEEP);
    /* we fell back, then someone turned it on again: watched afresh */
    semi_watch_done(&w, SEMI_FALL_BACK, 9000);
    s = ours(1, 7, 0);
    ck_assert_int_eq(semi_watch_step(&w, &s, 10000, 1500), SEMI_KEEP);
    ck_assert(!w.fell_back);
    ck_assert_int_eq(semi_watch_step(&w, &s, 10100, 1500), SEMI_KEEP);
    ck_assert_int_eq(semi_watch_step(&w, &s, 11700, 1500), SEMI_FALL_BACK);
}
END_TEST

static Suite *semiwatch_suite(void)
{
    Suite *s = suite_create("semiwatch");
    TCase *tc = tcase_create("decisions");
    tcase_add_test(tc, test_configure_first);
    tcase_add_test(tc, test_fall_back_after_timeout_without_acks);
    tcase_add_test(tc, test_acks_flowing_never_fall_back);
    tcase_add_test(tc, test_zero_never_falls_back);
    tcase_add_test(tc, test_disabled_by_others);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(semiwatch_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
