/* gtidset.h -- MySQL GTID sets ("uuid:1-100:102,uuid2:tag:1-5") parsed, normalised, compared,
 * unioned and subtracted. Defined in src/lib/gtidset.c. Pure: no I/O; memory is bounded by caps. */
#ifndef FO_GTIDSET_H
#define FO_GTIDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtid.h" /* gtid_cmp_t */

/* Transaction numbers are 1..GTIDSET_GNO_MAX, as in MySQL (a signed 64-bit GNO). */
#define GTIDSET_GNO_MAX ((uint64_t)INT64_MAX)
/* A tag (MySQL 8.4): [a-z_][a-z0-9_]{0,31}, case-insensitive, kept lowercase. */
#define GTIDSET_TAG_MAX 32
/* Caps on one set, so a hostile or corrupt value cannot take unbounded memory (at most about
 * 0.3 MiB of intervals). A real gtid_executed has a handful of intervals per source UUID. */
#define GTIDSET_MAX_INTERVALS 16384
#define GTIDSET_MAX_SIDS 1024 /* distinct uuid[:tag] pairs */

typedef struct gtidset gtidset_t;

/* An empty set; NULL only when out of memory. */
gtidset_t *gtidset_alloc(void);
void gtidset_free(gtidset_t *s);
void gtidset_clear(gtidset_t *s);
/* dst = src. 0, or -1 when out of memory (dst unchanged). */
int gtidset_copy(gtidset_t *dst, const gtidset_t *src);

/* Parse what MySQL prints (@@gtid_executed, Retrieved_Gtid_Set): comma-separated
 * "uuid:interval[:interval...]" entries, an interval being N or N-M, tags ("uuid:tag:1-5", any
 * number per uuid, each followed by its intervals), blanks and newlines around every token; ""
 * is the empty set. The result is normalised (uuids and tags lowercase, intervals sorted and
 * merged, a uuid given twice joined). On failure returns -1 with a one-line message naming what
 * was wrong, where, and what is allowed; out is then unchanged. */
int gtidset_parse(gtidset_t *out, const char *text, char *err, size_t errlen);

/* Canonical text: entries sorted by uuid, lowercase, "uuid:1-5:7:tag_a:1-3" (untagged intervals
 * first, then tags in order), entries joined by ",". Writes at most len bytes (always
 * terminated when len > 0) and returns the length the whole text needs, like snprintf: the
 * text is complete only when the result is < len. */
size_t gtidset_format(const gtidset_t *s, char *buf, size_t len);
/* The same, malloc'd (caller frees); NULL when out of memory. */
char *gtidset_to_string(const gtidset_t *s);

bool gtidset_is_empty(const gtidset_t *s);
/* Number of (merged) intervals: what the caps count. */
size_t gtidset_intervals(const gtidset_t *s);
/* Number of transactions; saturates at UINT64_MAX (three full uuids already exceed it). */
uint64_t gtidset_count(const gtidset_t *s);

/* a is contained in b (every transaction of a is in b). */
bool gtidset_is_subset(const gtidset_t *a, const gtidset_t *b);
bool gtidset_equal(const gtidset_t *a, const gtidset_t *b);
/* EQUAL, BEHIND (a strictly inside b), AHEAD (b strictly inside a) or DIVERGED. */
gtid_cmp_t gtidset_compare(const gtidset_t *a, const gtidset_t *b);

/* acc = acc | b, and acc = acc - b (the transactions of acc that b lacks: a replica's set minus
 * its primary's is its errant transactions). 0, or -1 with a message when the result would
 * exceed a cap or memory ran out; acc is then unchanged. */
int gtidset_union(gtidset_t *acc, const gtidset_t *b, char *err, size_t errlen);
int gtidset_subtract(gtidset_t *acc, const gtidset_t *b, char *err, size_t errlen);

/* Keep only the transactions that server uuid (8-4-4-4-12 text) originated, under any tag: what
 * a server wrote itself. 0, or -1 with a message for a malformed uuid (s unchanged). */
int gtidset_keep_uuid(gtidset_t *s, const char *uuid, char *err, size_t errlen);

#endif
