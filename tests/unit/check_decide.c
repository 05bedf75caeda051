/* check_decide.c -- unit tests for decide.c: each failover decision as a table of
 * (observations, now) -> action, so every safety rule and its boundaries are pinned down. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static gtid_pos_t pos(const char *s)
{
    gtid_pos_t p;
    char err[256] = "";
    int rc = gtid_pos_parse(&p, s, err, sizeof err);
    ck_assert_msg(rc == 0, "test setup: parsing \"%s\" failed: %s", s, err);
    return p;
}

/* A healthy replica with no errant GTIDs: it applied and logged exactly what it received. */
static candidate_obs_t cand(const char *name, promotion_t pr, const char *received, double lag)
{
    candidate_obs_t c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.promotion = pr;
    c.reachable = true;
    c.is_replica = true;
    c.received = pos(received);
    c.applied = c.received;
    c.binlog = c.received;
    c.lag_s = lag;
    return c;
}

/* ---- errant ---- */

static const struct {
    const char *applied, *binlog, *old; /* old NULL: no old primary position known */
    uint64_t count;
    const char *text;
} errant_rows[] = {
    {"0-1-100", "0-1-100", NULL, 0, ""},
    {"0-1-100", "0-1-100,1-3-2", NULL, 2, "1-3-1..1-3-2"},
    {"0-1-4", "0-3-7", NULL, 3, "0-3-5..0-3-7"},
    {"0-1-4", "0-3-5", "", 1, "0-3-5"},
    {"0-1-4", "0-3-7", "0-1-7", 0, ""},     /* it was primary once: the old primary has them */
    {"0-1-4", "0-3-9", "0-1-7", 2, "0-3-8..0-3-9"},
    {"", "0-1-5", "", 5, "0-1-1..0-1-5"},
    {"0-1-10", "0-1-5", NULL, 0, ""},       /* binlog behind applied: nothing of its own */
    {"0-1-10,1-1-3", "0-1-10,1-2-4,2-2-1", "1-1-3", 2, "1-2-4,2-2-1"},
};

START_TEST(test_errant)
{
    candidate_obs_t c = cand("r", PROMOTION_NEUTRAL, "", 0);
    c.applied = pos(errant_rows[_i].applied);
    c.binlog = pos(errant_rows[_i].binlog);
    gtid_pos_t old;
    if (errant_rows[_i].old != NULL)
        old = pos(errant_rows[_i].old);
    char buf[128];
    uint64_t n = candidate_errant(&c, errant_rows[_i].old ? &old : NULL, buf, sizeof buf);
    ck_assert_uint_eq(n, errant_rows[_i].count);
    ck_assert_str_eq(buf, errant_rows[_i].text);
    /* buf is optional */
    ck_assert_uint_eq(candidate_errant(&c, errant_rows[_i].old ? &old : NULL, NULL, 0),
                      errant_rows[_i].count);
}
END_TEST

START_TEST(test_errant_small_buf)
{
    candidate_obs_t c = cand("r", PROMOTION_NEUTRAL, "0-1-4", 0);
    c.binlog = pos("0-3-700");
    char buf[6];
    ck_assert_uint_eq(candidate_errant(&c, NULL, buf, sizeof buf), 696);
    ck_assert_uint_lt(strlen(buf), sizeof buf);
    ck_assert_uint_eq(candidate_errant(NULL, NULL, buf, sizeof buf), 0);
}
END_TEST

/* ---- rank ---- */

/* Runs candidate_rank and checks the eligible names come out in `want` order. */
static void check_order(const candidate_obs_t *c, size_t n, const gtid_pos_t *old,
                        candidate_verdict_t *v, const char *const *want, size_t nwant)
{
    size_t order[64];
    size_t got = candidate_rank(c, n, old, v, order);
    ck_assert_uint_eq(got, nwant);
    for (size_t r = 0; r < nwant; r++) {
        ck_assert_str_eq(c[order[r]].name, want[r]);
        ck_assert(v[order[r]].eligible);
        ck_assert_int_eq(v[order[r]].rank, (int)r + 1);
    }
}

START_TEST(test_rank_empty)
{
    candidate_verdict_t v[1];
    size_t order[1];
    ck_assert_uint_eq(candidate_rank(NULL, 0, NULL, v, order), 0);
    candidate_obs_t c[1];
    ck_assert_uint_eq(candidate_rank(c, 0, NULL, v, order), 0);
}
END_TEST

START_TEST(test_rank_most_received)
{
    /* a wins every later tie-breaker, but b received more */
    candidate_obs_t c[] = {
        cand("a", PROMOTION_PREFER, "0-1-100", 0),
        cand("b", PROMOTION_NEUTRAL, "0-1-105", 30),
        cand("c", PROMOTION_PREFER, "0-1-103", 0),
    };
    candidate_verdict_t v[3];
    const char *want[] = {"b", "c", "a"};
    check_order(c, 3, NULL, v, want, 3);
    ck_assert_str_eq(v[1].reason, "received 0-1-105 (most)");
    ck_assert_str_eq(v[2].reason, "received 0-1-103, 2 behind the best");
    ck_assert_str_eq(v[0].reason, "received 0-1-100, 5 behind the best");
}
END_TEST

START_TEST(test_rank_diverged_sum)
{
    /* neither contains the other: the larger total wins over prefer and name */
    candidate_obs_t c[] = {
        cand("a", PROMOTION_PREFER, "0-1-100,1-1-5", 0),
        cand("b", PROMOTION_NEUTRAL, "0-1-98,1-1-10", 0),
    };
    candidate_verdict_t v[2];
    const char *want[] = {"b", "a"};
    check_order(c, 2, NULL, v, want, 2);
    ck_assert_str_eq(v[0].reason, "received 0-1-100,1-1-5, 5 behind the best");
}
END_TEST

START_TEST(test_rank_diverged_equal_sum_falls_through)
{
    candidate_obs_t c[] = {
        cand("a", PROMOTION_NEUTRAL, "0-1-100,1-1-10", 0),
        cand("b", PROMOTION_PREFER, "0-1-105,1-1-5", 0),
    };
    candidate_verdict_t v[2];
    const char *want[] = {"b", "a"};
    check_order(c, 2, NULL, v, want, 2);

    c[0].promotion = PROMOTION_PREFER;
    c[1].promotion = PROMOTION_NEUTRAL;
    const char *want2[] = {"a", "b"};
    check_order(c, 2, NULL, v, want2, 2);
}
END_TEST

START_TEST(test_rank_prefer)
{
    /* same position: prefer beats lower lag and an earlier name */
    candidate_obs_t c[] = {
        cand("a", PROMOTION_NEUTRAL, "0-1-100", 0),
        cand("b", PROMOTION_PREFER, "0-1-100", 10),
    };
    candidate_verdict_t v[2];
    const char *want[] = {"b", "a"};
    check_order(c, 2, NULL, v, want, 2);
    ck_assert_str_eq(v[1].reason, "received 0-1-100 (most)");
    ck_assert_str_eq(v[0].reason, "received 0-1-100 (as much as the best)");
}
END_TEST

START_TEST(test_rank_lag)
{
    candidate_obs_t c[] = {
        cand("a", PROMOTION_NEUTRAL, "0-1-100", 5),
        cand("b", PROMOTION_NEUTRAL, "0-1-100", 1),
        cand("c", PROMOTION_NEUTRAL, "0-1-100", -1),   /* unknown: last */
        cand("d", PROMOTION_NEUTRAL, "0-1-100", 1000), /* known, however large, beats unknown */
        cand("e", PROMOTION_NEUTRAL, "0-1-100", NAN),  /* NaN is unknown too */
    };
    candidate_verdict_t v[5];
    const char *want[] = {"b", "a", "d", "c", "e"};
    check_order(c, 5, NULL, v, want, 5);
}
END_TEST

/* The primary is dead: every replica's lag is unknown. The one whose SQL thread is held back
 * (received 0-1-100, applied 0-1-90) must lose to a caught-up one, even with an earlier name. */
START_TEST(test_rank_backlog)
{
    candidate_obs_t c[] = {
        cand("a", PROMOTION_NEUTRAL, "0-1-100", -1),
        cand("b", PROMOTION_NEUTRAL, "0-1-100", -1),
        cand("c", PROMOTION_NEUTRAL, "0-1-100", 0),
    };
    c[0].applied = c[0].binlog = pos("0-1-90"); /* log_slave_updates: binlog = applied */
    c[2].applied = c[2].binlog = pos("0-1-99");
    candidate_verdict_t v[3];
    const char *want[] = {"b", "c", "a"};
    check_order(c, 3, NULL, v, want, 3);
    /* backlog outranks known lag, but not promotion=prefer */
    c[0].promotion = PROMOTION_PREFER;
    const char *want2[] = {"a", "b", "c"};
    check_order(c, 3, NULL, v, want2, 3);
}
END_TEST

/* ---- plan: which candidate, fetching from which donor ---- */

/* Run rank + plan; names (or NULL for none) of the donor and the wanted candidate, and fetch. */
static void check_plan(const candidate_obs_t *c, size_t n, const char *target, const char *donor,
                       const char *want, bool fetch)
{
    candidate_verdict_t v[8];
    size_t order[8];
    size_t eligible = candidate_rank(c, n, NULL, v, order);
    candidate_plan_t p;
    candidate_plan(c, n, NULL, order, eligible, target, &p);
    ck_assert_str_eq(p.donor == CANDIDATE_NONE ? "(none)" : c[p.donor].name, donor ? donor : "(none)");
    ck_assert_str_eq(p.want == CANDIDATE_NONE ? "(none)" : c[p.want].name, want ? want : "(none)");
    ck_assert_int_eq(p.fetch, fetch);
}

START_TEST(test_plan)
{
    /* the best is also the most advanced: nothing to fetch */
    candidate_obs_t a[] = {cand("r1", PROMOTION_NEUTRAL, "0-1-100", 0),
                           cand("r2", PROMOTION_NEUTRAL, "0-1-90", 0)};
    check_plan(a, 2, NULL, "r1", "r1", false);
    /* a preferred one that is behind fetches from the most advanced first */
    a[1].promotion = PROMOTION_PREFER;
    check_plan(a, 2, NULL, "r1", "r2", true);
    check_plan(a, 2, "*", "r1", "r2", true);
    /* a requested one likewise; a requested one already level fetches nothing */
    a[1].promotion = PROMOTION_NEUTRAL;
    check_plan(a, 2, "r2", "r1", "r2", true);
    check_plan(a, 2, "r1", "r1", "r1", false);
    /* only a promotion=never replica has the last writes: it is the donor, never the choice */
    a[0].promotion = PROMOTION_NEVER;
    check_plan(a, 2, NULL, "r1", "r2", true);
    /* an unreachable or errant replica is never a donor */
    a[0].reachable = false;
    check_plan(a, 2, NULL, "r2", "r2", false);
    a[0].reachable = true;
    a[0].applied = pos("0-1-90"); /* its binlog (0-1-100) holds 10 it never received: errant */
    a[0].received = pos("0-1-90");
    check_plan(a, 2, NULL, "r2", "r2", false);
    /* nobody eligible: no choice, though there may be a donor */
    candidate_obs_t b[] = {cand("n1", PROMOTION_NEVER, "0-1-5", 0)};
    check_plan(b, 1, NULL, "n1", NULL, false);
    /* a requested name that is not eligible: no choice */
    check_plan(a, 2, "nope", "r2", NULL, false);
}
END_TEST


/* ---- MySQL: positions are GTID sets (texts as MySQL 8.0/8.4 print them; no server here) ---- */

#define UA "3e11fa47-71ca-11e1-9e33-c80aa9429562" /* the old primary */
#define UB "5d0fc0a4-1b28-11ee-8b1e-0242ac120002" /* the replica itself */
#define UC "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" /* an earlier primary */

/* As observe.c fills it: applied = binlog = gtid_executed, received = that union the
 * Retrieved_Gtid_Set, authored = what its own server_uuid wrote. */
static candidate_obs_t mycand(const char *name, promotion_t pr, const char *executed,
                              const char *retrieved, const char *uuid)
{
    candidate_obs_t c = cand(name, pr, executed, 0);
    gtid_pos_t r = pos(retrieved);
    gtid_pos_merge_max(&c.received, &r);
    char err[256] = "";
    ck_assert_msg(gtid_pos_from_source(&c.authored, &c.binlog, uuid, err, sizeof err) == 0, "%s",
                  err);
    return c;
}

static const struct {
    const char *executed, *old; /* old NULL: no old primary position known */
    uint64_t count;
    const char *text;
} my_errant_rows[] = {
    {UA ":1-100", UA ":1-100", 0, ""},
    {UA ":1-100," UB ":1-2", UA ":1-100", 2, UB ":1-2"},          /* written on the replica */
    {UA ":1-100," UB ":1-2", UA ":1-120", 2, UB ":1-2"},          /* old primary further on */
    {UA ":1-100," UB ":1-5", UA ":1-120," UB ":1-5", 0, ""},      /* it was primary once */
    {UA ":1-100," UB ":1-7", UA ":1-120," UB ":1-5", 2, UB ":6-7"},
    {UA ":1-100," UB ":1-3:5", UA ":1-100," UB ":1-3", 1, UB ":5"}, /* a gap */
    {UA ":1-100," UB ":tag_a:1-2", UA ":1-100", 2, UB ":tag_a:1-2"}, /* 8.4 tags */
    {UB ":1-3", NULL, 3, UB ":1-3"},
    {UB ":1-3", "", 3, UB ":1-3"},
    {UA ":1-100," UC ":1-9", UA ":1-100", 0, ""}, /* not its own: received, not written here */
};

START_TEST(test_errant_mysql)
{
    candidate_obs_t c =
        mycand("r", PROMOTION_NEUTRAL, my_errant_rows[_i].executed, "", UB);
    gtid_pos_t old;
    if (my_errant_rows[_i].old != NULL)
        old = pos(my_errant_rows[_i].old);
    char buf[256];
    const gtid_pos_t *op = my_errant_rows[_i].old ? &old : NULL;
    ck_assert_uint_eq(candidate_errant(&c, op, buf, sizeof buf), my_errant_rows[_i].count);
    ck_assert_str_eq(buf, my_errant_rows[_i].text);
    ck_assert_uint_eq(candidate_errant(&c, op, NULL, 0), my_errant_rows[_i].count);
}
END_TEST

START_TEST(test_rank_mysql)
{
    gtid_pos_t old = pos(UC ":1-50," UA ":1-100");
    candidate_obs_t c[] = {
        /* received two more from the old primary, but lacks the earlier primary's history */
        mycand("r1", PROMOTION_PREFER, UA ":1-100", UA ":101-102", UB),
        /* the most: everything, all of it received (some not yet applied) */
        mycand("r2", PROMOTION_NEUTRAL, UC ":1-50," UA ":1-95", UA ":96-101", UB),
        /* errant: wrote UB:1 itself while a replica */
        mycand("r3", PROMOTION_PREFER, UC ":1-50," UA ":1-101," UB ":1", "", UB),
        mycand("r4", PROMOTION_NEUTRAL, UC ":1-50," UA ":1-90", "", UB),
    };
    candidate_verdict_t v[4];
    const char *want[] = {"r2", "r4", "r1"};
    check_order(c, 4, &old, v, want, 3);
    ck_assert_str_eq(v[2].reason, "errant GTIDs: " UB ":1");
    ck_assert_str_eq(v[1].reason, "received " UA ":1-101," UC ":1-50 (most)");
    ck_assert_str_eq(v[3].reason, "received " UA ":1-90," UC ":1-50, 11 behind the best");
    /* incomparable with the best: said so, never silently ranked */
    ck_assert_str_eq(v[0].reason, "received " UA ":1-102: incomparable with the best (each has "
                                  "transactions the other lacks), 50 behind it");
    /* r1 and r4 are incomparable too: the one with more transactions (r4) ranks first */
    ck_assert_int_eq(gtid_pos_compare(&c[0].received, &c[3].received), GTID_CMP_DIVERGED);
    ck_assert_uint_eq(gtid_pos_count(&c[0].received), 102);
    ck_assert_uint_eq(gtid_pos_count(&c[3].received), 140);
}
END_TEST

START_TEST(test_rank_mysql_tie_and_gaps)
{
    /* a gap: r1 lacks UA:4 but has UA:10; equally many, so promotion decides, then the name */
    candidate_obs_t c[] = {
        mycand("r1", PROMOTION_NEUTRAL, UA ":1-3:5-10", "", UB),
        mycand("r2", PROMOTION_PREFER, UA ":1-9", "", UB),
    };
    ck_assert_int_eq(gtid_pos_compare(&c[0].received, &c[1].received), GTID_CMP_DIVERGED);
    candidate_verdict_t v[2];
    const char *want[] = {"r2", "r1"};
    check_order(c, 2, NULL, v, want, 2);
    c[1].promotion = PROMOTION_NEUTRAL;
    const char *want2[] = {"r1", "r2"};
    check_order(c, 2, NULL, v, want2, 2);
    ck_assert_str_eq(v[1].reason, "received " UA ":1-9: incomparable with the best (each has "
                                  "transactions the other lacks), 1 behind it");
    /* backlog: received but not applied, counted as a set difference */
    candidate_obs_t d[] = {
        mycand("a", PROMOTION_NEUTRAL, UA ":1-5", UA ":6-10", UB),
        mycand("b", PROMOTION_NEUTRAL, UA ":1-9", UA ":10", UB),
    };
    const char *want3[] = {"b", "a"};
    check_order(d, 2, NULL, v, want3, 2);
}
END_TEST

START_TEST(test_plan_and_semi_sync_mysql)
{
    candidate_obs_t c[] = {
        mycand("r1", PROMOTION_NEVER, UA ":1-100", UA ":101-110", UB),
        mycand("r2", PROMOTION_PREFER, UA ":1-100", "", UB),
        mycand("r3", PROMOTION_NEUTRAL, UA ":1-105", "", UB),
    };
    /* the never replica holds the most: the donor; the preferred one fetches from it */
    check_plan(c, 3, NULL, "r1", "r2", true);
    c[0].semi_sync_ack = 0;
    c[1].semi_sync_ack = c[2].semi_sync_ack = 1;
    ck_assert_str_eq(c[semi_sync_ack_top(c, 3, NULL)].name, "r3");
    /* two ackers whose sets are incomparable: the larger is the bar, whatever the order */
    candidate_obs_t d[] = {
        mycand("x", PROMOTION_NEUTRAL, UA ":1-100", "", UB),
        mycand("y", PROMOTION_NEUTRAL, UA ":1-90," UC ":1-20", "", UB),
    };
    d[0].semi_sync_ack = d[1].semi_sync_ack = 1;
    ck_assert_str_eq(d[semi_sync_ack_top(d, 2, NULL)].name, "y");
    candidate_obs_t e[] = {d[1], d[0]};
    ck_assert_str_eq(e[semi_sync_ack_top(e, 2, NULL)].name, "y");
    /* and x, which lacks some of y's transactions, may lack an acknowledged one */
    ck_assert(semi_sync_lacks_acked(&d[0].received, &d[1].received));
    ck_assert(!semi_sync_lacks_acked(&d[1].received, &d[1].received));
    ck_assert(!semi_sync_lacks_acked(&c[2].received, &c[1].received)); /* ahead */
    ck_assert(semi_sync_lacks_acked(&c[1].received, &c[2].received));  /* behind */
    ck_assert(!semi_sync_lacks_acked(NULL, &c[2].received));
    /* MariaDB keeps its rule: only strictly behind */
    gtid_pos_t m1 = pos("0-1-100,1-1-5"), m2 = pos("0-1-98,1-1-10"), m3 = pos("0-1-99");
    ck_assert(!semi_sync_lacks_acked(&m1, &m2));
    ck_assert(semi_sync_lacks_acked(&m3, &m1));
}
END_TEST

START_TEST(test_rank_name)
{
    candidate_obs_t c[] = {
        cand("db3", PROMOTION_NEUTRAL, "0-1-100", 2),
        cand("db1", PROMOTION_NEUTRAL, "0-1-100", 2),
        cand("db2", PROMOTION_NEUTRAL, "0-1-100", 2),
    };
    candidate_verdict_t v[3];
    const char *want[] = {"db1", "db2", "db3"};
    check_order(c, 3, NULL, v, want, 3);
}
END_TEST

START_TEST(test_rank_stable)
{
    /* identical in every key: input order is kept */
    candidate_obs_t c[] = {
        cand("x", PROMOTION_NEUTRAL, "0-1-100", 2),
        cand("x", PROMOTION_NEUTRAL, "0-1-100", 2),
    };
    candidate_verdict_t v[2];
    size_t order[2];
    ck_assert_uint_eq(candidate_rank(c, 2, NULL, v, order), 2);
    ck_assert_uint_eq(order[0], 0);
    ck_assert_uint_eq(order[1], 1);
}
END_TEST

START_TEST(test_rank_excluded)
{
    candidate_obs_t c[] = {
        cand("never", PROMOTION_NEVER, "0-1-200", 0),
        cand("down", PROMOTION_PREFER, "0-1-200", 0),
        cand("primary", PROMOTION_NEUTRAL, "0-1-200", 0),
        cand("errant", PROMOTION_PREFER, "0-1-200", 0),
        cand("ok", PROMOTION_NEUTRAL, "0-1-100", 0),
        cand("unset", PROMOTION_INVALID, "0-1-200", 0),
    };
    c[1].reachable = false;
    c[2].is_replica = false;
    c[3].applied = pos("0-1-4");
    c[3].binlog = pos("0-1-4,5-3-7");
    c[3].received = c[3].applied;
    gtid_pos_t old = pos("0-1-200");

    candidate_verdict_t v[6];
    const char *want[] = {"ok"};
    check_order(c, 6, &old, v, want, 1);
    ck_assert_str_eq(v[0].reason, "promotion=never");
    ck_assert_str_eq(v[1].reason, "unreachable");
    ck_assert_str_eq(v[2].reason, "not a replica");
    ck_assert_str_eq(v[3].reason, "errant GTIDs: 5-3-1..5-3-7");
    ck_assert_str_eq(v[5].reason, "promotion setting unknown");
    for (size_t i = 0; i < 6; i++) {
        if (i == 4)
            continue;
        ck_assert_msg(!v[i].eligible && v[i].rank == 0, "%s: expected ineligible rank 0, got %d",
                      c[i].name, v[i].rank);
    }
    ck_assert_str_eq(v[4].reason, "received 0-1-100 (most)");
}
END_TEST

START_TEST(test_rank_errant_covered_by_old_primary)
{
    /* a former primary's own writes are in the old primary's position: not errant */
    candidate_obs_t c[] = {cand("r", PROMOTION_NEUTRAL, "0-2-50", 0)};
    c[0].applied = pos("0-1-10");
    c[0].binlog = pos("0-2-50");
    candidate_verdict_t v[1];
    size_t order[1];
    ck_assert_uint_eq(candidate_rank(c, 1, NULL, v, order), 0);
    ck_assert_str_eq(v[0].reason, "errant GTIDs: 0-2-11..0-2-50");
    gtid_pos_t old = pos("0-2-60");
    ck_assert_uint_eq(candidate_rank(c, 1, &old, v, order), 1);
    ck_assert_int_eq(v[0].rank, 1);
}
END_TEST

START_TEST(test_rank_empty_received_and_long_reason)
{
    candidate_obs_t c[2];
    c[0] = cand("empty", PROMOTION_NEUTRAL, "", 0);
    c[1] = cand("wide", PROMOTION_NEUTRAL, "", 0);
    /* a position too long for the reason: cut with "..." */
    c[1].received.n = GTID_MAX_DOMAINS;
    for (uint32_t i = 0; i < GTID_MAX_DOMAINS; i++)
        c[1].received.g[i] = (gtid_t){.domain = i, .server = 1000000, .seq = 1000000000};
    c[1].applied = c[1].binlog = c[1].received;
    candidate_verdict_t v[2];
    const char *want[] = {"wide", "empty"};
    check_order(c, 2, NULL, v, want, 2);
    size_t l = strlen(v[1].reason);
    ck_assert_uint_eq(l, sizeof v[1].reason - 1);
    ck_assert_str_eq(v[1].reason + l - 3, "...");
    ck_assert_str_eq(v[0].reason, "received nothing, 64000000000 behind the best");
}
END_TEST

START_TEST(test_rank_many)
{
    /* 64 candidates given worst-first come out best-first */
    candidate_obs_t c[64];
    char names[64][16];
    for (int i = 0; i < 64; i++) {
        char p[32];
        snprintf(names[i], sizeof names[i], "n%02d", i);
        snprintf(p, sizeof p, "0-1-%d", 1000 - i);
        c[i] = cand(names[i], PROMOTION_NEUTRAL, p, 0);
    }
    candidate_verdict_t v[64];
    size_t order[64];
    ck_assert_uint_eq(candidate_rank(c, 64, NULL, v, order), 64);
    for (size_t r = 0; r < 64; r++) {
        ck_assert_uint_eq(order[r], r);
        ck_assert_int_eq(v[r].rank, (int)r + 1);
    }
}
END_TEST

/* ---- detect ---- */

static const struct {
    primary_obs_t o;
    int threshold;
    detect_t want;
} detect_rows[] = {
    /* reachable, failures, known, reachable replicas, io connected, agent gone, mysqld down */
    {{true, 0, 2, 2, 2, false, false}, 3, DETECT_HEALTHY},
    {{true, 0, 2, 0, 0, false, false}, 3, DETECT_HEALTHY},
    {{false, 1, 2, 2, 0, false, false}, 3, DETECT_SUSPECT},
    {{false, 2, 2, 2, 0, false, false}, 3, DETECT_SUSPECT},          /* one below the threshold */
    {{false, 3, 2, 2, 0, false, false}, 3, DETECT_CONFIRMED_DEAD},   /* at the threshold */
    {{false, 9, 2, 2, 0, false, false}, 3, DETECT_CONFIRMED_DEAD},
    {{false, 3, 2, 1, 0, false, false}, 3, DETECT_CONFIRMED_DEAD},   /* one witness suffices */
    {{false, 3, 2, 2, 1, false, false}, 3, DETECT_REPLICAS_DISAGREE},
    {{false, 3, 2, 1, 1, false, false}, 3, DETECT_REPLICAS_DISAGREE},
    {{false, 3, 2, 0, 0, false, false}, 3, DETECT_NO_WITNESS},
    {{false, 3, 0, 0, 0, false, false}, 3, DETECT_NO_WITNESS},       /* no replicas at all */
    {{false, 1, 2, 2, 0, false, false}, 1, DETECT_CONFIRMED_DEAD},
    {{false, 0, 2, 2, 0, false, false}, 1, DETECT_SUSPECT},
    {{false, 3, 2, 2, 0, false, false}, 0, DETECT_INVALID},          /* nonsense threshold */
    {{false, -1, 2, 2, 0, false, false}, 3, DETECT_INVALID},
    {{false, 3, 1, 2, 0, false, false}, 3, DETECT_INVALID},          /* more reachable than known */
    {{false, 3, 2, 1, 2, false, false}, 3, DETECT_INVALID},          /* more connected than reachable */
    {{false, 3, -1, 0, 0, false, false}, 3, DETECT_INVALID},
    /* the primary's agent gone (its session ended): one failed probe is enough, witnesses still rule */
    {{false, 1, 2, 2, 0, true, false}, 3, DETECT_CONFIRMED_DEAD},
    {{false, 0, 2, 2, 0, true, false}, 3, DETECT_SUSPECT},
    {{false, 1, 2, 2, 1, true, false}, 3, DETECT_REPLICAS_DISAGREE},
    {{false, 1, 2, 0, 0, true, false}, 3, DETECT_NO_WITNESS},
    {{true, 0, 2, 2, 2, true, false}, 3, DETECT_HEALTHY},
    {{false, 1, 2, 2, 0, false, false}, 3, DETECT_SUSPECT},
    /* its agent says no mysqld process runs any more: one failed probe, witnesses still rule */
    {{false, 1, 2, 2, 0, false, true}, 3, DETECT_CONFIRMED_DEAD},
    {{false, 0, 2, 2, 0, false, true}, 3, DETECT_SUSPECT},      /* our own probe must fail too */
    {{false, 1, 2, 2, 1, false, true}, 3, DETECT_REPLICAS_DISAGREE},
    {{false, 1, 2, 0, 0, false, true}, 3, DETECT_NO_WITNESS},
    {{true, 0, 2, 2, 2, false, true}, 3, DETECT_HEALTHY},       /* it answers us: it lives */
};

START_TEST(test_detect)
{
    detect_t got = detect_primary_loss(&detect_rows[_i].o, detect_rows[_i].threshold);
    ck_assert_str_eq(detect_name(got), detect_name(detect_rows[_i].want));
}
END_TEST

START_TEST(test_detect_names)
{
    ck_assert_int_eq(detect_primary_loss(NULL, 3), DETECT_INVALID);
    ck_assert_str_eq(detect_name(DETECT_HEALTHY), "healthy");
    ck_assert_str_eq(detect_name(DETECT_SUSPECT), "suspect");
    ck_assert_str_eq(detect_name(DETECT_REPLICAS_DISAGREE), "replicas-disagree");
    ck_assert_str_eq(detect_name(DETECT_NO_WITNESS), "no-witness");
    ck_assert_str_eq(detect_name(DETECT_CONFIRMED_DEAD), "confirmed-dead");
    ck_assert_str_eq(detect_name(DETECT_INVALID), "invalid");
    ck_assert_str_eq(detect_name((detect_t)42), "invalid");
}
END_TEST

/* ---- fencing timers ---- */

/* publish_due(): urgent changes at once, positions when settled (after the minimum gap) or on the
 * keepalive, nothing unchanged. */
START_TEST(test_publish_due)
{
    ck_assert(!publish_due(false, true, true, 1000000));       /* nothing changed */
    ck_assert(publish_due(true, true, false, 0));              /* urgent: at once */
    ck_assert(!publish_due(true, false, false, 0));
    ck_assert(!publish_due(true, false, true, POSITION_MIN_GAP_MS - 1));
    ck_assert(publish_due(true, false, true, POSITION_MIN_GAP_MS));
    ck_assert(!publish_due(true, false, false, POSITION_MIN_GAP_MS)); /* still moving */
    ck_assert(!publish_due(true, false, false, POSITION_KEEPALIVE_MS - 1));
    ck_assert(publish_due(true, false, false, POSITION_KEEPALIVE_MS)); /* steady load */
    /* at most one position write per POSITION_MIN_GAP_MS: <= 0.2/s */
    ck_assert_int_ge(POSITION_MIN_GAP_MS, 5000);
    ck_assert_int_gt(POSITION_KEEPALIVE_MS, POSITION_MIN_GAP_MS);
}
END_TEST

START_TEST(test_fence_deadline)
{
    ck_assert_int_eq(fence_deadline_ms(10000, 30000), 25000);
    ck_assert_int_eq(fence_deadline_ms(10000, 30001), 25000); /* rounds toward fencing earlier */
    ck_assert_int_eq(fence_deadline_ms(0, 1), 0);
    ck_assert_int_eq(fence_deadline_ms(10000, -5), 10000);
    ck_assert_int_eq(fence_deadline_ms(INT64_C(1) << 40, 6000), (INT64_C(1) << 40) + 3000);
    ck_assert_int_eq(failsafe_evidence_ttl_ms(1000), 2000);
    ck_assert_int_eq(failsafe_evidence_ttl_ms(INT_MAX), 2 * (int64_t)INT_MAX); /* no int overflow */
    ck_assert_int_eq(failsafe_lapse_wait_ms(1000, 500),
                     2000 + FAILSAFE_RECHECK_MS + 500 + FAILSAFE_LAPSE_MARGIN_MS);
    /* the wait always outlasts the evidence, the re-check and the fence */
    ck_assert_int_gt(failsafe_lapse_wait_ms(1000, 0), failsafe_evidence_ttl_ms(1000) + FAILSAFE_RECHECK_MS);
}
END_TEST

/* ---- a restarted agent inherits its predecessor's deadline ---- */

static const struct {
    int64_t now;
    int T;
    bool have;
    int64_t saved;
    int64_t want;
} start_rows[] = {
    {10000, 4000, false, 0, 12000},     /* first start, or a new boot: half the timeout */
    {10000, 4000, true, 11000, 11000},  /* restarted inside the old deadline: keep it */
    {10000, 4000, true, 9000, 9000},    /* restarted after it: already passed, fence at once */
    {10000, 4000, true, 12000, 12000},  /* the same as a fresh start */
    {10000, 4000, true, 50000, 12000},  /* a deadline beyond now + T/2 cannot be right: capped */
    {10000, 4000, true, -5, -5},        /* garbage in the past still means "passed" */
};

START_TEST(test_start_deadline)
{
    int i = _i;
    ck_assert_int_eq(start_deadline_ms(start_rows[i].now, start_rows[i].T, start_rows[i].have,
                                       start_rows[i].saved),
                     start_rows[i].want);
}
END_TEST

/* ---- writable ---- */

#define NOW 1000000
#define CI 1000 /* evidence ttl 2000 */

static const struct {
    write_obs_t o; /* desired, alive, failsafe, evidence_at, expected, vouched, diverged,
                      episode_fenced */
    int64_t now;
    write_decision_t want;
    const char *why;
} write_rows[] = {
    {{true, true, true, NOW, 2, 2, true, false}, NOW, WRITE_FENCE, "diverged"},
    {{false, true, true, NOW, 2, 2, false, false}, NOW, WRITE_FENCE, "not the desired primary"},
    {{false, false, true, NOW, 2, 2, false, false}, NOW, WRITE_FENCE, "not the desired primary"},
    {{true, true, false, 0, 0, 0, false, false}, NOW, WRITE_ALLOW, "desired primary, session alive"},
    {{true, false, true, NOW, 2, 2, false, false}, NOW, WRITE_ALLOW, "failsafe: every replica vouched"},
    {{true, false, true, NOW - 2000, 2, 2, false, false}, NOW, WRITE_ALLOW,
     "failsafe: every replica vouched"},                                     /* at the ttl */
    {{true, false, true, NOW - 2001, 2, 2, false, false}, NOW, WRITE_FENCE, "ZooKeeper session lost"},
    {{true, false, true, NOW, 2, 3, false, false}, NOW, WRITE_ALLOW, "failsafe: every replica vouched"},
    {{true, false, true, NOW, 2, 1, false, false}, NOW, WRITE_FENCE, "ZooKeeper session lost"},
    {{true, false, true, NOW, 0, 0, false, false}, NOW, WRITE_FENCE, "ZooKeeper session lost"},
    {{true, false, false, NOW, 2, 2, false, false}, NOW, WRITE_FENCE, "ZooKeeper session lost"},
    {{true, false, true, 0, 2, 2, false, false}, 1000, WRITE_FENCE, "ZooKeeper session lost"}, /* never */
    {{true, false, true, NOW + 1, 2, 2, false, false}, NOW, WRITE_FENCE, "ZooKeeper session lost"},
    {{true, false, true, NOW, 2, 2, true, false}, NOW, WRITE_FENCE, "diverged"},
    /* fenced once in this outage: fresh evidence does not lift it (no flapping), nor does a
     * session that is back before /primary has been read again */
    {{true, false, true, NOW, 2, 2, false, true}, NOW, WRITE_FENCE,
     "fenced earlier in this ZooKeeper outage: waits for a session and /primary"},
    {{true, true, true, NOW, 2, 2, false, true}, NOW, WRITE_FENCE,
     "fenced earlier in this ZooKeeper outage: waits for a session and /primary"},
};

/* ---- failsafe: in doubt, and a replica's vouch ---- */

/* answers, read_only, agent listed, stranded ms, T -> moved */
static const struct {
    bool answers, ro, listed;
    int64_t ms;
    int T;
    bool want;
    const char *why;
} stranded_rows[] = {
    {true, true, false, 4000, 4000, true, "read-only, no agent for a whole T: stranded"},
    {true, true, false, 60000, 4000, true, "long after"},
    {true, true, false, 3999, 4000, false, "a restarted agent may still register"},
    {true, true, false, 0, 4000, false, "just noticed"},
    {true, true, true, 60000, 4000, false, "its agent is registered: it lifts read_only"},
    {true, false, false, 60000, 4000, false, "writable: writes go on (an agent killed, G1)"},
    {false, true, false, 60000, 4000, false, "does not answer: the loss detection decides"},
    {true, true, false, -1, 4000, false, "negative duration"},
    {true, true, false, 60000, -1, false, "negative timeout"},
};

START_TEST(test_replication_heartbeat)
{
    ck_assert_int_eq(replication_heartbeat_ms(2000), 250);  /* silent after 375 ms */
    ck_assert_int_eq(replication_heartbeat_ms(4000), 500);
    ck_assert_int_eq(replication_heartbeat_ms(8000), 1000);
    ck_assert_int_eq(replication_heartbeat_ms(30000), 1000); /* never above 1 s */
    ck_assert_int_eq(replication_heartbeat_ms(400), 100);    /* never below 100 ms */
    ck_assert_int_eq(replication_heartbeat_ms(0), 100);
    ck_assert_int_eq(replication_heartbeat_ms(-5), 100);
}
END_TEST

START_TEST(test_primary_stranded)
{
    int i = _i;
    ck_assert_msg(primary_stranded(stranded_rows[i].answers, stranded_rows[i].ro,
                                   stranded_rows[i].listed, stranded_rows[i].ms,
                                   stranded_rows[i].T) == stranded_rows[i].want,
                  "row %d: %s", i, stranded_rows[i].why);
}
END_TEST

START_TEST(test_zk_in_doubt)
{
    ck_assert(zk_in_doubt(false, NOW, NOW, 4000));         /* disconnected */
    ck_assert(zk_in_doubt(true, 0, NOW, 4000));            /* never answered */
    ck_assert(!zk_in_doubt(true, NOW - 1000, NOW, 4000));  /* a quarter: not yet */
    ck_assert(zk_in_doubt(true, NOW - 1001, NOW, 4000));
}
END_TEST

static vouch_obs_t good_vouch(void)
{
    vouch_obs_t o = {.zk_in_doubt = true, .asker = "db1", .asker_epoch = 3,
                     .desired_name = "db1", .desired_host = "10.0.0.1", .desired_port = 3306,
                     .desired_epoch = 3, .probe_ok = true, .probe_age_ms = 100,
                     .is_replica = true, .io_running = true, .source_silent = false,
                     .source_host = "10.0.0.1", .source_port = 3306};
    return o;
}

START_TEST(test_failsafe_vouch)
{
    const char *why = NULL;
    vouch_obs_t o = good_vouch();
    ck_assert(failsafe_vouch(&o, CI, &why));
    o = good_vouch(); o.zk_in_doubt = false;
    ck_assert(!failsafe_vouch(&o, CI, &why));
    ck_assert_str_eq(why, "this agent has a live ZooKeeper session");
    o = good_vouch(); o.asker = "db2";
    ck_assert(!failsafe_vouch(&o, CI, &why));
    ck_assert_str_eq(why, "the asker is not the desired primary");
    o = good_vouch(); o.asker_epoch = 2;
    ck_assert(!failsafe_vouch(&o, CI, &why));
    o = good_vouch(); o.desired_name = "";
    ck_assert(!failsafe_vouch(&o, CI, &why));
    o = good_vouch(); o.probe_age_ms = 2 * CI + 1;
    ck_assert(!failsafe_vouch(&o, CI, &why));
    ck_assert_str_eq(why, "no fresh probe of the local mysqld");
    o = good_vouch(); o.probe_ok = false;
    ck_assert(!failsafe_vouch(&o, CI, &why));
    o = good_vouch(); o.io_running = false;
    ck_assert(!failsafe_vouch(&o, CI, &why));
    o = good_vouch(); o.is_replica = false;
    ck_assert(!failsafe_vouch(&o, CI, &why));
    o = good_vouch(); o.source_silent = true; /* a lingering link the kernel still keeps */
    ck_assert(!failsafe_vouch(&o, CI, &why));
    o = good_vouch(); o.source_port = 3307;
    ck_assert(!failsafe_vouch(&o, CI, &why));
    ck_assert_str_eq(why, "the IO thread replicates from another source");
    o = good_vouch(); o.source_host = "10.0.0.2";
    ck_assert(!failsafe_vouch(&o, CI, &why));
}
END_TEST

START_TEST(test_writable)
{
    const char *why = NULL;
    write_decision_t got = writable_decision(&write_rows[_i].o, write_rows[_i].now, CI, &why);
    ck_assert_int_eq(got, write_rows[_i].want);
    ck_assert_ptr_nonnull(why);
    ck_assert_str_eq(why, write_rows[_i].why);
    /* why is optional */
    ck_assert_int_eq(writable_decision(&write_rows[_i].o, write_rows[_i].now, CI, NULL),
                     write_rows[_i].want);
}
END_TEST

START_TEST(test_writable_null)
{
    const char *why = NULL;
    ck_assert_int_eq(writable_decision(NULL, NOW, CI, &why), WRITE_INVALID);
    ck_assert_ptr_nonnull(why);
}
END_TEST

/* ---- anti-flap ---- */

static const struct {
    int64_t last, now;
    int anti_flap_s;
    bool want;
} flap_rows[] = {
    {0, 5, 600, true},                       /* never failed over */
    {1000, 1000, 0, true},                   /* anti-flap disabled */
    {1000, 1000 + 600000 - 1, 600, false},   /* one ms short */
    {1000, 1000 + 600000, 600, true},        /* exactly the window */
    {1000, 1000 + 600001, 600, true},
    {5000, 1000, 600, false},                /* clock went back: stay careful */
    {1000, 1000 + INT64_C(3000000) * 1000, 3000000, true}, /* no int overflow in s * 1000 */
};

START_TEST(test_antiflap)
{
    bool got = antiflap_allows(flap_rows[_i].last, flap_rows[_i].now, flap_rows[_i].anti_flap_s);
    ck_assert_int_eq(got, flap_rows[_i].want);
}
END_TEST

static const struct {
    int64_t last, now;
    int anti_flap_s;
    int64_t want;
} hold_rows[] = {
    {0, 5, 600, 0},                                  /* never failed over */
    {1000, 1000, 0, 0},                              /* anti-flap disabled */
    {1000, 1000, 600, 600000},                       /* just failed over */
    {1000, 1000 + 600000 - 1, 600, 1},               /* one ms left */
    {1000, 1000 + 600000, 600, 0},                   /* over */
    {1000 + INT64_C(3600000), 1000, 600, 600000},    /* from an hour in the future: not 70 min */
    {1000, 1000 + INT64_C(3000000) * 1000, 3000000, 0}, /* no int overflow in s * 1000 */
};

START_TEST(test_antiflap_hold)
{
    ck_assert_int_eq(antiflap_hold_ms(hold_rows[_i].last, hold_rows[_i].now,
                                      hold_rows[_i].anti_flap_s),
                     hold_rows[_i].want);
}
END_TEST

/* ---- fence budget ---- */

START_TEST(test_fence_budget)
{
    ck_assert_int_eq(fence_budget_ms(1000, 6000), 1000);  /* the configured value fits */
    ck_assert_int_eq(fence_budget_ms(1000, 2000), 500);   /* at most a quarter of the session */
    ck_assert_int_eq(fence_budget_ms(100, 100), 50);      /* never below a round trip */
    ck_assert_int_eq(fence_kill_wait_ms(4000), 500);
    ck_assert_int_eq(fence_kill_wait_ms(100), 50);
    /* begun at the deadline (T/2), SQL + kill + wait end before the server can expire us (T) */
    for (int T = 1000; T <= 60000; T += 500)
        ck_assert_int_lt(T / 2 + fence_budget_ms(60000, T) + fence_kill_wait_ms(T), T);
}
END_TEST

START_TEST(test_zk_timing)
{
    char why[512];
    /* the sandbox: tick 250 x 5 = 1.25 s < 2 s */
    ck_assert(zk_timing_ok(250, 5, 0, 60000, 4000, why, sizeof(why)));
    /* Debian's defaults: tick 2000 x 5 = 10 s, session 6 s */
    ck_assert(!zk_timing_ok(2000, 5, 0, 0, 6000, why, sizeof(why)));
    ck_assert_ptr_nonnull(strstr(why, "syncLimit x tickTime = 5 x 2000"));
    ck_assert(!zk_timing_ok(500, 10, 0, 0, 4000, why, sizeof(why))); /* 5 s >= 2 s */
    ck_assert(!zk_timing_ok(250, 5, 0, 3000, 4000, why, sizeof(why))); /* above max */
    ck_assert_ptr_nonnull(strstr(why, "outside"));
    ck_assert(!zk_timing_ok(900, 1, 0, 60000, 3000, why, sizeof(why))); /* tick >= T/4 */
    ck_assert(!zk_timing_ok(0, 0, 0, 0, 4000, why, sizeof(why)));
}
END_TEST

/* ---- bootstrap ---- */

static topo_obs_t node(const char *name, const char *host, int port, bool reachable,
                       const char *src_host, int src_port)
{
    topo_obs_t t;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.host = host;
    t.port = port;
    t.reachable = reachable;
    t.read_only = src_host != NULL;
    t.is_replica = src_host != NULL;
    t.source_host = src_host;
    t.source_port = src_port;
    return t;
}

static void check_boot(const topo_obs_t *t, size_t n, int want, const char *want_why)
{
    char why[256] = "unset";
    int got = bootstrap_pick_primary(t, n, why, sizeof why);
    ck_assert_int_eq(got, want);
    ck_assert_msg(strstr(why, want_why) != NULL, "expected \"%s\" in \"%s\"", want_why, why);
    ck_assert_int_eq(bootstrap_pick_primary(t, n, NULL, 0), want);
}

START_TEST(test_boot_none)
{
    check_boot(NULL, 0, -1, "no node registered");
}
END_TEST

START_TEST(test_boot_single)
{
    topo_obs_t t[] = {node("solo", "127.0.0.1", 3306, true, NULL, 0)};
    check_boot(t, 1, 0, "single-node");
}
END_TEST

START_TEST(test_boot_good)
{
    topo_obs_t t[] = {
        node("r1", "127.0.0.1", 3307, true, "127.0.0.1", 3306),
        node("p", "127.0.0.1", 3306, true, NULL, 0),
        node("r2", "127.0.0.1", 3308, true, "localhost", 3306), /* same host, other spelling */
    };
    check_boot(t, 3, 1, "p is the only non-replica");

    /* a primary that booted read-only is still the primary */
    t[1].read_only = true;
    check_boot(t, 3, 1, "p is the only non-replica");

    topo_obs_t u[] = {
        node("p", "LOCALHOST", 3306, true, NULL, 0),
        node("r", "h2", 3306, true, "127.0.0.1", 3306),
    };
    check_boot(u, 2, 0, "p is the only non-replica");

    topo_obs_t w[] = {
        node("p", "DB1.example", 3306, true, NULL, 0),
        node("r", "db2.example", 3306, true, "db1.EXAMPLE", 3306),
    };
    check_boot(w, 2, 0, "p is the only non-replica");
}
END_TEST

START_TEST(test_boot_unreachable)
{
    topo_obs_t t[] = {
        node("p", "127.0.0.1", 3306, true, NULL, 0),
        node("r1", "127.0.0.1", 3307, false, "127.0.0.1", 3306),
    };
    check_boot(t, 2, -1, "node r1 (127.0.0.1:3307) is unreachable: can't be sure");

    topo_obs_t u[] = {
        node("p", "127.0.0.1", 3306, false, NULL, 0),
        node("r1", "127.0.0.1", 3307, true, "127.0.0.1", 3306),
    };
    check_boot(u, 2, -1, "node p (127.0.0.1:3306) is unreachable");
}
END_TEST

START_TEST(test_boot_all_replicas)
{
    topo_obs_t t[] = {
        node("a", "127.0.0.1", 3306, true, "127.0.0.1", 3307),
        node("b", "127.0.0.1", 3307, true, "127.0.0.1", 3306),
    };
    check_boot(t, 2, -1, "no non-replica node");
    check_boot(t, 2, -1, "a->127.0.0.1:3307, b->127.0.0.1:3306");
}
END_TEST

START_TEST(test_boot_several)
{
    topo_obs_t t[] = {
        node("a", "127.0.0.1", 3306, true, NULL, 0),
        node("c", "127.0.0.1", 3308, true, "127.0.0.1", 3306),
        node("b", "127.0.0.1", 3307, true, NULL, 0),
    };
    check_boot(t, 3, -1, "several non-replica nodes: a, b");
}
END_TEST

START_TEST(test_boot_wrong_source)
{
    topo_obs_t t[] = {
        node("a", "127.0.0.1", 3306, true, NULL, 0),
        node("c", "127.0.0.1", 3308, true, "10.0.0.9", 3306),
    };
    check_boot(t, 2, -1,
               "replica c replicates from 10.0.0.9:3306 which is not the candidate a "
               "(127.0.0.1:3306)");

    t[1].source_host = "127.0.0.1";
    t[1].source_port = 3309; /* right host, wrong port */
    check_boot(t, 2, -1, "replica c replicates from 127.0.0.1:3309");

    t[1].source_host = NULL; /* replica with no Master_Host */
    t[1].source_port = 3306;
    check_boot(t, 2, -1, "replica c replicates from ?:3306");
}
END_TEST

START_TEST(test_boot_tiny_why)
{
    topo_obs_t t[] = {
        node("a", "127.0.0.1", 3306, true, NULL, 0),
        node("b", "127.0.0.1", 3307, true, NULL, 0),
    };
    char why[10];
    ck_assert_int_eq(bootstrap_pick_primary(t, 2, why, sizeof why), -1);
    ck_assert_str_eq(why, "several n");
}
END_TEST

START_TEST(test_source_silent)
{
    /* period 1 s: silent only after 1.5 s without an event or heartbeat */
    ck_assert(!source_is_silent(true, 1000, 0));
    ck_assert(!source_is_silent(true, 1000, 1500));
    ck_assert(source_is_silent(true, 1000, 1501));
    ck_assert(source_is_silent(true, 500, 751));
    /* an IO thread that is not running is reported as such, not as silent */
    ck_assert(!source_is_silent(false, 1000, 60000));
    /* heartbeats off or unknown: no evidence either way, never silent */
    ck_assert(!source_is_silent(true, 0, 60000));
    ck_assert(!source_is_silent(true, -1, 60000));
}
END_TEST

START_TEST(test_probe_deadline)
{
    ck_assert_int_eq(probe_deadline_ms(500, 5000), 500);
    ck_assert_int_eq(probe_deadline_ms(50, 5000), 200);   /* floor */
    ck_assert_int_eq(probe_deadline_ms(10000, 5000), 5000); /* never past read_timeout_ms */
    ck_assert_int_eq(probe_deadline_ms(200, 100), 100);
    /* the primary's agent gone: a quarter, at least 50 ms */
    ck_assert_int_eq(probe_deadline_agentless_ms(200, 5000), 50);
    ck_assert_int_eq(probe_deadline_agentless_ms(500, 5000), 125);
    ck_assert_int_eq(probe_deadline_agentless_ms(50, 5000), 50);
    ck_assert_int_eq(probe_deadline_agentless_ms(10000, 5000), 1250);
    ck_assert_int_eq(probe_deadline_agentless_ms(200, 100), 50);
}
END_TEST

/* ---- semi-sync: only a promotable replica acknowledges ---- */

static const struct {
    promotion_t promotion;
    int sql_delay_s;
    bool ack;
} semi_rows[] = {
    {PROMOTION_PREFER, 0, true},
    {PROMOTION_NEUTRAL, 0, true},
    {PROMOTION_NEVER, 0, false},      /* never promoted: its ack could hold the only copy */
    {PROMOTION_NEUTRAL, 1, false},    /* delayed (MASTER_DELAY): never promoted either */
    {PROMOTION_PREFER, 3600, false},
    {PROMOTION_NEVER, 60, false},
    {PROMOTION_NEUTRAL, -1, true},    /* unknown delay reads as none (SQL_Delay is never < 0) */
    {PROMOTION_INVALID, 0, false},    /* unknown setting may hide a never: stay silent */
};

START_TEST(test_semi_sync_wanted)
{
    bool got = semi_sync_replica_wanted(semi_rows[_i].promotion, semi_rows[_i].sql_delay_s);
    ck_assert_msg(got == semi_rows[_i].ack, "row %d (promotion %d, SQL_Delay %d): expected ack %d, "
                  "got %d", _i, (int)semi_rows[_i].promotion, semi_rows[_i].sql_delay_s,
                  semi_rows[_i].ack, got);
}
END_TEST

START_TEST(test_rank_delayed)
{
    /* the delayed one received the most but is never promoted; it stays a donor */
    candidate_obs_t c[] = {cand("delayed", PROMOTION_PREFER, "0-1-200", 0),
                           cand("r2", PROMOTION_NEUTRAL, "0-1-150", 0)};
    c[0].sql_delay_s = 3600;
    candidate_verdict_t v[2];
    const char *want[] = {"r2"};
    check_order(c, 2, NULL, v, want, 1);
    ck_assert_str_eq(v[0].reason, "delayed replica (SQL_Delay 3600 s): never promoted");
    size_t order[2];
    size_t eligible = candidate_rank(c, 2, NULL, v, order);
    candidate_plan_t p;
    candidate_plan(c, 2, NULL, order, eligible, NULL, &p);
    ck_assert_msg(p.donor == 0 && p.want == 1 && p.fetch,
                  "plan: expected donor delayed, want r2, fetch; got donor %zu want %zu fetch %d",
                  p.donor, p.want, p.fetch);
}
END_TEST

START_TEST(test_semi_sync_ack_top)
{
    candidate_obs_t c[] = {cand("never", PROMOTION_NEVER, "0-1-200", 0),
                           cand("delayed", PROMOTION_NEUTRAL, "0-1-190", 0),
                           cand("r3", PROMOTION_NEUTRAL, "0-1-150", 0),
                           cand("r4", PROMOTION_NEUTRAL, "0-1-140", 0)};
    c[0].semi_sync_ack = 0; /* as their agents keep them */
    c[1].semi_sync_ack = 0;
    c[1].sql_delay_s = 60;
    c[2].semi_sync_ack = 1;
    c[3].semi_sync_ack = 1;
    /* what never and delayed hold beyond r3 was never acknowledged by them: r3 is the bar */
    ck_assert_str_eq(c[semi_sync_ack_top(c, 4, NULL)].name, "r3");
    /* one whose setting is unknown (or still on) may have acknowledged: it is the bar */
    c[0].semi_sync_ack = -1;
    ck_assert_str_eq(c[semi_sync_ack_top(c, 4, NULL)].name, "never");
    c[0].semi_sync_ack = 0;
    /* unreachable, not a replica, or errant: not counted */
    c[2].reachable = false;
    ck_assert_str_eq(c[semi_sync_ack_top(c, 4, NULL)].name, "r4");
    c[3].is_replica = false;
    ck_assert_msg(semi_sync_ack_top(c, 4, NULL) == CANDIDATE_NONE,
                  "expected no acknowledging replica, got %zu", semi_sync_ack_top(c, 4, NULL));
    ck_assert_msg(semi_sync_ack_top(NULL, 4, NULL) == CANDIDATE_NONE, "NULL: expected none");
}
END_TEST

static Suite *decide_suite(void)
{
    Suite *s = suite_create("decide");
    TCase *tc;

    tc = tcase_create("errant");
    tcase_add_loop_test(tc, test_errant, 0, (int)ARRAY_LEN(errant_rows));
    tcase_add_test(tc, test_errant_small_buf);
    suite_add_tcase(s, tc);

    tc = tcase_create("rank");
    tcase_add_test(tc, test_rank_empty);
    tcase_add_test(tc, test_rank_most_received);
    tcase_add_test(tc, test_rank_diverged_sum);
    tcase_add_test(tc, test_rank_diverged_equal_sum_falls_through);
    tcase_add_test(tc, test_rank_prefer);
    tcase_add_test(tc, test_rank_lag);
    tcase_add_test(tc, test_rank_backlog);
    tcase_add_test(tc, test_plan);
    tcase_add_test(tc, test_rank_name);
    tcase_add_test(tc, test_rank_stable);
    tcase_add_test(tc, test_rank_excluded);
    tcase_add_test(tc, test_rank_errant_covered_by_old_primary);
    tcase_add_test(tc, test_rank_empty_received_and_long_reason);
    tcase_add_test(tc, test_rank_many);
    tcase_add_test(tc, test_rank_delayed);
    tcase_add_loop_test(tc, test_semi_sync_wanted, 0, (int)ARRAY_LEN(semi_rows));
    tcase_add_test(tc, test_semi_sync_ack_top);
    suite_add_tcase(s, tc);

    tc = tcase_create("mysql");
    tcase_add_loop_test(tc, test_errant_mysql, 0, (int)ARRAY_LEN(my_errant_rows));
    tcase_add_test(tc, test_rank_mysql);
    tcase_add_test(tc, test_rank_mysql_tie_and_gaps);
    tcase_add_test(tc, test_plan_and_semi_sync_mysql);
    suite_add_tcase(s, tc);

    tc = tcase_create("detect");
    tcase_add_loop_test(tc, test_detect, 0, (int)ARRAY_LEN(detect_rows));
    tcase_add_test(tc, test_detect_names);
    tcase_add_test(tc, test_source_silent);
    tcase_add_test(tc, test_probe_deadline);
    tcase_add_loop_test(tc, test_primary_stranded, 0, (int)ARRAY_LEN(stranded_rows));
    tcase_add_test(tc, test_replication_heartbeat);
    suite_add_tcase(s, tc);

    tc = tcase_create("fence");
    tcase_add_test(tc, test_fence_deadline);
    tcase_add_test(tc, test_publish_due);
    tcase_add_loop_test(tc, test_writable, 0, (int)ARRAY_LEN(write_rows));
    tcase_add_test(tc, test_writable_null);
    suite_add_tcase(s, tc);

    tc = tcase_create("antiflap");
    tcase_add_loop_test(tc, test_antiflap, 0, (int)ARRAY_LEN(flap_rows));
    tcase_add_loop_test(tc, test_antiflap_hold, 0, (int)ARRAY_LEN(hold_rows));
    tcase_add_test(tc, test_zk_in_doubt);
    tcase_add_test(tc, test_zk_timing);
    tcase_add_test(tc, test_failsafe_vouch);
    tcase_add_test(tc, test_fence_budget);
    suite_add_tcase(s, tc);

    tc = tcase_create("bootstrap");
    tcase_add_test(tc, test_boot_none);
    tcase_add_test(tc, test_boot_single);
    tcase_add_test(tc, test_boot_good);
    tcase_add_test(tc, test_boot_unreachable);
    tcase_add_test(tc, test_boot_all_replicas);
    tcase_add_test(tc, test_boot_several);
    tcase_add_test(tc, test_boot_wrong_source);
    tcase_add_test(tc, test_boot_tiny_why);
    tcase_add_loop_test(tc, test_start_deadline, 0, sizeof(start_rows) / sizeof(start_rows[0]));
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(decide_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
