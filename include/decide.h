/* decide.h -- the decisions failover rests on, as pure functions of (observations, now).
 * Defined in src/lib/decide.c. No ev.h, zookeeper.h or mysql.h here: unit-tested with tables. */
#ifndef FO_DECIDE_H
#define FO_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "gtid.h"

/* ---- candidate ranking ------------------------------------------------------------------ */

typedef struct candidate_obs {
    const char *name;
    promotion_t promotion;
    bool reachable;     /* the coordinator could query its mysqld just now */
    bool is_replica;    /* it has a replication configuration (SHOW SLAVE STATUS row) */
    gtid_pos_t received; /* Gtid_IO_Pos merged with gtid_slave_pos: what it has received */
    gtid_pos_t applied;  /* gtid_slave_pos: what its SQL thread has applied */
    gtid_pos_t binlog;   /* gtid_binlog_pos: everything in its own binlog */
    gtid_pos_t authored; /* MySQL: the part of gtid_executed its own server_uuid wrote (there
                            applied = binlog = gtid_executed); MariaDB: empty */
    double lag_s;        /* Seconds_Behind_Master, < 0 when unknown */
    int sql_delay_s;     /* SQL_Delay (MASTER_DELAY): > 0 is never promoted */
    int semi_sync_ack;   /* rpl_semi_sync_slave_enabled: 1 acks, 0 does not, -1 unknown */
} candidate_obs_t;

typedef struct candidate_verdict {
    bool eligible;
    int rank;          /* 1 = best; 0 when not eligible */
    char reason[160];  /* why eligible ("most received ..."), or why not */
} candidate_verdict_t;

/* Errant transactions: GTIDs in the candidate's own binlog that neither its replication stream
 * (applied) nor the old primary's last known position (may be empty) account for. MySQL (binlog
 * is a GTID set): the transactions it wrote itself (authored) that the old primary lacks.
 * Returns the count, and names them in buf when buf is non-NULL. */
uint64_t candidate_errant(const candidate_obs_t *c, const gtid_pos_t *old_primary, char *buf,
                          size_t len);

/* Rank n candidates. Order: never promotion=never, delayed (SQL_Delay > 0), unreachable, non-replicas or errant ones; then
 * most received first; then promotion=prefer; then smallest apply backlog (received - applied
 * transactions); then least lag (unknown lag last); then name.
 * Fills verdicts[n] and order[] (indices of eligible candidates, best first).
 * Returns the number of eligible candidates. */
size_t candidate_rank(const candidate_obs_t *c, size_t n, const gtid_pos_t *old_primary,
                      candidate_verdict_t *verdicts, size_t *order);

/* What a failover would do with a ranking: which candidate it wants, and whether that one must
 * first fetch what it lacks from the donor, the most advanced reachable replica without errant
 * GTIDs (eligible or not: a promotion=never replica may hold the only copy of a write). */
typedef struct candidate_plan {
    size_t donor; /* index into the candidates, or CANDIDATE_NONE */
    size_t want;  /* the candidate to promote: the first eligible promotion=prefer one, the
                     requested target, or else the best ranked; CANDIDATE_NONE if none */
    bool fetch;   /* want received less than donor: fetch from it first */
} candidate_plan_t;

#define CANDIDATE_NONE ((size_t)-1)

/* target: NULL or "*" for any candidate, else a name. order/eligible: from candidate_rank. */
void candidate_plan(const candidate_obs_t *c, size_t n, const gtid_pos_t *old_primary,
                    const size_t *order, size_t eligible, const char *target,
                    candidate_plan_t *out);

/* ---- semi-sync: who may acknowledge, and what an acknowledged write may be on ----------- */

/* Whether a replica should acknowledge semi-sync (rpl_semi_sync_slave_enabled = ON): only one
 * that may be promoted. A promotion=never or delayed (SQL_Delay > 0) replica that acked could
 * hold the only copy of an acknowledged write; with it silent, an acknowledged write is always
 * on a promotable replica (invariant 3). */
bool semi_sync_replica_wanted(promotion_t promotion, int sql_delay_s);

/* The replica an acknowledged write may be on that received the most: among the reachable,
 * non-errant replicas whose semi-sync ack is not known to be off (a promotion=never or delayed
 * one that does not ack holds no write nobody promotable has). CANDIDATE_NONE when none.
 * Semi-sync refuses to promote a candidate that received less than this one. Two MySQL sets
 * that each hold transactions the other lacks: the one with more transactions is the bar. */
size_t semi_sync_ack_top(const candidate_obs_t *c, size_t n, const gtid_pos_t *old_primary);

/* Whether a candidate that received cand may lack a write acknowledged by the replica that
 * received top (semi_sync_ack_top's): cand is behind top, or (MySQL GTID sets) lacks some of
 * top's transactions while holding others top lacks. Such a candidate is not promoted under
 * semi_sync without --force (invariant 3). */
bool semi_sync_lacks_acked(const gtid_pos_t *cand, const gtid_pos_t *top);

/* ---- holistic primary-loss detection ---------------------------------------------------- */

typedef struct primary_obs {
    bool primary_reachable;      /* the coordinator's own probe of the primary's mysqld */
    int consecutive_failures;    /* failed probes in a row (0 when reachable) */
    int replicas_known;          /* replicas that should replicate from the primary */
    int replicas_reachable;      /* of those, how many the coordinator could query */
    int replicas_io_connected;   /* of the reachable, how many have an IO thread connected to it */
    bool agent_gone;             /* the primary's agent is not registered (its session ended): one
                                    failed probe is then enough, see detect_primary_loss() */
    bool mysqld_down;            /* its agent reports no mysqld process running on its host (the
                                    process ended: crashwatch.c): one failed probe is enough */
} primary_obs_t;

typedef enum {
    DETECT_INVALID = 0,
    DETECT_HEALTHY,            /* primary reachable */
    DETECT_SUSPECT,            /* unreachable, below the failure threshold: look again soon */
    DETECT_REPLICAS_DISAGREE,  /* unreachable from here but some replica still replicates: no failover */
    DETECT_NO_WITNESS,         /* unreachable and no replica reachable to confirm: no failover */
    DETECT_CONFIRMED_DEAD,     /* unreachable and no reachable replica connected: fail over */
} detect_t;

/* failure_threshold failed probes in a row, or one when the primary's agent reports that no
 * mysqld process runs on its host any more (a crash or kill seen by the agent itself: the
 * threshold guards against a slow network between us and the primary, which that report rules
 * out), or one when the primary's agent is gone: its session
 * ended, so ZooKeeper has not heard from that host for a whole session timeout (or the agent was
 * stopped), which says more than probes 100 ms apart. A coordinator elected because it lost its
 * predecessor together with the primary then confirms at its first probe instead of its third.
 * The replicas must still agree (invariant 4): an agent dead alone changes nothing. */
detect_t detect_primary_loss(const primary_obs_t *o, int failure_threshold);
const char *detect_name(detect_t d);

/* A stranded primary: its mysqld answers, read-only, and its agent has been unregistered for
 * stranded_ms (a stopped agent fences on the way out; an agent that dies and stays away leaves a
 * read-only mysqld nobody will lift). Nothing writes until someone acts, so after a whole session
 * timeout (time for a restarted agent to register again) the coordinator moves the primary as a
 * switchover would: the old one answers, so its whole position is caught up and nothing is lost.
 * False for a negative timeout or duration. */
bool primary_stranded(bool answers, bool read_only, bool agent_listed, int64_t stranded_ms,
                      int session_timeout_ms);

/* Publishing a node's state (nodes/<name>): what decisions act on goes out at once (urgent:
 * node_state_decision_json() changed); positions and lag, which move with every write, only
 * once they have held still for one probe (settled) and POSITION_MIN_GAP_MS have passed since
 * the last publish, and under a steady load every POSITION_KEEPALIVE_MS regardless. So a busy
 * agent writes ZooKeeper at most once per POSITION_MIN_GAP_MS for its positions, an idle one
 * never, and a node's published position is at most POSITION_KEEPALIVE_MS old (what failover
 * ranks on is probed fresh by the coordinator, never read from there). */
#define POSITION_MIN_GAP_MS 5000
#define POSITION_KEEPALIVE_MS 20000
bool publish_due(bool changed, bool urgent, bool settled, int64_t since_last_publish_ms);

/* Whether a replica's IO thread has stopped hearing its source although Slave_IO_Running still
 * says Yes (it does until slave_net_timeout, e.g. when the source's host is frozen). A source
 * sends a heartbeat after heartbeat_period of silence, so neither an event nor a heartbeat for
 * 1.5 periods means the source is not talking. unheard_ms: since the received position or the
 * heartbeat counter last moved. Never silent when heartbeats are off (period 0) or unknown. */
bool source_is_silent(bool io_running, int heartbeat_period_ms, int64_t unheard_ms);

/* How long the coordinator gives the primary to answer a probe: one check interval (at least
 * 200 ms, at most read_timeout_ms), so a frozen primary is suspected within an interval rather
 * than after the API's read timeout. A slow answer only makes the coordinator ask the replicas. */
int probe_deadline_ms(int check_interval_ms, int read_timeout_ms);

/* The same when the primary's agent is not registered: a quarter of it, at least 50 ms. Its
 * session ended, so its host is likely gone, and a connect to a cut-off host only ends at the
 * deadline: a coordinator elected because it lost its predecessor with the primary would sit in
 * it before anything else. A live primary on a LAN answers well within 50 ms; one that does not
 * only makes the coordinator ask the replicas, whose IO threads still say it lives. */
int probe_deadline_agentless_ms(int check_interval_ms, int read_timeout_ms);

/* The MASTER_HEARTBEAT_PERIOD a replica is pointed with: an eighth of the session timeout, at
 * least 100 ms and at most 1 s. A replica reports its source silent after 1.5 periods without an
 * event or a heartbeat (source_is_silent()), and the coordinator confirms a lost primary only
 * once no replica streams from it: with T = 2 s that comes at 375 ms, well before the old
 * primary's session can expire, so the confirmation never waits on the heartbeat. */
int replication_heartbeat_ms(int session_timeout_ms);

/* ---- fencing on ZooKeeper loss ---------------------------------------------------------- */

/* The server can expire our session no earlier than (send time of the last request it answered)
 * + session timeout. We fence at half of that, leaving the other half for the fence itself. */
int64_t fence_deadline_ms(int64_t last_ack_sent_ms, int session_timeout_ms);

/* The first fencing deadline of an agent that starts: half the session timeout from now, but no
 * later than the deadline its previous process on this boot recorded in the lease file, if any
 * (have_saved). A restart must not extend what the previous process promised: its session may
 * expire at its last sync + T, and another node may be promoted then. A saved deadline from the
 * future beyond now + T/2 cannot be right: it is capped like a fresh start. */
int64_t start_deadline_ms(int64_t now_ms, int session_timeout_ms, bool have_saved,
                          int64_t saved_deadline_ms);


/* How long SQL fencing may take before the agent escalates to SIGKILL: fence_timeout_ms, but at
 * most a quarter of the session timeout, so a fence begun at the deadline (half the timeout)
 * ends, kill and its wait (fence_kill_wait_ms) included, before the server can expire us. */
int fence_budget_ms(int fence_timeout_ms, int session_timeout_ms);

/* How long to wait for a SIGKILLed mysqld to be gone: an eighth of the session timeout. */
int fence_kill_wait_ms(int session_timeout_ms);

/* How fresh failsafe evidence (every replica connected to us) must be. */
int64_t failsafe_evidence_ttl_ms(int check_interval_ms);

/* How long a coordinator waits, after stopping replica IO threads, before promoting without the
 * old primary's acknowledgement: long enough that any failsafe evidence has lapsed (one ttl and
 * FAILSAFE_LAPSE_MARGIN_MS). */
#define FAILSAFE_LAPSE_MARGIN_MS 200
/* How often a primary in failsafe re-judges its evidence (the fencer's poll). */
#define FAILSAFE_RECHECK_MS 100
/* Evidence lapses at its ttl, but the old primary sees that only at its next re-check and then
 * needs up to fence_budget_ms to be read-only: a new primary (or a replica that vouched) may be
 * writable only after all of that and a margin for the hosts' clocks. */
int64_t failsafe_lapse_wait_ms(int check_interval_ms, int fence_budget);

typedef struct write_obs {
    bool is_desired_primary;   /* /primary names this node with the epoch we hold */
    bool session_alive;        /* now < fence deadline */
    bool failsafe_enabled;
    /* Failsafe evidence: a round trip this agent began at evidence_at_ms (the SEND time of its
     * requests; 0 = never) to every replica registered at its last ZooKeeper read
     * (replicas_expected), of which replicas_connected vouched (failsafe_vouch()). Binlog Dump
     * threads prove nothing: they linger on a dead link for as long as the kernel keeps it. */
    int64_t evidence_at_ms;
    int replicas_expected;
    int replicas_connected;
    bool diverged;             /* our GTIDs are not a subset of the primary's: never writable */
    bool episode_fenced;       /* fenced once in this session-loss episode: stays read-only until
                                  a session is back and /primary has been read again */
} write_obs_t;

typedef enum {
    WRITE_INVALID = 0,
    WRITE_ALLOW,    /* may be writable */
    WRITE_FENCE,    /* must be read-only */
} write_decision_t;

write_decision_t writable_decision(const write_obs_t *o, int64_t now_ms, int check_interval_ms,
                                   const char **why);

/* Whether ZooKeeper is in doubt for an agent: disconnected, or no sync answered for a quarter
 * of the session timeout (the fencing deadline is at half). A primary's agent then starts its
 * failsafe round trips, early enough to hold evidence when the deadline passes; a replica's
 * agent then vouches. Vouching makes nobody writable, so judging early is safe. */
bool zk_in_doubt(bool connected, int64_t last_ack_sent_ms, int64_t now_ms, int session_timeout_ms);

/* A replica's answer to a primary's failsafe request (Patroni's rule): yes only if its own agent
 * has lost ZooKeeper too, and its IO thread is connected to the asker right now: a fresh probe
 * says running, not silent, from the host:port that /primary (as last read) gives the asker,
 * at the epoch the asker holds. */
typedef struct vouch_obs {
    bool zk_in_doubt;
    const char *asker;           /* the name in the request */
    uint64_t asker_epoch;
    const char *desired_name;    /* /primary as this agent last read it; "" when unknown */
    const char *desired_host;
    int desired_port;
    uint64_t desired_epoch;
    bool probe_ok;               /* the local probe answered ... */
    int64_t probe_age_ms;        /* ... this long ago */
    bool is_replica, io_running, source_silent;
    const char *source_host;
    int source_port;
} vouch_obs_t;

bool failsafe_vouch(const vouch_obs_t *o, int check_interval_ms, const char **why);

/* Whether a ZooKeeper ensemble's timing keeps the fencing argument (failoverd-protocol(7), A1
 * and A10) for session timeout T: the granted timeout is T (min/maxSessionTimeout allow it),
 * a cut-off leader stops answering syncs well before a new one can expire the session
 * (syncLimit x tickTime < T/2), and the leader's session ticks fit the margin (tickTime < T/4).
 * Returns true when all hold; else false with the first problem and its fix in why. */
bool zk_timing_ok(int tick_ms, int sync_limit, int min_session_ms, int max_session_ms,
                  int session_timeout_ms, char *why, size_t len);

/* ---- anti-flap -------------------------------------------------------------------------- */

/* true when an automatic failover is allowed now, given the time of the last one (0 = never). */
bool antiflap_allows(int64_t last_failover_ms, int64_t now_ms, int anti_flap_s);

/* How much longer (ms) the anti-flap hold lasts, judged once, when a last_failover_at is first
 * seen: 0..anti_flap_s*1000. A time from the future (a clock that ran ahead, or ours stepped
 * back) counts as now, so the hold never exceeds anti_flap_s; the caller then counts it down on
 * its monotonic clock, so later wall-clock steps neither end nor stretch it. */
int64_t antiflap_hold_ms(int64_t last_failover_ms, int64_t wall_now_ms, int anti_flap_s);

/* ---- bootstrap: adopting an existing topology ------------------------------------------- */

typedef struct topo_obs {
    const char *name;
    const char *host;
    int port;
    bool reachable;
    bool read_only;
    bool is_replica;        /* has a SHOW SLAVE STATUS row */
    const char *source_host; /* Master_Host, when is_replica */
    int source_port;
} topo_obs_t;

/* The one node that is not a replica and that every reachable replica replicates from.
 * Returns its index, or -1 with an explanation (none, several, replicas disagree, unreachable). */
int bootstrap_pick_primary(const topo_obs_t *t, size_t n, char *why, size_t len);

#endif
