/* flavor.h -- every statement and name that differs between MariaDB and MySQL 8.0 / 8.4, and the
 * parsers of their answers, as pure functions of the server's flavor and version (src/lib/flavor.c).
 * db.c detects the flavor once per connection and asks here; nothing here talks to a server. */
#ifndef FO_FLAVOR_H
#define FO_FLAVOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    FLAVOR_UNKNOWN = 0,
    FLAVOR_MARIADB,
    FLAVOR_MYSQL,
} flavor_t;

/* A server: its flavor and version as major * 10000 + minor * 100 + patch (MySQL's own
 * MYSQL_VERSION_ID form: 8.0.22 is 80022, MariaDB 10.11.6 is 101106). */
typedef struct flavor_info {
    flavor_t kind;
    unsigned version;
} flavor_info_t;

/* The MySQL releases where a spelling changed (MySQL 8.0 reference manual). */
#define FLAVOR_MYSQL_REPLICA_KEYWORD 80022 /* SHOW/START/STOP/RESET REPLICA, new status columns */
#define FLAVOR_MYSQL_SOURCE_OPTIONS 80023  /* CHANGE REPLICATION SOURCE TO ... SOURCE_* */
#define FLAVOR_MYSQL_SEMI_SOURCE 80026     /* rpl_semi_sync_source / _replica plugins */

/* What failoverctl assumes for a server it cannot reach (the flavor tested here). */
extern const flavor_info_t FLAVOR_INFO_MARIADB;

/* From SELECT @@version and @@version_comment (comment may be NULL): MariaDB when either names
 * it ("10.11.6-MariaDB-0+deb12u1", also behind the old "5.5.5-" handshake prefix), MySQL for any
 * other "major.minor.patch..." ("8.0.36", "8.4.0-commercial", Percona's "8.0.36-28").
 * 0, or -1 with a message naming the string when it is neither. */
int flavor_detect(const char *version, const char *comment, flavor_info_t *out, char *err,
                  size_t errlen);
/* "MariaDB 10.11.6", "MySQL 8.0.21" */
void flavor_describe(const flavor_info_t *f, char *buf, size_t len);

/* ---- statements ---------------------------------------------------------------------------- */
typedef enum {
    FLAVOR_STOP_REPLICA = 0, /* STOP REPLICA / STOP SLAVE */
    FLAVOR_START_REPLICA,
    FLAVOR_STOP_IO,          /* ... IO_THREAD */
    FLAVOR_START_IO,
    FLAVOR_START_SQL,        /* ... SQL_THREAD */
    FLAVOR_RESET_ALL,        /* RESET REPLICA ALL / RESET SLAVE ALL */
    FLAVOR_REPLICA_STATUS,   /* the agent's probe (MariaDB: SHOW ALL SLAVES STATUS, see flavor.c) */
    FLAVOR_REPLICA_STATUS_ONE, /* the default connection only (SHOW SLAVE STATUS) */
    FLAVOR_FENCE,            /* read_only on; MySQL: super_read_only, which sets read_only too */
    FLAVOR_LIFT,             /* read_only off; on MySQL that turns super_read_only off too */
    FLAVOR_FENCE_CHECK,      /* one row, one column: 1 when the fence holds */
    FLAVOR_APPLIED_GTID,     /* SELECT of what this server applied (for a wait's message) */
    FLAVOR_EXECUTED_GTID,    /* SELECT of everything this server has executed or logged */
    FLAVOR_GTID_RESET,       /* a rejoining primary's replication position = its binlog (MariaDB);
                                NULL on MySQL (gtid_executed is both) */
    FLAVOR_SEMI_IO_THREAD,   /* the session id of a running semi-sync IO thread, for the KILL
                                that spares a 2 s farewell (MariaDB, db.c); NULL on MySQL */
    FLAVOR_STMT_COUNT
} flavor_stmt_t;
/* The statement; NULL when the flavor has none. */
const char *flavor_sql(const flavor_info_t *f, flavor_stmt_t s);

/* "SOURCE" (MySQL 8.0.23+) or "MASTER": the prefix of CHANGE ... TO options (_HOST, _SSL_CA...). */
const char *flavor_option_prefix(const flavor_info_t *f);

/* CHANGE REPLICATION SOURCE TO / CHANGE MASTER TO with GTID positioning (MySQL:
 * SOURCE_AUTO_POSITION=1 / MASTER_AUTO_POSITION=1; MariaDB: MASTER_USE_GTID=slave_pos), a 1 s
 * connect retry, the heartbeat period, and on MySQL GET_SOURCE_PUBLIC_KEY=1 (a replication
 * account with caching_sha2_password needs the server's RSA key on a channel without TLS).
 * host, user and password must already be escaped; password NULL renders as '***' (explain).
 * tls: the channel's TLS options (", MASTER_SSL=1, ..."), "" for none. 0, or -1 if buf too small. */
typedef struct flavor_source {
    const char *host;
    int port;
    const char *user;
    const char *password;
    int heartbeat_ms; /* < 1: 1000 */
    const char *tls;
} flavor_source_t;
int flavor_change_source_sql(const flavor_info_t *f, const flavor_source_t *s, char *buf,
                             size_t len);
/* The replication delay put back, with GTID positioning. */
int flavor_delay_sql(const flavor_info_t *f, int delay_s, char *buf, size_t len);
/* The delay lifted keeping the relay log: MariaDB's CHANGE MASTER purges it unless given the
 * applier's relay log position (file must be free of quotes and backslashes). MySQL refuses a
 * relay log position while auto-positioning is on, and its CHANGE ... TO with applier options
 * only leaves the relay log alone: SOURCE_DELAY=0 alone there. */
int flavor_delay_lift_sql(const flavor_info_t *f, const char *file, long pos, char *buf,
                          size_t len);
/* SELECT <wait>('pos', seconds) for a pos already escaped; timeout_ms >= 0. */
int flavor_gtid_wait_sql(const flavor_info_t *f, const char *pos, int timeout_ms, char *buf,
                         size_t len);
/* The function's name, for messages. */
const char *flavor_gtid_wait_name(const flavor_info_t *f);
/* What the wait function answered: 0 reached, 1 timed out, -1 anything else. MariaDB's
 * MASTER_GTID_WAIT says -1 on a timeout, MySQL's WAIT_FOR_EXECUTED_GTID_SET 1. */
int flavor_gtid_wait_result(const flavor_info_t *f, const char *value);

/* The agent's variables query, one row: server_id, version, read_only, binlog position,
 * replication-applied position, current position, semi-sync source enabled, semi-sync replica
 * enabled, event_scheduler, and with count_dumps the number of binlog dump threads (connected
 * replicas). */
int flavor_vars_sql(const flavor_info_t *f, bool count_dumps, char *buf, size_t len);

/* failoverctl check-config's advice: one row of the three settings failover needs (each 1 when
 * right) and read_only; *names gets the three settings' names for its message. MariaDB: log_bin,
 * log_slave_updates, gtid_strict_mode. MySQL: log_bin, log_replica_updates (log_slave_updates
 * before 8.0.26), gtid_mode = ON with enforce_gtid_consistency = ON. */
const char *flavor_settings_sql(const flavor_info_t *f, const char *const **names);

/* ---- semi-sync ------------------------------------------------------------------------------
 * MariaDB has it built in with the master/slave names. MySQL has it in plugins: before 8.0.26
 * rpl_semi_sync_master / _slave (semisync_master.so / semisync_slave.so); from 8.0.26 also
 * rpl_semi_sync_source / _replica (semisync_source.so / semisync_replica.so), whose variables
 * and status counters say source/replica. Only one generation can be installed at a time, so
 * which names a MySQL server uses is read from the variables it has (flavor_semi_parse_vars). */
typedef enum {
    FLAVOR_SEMI_MASTER_SLAVE = 0,
    FLAVOR_SEMI_SOURCE_REPLICA,
} flavor_semi_naming_t;

typedef struct flavor_semi_names {
    const char *source_enabled;  /* rpl_semi_sync_master_enabled */
    const char *replica_enabled; /* rpl_semi_sync_slave_enabled */
    const char *timeout;         /* rpl_semi_sync_master_timeout */
    const char *wait_no_replica; /* rpl_semi_sync_master_wait_no_slave */
    const char *wait_point;      /* rpl_semi_sync_master_wait_point */
    const char *st_wait_sessions; /* Rpl_semi_sync_master_wait_sessions */
    const char *st_yes_tx;
    const char *st_clients;
    const char *st_replica_status;
    const char *source_plugin, *source_library;   /* INSTALL PLUGIN ... SONAME (MySQL only) */
    const char *replica_plugin, *replica_library;
} flavor_semi_names_t;
const flavor_semi_names_t *flavor_semi_names(flavor_semi_naming_t n);
/* The naming a server of this version has when installed as its manual says (MariaDB: built in,
 * master/slave; MySQL 8.0.26+: source/replica). */
flavor_semi_naming_t flavor_semi_default_naming(const flavor_info_t *f);

/* The semi-sync sample (include/semiwatch.h), one row of 7 numbers: timeout, wait_no_replica,
 * enabled, waiting sessions, acknowledged transactions, semi-sync clients, dump threads that
 * have sent everything. */
int flavor_semi_sample_sql(const flavor_info_t *f, flavor_semi_naming_t n, char *buf, size_t len);

/* SHOW VARIABLES LIKE 'rpl_semi_sync%' (rows of Variable_name, Value). */
typedef struct flavor_semi_vars {
    bool found;               /* any semi-sync variable: a plugin is installed (MySQL) */
    flavor_semi_naming_t naming;
    int source_enabled;       /* 1, 0, -1 unknown (the source plugin is not installed) */
    int replica_enabled;
    long timeout_ms;          /* -1 unknown */
    int wait_no_replica;
    char wait_point[16];      /* AFTER_SYNC, AFTER_COMMIT, or "" */
} flavor_semi_vars_t;
void flavor_semi_vars_init(flavor_semi_vars_t *v);
/* Feed one row; rows that are not semi-sync variables are ignored. */
void flavor_semi_parse_var(flavor_semi_vars_t *v, const char *name, const char *value);

/* A boolean variable as servers print it: "1"/"ON"/"YES" 1, "0"/"OFF"/"NO" 0, else (NULL) -1. */
int flavor_bool_value(const char *s);

/* ---- the session list (SHOW PROCESSLIST / information_schema.PROCESSLIST) -------------------- */
typedef enum {
    FLAVOR_SESSION_CLIENT = 0,  /* an application or a person: fencing kills it */
    FLAVOR_SESSION_DUMP,        /* a binlog dump thread serving a replica */
    FLAVOR_SESSION_REPLICATION, /* this server's own replica threads (IO, SQL, workers) */
    FLAVOR_SESSION_SYSTEM,      /* event scheduler, system threads */
} flavor_session_t;
/* keep_user's sessions are counted as system ones (the agent's own account). */
flavor_session_t flavor_session_kind(const flavor_info_t *f, const char *user,
                                     const char *command, const char *keep_user);
/* A dump thread's State: it has sent its replica everything ("Master has sent all binlog to
 * slave; ...", "Source has sent all binlog to replica; ...", and older wordings). */
bool flavor_dump_caught_up(const char *state);
/* The dump threads' Command values: "Binlog Dump" (MariaDB, MySQL file positioning) and
 * "Binlog Dump GTID" (MySQL with auto-positioning). */
bool flavor_is_dump_command(const flavor_info_t *f, const char *command);

/* ---- SHOW REPLICA STATUS / SHOW SLAVE STATUS ------------------------------------------------- */
typedef enum {
    FLAVOR_COL_SOURCE_HOST = 0, /* Source_Host / Master_Host */
    FLAVOR_COL_SOURCE_PORT,
    FLAVOR_COL_IO_RUNNING,      /* Replica_IO_Running / Slave_IO_Running */
    FLAVOR_COL_SQL_RUNNING,
    FLAVOR_COL_LAG,             /* Seconds_Behind_Source / Seconds_Behind_Master */
    FLAVOR_COL_RECEIVED_GTID,   /* Retrieved_Gtid_Set (MySQL) / Gtid_IO_Pos (MariaDB) */
    FLAVOR_COL_EXECUTED_GTID,   /* Executed_Gtid_Set (MySQL); none on MariaDB */
    FLAVOR_COL_HEARTBEATS,      /* Slave_received_heartbeats (MariaDB); none on MySQL */
    FLAVOR_COL_HEARTBEAT_PERIOD, /* Slave_heartbeat_period (MariaDB) */
    FLAVOR_COL_CONNECTION_NAME, /* Connection_name (MariaDB's SHOW ALL SLAVES STATUS) */
    FLAVOR_COL_COUNT
} flavor_col_t;
/* The column's name in the answer to flavor_sql(FLAVOR_REPLICA_STATUS); NULL when none. */
const char *flavor_column(const flavor_info_t *f, flavor_col_t c);

/* What the agent reads from one replica status row. */
#define FLAVOR_TEXT_LEN 256
#define FLAVOR_GTID_LEN 2048 /* GTID_POS_STRLEN */
typedef struct flavor_replica {
    char source_host[FLAVOR_TEXT_LEN];
    int source_port;       /* 0 unknown */
    bool io_running;       /* IO thread Yes */
    bool io_connecting;    /* IO thread Connecting */
    bool sql_running;
    double lag_s;          /* -1 when NULL */
    int sql_delay_s;       /* 0 when none or unknown */
    char last_io_error[FLAVOR_TEXT_LEN];
    int last_io_errno;
    char last_sql_error[FLAVOR_TEXT_LEN];
    char received_gtid[FLAVOR_GTID_LEN];
    char executed_gtid[FLAVOR_GTID_LEN]; /* MySQL only; "" elsewhere */
    int64_t heartbeats;    /* -1 unknown */
    int heartbeat_period_ms; /* 0 unknown or off */
    char relay_log_file[FLAVOR_TEXT_LEN];
    long relay_log_pos;    /* -1 unknown */
} flavor_replica_t;

/* Pick the row of the default replication connection among nrows rows (MariaDB's ALL SLAVES
 * answer has one per named connection; ours has an empty Connection_name). -1 when none. */
int flavor_replica_pick_row(const flavor_info_t *f, unsigned ncols, const char *const *names,
                            unsigned nrows, const char *const *const *rows);
/* Parse one row given its column names (looked up case-insensitively, by the flavor's name first
 * and the other generation's name second: a MySQL 8.0.22+ server still answers SHOW SLAVE
 * STATUS with the old names). Every number is bounds-checked; garbage leaves the field unknown. */
void flavor_replica_parse(const flavor_info_t *f, unsigned ncols, const char *const *names,
                          const char *const *values, flavor_replica_t *out);

#endif
