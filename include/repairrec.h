/* repairrec.h -- /<cluster>/repair/<node>: a diverged node's errant transactions as its agent
 * found them, the repair it did or refused, and failoverctl rejoin's request. Defined in
 * src/lib/repairrec.c (jansson). Parsing is strict: wrong types or oversize strings are refused
 * with a one-line message. */
#ifndef FO_REPAIRREC_H
#define FO_REPAIRREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zookeeper/zookeeper.h>

#include "config.h"

#define REPAIR_NAME_MAX 64

typedef enum {
    REPAIR_STATE_NONE = 0, /* nothing to repair (or not looked yet) */
    REPAIR_STATE_DIVERGED, /* errant transactions found; read-only, waiting (reason in detail) */
    REPAIR_STATE_REWINDING,
    REPAIR_STATE_REJOINED, /* rewound and replicating from the primary */
    REPAIR_STATE_REFUSED,  /* the tail cannot be rewound (detail says why) */
    REPAIR_STATE_FAILED,   /* a rewind was tried and failed (detail says where) */
    REPAIR_STATE_RECLONING, /* a re-clone runs: detail has its progress (bytes, rate, ETA) */
} repair_state_t;

const char *repair_state_name(repair_state_t s);
repair_state_t repair_state_from_string(const char *s); /* NONE for "" or unknown */

typedef struct repair_rec {
    char node[REPAIR_NAME_MAX + 1];
    /* failoverctl rejoin's request: request_at_ms identifies it (0 = none) */
    int64_t request_at_ms;
    char requested_by[128];
    char request_kind[16];   /* "rejoin" (or "", older) | "reinit" (failoverctl reinit) */
    char request_from[REPAIR_NAME_MAX + 1]; /* reinit --from NODE, "" = the agent chooses */
    /* the agent's view */
    repair_state_t state;
    char detail[512];
    int64_t answered_at_ms;  /* the request_at_ms this state answers (0 = none) */
    uint64_t epoch;          /* /primary's epoch when written */
    char primary[REPAIR_NAME_MAX + 1];
    uint64_t errant_count;
    char errant_gtids[1024];
    int64_t errant_first_ms, errant_last_ms; /* commit times (wall clock), 0 = unknown */
    uint64_t row_events;
    char archive[1024];      /* the file the errant transactions were saved in, "" = none */
    int64_t took_ms;         /* the last repair's duration */
    int64_t updated_ms;
} repair_rec_t;

char *repair_rec_to_json(const repair_rec_t *r); /* malloc'd; NULL on out of memory */
int repair_rec_from_json(repair_rec_t *r, const char *buf, size_t len, char *err, size_t errlen);

/* /<cluster>/repair/<node>: ZOK (r read, *version its version), ZNONODE (r zeroed, *version -1)
 * or another ZooKeeper error; -1 for a malformed record. err says which. r->node is set. */
int repair_rec_load(zhandle_t *zh, const config_t *cfg, const char *node, repair_rec_t *r,
                    int *version, char *err, size_t errlen);

/* Read-modify-write of /<cluster>/repair/<node> guarded by its version, created (with /repair)
 * when missing: edit changes the record as read (zeroed when there was none or it was
 * malformed). ZOK, or the error of the last try with err set. */
typedef void (*repair_edit_fn)(repair_rec_t *r, void *arg);
int repair_rec_update(zhandle_t *zh, const config_t *cfg, const char *node, repair_edit_fn edit,
                      void *arg, char *err, size_t errlen);

#endif
