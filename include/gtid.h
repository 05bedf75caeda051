/* gtid.h -- replication positions parsed, compared and diffed: MariaDB GTID positions
 * ("domain-server-seq,...") and MySQL GTID sets ("uuid:1-5,uuid2:tag:1-3"), one type for both.
 * Defined in src/lib/gtid.c. Pure: no I/O; MariaDB positions never allocate, MySQL sets are
 * worked on through gtidset.c (bounded allocations; out of memory aborts). */
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

/* MariaDB: one entry per domain, sorted by domain id. An empty position (n == 0, mysql false) is
 * valid and is the empty position of either flavor, so a zeroed struct is an empty position.
 * MySQL (mysql true): the set's canonical text (gtidset_format) in set[], n == 0. The text keeps
 * the struct a plain value (copied by assignment, nothing to free) like a MariaDB position;
 * operations on it parse it again, which costs microseconds for the handful of uuids a cluster
 * has. A set whose canonical text exceeds GTID_POS_STRLEN - 1 characters is refused by parse.
 * Code that fills g[] by hand must zero the struct first (= {0}), or mysql is garbage. */
typedef struct gtid_pos {
    size_t n;
    gtid_t g[GTID_MAX_DOMAINS];
    bool mysql;
    char set[GTID_POS_STRLEN];
} gtid_pos_t;

typedef enum {
    GTID_CMP_INVALID = 0,
    GTID_CMP_EQUAL,    /* same seq in every domain */
    GTID_CMP_BEHIND,   /* a is strictly contained in b */
    GTID_CMP_AHEAD,    /* b is strictly contained in a */
    GTID_CMP_DIVERGED, /* each has something the other lacks */
} gtid_cmp_t;

/* Parse "0-1-100,1-2-5" (whitespace and newlines between entries allowed; empty string = empty
 * position). Duplicate domains, junk, overflow or too many domains: -1 with a one-line message.
 * A text with a ':' is a MySQL GTID set (MariaDB positions never have one): parsed by
 * gtidset_parse ("uuid:1-5:7,uuid2:tag:1-3", blanks and newlines allowed) and kept normalised.
 *
 * Every function below takes either flavor. Between two MySQL sets (or a set and the empty
 * position) they are set operations: contains = inclusion, compare = inclusion both ways (two
 * sets that each hold a transaction the other lacks are DIVERGED), missing = b minus a, merge =
 * union. A non-empty MariaDB position and a non-empty MySQL set have nothing in common: compare
 * is INVALID, contains false, missing is all of b, merge keeps acc. */
int gtid_pos_parse(gtid_pos_t *out, const char *s, char *err, size_t errlen);

/* Canonical text, sorted by domain. Returns 0, or -1 if buf is too small. */
int gtid_pos_format(const gtid_pos_t *p, char *buf, size_t len);

/* Sequence number for a domain, 0 if absent (always 0 for a MySQL set). */
uint64_t gtid_pos_seq(const gtid_pos_t *p, uint32_t domain);

/* true when every domain of b is in a with seq >= b's: a has everything b has. */
bool gtid_pos_contains(const gtid_pos_t *a, const gtid_pos_t *b);

gtid_cmp_t gtid_pos_compare(const gtid_pos_t *a, const gtid_pos_t *b);
const char *gtid_cmp_name(gtid_cmp_t c);

/* Transactions b has that a lacks (MariaDB: sum over domains of max(0, b.seq - a.seq); MySQL:
 * the number of transactions in b - a). Saturates at UINT64_MAX. */
uint64_t gtid_pos_missing_count(const gtid_pos_t *a, const gtid_pos_t *b);

/* Name the transactions b has that a lacks, e.g. "0-1-101..0-1-105,2-3-7" (MySQL: the set
 * b - a, "uuid:6-9"); "" when none.
 * Returns 0, or -1 if buf is too small. */
int gtid_pos_missing_format(const gtid_pos_t *a, const gtid_pos_t *b, char *buf, size_t len);

/* Per-domain maximum of a and b, or for MySQL the union (what a set of servers has received,
 * together). A union too large for GTID_POS_STRLEN leaves acc unchanged: that understates what
 * was received, the cautious direction (a candidate ranks lower, GTIDs look errant). */
void gtid_pos_merge_max(gtid_pos_t *acc, const gtid_pos_t *b);

/* An empty position of either flavor. */
bool gtid_pos_is_empty(const gtid_pos_t *p);

/* How many transactions p covers: MariaDB the sum of the domains' seqs (a position does not say
 * which earlier ones a server skipped), MySQL the set's size. Saturates at UINT64_MAX. Orders
 * two DIVERGED positions: the one with more transactions is the better guess. */
uint64_t gtid_pos_count(const gtid_pos_t *p);

/* out = the transactions of p that server uuid originated (MySQL, any tag): what a MySQL server
 * wrote itself, given its @@server_uuid. A MariaDB or empty p gives the empty position.
 * 0, or -1 with a message for a malformed uuid (out is then empty). */
int gtid_pos_from_source(gtid_pos_t *out, const gtid_pos_t *p, const char *uuid, char *err,
                         size_t errlen);

#endif
