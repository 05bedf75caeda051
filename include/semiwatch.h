/* semiwatch.h -- who ends a semi-sync wait on a MariaDB primary: its agent, not mysqld's timer.
 *
 * MariaDB times a commit's wait for a replica's acknowledgement (rpl_semi_sync_master_timeout) on
 * the wall clock, and when it runs out it acknowledges the commit to its client without any
 * replica. After a freeze of the host (SIGSTOP, a VM paused, a long stall) that timeout has
 * always run out: the waiting commits are acknowledged the moment mysqld runs again, before its
 * agent, frozen too, can fence it, while another node may already be primary (failoverd-
 * protocol(7), A4). So with semi_sync = on the agent sets that timeout to SEMI_MYSQLD_TIMEOUT_MS
 * (never, in practice) with rpl_semi_sync_master_wait_no_slave = ON, and falls back to
 * asynchronous replication itself (rpl_semi_sync_master_enabled = OFF, which releases the
 * waiting commits) only when no acknowledgement has come for semi_sync_timeout_ms AND it may
 * still write (its lease holds). It turns semi-sync back on once a semi-sync replica is
 * connected again. Pure: the agent feeds it samples and carries out what it returns. */
#ifndef FAILOVERD_SEMIWATCH_H
#define FAILOVERD_SEMIWATCH_H

#include <stdbool.h>
#include <stdint.h>

#define SEMI_MYSQLD_TIMEOUT_MS 4294967295LL /* 49.7 days */

/* One look at the primary's semi-sync (db_semi_sync_sample()). */
typedef struct semi_sample {
    long long timeout_ms; /* @@rpl_semi_sync_master_timeout */
    bool wait_no_slave;   /* @@rpl_semi_sync_master_wait_no_slave */
    bool enabled;         /* @@rpl_semi_sync_master_enabled */
    long wait_sessions;   /* Rpl_semi_sync_master_wait_sessions: commits waiting for an ack */
    long long yes_tx;     /* Rpl_semi_sync_master_yes_tx: commits acknowledged by a replica */
    long clients;         /* Rpl_semi_sync_master_clients: semi-sync replicas connected */
} semi_sample_t;

typedef struct semi_watch {
    bool fell_back;         /* we turned rpl_semi_sync_master_enabled off */
    int64_t stalled_since;  /* monotonic ms since commits wait with no ack; 0 = not stalled */
    long long last_yes_tx;
} semi_watch_t;

typedef enum semi_action {
    SEMI_KEEP,      /* nothing to do */
    SEMI_CONFIGURE, /* set rpl_semi_sync_master_timeout and wait_no_slave as above */
    SEMI_FALL_BACK, /* no ack for timeout_ms: turn semi-sync off, if we may still write */
    SEMI_RESUME,    /* fell back, and a semi-sync replica is connected: turn it on again */
} semi_action_t;

/* What to do after sample S taken at NOW (monotonic ms), with semi_sync_timeout_ms TIMEOUT_MS
 * (0: never fall back). Updates W; the caller sets W->fell_back when it carried out a fallback
 * (semi_watch_fell_back()) and clears it on resume. */
semi_action_t semi_watch_step(semi_watch_t *w, const semi_sample_t *s, int64_t now, int timeout_ms);

/* The caller carried out SEMI_FALL_BACK (true) or SEMI_RESUME (false). */
void semi_watch_done(semi_watch_t *w, bool fell_back);

#endif
