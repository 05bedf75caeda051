/* config.h -- the failoverd.conf INI file: keys, defaults, bounds, validation.
 * Defined in src/lib/config.c (parsing with inih, keys declared once in a table). */
#ifndef FO_CONFIG_H
#define FO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    PROMOTION_INVALID = 0,
    PROMOTION_PREFER,
    PROMOTION_NEUTRAL,
    PROMOTION_NEVER,
} promotion_t;

const char *promotion_name(promotion_t p); /* "prefer" | "neutral" | "never" | "invalid" */
promotion_t promotion_from_string(const char *s);

typedef struct config {
    char *path; /* the file this came from, for messages */

    /* [cluster] */
    char *cluster_name;        /* required; [A-Za-z0-9_.-]{1,64} */
    char *zk_hosts;            /* required; "h:p,h:p" */
    char *zk_root;             /* default "/mysql-failover"; absolute, no trailing '/' */
    int zk_session_timeout_ms; /* default 6000; 1000..60000 */
    char *zk_auth_file;        /* optional; file holding "user:password" for a digest ACL */

    /* [node] (required by failoverd, optional for failoverctl) */
    char *node_name; /* [A-Za-z0-9_.-]{1,64} */
    char *node_host; /* default "127.0.0.1"; the address others (coordinator, replicas) use */
    int node_port;   /* default 3306; 1..65535 */
    char *node_socket; /* optional unix socket the local agent uses */
    promotion_t promotion; /* default neutral */
    char *datadir;      /* default /var/lib/mysql: mysqld's datadir, replaced by a re-clone */
    char *mysqld_start; /* default "/usr/bin/systemctl start mariadb": argv, no shell */
    char *mysqld_stop;  /* default "/usr/bin/systemctl stop mariadb" */

    /* [mysql] */
    char *mysql_user;          /* required */
    char *mysql_password;      /* password or password_file (file wins if both: refused) */
    char *mysql_password_file;
    char *repl_user;           /* required */
    char *repl_password;
    char *repl_password_file;
    int connect_timeout_ms;    /* default 1000; 100..60000 */
    int read_timeout_ms;       /* default 5000; 100..600000 (MySQL API granularity is 1 s) */
    char *ssl_mode;            /* disabled | preferred | required | verify_ca | verify_identity; default preferred */
    char *ssl_ca, *ssl_cert, *ssl_key;

    /* [failover] */
    int check_interval_ms;   /* default 1000; 50..60000 */
    int failure_threshold;   /* default 2; 1..100 consecutive failed probes before suspecting */
    int catchup_timeout_ms;  /* default 30000; 0..3600000 */
    int anti_flap_s;         /* default 300; 0..86400 */
    int bootstrap_settle_ms; /* default 5000; 0..600000: registrations must be this quiet before
                                a cluster without /primary adopts its topology */
    bool semi_sync;          /* default off */
    int semi_sync_timeout_ms; /* default 10000; 0..3600000: with semi_sync, how long commits may
                                wait for an acknowledgement before the primary's agent falls back
                                to asynchronous replication (0 = never; include/semiwatch.h) */
    bool failsafe;           /* default off: on = primary keeps writing through a ZK outage
                                while every replica still replicates from it */
    int fence_timeout_ms;    /* default 1000; 100..60000: SQL fencing (kill sessions, read_only
                                seen on) must finish within this (and within a quarter of the
                                session timeout), else mysqld is killed with SIGKILL */
    bool event_scheduler;    /* default off: on = the primary runs the event scheduler and a
                                promotion re-enables the replicated events */
    int max_lag_s;           /* default 30; 0..86400; replica considered healthy for /replica */
    int switchover_max_trx_s; /* default 60; 0..86400: failoverctl switchover refuses (without
                                --force) while a transaction older than this is open on the
                                primary; 0 = any open transaction */
    char *hook_pre_failover, *hook_post_failover, *hook_role_change;
    int hook_timeout_ms;     /* default 10000; 100..600000 */
    bool hook_pre_failover_abort; /* default off: a failing pre hook aborts the failover */
    /* Diverged nodes (issue 11; src/failoverd/repair.c): */
    char *rejoin;            /* manual | rewind (default) | reclone: what a diverged node does */
    char *archive_dir;       /* default /var/lib/failoverd/archive: errant transactions saved
                                as replayable SQL before anything is undone */
    int rewind_max_events;   /* default 100000; 0..100000000: a longer errant tail is refused */

    /* [http] */
    char *http_listen; /* "host:port", empty = off */

    /* [agent] */
    char *log_level;  /* debug|info|notice|warning|error; default info */
    char *pid_file;   /* optional */
    char *lease_file; /* default /run/failoverd/CLUSTER.NODE.lease: the fencing deadline, kept
                         for the next process of this agent (a restart inherits it) */

    /* Private to config.c (loaded secrets, the line each key was set on); NULL-safe to ignore. */
    struct config_priv *priv;
} config_t;

/* A config with every default filled in (strings NULL where no default). */
config_t *config_alloc(void);
void config_free(config_t *cfg);

/* Parse FILE into cfg (which should come from config_alloc). On failure returns -1 and writes a
 * one-line message "FILE:LINE: [section] key: problem; allowed: ..." into err. */
int config_load(config_t *cfg, const char *path, char *err, size_t errlen);

/* Parse from an in-memory string (unit tests, failoverctl check-config). name is used in messages. */
int config_load_string(config_t *cfg, const char *name, const char *text, char *err, size_t errlen);

/* Cross-key checks after loading: required keys present (need_node: the [node] section is needed),
 * password sources consistent, password files readable. Returns 0 or -1 with a message. */
int config_validate(config_t *cfg, bool need_node, char *err, size_t errlen);

/* Refuse a file holding a secret that group or others can read (like ssh does with keys).
 * Returns 0 when safe, -1 with a message naming the file and the chmod to run. */
int config_check_secret_perms(const char *path, char *err, size_t errlen);

/* The effective passwords (from the inline key or the *_file). Caller must not free. */
const char *config_mysql_password(const config_t *cfg);
const char *config_repl_password(const config_t *cfg);

/* ---- added with src/lib/config.c ---------------------------------------------------------- */

/* Cluster and node names: [A-Za-z0-9_.-]{1,64} (nodestate's name_is_valid applies the same rule). */
bool config_name_is_valid(const char *s);

/* Read zk_auth_file (mode 0600, one line "user:password"), as config_validate does; for
 * failoverctl --zk, which has no [mysql] to validate. 0, or -1 with a message. */
int config_load_zk_auth(config_t *cfg, char *err, size_t errlen);

/* "user:password" read from zk_auth_file by config_validate, or NULL when none. */
const char *config_zk_auth(const config_t *cfg);

/* Walk the key table (i = 0, 1, ...): section, key and default as text (NULL when none).
 * Returns false past the end. For check-config listings and tests that keep
 * etc/failoverd.conf and failoverd.conf(5) in step with the table. */
bool config_key_at(size_t i, const char **section, const char **key, const char **def);

/* ---- keys that must match on every node ---------------------------------------------------- */

#define CONFIG_DIGEST_HEX 16 /* config_digest() writes this many hex digits */

/* Whether [section] key must be equal on every node of a cluster (the table's CF_CLUSTER flag;
 * src/lib/config.c says why each is). */
bool config_key_is_cluster_wide(const char *section, const char *key);

/* A short stable digest of the cluster-wide keys' values: FNV-1a 64 over their
 * "section.key=value\n" lines sorted by key, as CONFIG_DIGEST_HEX lowercase hex digits (len must
 * be at least CONFIG_DIGEST_HEX + 1). Equal configs give equal digests on any host; any other
 * key, [node] name included, does not change it. Agents publish it in their node znode. */
void config_digest(const config_t *cfg, char *out, size_t len);

/* mysql.password and mysql.repl_password: never printed. */
bool config_key_is_secret(const char *section, const char *key);

/* Every key whose value differs between A and B (a reload's diff): FN(section, key, old, new,
 * ARG) for each, in the table's order, secrets as "***". Returns how many differ. The contents of
 * the *_file secrets are not compared (config_mysql_password() etc. tell). */
typedef void (*config_diff_fn)(const char *section, const char *key, const char *old_value,
                               const char *new_value, void *arg);
int config_diff(const config_t *a, const config_t *b, config_diff_fn fn, void *arg);

#endif
