/* repair.h -- a node holding transactions the primary never had: named exactly (history record,
 * /repair/<node>), archived as replayable SQL, rewound with mariadb-binlog --flashback.
 * Defined in src/failoverd/repair.c; called by the local worker (local.c) only. */
#ifndef FO_REPAIR_H
#define FO_REPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "rewind.h"

typedef struct repair {
    bool diverged;            /* verdict: errant transactions, not repaired since */
    char verdict_state[4096]; /* this node's @@gtid_binlog_state at that verdict */
    bool failed;              /* a rewind of this verdict failed: no automatic retry */
    bool scanned;             /* scan holds the tail of verdict_state */
    rewind_scan_t scan;
    binlog_state_t primary_state; /* the primary's, as of the scan */
    char gtids[1024];         /* the scan's errant GTIDs */
    char refusal[512];        /* why the tail cannot be rewound; "" = it can */
    char said[640];           /* the last verdict logged and written to /repair/<node> */
    char archive[1024];       /* the archive of the last rewind */
    uint64_t noted_count;     /* what the history record was last given */
    char noted_archive[1024];
} repair_t;

/* For a node that is not the desired primary and was a primary, or was refused by its source,
 * or is diverged: compare, name, and (per policy and failoverctl rejoin) rewind. REJOIN_REPOINT
 * means: replicate from desired now; anything else: stay as it is (read-only). R->diverged says
 * what to publish. */
rejoin_action_t repair_rejoin(repair_t *R, agent_t *a, db_conn_t *db, const primary_rec_t *desired);

#endif
