/* repair.h -- a node holding transactions the primary never had: named exactly (history record,
 * /repair/<node>), archived as replayable SQL, rewound with mariadb-binlog --flashback, or
 * re-cloned with mariadb-backup. Defined in src/failoverd/repair.c and reclone.c; called by the
 * local worker (local.c) only. */
#ifndef FO_REPAIR_H
#define FO_REPAIR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent.h"
#include "repairrec.h"
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
    bool archive_current;     /* archive holds this verdict's tail (a re-clone does not redo it) */
    bool republish;           /* mysqld was replaced: local.c publishes this node afresh */
    int64_t rec_mzxid;        /* /repair/<node> as last read by repair_poll() */
    uint64_t poll_gen;        /* the session generation repair_poll() last read in */
    /* as a donor (reclone.c): the backup child streaming to another node */
    pid_t donor_pid;
    int64_t donor_started_ms;
    char donor_to[65], donor_token[40];
    char donor_cnf[4200], donor_log[4200];
} repair_t;

/* For a node that is not the desired primary and was a primary, or was refused by its source,
 * or is diverged: compare, name, and (per policy and failoverctl rejoin) rewind. REJOIN_REPOINT
 * means: replicate from desired now; anything else: stay as it is (read-only). R->diverged says
 * what to publish. */
rejoin_action_t repair_rejoin(repair_t *R, agent_t *a, db_conn_t *db, const primary_rec_t *desired);

/* Each time the local worker reads ZooKeeper: serve another node's re-clone as its donor (a
 * child process, never waited for), and carry out failoverctl reinit for this node, whether its
 * mysqld runs or not. Their znodes (/clone/<node>, /repair/<node>) are read once per session and
 * then only on a full re-read (kicked: local.c's DIRTY_ALL, which their watches cause, being
 * paths session.c does not classify), so a request is seen at once. db is the
 * worker's connection to its mysqld or NULL; desired is /primary or NULL. A re-clone restarts
 * mysqld: db is dead afterwards (the worker's next probe reconnects). true when a reinit request
 * was handled. */
bool repair_poll(repair_t *R, agent_t *a, db_conn_t *db, const primary_rec_t *desired,
                 bool kicked);

/* ---- between repair.c and reclone.c ---------------------------------------------------------- */

/* Run argv (PATH lookup, no shell, no descriptor or environment of the agent's) with stdin from
 * in (NULL: /dev/null), stdout to out; killed after timeout_ms. 0, or -1 with its first line of
 * stderr in err. */
int repair_run_tool(char *const argv[], const char *in, const char *out, int timeout_ms, char *err,
                    size_t errlen);
/* A 0600 client option file with the agent's [mysql] account and how to reach this mysqld. */
int repair_client_cnf(agent_t *a, const char *path, char *err, size_t errlen);
/* /repair/<node> from R's view; answers = this answers the pending request. */
void repair_say(repair_t *R, agent_t *a, zsess_t *s, repair_state_t st, const char *detail,
                const primary_rec_t *d, bool answers, int64_t took);
int repair_lock(agent_t *a, zsess_t *s, bool take, char *err, size_t errlen);
bool repair_lock_elsewhere(agent_t *a, zsess_t *s);
void repair_note_history(agent_t *a, zsess_t *s, repair_t *R, const char *outcome, int64_t took);

/* reclone.c: replace this node's datadir with a copy streamed from a donor (from, else the most
 * caught-up replicating replica), then replicate from d. The repair lock is held by the caller
 * and errant transactions are archived already. keep_old: keep the old datadir (it may hold
 * transactions nobody archived). Returns REJOIN_KEEP_DIVERGED (the worker looks again). */
rejoin_action_t reclone_run(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db,
                            const primary_rec_t *d, const char *from, bool keep_old,
                            bool requested, int64_t t0);
void reclone_donor_poll(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db);
void reclone_donor_reap(repair_t *R); /* the backup child, once it has ended: logged */

#endif
