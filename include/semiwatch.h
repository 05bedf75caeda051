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
 * still write (its lease holds). It turns semi-sync back on when a semi-sync replica is
 * connected, a replica has been sent everything, and semi_sync_timeout_ms has passed since the
 * fallback; if that try ends in another fallback (the replica is connected but does not answer:
 * stopped, or still catching up), the next try waits twice as long, up to SEMI_RETRY_MAX_MS, so
 * a replica that never acknowledges stalls writes for ever shorter shares of the time. The first
 * acknowledgement resets that. Pure: the agent feeds it samples and carries out what it returns. */
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
    long caught_up;       /* Binlog Dump threads that have sent everything (their replica is
                             caught up as far as this primary knows) */
} semi_sample_t;

#define SEMI_RETRY_MAX_MS 300000 /* the longest wait before semi-sync is tried again */

typedef struct semi_watch {
    bool fell_back;         /* we turned rpl_semi_sync_master_enabled off ... */
    int64_t fell_back_at;   /* ... then (monotonic ms) */
    bool trying;            /* turned on again after a fallback, no acknowledgement seen yet */
    int failed_tries;       /* tries in a row that ended in another fallback */
    int64_t stalled_since;  /* monotonic ms since commits wait with no ack; 0 = not stalled */
    long long last_yes_tx;
} semi_watch_t;

typedef enum semi_action {
    SEMI_KEEP,      /* nothing to do */
    SEMI_CONFIGURE, /* set rpl_semi_sync_master_timeout and wait_no_slave as above */
    SEMI_FALL_BACK, /* no ack for timeout_ms: turn semi-sync off, if we may still write */
    SEMI_RESUME,    /* fell back, a semi-sync replica is connected and a replica caught up:
                       turn it on again */
} semi_action_t;

/* What to do after sample S taken at NOW (monotonic ms), with semi_sync_timeout_ms TIMEOUT_MS
 * (0: never fall back). Updates W; the caller reports what it carried out (semi_watch_done()). */
semi_action_t semi_watch_step(semi_watch_t *w, const semi_sample_t *s, int64_t now, int timeout_ms);

/* The caller carried out DONE (SEMI_FALL_BACK or SEMI_RESUME) at NOW. */
void semi_watch_done(semi_watch_t *w, semi_action_t done, int64_t now);

/* How long after the last fallback the next try waits (for the log). */
int64_t semi_watch_retry_ms(const semi_watch_t *w, int timeout_ms);

#endif
