/* nodestate.h -- the JSON payloads stored in ZooKeeper: nodes/<name>, primary, control.
 * Defined in src/lib/nodestate.c (jansson). Parsing is strict: wrong types, missing required
 * fields or oversize strings are refused with a one-line message; nothing crashes. */
#ifndef FO_NODESTATE_H
#define FO_NODESTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "gtid.h"

#define FO_VERSION "0.1.0"
#define NAME_MAX_LEN 64
#define HOST_MAX_LEN 256

typedef enum {
    ROLE_UNKNOWN = 0,
    ROLE_PRIMARY,  /* no replication configured */
    ROLE_REPLICA,  /* replicates (or is configured to) from some source */
} role_t;

const char *role_name(role_t r);
role_t role_from_string(const char *s);

/* What an agent publishes about its mysqld (nodes/<name>, ephemeral). */
typedef struct node_state {
    char name[NAME_MAX_LEN + 1];
    char host[HOST_MAX_LEN + 1];
    int port;
    promotion_t promotion;
    bool healthy;           /* mysqld answered the last probe */
    bool mysqld_down;       /* it did not, and no mysqld process of this node runs (the pid is
                               gone and nothing listens on its socket/port): down, not busy */
    role_t role;
    bool read_only;
    uint32_t server_id;
    char version[64];       /* mysqld version string */
    char gtid_received[GTID_POS_STRLEN]; /* Gtid_IO_Pos (replica) or gtid_binlog_pos (primary) */
    char gtid_applied[GTID_POS_STRLEN];  /* gtid_slave_pos (replica) or gtid_binlog_pos (primary) */
    char gtid_binlog[GTID_POS_STRLEN];   /* gtid_binlog_pos */
    char server_uuid[40];   /* MySQL's @@server_uuid (what it wrote itself is told by it, for
                               errant GTIDs); "" on MariaDB, and then not written at all */
    double lag_s;           /* < 0: unknown (JSON null) */
    int sql_delay_s;        /* SQL_Delay (MASTER_DELAY) of a replica: > 0 is never promoted */
    char source_host[HOST_MAX_LEN + 1];   /* "" when not a replica */
    int source_port;
    bool io_running;        /* Slave_IO_Running == Yes (connected) */
    bool sql_running;
    bool source_silent;     /* IO thread "Yes" but no event or heartbeat for 1.5 heartbeat
                               periods: the source is frozen or cut off (source_is_silent()) */
    int replicas_connected; /* Binlog Dump threads on this server */
    uint64_t epoch;         /* the /primary epoch this agent has acted on */
    bool fenced;            /* the agent holds it read-only because it must */
    bool fence_ack;         /* read-only because /primary names it with fencing=true: the
                               acknowledgement the coordinator waits for before promoting */
    int fence_version;      /* the /primary znode version the acknowledgement answers; -1 none */
    char fence_killed[200]; /* the client sessions that fence cut, "app@10.0.0.5 x2, ..."
                               ("" when none or not acknowledged) */
    char fence_how[16];     /* how the acknowledged fence was achieved: "read_only" (seen taking
                               effect), "killed" (SIGKILL, process seen gone) or "down" (no
                               mysqld running); "" when not acknowledged */
    bool diverged;          /* has GTIDs the primary never had: kept read-only */
    int events_enabled;     /* replicated events this node re-enabled when it was promoted at
                               its current epoch (event_scheduler = on) */
    char http[HOST_MAX_LEN + 8]; /* the agent's HTTP endpoints, "host:port"; "" when off */
    char agent_version[32];
    char config_digest[CONFIG_DIGEST_HEX + 1]; /* config_digest() of the agent's config: its
                               keys that must match on every node; "" from an agent too old to
                               publish one */
    int64_t updated_ms;     /* wall clock, ms since the epoch */
    char error[256];        /* last probe error, "" when none */
} node_state_t;

/* Returns a malloc'd JSON string (caller frees), or NULL on out of memory. */
char *node_state_to_json(const node_state_t *s);
int node_state_from_json(node_state_t *s, const char *buf, size_t len, char *err, size_t errlen);

/* The part of a node's state that decisions act on: its JSON with the streaming fields
 * (gtid_received, gtid_applied, gtid_binlog, updated_at) blanked and lag_s reduced to unknown /
 * within max_lag_s / beyond it. Two states with equal views differ only in how far the node
 * got, which an agent republishes lazily (publish_due()); any other difference goes out at once.
 * malloc'd (caller frees), NULL on out of memory. */
char *node_state_decision_json(const node_state_t *s, int max_lag_s);

/* /primary: the desired primary. */
typedef struct primary_rec {
    char name[NAME_MAX_LEN + 1];
    char host[HOST_MAX_LEN + 1]; /* where replicas point: copied from the node's registration */
    int port;
    uint64_t epoch;
    int64_t since_ms;
    char reason[64];  /* "bootstrap" | "failover" | "switchover" | "manual" */
    /* true while the coordinator moves the primary away: the named node must be read-only and
     * its agent acknowledges by publishing read_only + fenced. Writable needs fencing == false. */
    bool fencing;
} primary_rec_t;

char *primary_rec_to_json(const primary_rec_t *p);
int primary_rec_from_json(primary_rec_t *p, const char *buf, size_t len, char *err, size_t errlen);

/* /control: maintenance flags and the one pending operator request. A missing znode means all
 * defaults. failoverctl writes a request (with the version it read); the coordinator carries it
 * out, writes a history record whose "request_at" equals request_at_ms, and clears request. */
typedef struct control_rec {
    bool paused;
    char request[16];          /* "" = none | "switchover" | "failover" */
    char request_to[NAME_MAX_LEN + 1]; /* target node; "*" = best candidate (switchover only) */
    bool request_force;        /* failover: skip the holistic check (never the fencing) */
    int request_timeout_s;     /* how long the candidate may take to catch up; 0 = default */
    int64_t request_at_ms;     /* wall clock when requested; identifies the request */
    int64_t last_failover_ms;  /* for anti-flap; 0 = never */
    int64_t anti_flap_until_ms; /* the end of the hold that failover started, by the anti_flap_s
                                   of the coordinator that wrote it (ZooKeeper's clock); 0 = not
                                   written (an older coordinator): judge by one's own config */
    /* Who paused, why, and until when (failoverctl pause --reason --for): shown by status and
     * recorded in the history. pause_until_ms is on ZooKeeper's clock; 0 = until resume. */
    char pause_reason[256];
    char paused_by[128];       /* "user@host" of the failoverctl that paused */
    int64_t paused_at_ms;
    int64_t pause_until_ms;
} control_rec_t;

/* Whether c pauses automatic failover at now_ms (ZooKeeper's clock): paused and not expired. */
bool control_pause_active(const control_rec_t *c, int64_t now_ms);

/* The end of the anti-flap hold in force at now_ms (wall clock), 0 when none: anti_flap_until as
 * the coordinator that failed over wrote it; for a record of an older coordinator (none written),
 * last_failover_at + own_anti_flap_s, the reader's own config. */
int64_t control_hold_end(const control_rec_t *c, int own_anti_flap_s, int64_t now_ms);

char *control_rec_to_json(const control_rec_t *c);
int control_rec_from_json(control_rec_t *c, const char *buf, size_t len, char *err, size_t errlen);

/* /members: every node whose agent ever registered, with its address, kept by the coordinator
 * (persistent), so that status still lists a node whose agent is gone. Never shrinks by itself. */
#define MEMBERS_MAX 64
typedef struct member {
    char name[NAME_MAX_LEN + 1];
    char host[HOST_MAX_LEN + 1];
    int port;
} member_t;
typedef struct members_rec {
    size_t n;
    member_t m[MEMBERS_MAX];
} members_rec_t;

char *members_rec_to_json(const members_rec_t *r);
int members_rec_from_json(members_rec_t *r, const char *buf, size_t len, char *err, size_t errlen);
/* Add or update name's address; true when r changed (false also when it is full). */
bool members_rec_put(members_rec_t *r, const char *name, const char *host, int port);

/* Node and cluster names: [A-Za-z0-9_.-]{1,64}. */
bool name_is_valid(const char *s);

#endif
