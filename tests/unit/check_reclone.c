/* check_reclone.c -- unit tests for reclone.c: the backup's binlog position (as mariadb-backup
 * 10.11.19 wrote it here), the donor's framed stream, progress and ETA, the donor choice. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reclone.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_binlog_info)
{
    char file[256], err[256] = "";
    uint64_t pos = 0;
    gtid_pos_t g;
    /* Byte for byte what mariadb-backup 10.11.19 wrote (xtrabackup_binlog_info). */
    ck_assert_int_eq(reclone_binlog_info_parse("binlog.000001\t1954\t0-1-9\n", file, sizeof(file),
                                               &pos, &g, err, sizeof(err)), 0);
    ck_assert_str_eq(file, "binlog.000001");
    ck_assert_uint_eq(pos, 1954);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_uint_eq(g.g[0].seq, 9);
    ck_assert_int_eq(reclone_binlog_info_parse("mariadb-bin.000012\t385\t0-1-5,1-3-77", file,
                                               sizeof(file), &pos, &g, err, sizeof(err)), 0);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_uint_eq(g.g[1].domain, 1);
    ck_assert_uint_eq(g.g[1].seq, 77);
    /* No GTID (binlog without GTIDs), junk, empty. */
    ck_assert_int_eq(reclone_binlog_info_parse("binlog.000001\t1954\n", file, sizeof(file), &pos,
                                               &g, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "names no GTID"), "%s", err);
    ck_assert_int_eq(reclone_binlog_info_parse("binlog.000001\tx\t0-1-9", file, sizeof(file),
                                               &pos, &g, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "not a number"), "%s", err);
    ck_assert_int_eq(reclone_binlog_info_parse("", file, sizeof(file), &pos, &g, err,
                                               sizeof(err)), -1);
    ck_assert_int_eq(reclone_binlog_info_parse("b.1\t4\t0-1-x", file, sizeof(file), &pos, &g,
                                               err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_header)
{
    char buf[RECLONE_HEADER_MAX], tok[64], err[256];
    uint64_t est = 0;
    const char *t = "0123456789abcdef0123456789abcdef";
    ck_assert_int_eq(reclone_header_format(t, 123456789, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "FAILOVERD-CLONE 1 0123456789abcdef0123456789abcdef 123456789\n");
    ck_assert_int_eq(reclone_header_parse(buf, tok, sizeof(tok), &est, err, sizeof(err)), 0);
    ck_assert_str_eq(tok, t);
    ck_assert_uint_eq(est, 123456789);
    ck_assert_int_eq(reclone_header_format("short", 1, buf, sizeof(buf)), -1);
    ck_assert_int_eq(reclone_header_parse("GET / HTTP/1.0", tok, sizeof(tok), &est, err,
                                          sizeof(err)), -1);
    ck_assert_int_eq(reclone_header_parse("FAILOVERD-CLONE 2 0123456789abcdef0123456789abcdef 1",
                                          tok, sizeof(tok), &est, err, sizeof(err)), -1);
}
END_TEST

static size_t frame(uint8_t *out, const char *data, uint32_t n)
{
    out[0] = (uint8_t)(n >> 24), out[1] = (uint8_t)(n >> 16), out[2] = (uint8_t)(n >> 8),
    out[3] = (uint8_t)n;
    memcpy(out + 4, data, n);
    return 4 + n;
}

START_TEST(test_frames)
{
    uint8_t s[256];
    size_t n = frame(s, "hello ", 6);
    n += frame(s + n, "world", 5);
    n += frame(s + n, "", 0);
    s[n++] = 0, s[n++] = 0, s[n++] = 0, s[n++] = 3; /* exit status 3 */
    /* Fed whole, and byte by byte: the same payload and trailer. */
    for (int way = 0; way < 2; way++) {
        reclone_frames_t f = {0};
        uint8_t copy[256], got[64];
        size_t g = 0;
        memcpy(copy, s, n);
        if (way == 0) {
            size_t k = reclone_frames_feed(&f, copy, n);
            memcpy(got, copy, k);
            g = k;
        } else {
            for (size_t i = 0; i < n; i++) {
                size_t k = reclone_frames_feed(&f, copy + i, 1);
                if (k) got[g++] = copy[i];
            }
        }
        ck_assert_uint_eq(g, 11);
        ck_assert(memcmp(got, "hello world", 11) == 0);
        ck_assert_int_eq(f.state, RECLONE_FR_DONE);
        ck_assert_uint_eq(f.status, 3);
        ck_assert_uint_eq(f.payload, 11);
    }
    /* A truncated stream is not done; an oversize frame or trailing bytes are bad. */
    reclone_frames_t f = {0};
    uint8_t copy[256];
    memcpy(copy, s, 10);
    reclone_frames_feed(&f, copy, 10);
    ck_assert_int_ne(f.state, RECLONE_FR_DONE);
    reclone_frames_t b = {0};
    uint8_t big[4] = {0x10, 0, 0, 0};
    reclone_frames_feed(&b, big, 4);
    ck_assert_int_eq(b.state, RECLONE_FR_BAD);
    reclone_frames_t t = {0};
    memcpy(copy, s, n);
    copy[n] = 'x';
    reclone_frames_feed(&t, copy, n + 1);
    ck_assert_int_eq(t.state, RECLONE_FR_BAD);
}
END_TEST

START_TEST(test_progress)
{
    char buf[200];
    const uint64_t M = 1024 * 1024;
    /* 10 MiB of 40 in 2 s: 5 MiB/s, 30 MiB left: 6 s. */
    ck_assert_int_eq(reclone_eta_s(10 * M, 40 * M, 2000), 6);
    reclone_progress_format(10 * M, 40 * M, 2000, buf, sizeof(buf));
    ck_assert_str_eq(buf, "10.0 MiB of ~40.0 MiB (25%), 5.0 MiB/s, ETA 6 s");
    ck_assert_int_eq(reclone_eta_s(0, 40 * M, 2000), -1);
    ck_assert_int_eq(reclone_eta_s(50 * M, 40 * M, 2000), -1);
    reclone_progress_format(50 * M, 40 * M, 5000, buf, sizeof(buf));
    ck_assert_str_eq(buf, "50.0 MiB of ~40.0 MiB (100%), 10.0 MiB/s, ETA soon (past the estimate)");
    reclone_progress_format(3 * M, 0, 1000, buf, sizeof(buf));
    ck_assert_str_eq(buf, "3.0 MiB, 3.0 MiB/s");
    reclone_progress_format(0, 40 * M, 0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "0.0 MiB of ~40.0 MiB (0%), 0.0 MiB/s, ETA unknown");
}
END_TEST

static node_state_t ns(const char *name, bool healthy, role_t role, bool io, const char *applied,
                       bool diverged)
{
    node_state_t s;
    memset(&s, 0, sizeof(s));
    snprintf(s.name, sizeof(s.name), "%s", name);
    s.healthy = healthy;
    s.role = role;
    s.io_running = s.sql_running = io;
    snprintf(s.gtid_applied, sizeof(s.gtid_applied), "%s", applied);
    s.diverged = diverged;
    return s;
}

START_TEST(test_pick_donor)
{
    node_state_t n[5];
    n[0] = ns("node1", true, ROLE_PRIMARY, false, "0-1-100", false);
    n[1] = ns("node2", false, ROLE_UNKNOWN, false, "", false);       /* the one re-cloned */
    n[2] = ns("node3", true, ROLE_REPLICA, true, "0-1-90", false);
    n[3] = ns("node4", true, ROLE_REPLICA, true, "0-1-99", false);  /* most caught up */
    n[4] = ns("node5", true, ROLE_REPLICA, true, "0-1-120", true);  /* diverged: never */
    bool prim;
    char why[300] = "";
    ck_assert_int_eq(reclone_pick_donor(n, 5, "node2", "node1", NULL, &prim, why, sizeof(why)), 3);
    ck_assert(!prim);
    /* --from: that one, even the primary (said so); never itself, a down or diverged node. */
    ck_assert_int_eq(reclone_pick_donor(n, 5, "node2", "node1", "node3", &prim, why, sizeof(why)), 2);
    ck_assert_int_eq(reclone_pick_donor(n, 5, "node2", "node1", "node1", &prim, why, sizeof(why)), 0);
    ck_assert(prim);
    ck_assert_int_eq(reclone_pick_donor(n, 5, "node2", "node1", "node2", &prim, why, sizeof(why)), -1);
    ck_assert_int_eq(reclone_pick_donor(n, 5, "node3", "node1", "node5", &prim, why, sizeof(why)), -1);
    ck_assert_msg(strstr(why, "diverged"), "%s", why);
    ck_assert_int_eq(reclone_pick_donor(n, 5, "node3", "node1", "nodeX", &prim, why, sizeof(why)), -1);
    ck_assert_msg(strstr(why, "not registered"), "%s", why);
    /* Replicas not replicating are skipped; then only the primary is left: chosen, said so. */
    n[2].io_running = false;
    n[3].healthy = false;
    ck_assert_int_eq(reclone_pick_donor(n, 5, "node2", "node1", NULL, &prim, why, sizeof(why)), 0);
    ck_assert(prim);
    n[0].healthy = false;
    ck_assert_int_eq(reclone_pick_donor(n, 5, "node2", "node1", NULL, &prim, why, sizeof(why)), -1);
    ck_assert_msg(strstr(why, "no healthy node"), "%s", why);
}
END_TEST

START_TEST(test_split_argv)
{
    char *argv[RECLONE_ARGV_MAX + 1], why[200];
    char a[] = "/usr/bin/systemctl  start\tmariadb";
    ck_assert_int_eq(reclone_split_argv(a, argv, why, sizeof(why)), 0);
    ck_assert_str_eq(argv[0], "/usr/bin/systemctl");
    ck_assert_str_eq(argv[1], "start");
    ck_assert_str_eq(argv[2], "mariadb");
    ck_assert_ptr_null(argv[3]);
    char b[] = "systemctl start mariadb";
    ck_assert_int_eq(reclone_split_argv(b, argv, why, sizeof(why)), -1);
    ck_assert_msg(strstr(why, "not an absolute path"), "%s", why);
    char c[] = "   ";
    ck_assert_int_eq(reclone_split_argv(c, argv, why, sizeof(why)), -1);
}
END_TEST

static Suite *reclone_suite(void)
{
    Suite *s = suite_create("reclone");
    TCase *tc = tcase_create("reclone");
    tcase_add_test(tc, test_binlog_info);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_frames);
    tcase_add_test(tc, test_progress);
    tcase_add_test(tc, test_pick_donor);
    tcase_add_test(tc, test_split_argv);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(reclone_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
