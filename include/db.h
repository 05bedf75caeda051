/* db.h -- everything failoverd and failoverctl say to a mysqld, through the MySQL C API.
 * Defined in src/lib/db.c. Every call blocks (bounded by connect/read/write timeouts): call it
 * from a worker thread, never from the event loop. One db_conn_t per thread at a time. */
#ifndef FO_DB_H
#define FO_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "flavor.h"
#include "gtid.h"
#include "semiwatch.h"

typedef struct db_target {
    const char *host;
    int port;
    const char *socket; /* may be NULL */
    const char *user;
    const char *password;
    int connect_timeout_ms;
    int read_timeout_ms;
    const config_t *cfg; /* for ssl settings; may be NULL */
    int deadline_ms;     /* > 0: connect within this many ms (at most connect_timeout_ms), using
                            the non-blocking API */
} db_target_t;

typedef struct db_conn db_conn_t;

/* ssl_mode, in increasing strength. Over TCP: disabled = plain text; preferred = TLS when the
 * server offers it, nothing verified; required = TLS or no connection; verify_ca = and the
 * server's certificate signed by ssl_ca; verify_identity = and issued for the host name or
 * address connected to. A unix socket connection never uses TLS. The replication channel gets
 * the same (MASTER_SSL*, SOURCE_SSL*), except that preferred leaves it as it was. */
typedef enum {
    DB_TLS_DISABLED = 0,
    DB_TLS_PREFERRED,
    DB_TLS_REQUIRED,
    DB_TLS_VERIFY_CA,
    DB_TLS_VERIFY_IDENTITY,
} db_tls_t;
db_tls_t db_tls_mode(const config_t *cfg); /* preferred when cfg is NULL */
const char *db_tls_name(db_tls_t m);

/* Connect; NULL with a message on failure (for a TLS failure, naming the ssl_* key to check; for a
 * server that is neither MariaDB nor MySQL by its version string, saying so). The flavor and
 * version are read once, from the version the server sent in its handshake (@@version), and
 * every statement after that comes from include/flavor.h. */
db_conn_t *db_connect(const db_target_t *t, char *err, size_t errlen);
void db_close(db_conn_t *c);
flavor_t db_flavor(const db_conn_t *c);
/* The flavor and version; MariaDB with version 0 for NULL. */
const flavor_info_t *db_flavor_info(const db_conn_t *c);

typedef struct db_probe {
    uint32_t server_id;
    char version[64];
    bool read_only;
    bool is_replica;       /* a SHOW SLAVE STATUS row exists */
    char source_host[256];
    int source_port;
    bool io_running;       /* Slave_IO_Running = Yes */
    bool io_connecting;    /* Slave_IO_Running = Connecting */
    bool sql_running;
    double lag_s;          /* Seconds_Behind_Master, -1 when NULL */
    int sql_delay_s;       /* SQL_Delay (CHANGE MASTER TO MASTER_DELAY), 0 when none or unknown */
    char last_io_error[256];
    int last_io_errno;     /* 1236: the source's binlog does not have our position (diverged) */
    char last_sql_error[256];
    /* MariaDB: Gtid_IO_Pos, gtid_slave_pos, gtid_binlog_pos, gtid_current_pos. MySQL: the
     * Retrieved_Gtid_Set, then @@GLOBAL.gtid_executed in the other three (it is both what was
     * applied and what was logged); server_uuid tells which of those it wrote itself. */
    char gtid_io_pos[GTID_POS_STRLEN];     /* received */
    char gtid_slave_pos[GTID_POS_STRLEN];  /* applied by replication */
    char gtid_binlog_pos[GTID_POS_STRLEN]; /* own binlog */
    char gtid_current_pos[GTID_POS_STRLEN];
    char server_uuid[40];                  /* MySQL's @@server_uuid; "" on MariaDB */
    int64_t heartbeats;     /* Slave_received_heartbeats (MariaDB), -1 when unknown */
    int heartbeat_period_ms; /* Slave_heartbeat_period, 0 when unknown or off */
    int replicas_connected; /* Binlog Dump threads */
    int semi_sync_master;   /* rpl_semi_sync_master_enabled: 1, 0, or -1 when unknown */
    int semi_sync_replica;  /* rpl_semi_sync_slave_enabled: 1, 0, or -1 when unknown */
    bool event_scheduler_on; /* @@event_scheduler = ON */
} db_probe_t;

/* One round of status queries. 0 ok, -1 error (message in err; the connection may be dead). */
int db_probe(db_conn_t *c, db_probe_t *p, char *err, size_t errlen);

/* Only the replica status part of db_probe (one round trip): is_replica, source, thread states,
 * the received position (gtid_io_pos); the variables' fields stay zero. */
int db_replica_status(db_conn_t *c, db_probe_t *p, char *err, size_t errlen);

/* The same, all of it answered within deadline_ms (milliseconds, unlike the API's whole-second
 * read timeout; 0 = no deadline); on expiry the connection is dead: close it. A frozen mysqld is
 * noticed in one check interval, not in read_timeout_ms. vars_only: just the variables (read_only,
 * server id, version, GTID positions, semi-sync) in one round trip, for a liveness check. */
int db_probe_within(db_conn_t *c, db_probe_t *p, int deadline_ms, bool vars_only, char *err,
                    size_t errlen);

/* Run one query and call fn for each row (row[i] may be NULL); fn returning non-zero stops early.
 * 0, or -1 with a message. For read-only questions (SHOW GRANTS, the session list). */
typedef int (*db_row_fn)(char **row, unsigned ncols, void *arg);
int db_query_rows(db_conn_t *c, const char *sql, db_row_fn fn, void *arg, char *err,
                  size_t errlen);

/* How many statements that may change a server (db_exec(), KILL, CHANGE MASTER) this thread has
 * sent so far: a caller compares two readings to learn whether it acted. */
unsigned long db_thread_changes(void);

/* Run one statement that returns no rows; the statement text is logged at debug level. */
int db_exec(db_conn_t *c, const char *sql, char *err, size_t errlen);

int db_set_read_only(db_conn_t *c, bool on, char *err, size_t errlen);

/* Kill every client session except our own account's, replication threads and system threads:
 * read_only does not stop READ ONLY ADMIN holders, so fencing must cut them off.
 * Returns the number killed, or -1. */
int db_kill_client_sessions(db_conn_t *c, const char *keep_user, char *err, size_t errlen);

/* Fence this mysqld, all of it within deadline_ms (0 = the API timeouts only): kill client
 * and event sessions, turn the event scheduler off, SET GLOBAL read_only=ON (MySQL:
 * super_read_only), kill again, and read read_only back. 0 only when it was seen on; -1 with a
 * message otherwise (then the caller must escalate to killing mysqld). On a deadline the
 * connection is dead: close it. */
#define FENCE_KILLED_LEN 200
typedef struct db_fence {
    bool verified;        /* read_only (and super_read_only) read back as ON */
    bool events_stopped;  /* event_scheduler was ON and is now OFF */
    bool timed_out;       /* the deadline ran out */
    bool semi_sync_first_read_only; /* a semi-sync primary: read_only before any kill (db_fence) */
    int sessions_killed;
    char killed[FENCE_KILLED_LEN]; /* who they were: "app@10.0.0.5 x2, bob@10.0.0.6" */
} db_fence_t;
int db_fence(db_conn_t *c, const char *keep_user, int deadline_ms, db_fence_t *out, char *err,
             size_t errlen);

/* After a promotion: ALTER EVENT ... ENABLE for every event that replication disabled
 * (SLAVESIDE_DISABLED: they were enabled on the old primary), then event_scheduler=ON.
 * *enabled counts the events. 0 or -1 with a message. */
int db_enable_events(db_conn_t *c, int *enabled, char *err, size_t errlen);

/* @@pid_file: where this mysqld wrote its process id (for fencing's last resort, the kill). */
int db_pid_file(db_conn_t *c, char *buf, size_t len, char *err, size_t errlen);

/* Stop replication and forget the source (promotion). */
int db_detach_replication(db_conn_t *c, char *err, size_t errlen);

/* Point at a new source with GTID auto-positioning and start replication. If reset_slave_pos is
 * set (a former primary rejoining), gtid_slave_pos is first set to gtid_binlog_pos. */
int db_repoint(db_conn_t *c, const char *host, int port, const char *repl_user,
               const char *repl_password, bool reset_slave_pos, int heartbeat_ms, char *err,
               size_t errlen);

int db_stop_io_thread(db_conn_t *c, char *err, size_t errlen);
/* Stop the IO thread without waiting out a semi-sync replica's farewell to a source that is cut
 * off (2 s on MariaDB; see db.c): KILL it, then STOP SLAVE IO_THREAD. For a promotion. */
int db_stop_io_thread_now(db_conn_t *c, char *err, size_t errlen);

/* Semi-sync on a primary as its agent times it (include/semiwatch.h), in the names of the
 * server's flavor and plugin generation: one sample of the variables and counters in one round
 * trip; the timeout set to "never" with wait_no_slave (wait_no_replica) on;
 * rpl_semi_sync_master_enabled (_source_enabled) set (OFF releases every waiting commit without
 * an ack). db_semi_sync_var names the timeout variable, or the wait_no_slave one, for messages. */
int db_semi_sync_sample(db_conn_t *c, semi_sample_t *s, char *err, size_t errlen);
int db_semi_sync_configure(db_conn_t *c, char *err, size_t errlen);
int db_semi_sync_enable(db_conn_t *c, bool on, char *err, size_t errlen);
const char *db_semi_sync_var(db_conn_t *c, bool wait_no_replica);

/* Semi-sync by role: a primary waits for replica acks (master side on), a replica acks (slave
 * side on) when ack is set (semi_sync_replica_wanted(): never for one that can never be
 * promoted) and must not wait for acks itself: with log_slave_updates its applier would stall
 * for rpl_semi_sync_master_timeout on every commit. Restarts the IO thread when the replica
 * side changes, since it only takes effect on connect. ack is ignored for the primary. */
int db_set_semi_sync_role(db_conn_t *c, bool primary, bool ack, const db_probe_t *now, char *err,
                          size_t errlen);

/* A delayed replica (MASTER_DELAY) holds received transactions in its relay log that its SQL
 * thread will not apply for SQL_Delay seconds; a candidate can fetch them from it only once it
 * has applied them. Lift: stop replication, MASTER_DELAY = 0 keeping the relay log (MariaDB's
 * CHANGE MASTER would otherwise purge it, and with the source gone nothing could fetch it again),
 * start the SQL thread only. Restore: once it has applied all of it, MASTER_DELAY = delay_s with
 * GTID positioning again, start the SQL thread, and the IO thread if start_io. */
int db_lift_sql_delay(db_conn_t *c, char *err, size_t errlen);
int db_restore_sql_delay(db_conn_t *c, int delay_s, bool start_io, char *err, size_t errlen);
int db_start_io_thread(db_conn_t *c, char *err, size_t errlen);
int db_start_replication(db_conn_t *c, char *err, size_t errlen);

/* Wait until pos has been applied. 0 reached, 1 timed out, -1 error; on 1 and -1 err says what
 * (a timeout: "MASTER_GTID_WAIT('pos', N s) timed out on ADDR after N ms; applied: POS").
 * cancel (may be NULL) is looked at every second: when it turns true the wait ends with -1
 * ("cancelled"). */
int db_gtid_wait(db_conn_t *c, const char *pos, int timeout_ms, const _Atomic bool *cancel,
                 char *err, size_t errlen);

/* The statements db_repoint / db_detach_replication would run, for failoverctl explain, with
 * the replication channel's TLS from cfg's ssl_* (may be NULL). Passwords are shown as '***'.
 * Returns 0 or -1 if buf too small. */
int db_repoint_sql(const config_t *cfg, const flavor_info_t *f, const char *host, int port,
                   const char *repl_user, bool reset_slave_pos, int heartbeat_ms, char *buf,
                   size_t len);
int db_detach_sql(const flavor_info_t *f, char *buf, size_t len);
/* The statement that stops the IO thread alone (STOP SLAVE IO_THREAD / STOP REPLICA IO_THREAD). */
int db_stop_io_sql(const flavor_info_t *f, char *buf, size_t len);

#endif
