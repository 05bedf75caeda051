/* gtid.h -- MariaDB GTID positions ("domain-server-seq,...") parsed, compared and diffed.
 * Defined in src/lib/gtid.c. Pure: no I/O, no allocation. */
#ifndef FO_GTID_H
#define FO_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GTID_MAX_DOMAINS 64
#define GTID_POS_STRLEN 2048 /* enough for GTID_MAX_DOMAINS entries */

typedef struct gtid {
    uint32_t domain;
    uint32_t server;
    uint64_t seq;
} gtid_t;

/* One entry per domain, sorted by domain id. An empty position (n == 0) is valid. */
typedef struct gtid_pos {
    size_t n;
    gtid_t g[GTID_MAX_DOMAINS];
} gtid_pos_t;

typedef enum {
    GTID_CMP_INVALID = 0,
    GTID_CMP_EQUAL,    /* same seq in every domain */
    GTID_CMP_BEHIND,   /* a is strictly contained in b */
    GTID_CMP_AHEAD,    /* b is strictly contained in a */
    GTID_CMP_DIVERGED, /* each has something the other lacks */
} gtid_cmp_t;

/* Parse "0-1-100,1-2-5" (whitespace and newlines between entries allowed; empty string = empty
 * position). Duplicate domains, junk, overflow or too many domains: -1 with a one-line message. */
int gtid_pos_parse(gtid_pos_t *out, const char *s, char *err, size_t errlen);

/* Canonical text, sorted by domain. Returns 0, or -1 if buf is too small. */
int gtid_pos_format(const gtid_pos_t *p, char *buf, size_t len);

/* Sequence number for a domain, 0 if absent. */
uint64_t gtid_pos_seq(const gtid_pos_t *p, uint32_t domain);

/* true when every domain of b is in a with seq >= b's: a has everything b has. */
bool gtid_pos_contains(const gtid_pos_t *a, const gtid_pos_t *b);

gtid_cmp_t gtid_pos_compare(const gtid_pos_t *a, const gtid_pos_t *b);
const char *gtid_cmp_name(gtid_cmp_t c);

/* Transactions b has that a lacks (sum over domains of max(0, b.seq - a.seq)). */
uint64_t gtid_pos_missing_count(const gtid_pos_t *a, const gtid_pos_t *b);

/* Name the transactions b has that a lacks, e.g. "0-1-101..0-1-105,2-3-7"; "" when none.
 * Returns 0, or -1 if buf is too small. */
int gtid_pos_missing_format(const gtid_pos_t *a, const gtid_pos_t *b, char *buf, size_t len);

/* Per-domain maximum of a and b (what a set of servers has received, together). */
void gtid_pos_merge_max(gtid_pos_t *acc, const gtid_pos_t *b);

#endif
