/* rewind.h -- a diverged node's errant transactions, named exactly, and the decision what to do
 * with such a node (wait, rejoin, keep it diverged, rewind it). Defined in src/lib/rewind.c.
 * Pure: no I/O. The agent's src/failoverd/repair.c feeds it server answers and mariadb-binlog's
 * text, and carries out the action it returns. */
#ifndef FO_REWIND_H
#define FO_REWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtid.h"

/* ---- MariaDB @@gtid_binlog_state: the last GTID of every (domain, server id) pair ----------- */

#define BINLOG_STATE_MAX 256

typedef struct binlog_state {
    size_t n;
    gtid_t g[BINLOG_STATE_MAX]; /* sorted by domain, then server id */
} binlog_state_t;

/* Parse "0-1-100,0-2-7,1-3-5". Duplicate pairs, junk or too many entries: -1 with a message. */
int binlog_state_parse(binlog_state_t *out, const char *s, char *err, size_t errlen);
int binlog_state_format(const binlog_state_t *st, char *buf, size_t len);

/* Whether a server whose binlog state is `have` holds transaction g: it has a GTID of g's
 * (domain, server id) with a sequence number at least g's. Seq numbers alone cannot tell our
 * unreplicated 0-1-105 from the new primary's 0-2-105; the server id can. */
bool binlog_state_holds(const binlog_state_t *have, const gtid_t *g);

/* Whether everything `node` has, `primary` has too (each of node's entries held by primary). */
bool binlog_state_subset(const binlog_state_t *node, const binlog_state_t *primary);

/* The node's binlog state without the transactions primary lacks: per pair, the lower of the
 * two sequence numbers; pairs primary never had are dropped. What the node's GTID state is once
 * its errant tail is undone. */
void binlog_state_common(const binlog_state_t *node, const binlog_state_t *primary,
                         binlog_state_t *out);

/* Where to start reading the node's binlog for its errant tail (mariadb-binlog
 * --start-position, exclusive): per domain, the highest common GTID of common(). Domains with
 * nothing in common are left out (read from the start). */
void binlog_state_fork_pos(const binlog_state_t *common, gtid_pos_t *out);

/* ---- the errant tail, from mariadb-binlog's text output ------------------------------------ */

typedef struct rewind_scan {
    const binlog_state_t *primary; /* set before the first line */
    /* results */
    uint64_t errant;          /* transactions the primary does not hold */
    uint64_t row_events;      /* Write/Update/Delete_rows events in them */
    uint64_t ddl;             /* DDL or other non-transactional statements among them */
    uint64_t statements;      /* statement-based (Query) events inside errant transactions */
    bool interleaved;         /* a transaction the primary holds came after an errant one */
    char first_ddl[64];       /* the first DDL's GTID, "" when none */
    int64_t first_at_s, last_at_s; /* commit time of the first and last errant (UTC, s) */
    gtid_pos_t first, last;   /* per domain, the first and last errant GTID */
    /* line state */
    bool in_errant;           /* the transaction being read is errant */
    uint32_t cur_domain;
} rewind_scan_t;

/* Start a scan: everything zero, primary set. */
void rewind_scan_init(rewind_scan_t *s, const binlog_state_t *primary);

/* Feed one line of `mariadb-binlog` output (run with TZ=UTC; no trailing newline needed). */
void rewind_scan_line(rewind_scan_t *s, const char *line);

/* The errant GTIDs as ranges, e.g. "0-1-1116..0-1-2032,1-1-4"; "" when none. */
int rewind_scan_gtids(const rewind_scan_t *s, char *buf, size_t len);

/* Why this tail cannot be rewound (flashback cannot undo DDL or statement-based events, and
 * a tail longer than max_events is re-cloned instead), or NULL when it can. Writes the
 * one-line reason into why. */
const char *rewind_refusal(const rewind_scan_t *s, uint64_t max_events, const char *binlog_format,
                           const char *row_image, char *why, size_t len);

/* "#261203 14:32:58 server id 1 ..." -> seconds since the epoch (the text is UTC); -1 if not. */
int64_t rewind_line_time(const char *line);

/* ---- MySQL: errant transactions by set subtraction ------------------------------------------ */

/* The transactions of node_executed (@@gtid_executed) that primary_executed lacks: *count and
 * their canonical text in gtids ("" when none; a text longer than len is cut at a "," and ends
 * in "..."). 0, or -1 with a one-line message (a set that does not parse or exceeds the caps). */
int rewind_mysql_errant(const char *node_executed, const char *primary_executed, uint64_t *count,
                        char *gtids, size_t len, char *err, size_t errlen);

/* ---- what a node that is not the desired primary does about its GTIDs ---------------------- */

typedef enum {
    REJOIN_POLICY_INVALID = 0,
    REJOIN_POLICY_MANUAL,  /* diverged nodes wait for failoverctl rejoin */
    REJOIN_POLICY_REWIND,  /* undo the errant tail with flashback, once archived */
    REJOIN_POLICY_RECLONE, /* archive, then re-clone with mariadb-backup (reclone.c) */
} rejoin_policy_t;

const char *rejoin_policy_name(rejoin_policy_t p);
rejoin_policy_t rejoin_policy_from_string(const char *s);

typedef enum {
    REJOIN_INVALID = 0,
    REJOIN_WAIT,          /* not enough known yet (primary unreachable, positions unread) */
    REJOIN_REPOINT,       /* everything this node has is on the primary: replicate from it */
    REJOIN_KEEP_DIVERGED, /* diverged, and not to be repaired now: read-only, reported */
    REJOIN_REWIND,        /* archive the errant tail, undo it, then replicate */
    REJOIN_RECLONE,       /* archive the errant tail, then replace the datadir with a copy */
} rejoin_action_t;

const char *rejoin_action_name(rejoin_action_t a);

typedef struct rejoin_obs {
    bool named_primary;    /* /primary names this node: never repaired */
    bool primary_known;    /* /primary is known and has an address */
    bool compared;         /* this node's and the primary's binlog states were read just now */
    bool subset;           /* ... and the primary holds everything this node has */
    bool diverged;         /* an earlier verdict found errant transactions, not repaired since */
    bool state_changed;    /* this node's binlog state changed since that verdict (by hand) */
    rejoin_policy_t policy;
    bool repair_requested; /* failoverctl rejoin asked for this node and is not answered yet */
    bool paused;           /* the cluster is paused: nothing is repaired */
    bool repair_elsewhere; /* another node's repair runs: never two at once */
    bool refused;          /* this tail cannot be rewound (DDL, too large, formats) */
    bool failed;           /* a repair of this tail failed: no automatic retry */
    bool reclone_ok;       /* a re-clone is possible here (MariaDB: mariadb-backup) */
} rejoin_obs_t;

/* The one decision: a diverged node stays diverged until it is repaired (or its binlog state
 * was changed by hand and is now held by the primary); it is never repointed on a guess. A tail
 * that cannot be rewound is re-cloned by itself unless rejoin = manual (failoverctl rejoin of
 * such a tail is refused: failoverctl reinit asks for the re-clone). why gets a short reason
 * (static text). */
rejoin_action_t rejoin_decide(const rejoin_obs_t *o, const char **why);

#endif
