/* agent.h -- failoverd's internal state, shared by the loop thread (session.c, main.c) and the
 * worker threads (local.c: this node's mysqld; coord.c: coordinator; fencer in local.c). */
#ifndef FO_AGENT_H
#define FO_AGENT_H

#include <ev.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <zookeeper/zookeeper.h>

#include "config.h"
#include "db.h"
#include "lease_codec.h"
#include "nodestate.h"
#include "zkutil.h"

/* One ZooKeeper session. Workers hold a reference while they use zh, so the loop thread can
 * retire an expired session without pulling the handle from under them. */
typedef struct zsess {
    zhandle_t *zh;
    uint64_t gen;        /* bumps with every new session: beliefs tied to an old gen are void */
    int refs;            /* under agent.mu */
    int64_t client_id;   /* ZooKeeper session id, once connected */
    void *watch_ctx;     /* the watcher's context: freed after zookeeper_close, never before */
} zsess_t;

typedef enum {
    ZEV_INVALID = 0,
    ZEV_SESSION,   /* session state change */
    ZEV_WATCH,     /* a watch fired */
    ZEV_HEARTBEAT, /* a heartbeat request was answered */
} zev_kind_t;

/* What a ZooKeeper thread callback hands to the loop thread: a copy, never a pointer into
 * the client's memory. */
typedef struct zev {
    zev_kind_t kind;
    uint64_t gen;
    int type, state, rc;
    int64_t sent_ms;
    char path[ZK_PATH_MAX];
    struct zev *next;
} zev_t;

#define FAILSAFE_MAX_PEERS 64

/* A node the primary's failsafe round trip must hear from. */
typedef struct failsafe_peer {
    char name[NAME_MAX_LEN + 1];
    char http[HOST_MAX_LEN + 8]; /* "host:port"; "" = it has no HTTP endpoint: cannot vouch */
} failsafe_peer_t;

/* failoverd_failovers_total's labels: the history record's type and outcome (http.c). */
#define METRIC_KINDS 3    /* failover, switchover, manual-failover */
#define METRIC_OUTCOMES 6 /* success, success-repoint-incomplete, promotion-unconfirmed,
                             no-candidate, refused, aborted */

/* Kick reasons: which znodes a thread must re-read (agent_t local_dirty / coord_dirty). */
enum {
    DIRTY_ALL = 1,       /* everything (the safe default) */
    DIRTY_PRIMARY = 2,   /* /primary */
    DIRTY_CONTROL = 4,   /* /control */
    DIRTY_NODE_LIST = 8, /* the /nodes listing */
    DIRTY_ELECTION = 16, /* an /election child (our predecessor) */
};
#define DIRTY_NODES_MAX 64
/* Watches say what changed; everything is re-read anyway after this long without a full read
 * (a safety net: a session keeps its watches across reconnections). */
#define ZK_REREAD_MS 30000

typedef struct agent {
    config_t *cfg;
    struct ev_loop *loop;
    ev_async wake;
    ev_timer heartbeat;
    ev_timer fence_timer;
    ev_timer watchdog;
    ev_signal sig_int, sig_term, sig_hup;

    pthread_mutex_t qmu;   /* the ZooKeeper event queue */
    zev_t *qhead, *qtail;

    pthread_mutex_t mu;    /* everything below */
    pthread_cond_t cv;
    zsess_t *sess;
    uint64_t gen;
    bool zk_connected;
    bool session_alive;        /* set by the loop at each answered sync, cleared by its timer at
                                  the deadline; read it through session_live(), never alone */
    int64_t alive_until_ms;    /* the fencing deadline session_alive was set for */
    int64_t last_ack_sent_ms;
    bool deadline_passed;      /* the fencing deadline passed and no sync has been answered since:
                                  a mysqld seen writable now must be fenced (local_iteration) */
    int64_t last_move_ms;      /* when the session was last moved off a stalled server */
    int64_t connected_at_ms;   /* when the client last (re)connected to a server */
    int session_timeout_ms;
    bool stopping;
    bool kick_local, kick_coord, fence_requested;
    /* What a kick asks each thread to re-read (DIRTY_*): session.c classifies every watch that
     * fires by its path; any other kick (a session event, leadership, a reload) is DIRTY_ALL. */
    unsigned local_dirty, coord_dirty;
    char dirty_nodes[DIRTY_NODES_MAX][NAME_MAX_LEN + 1]; /* coordinator: nodes/<name> that fired */
    int ndirty_nodes;
    bool is_coordinator;
    uint64_t coord_gen;        /* session gen in which we won the election */
    char election_path[ZK_PATH_MAX];
    /* failsafe evidence: the last round trip to every replica that all of them vouched for
     * (failsafe.c), timed from when its requests were sent */
    int64_t evidence_at_ms;
    int replicas_expected, replicas_connected;
    failsafe_peer_t peers[FAILSAFE_MAX_PEERS]; /* every other registered node, at the last read */
    int npeers;
    bool peers_known;          /* read in the current session */
    bool episode_fenced;       /* fenced while the session was in doubt: see write_obs_t */
    int64_t alive_since_ms;    /* when session_alive last turned true */
    int64_t vouched_until_ms;  /* we vouched for a primary: not writable ourselves before this */
    primary_rec_t desired;     /* /primary as the local worker last read it (name "" = none) */
    int64_t snap_at_ms;        /* when snap was probed (monotonic) */
    bool is_desired_primary;
    uint64_t desired_epoch;
    bool fenced;
    bool cluster_paused;       /* /control says paused (read by the local worker) */
    int64_t cluster_pause_until_ms; /* ... until then (wall clock; 0 = until resume) */
    char fence_killed[200];    /* who the last fence's killed client sessions belonged to */
    int64_t cluster_last_failover_ms; /* /control last_failover_at (0 = never), for /metrics */
    /* Moves this agent coordinated, by kind and outcome (http.c, failoverd_failovers_total). */
    unsigned long failovers[METRIC_KINDS][METRIC_OUTCOMES];

    node_state_t snap;         /* the local worker's latest view, for the HTTP endpoints */
    bool snap_valid;
    _Atomic bool quit;         /* set once at shutdown: long waits look at it */

    pid_t mysqld_pid;          /* this node's mysqld, from its pid file at the last connect;
                                  0 = unknown. For fencing's last resort, the kill. */
    bool mysqld_seen_writable; /* read_only was off at the last answered probe */
    pthread_mutex_t ro_mu;     /* serialises read_only changes (local worker vs fencer) */
    pthread_t t_local, t_coord, t_fencer, t_failsafe, t_crashwatch;
    int stop_fd;               /* eventfd, readable once the agent is stopping (poll()ers) */

    /* lease.c (loop thread only, after lease_open()): the fencing deadline and the ZooKeeper
     * session kept for the next process of this agent */
    char lease_path[4096];
    char boot_id[64];
    int lease_fd;              /* -1: not open (no path, or it could not be written) */
    lease_t lease;             /* what the file says now */
    bool have_saved;           /* the file held a lease of this boot when we started: saved */
    lease_t saved;
} agent_t;

/* http.c: count one move this agent coordinated (a history record of type kind, outcome
 * outcome), for failoverd_failovers_total. */
void http_count_move(agent_t *a, const char *kind, const char *outcome);

/* session.c (loop thread) */
void session_start(agent_t *a);
void session_stop(agent_t *a);
zsess_t *session_get(agent_t *a);   /* NULL when not connected; else a reference */
void session_put(agent_t *a, zsess_t *s);

/* lease.c (loop thread): the fencing deadline and the ZooKeeper session survive a restart of the
 * agent (not of the host: CLOCK_MONOTONIC and the boot id start again, and mysqld boots
 * read-only). lease_open() locks the file: -1 (err set) when another live agent holds it. */
int lease_open(agent_t *a, char *err, size_t errlen);
int64_t lease_start_deadline(agent_t *a, int64_t now_ms); /* the first deadline */
const clientid_t *lease_resume(agent_t *a, clientid_t *buf); /* the saved session, once; or NULL */
void lease_record(agent_t *a, int64_t deadline_ms);       /* the deadline moved */
void lease_session(agent_t *a, const clientid_t *cid);    /* the session now held; NULL: none */
void lease_close(agent_t *a, bool remove);                /* at a clean stop */

/* The session timeout the server granted, or the configured one before it granted any: what
 * every deadline derived from T uses. Caller holds a->mu. */
int agent_session_timeout(const agent_t *a);

/* Whether the session is live at now_ms: the loop's flag AND its deadline not yet passed. The
 * flag alone lags after a freeze (SIGSTOP, a stalled VM): every thread resumes at once, and one
 * that decides before the loop's deadline timer has run would act on a session the server may
 * have expired long ago. Every write decision asks the clock. Caller holds a->mu. */
static inline bool session_live(const agent_t *a, int64_t now_ms)
{
    return a->session_alive && now_ms < a->alive_until_ms;
}

/* Wake worker threads. */
void agent_kick(agent_t *a, bool local, bool coord);

/* local.c */
typedef enum {
    FENCE_NOT = 0,     /* not fenced (or not confirmed) */
    FENCE_READ_ONLY,   /* read_only (and super_read_only) seen taking effect */
    FENCE_KILLED,      /* mysqld SIGKILLed and seen gone */
    FENCE_DOWN,        /* no mysqld running */
} fence_how_t;
fence_how_t fence_or_kill(agent_t *a, db_conn_t **dbp, bool may_be_writable, const char *why);
const char *fence_how_name(fence_how_t h);
void *local_main(void *arg);
void local_fence_on_stop(agent_t *a); /* on SIGTERM/SIGINT, before the session closes */
void *fencer_main(void *arg);

/* crashwatch.c: kicks the local worker the moment its mysqld process exits (pidfd). */
void *crashwatch_main(void *arg);

/* coord.c */
void *coord_main(void *arg);

/* failsafe.c */
void *failsafe_main(void *arg);  /* the primary's round trips while ZooKeeper is in doubt */
/* GET /failsafe?primary=NAME&epoch=N: a replica's answer. Returns the HTTP status and fills
 * body with JSON. Never blocks. */
unsigned failsafe_answer(agent_t *a, const char *asker, const char *epoch, char *body, size_t len);

/* hooks.c */
typedef struct hook_env {
    const char *old_primary, *old_host, *new_primary, *new_host, *reason;
    int old_port, new_port;  /* 0: not known (then FAILOVER_*_PORT is empty) */
    uint64_t epoch;
    const char *role; /* role-change hooks: "primary" | "replica" */
} hook_env_t;

/* Run a user hook (no shell; its own process group; killed after hook_timeout_ms; output
 * logged). Returns its exit status, 0 when path is empty, -1 when it could not run or was
 * killed. Blocks: call from a worker thread. */
int hook_run(const config_t *cfg, const char *which, const char *path, const hook_env_t *e);

/* page.c: the topology page (GET /, /index.html) and its data (GET /cluster.json), served from
 * http.c's request thread without blocking it; page_stop() at exit. */
struct MHD_Connection;
bool page_handles(const char *url);
int page_reply(agent_t *a, struct MHD_Connection *c, const char *url);
void page_stop(void);

/* http.c: NULL when [http] listen is empty or the port cannot be bound (logged). */
void *http_start(agent_t *a);
void http_stop(void *daemon);

/* reload.c: SIGHUP. Applies the file at PATH whole or refuses it whole (logged); 0 = applied
 * or unchanged. reload_free_retired() frees the replaced configurations (at exit only). */
int agent_reload(agent_t *a, const char *path);
void reload_free_retired(void);

/* shared helpers (local.c) */
const char *agent_mysql_password(const agent_t *a);

#endif
