/* flavor.c -- MariaDB and MySQL 8.0 / 8.4 differences in one place: the statements the agent sends
 * and the names it reads back, chosen by flavor and version; pure (include/flavor.h). */
#include "flavor.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const flavor_info_t FLAVOR_INFO_MARIADB = {.kind = FLAVOR_MARIADB, .version = 0};

/* "8.0.36-log" -> 80036: major.minor.patch, anything after ignored. 0 when not a version. */
static unsigned parse_version(const char *s)
{
    unsigned long part[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (*s < '0' || *s > '9') return 0;
        char *end;
        part[i] = strtoul(s, &end, 10);
        if (end - s > 3) return 0;
        s = end;
        if (i < 2) {
            if (*s != '.') return 0;
            s++;
        }
    }
    if (part[0] == 0 || part[0] > 99 || part[1] > 99 || part[2] > 99) return 0;
    return (unsigned)(part[0] * 10000 + part[1] * 100 + part[2]);
}

int flavor_detect(const char *version, const char *comment, flavor_info_t *out, char *err,
                  size_t errlen)
{
    out->kind = FLAVOR_UNKNOWN;
    out->version = 0;
    const char *v = version ? version : "";
    bool maria = strcasestr(v, "mariadb") || (comment && strcasestr(comment, "mariadb"));
    /* MariaDB 10 once prefixed its handshake version with "5.5.5-" for old clients. */
    if (maria && strncmp(v, "5.5.5-", 6) == 0) v += 6;
    unsigned n = parse_version(v);
    if (n == 0 || (!maria && n < 50000)) {
        snprintf(err, errlen, "cannot tell the server's flavor from its version \"%.80s\" "
                 "(expected MariaDB 10.6+ such as \"10.11.6-MariaDB\", or MySQL 8.0 / 8.4 such as "
                 "\"8.0.36\")", version ? version : "(none)");
        return -1;
    }
    out->kind = maria ? FLAVOR_MARIADB : FLAVOR_MYSQL;
    out->version = n;
    return 0;
}

void flavor_describe(const flavor_info_t *f, char *buf, size_t len)
{
    const char *name = f->kind == FLAVOR_MARIADB ? "MariaDB" : f->kind == FLAVOR_MYSQL ? "MySQL"
                                                                                       : "unknown";
    if (f->version)
        snprintf(buf, len, "%s %u.%u.%u", name, f->version / 10000, f->version / 100 % 100,
                 f->version % 100);
    else
        snprintf(buf, len, "%s", name);
}

static bool is_mysql(const flavor_info_t *f)
{
    return f && f->kind == FLAVOR_MYSQL;
}

static bool mysql_from(const flavor_info_t *f, unsigned v)
{
    return is_mysql(f) && f->version >= v;
}

/* ---- statements ---------------------------------------------------------------------------- */

/* MariaDB: the SLAVE spellings (it has REPLICA aliases since 10.5.1, but these are what it has
 * always run here). SHOW ALL SLAVES STATUS for the probe: the only form that shows the heartbeat
 * counter (the default connection is the row whose Connection_name is empty). */
static const char *const sql_mariadb[FLAVOR_STMT_COUNT] = {
    [FLAVOR_STOP_REPLICA] = "STOP SLAVE",
    [FLAVOR_START_REPLICA] = "START SLAVE",
    [FLAVOR_STOP_IO] = "STOP SLAVE IO_THREAD",
    [FLAVOR_START_IO] = "START SLAVE IO_THREAD",
    [FLAVOR_START_SQL] = "START SLAVE SQL_THREAD",
    [FLAVOR_RESET_ALL] = "RESET SLAVE ALL",
    [FLAVOR_REPLICA_STATUS] = "SHOW ALL SLAVES STATUS",
    [FLAVOR_REPLICA_STATUS_ONE] = "SHOW SLAVE STATUS",
    [FLAVOR_FENCE] = "SET GLOBAL read_only=ON",
    [FLAVOR_LIFT] = "SET GLOBAL read_only=OFF",
    [FLAVOR_FENCE_CHECK] = "SELECT @@read_only",
    [FLAVOR_APPLIED_GTID] = "SELECT @@gtid_slave_pos",
    [FLAVOR_EXECUTED_GTID] = "SELECT @@gtid_binlog_pos",
    [FLAVOR_GTID_RESET] = "SET GLOBAL gtid_slave_pos=@@gtid_binlog_pos",
    [FLAVOR_SEMI_IO_THREAD] = "SELECT t.ID FROM information_schema.PROCESSLIST t, "
                              "information_schema.GLOBAL_STATUS s WHERE t.COMMAND = 'Slave_IO' "
                              "AND s.VARIABLE_NAME = 'RPL_SEMI_SYNC_SLAVE_STATUS' "
                              "AND s.VARIABLE_VALUE = 'ON'",
};

/* MySQL: super_read_only=ON also sets read_only=ON, and read_only=OFF also sets
 * super_read_only=OFF (WL#6799, MySQL 5.7+), so one statement each way. gtid_executed is both
 * what was applied and what was logged. */
#define MYSQL_COMMON                                                                             \
    [FLAVOR_FENCE] = "SET GLOBAL super_read_only=ON", [FLAVOR_LIFT] = "SET GLOBAL read_only=OFF", \
    [FLAVOR_FENCE_CHECK] = "SELECT @@read_only AND @@super_read_only",                           \
    [FLAVOR_APPLIED_GTID] = "SELECT @@GLOBAL.gtid_executed",                                     \
    [FLAVOR_EXECUTED_GTID] = "SELECT @@GLOBAL.gtid_executed", [FLAVOR_GTID_RESET] = NULL,       \
    [FLAVOR_SEMI_IO_THREAD] = NULL

/* 8.0.22+ (8.4 removed the SLAVE spellings). */
static const char *const sql_mysql[FLAVOR_STMT_COUNT] = {
    [FLAVOR_STOP_REPLICA] = "STOP REPLICA",
    [FLAVOR_START_REPLICA] = "START REPLICA",
    [FLAVOR_STOP_IO] = "STOP REPLICA IO_THREAD",
    [FLAVOR_START_IO] = "START REPLICA IO_THREAD",
    [FLAVOR_START_SQL] = "START REPLICA SQL_THREAD",
    [FLAVOR_RESET_ALL] = "RESET REPLICA ALL",
    [FLAVOR_REPLICA_STATUS] = "SHOW REPLICA STATUS",
    [FLAVOR_REPLICA_STATUS_ONE] = "SHOW REPLICA STATUS",
    MYSQL_COMMON,
};

/* Before 8.0.22. */
static const char *const sql_mysql_old[FLAVOR_STMT_COUNT] = {
    [FLAVOR_STOP_REPLICA] = "STOP SLAVE",
    [FLAVOR_START_REPLICA] = "START SLAVE",
    [FLAVOR_STOP_IO] = "STOP SLAVE IO_THREAD",
    [FLAVOR_START_IO] = "START SLAVE IO_THREAD",
    [FLAVOR_START_SQL] = "START SLAVE SQL_THREAD",
    [FLAVOR_RESET_ALL] = "RESET SLAVE ALL",
    [FLAVOR_REPLICA_STATUS] = "SHOW SLAVE STATUS",
    [FLAVOR_REPLICA_STATUS_ONE] = "SHOW SLAVE STATUS",
    MYSQL_COMMON,
};

const char *flavor_sql(const flavor_info_t *f, flavor_stmt_t s)
{
    if ((unsigned)s >= FLAVOR_STMT_COUNT) return NULL;
    if (!is_mysql(f)) return sql_mariadb[s];
    return (f->version >= FLAVOR_MYSQL_REPLICA_KEYWORD ? sql_mysql : sql_mysql_old)[s];
}

const char *flavor_option_prefix(const flavor_info_t *f)
{
    return mysql_from(f, FLAVOR_MYSQL_SOURCE_OPTIONS) ? "SOURCE" : "MASTER";
}

static int fits(int n, size_t len)
{
    return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int flavor_change_source_sql(const flavor_info_t *f, const flavor_source_t *s, char *buf,
                             size_t len)
{
    int hb = s->heartbeat_ms < 1 ? 1000 : s->heartbeat_ms;
    const char *pw = s->password ? s->password : "***";
    const char *tls = s->tls ? s->tls : "";
    if (!is_mysql(f))
        return fits(snprintf(buf, len,
                             "CHANGE MASTER TO MASTER_HOST='%s', MASTER_PORT=%d, MASTER_USER='%s', "
                             "MASTER_PASSWORD='%s', MASTER_USE_GTID=slave_pos, "
                             "MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=%d.%03d%s",
                             s->host, s->port, s->user, pw, hb / 1000, hb % 1000, tls),
                    len);
    const bool src = f->version >= FLAVOR_MYSQL_SOURCE_OPTIONS;
    const char *p = src ? "SOURCE" : "MASTER";
    return fits(snprintf(buf, len,
                         "%s %s_HOST='%s', %s_PORT=%d, %s_USER='%s', %s_PASSWORD='%s', "
                         "%s_AUTO_POSITION=1, %s_CONNECT_RETRY=1, %s_HEARTBEAT_PERIOD=%d.%03d, "
                         "GET_%s_PUBLIC_KEY=1%s",
                         src ? "CHANGE REPLICATION SOURCE TO" : "CHANGE MASTER TO", p, s->host, p,
                         s->port, p, s->user, p, pw, p, p, p, hb / 1000, hb % 1000, p, tls),
                len);
}

int flavor_delay_sql(const flavor_info_t *f, int delay_s, char *buf, size_t len)
{
    int d = delay_s < 0 ? 0 : delay_s;
    if (!is_mysql(f))
        return fits(snprintf(buf, len, "CHANGE MASTER TO MASTER_DELAY=%d, MASTER_USE_GTID=slave_pos",
                             d),
                    len);
    if (f->version >= FLAVOR_MYSQL_SOURCE_OPTIONS)
        return fits(snprintf(buf, len,
                             "CHANGE REPLICATION SOURCE TO SOURCE_DELAY=%d, SOURCE_AUTO_POSITION=1",
                             d),
                    len);
    return fits(snprintf(buf, len, "CHANGE MASTER TO MASTER_DELAY=%d, MASTER_AUTO_POSITION=1", d),
                len);
}

int flavor_delay_lift_sql(const flavor_info_t *f, const char *file, long pos, char *buf,
                          size_t len)
{
    if (is_mysql(f))
        return fits(snprintf(buf, len, "%s", f->version >= FLAVOR_MYSQL_SOURCE_OPTIONS
                                                 ? "CHANGE REPLICATION SOURCE TO SOURCE_DELAY=0"
                                                 : "CHANGE MASTER TO MASTER_DELAY=0"),
                    len);
    if (!file || strchr(file, '\'') || strchr(file, '\\')) return -1;
    return fits(snprintf(buf, len,
                         "CHANGE MASTER TO MASTER_DELAY=0, RELAY_LOG_FILE='%s', RELAY_LOG_POS=%ld",
                         file, pos),
                len);
}

const char *flavor_gtid_wait_name(const flavor_info_t *f)
{
    return is_mysql(f) ? "WAIT_FOR_EXECUTED_GTID_SET" : "MASTER_GTID_WAIT";
}

int flavor_gtid_wait_sql(const flavor_info_t *f, const char *pos, int timeout_ms, char *buf,
                         size_t len)
{
    int ms = timeout_ms < 0 ? 0 : timeout_ms;
    return fits(snprintf(buf, len, "SELECT %s('%s', %.3f)", flavor_gtid_wait_name(f), pos,
                         ms / 1000.0),
                len);
}

int flavor_gtid_wait_result(const flavor_info_t *f, const char *value)
{
    if (!value) return -1;
    if (strcmp(value, "0") == 0) return 0;
    if (strcmp(value, is_mysql(f) ? "1" : "-1") == 0) return 1;
    return -1;
}

#define COUNT_DUMPS                                                                      \
    ", (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%')"

int flavor_vars_sql(const flavor_info_t *f, bool count_dumps, char *buf, size_t len)
{
    /* MySQL: the semi-sync variables exist only with a plugin, and which generation's names
     * depends on the plugin installed, so they are read by name from the variables table (NULL
     * when absent), both names, whatever the version. */
    const char *vars =
        !is_mysql(f)
            ? "SELECT @@server_id, @@version, @@read_only, @@gtid_binlog_pos, "
              "@@gtid_slave_pos, @@gtid_current_pos, "
              "@@rpl_semi_sync_master_enabled, @@rpl_semi_sync_slave_enabled, "
              "@@event_scheduler"
            : "SELECT @@server_id, @@version, @@super_read_only OR @@read_only, "
              "@@GLOBAL.gtid_executed, @@GLOBAL.gtid_executed, @@GLOBAL.gtid_executed, "
              "(SELECT MAX(VARIABLE_VALUE) FROM performance_schema.global_variables WHERE "
              "VARIABLE_NAME IN ('rpl_semi_sync_source_enabled', 'rpl_semi_sync_master_enabled')), "
              "(SELECT MAX(VARIABLE_VALUE) FROM performance_schema.global_variables WHERE "
              "VARIABLE_NAME IN ('rpl_semi_sync_replica_enabled', 'rpl_semi_sync_slave_enabled')), "
              "@@event_scheduler";
    return fits(snprintf(buf, len, "%s%s", vars, count_dumps ? COUNT_DUMPS : ""), len);
}

const char *flavor_settings_sql(const flavor_info_t *f, const char *const **names)
{
    static const char *const maria[] = {"log_bin", "log_slave_updates", "gtid_strict_mode"};
    static const char *const my[] = {"log_bin", "log_replica_updates",
                                     "gtid_mode+enforce_gtid_consistency"};
    static const char *const my_old[] = {"log_bin", "log_slave_updates",
                                         "gtid_mode+enforce_gtid_consistency"};
    if (!is_mysql(f)) {
        *names = maria;
        return "SELECT @@log_bin, @@log_slave_updates, @@gtid_strict_mode, @@read_only";
    }
    if (f->version >= FLAVOR_MYSQL_SEMI_SOURCE) { /* log_replica_updates: also 8.0.26 */
        *names = my;
        return "SELECT @@log_bin, @@log_replica_updates, @@gtid_mode = 'ON' AND "
               "@@enforce_gtid_consistency = 'ON', @@read_only";
    }
    *names = my_old;
    return "SELECT @@log_bin, @@log_slave_updates, @@gtid_mode = 'ON' AND "
           "@@enforce_gtid_consistency = 'ON', @@read_only";
}

/* ---- semi-sync ------------------------------------------------------------------------------ */

static const flavor_semi_names_t semi_names[] = {
    [FLAVOR_SEMI_MASTER_SLAVE] = {
        "rpl_semi_sync_master_enabled", "rpl_semi_sync_slave_enabled",
        "rpl_semi_sync_master_timeout", "rpl_semi_sync_master_wait_no_slave",
        "rpl_semi_sync_master_wait_point", "Rpl_semi_sync_master_wait_sessions",
        "Rpl_semi_sync_master_yes_tx", "Rpl_semi_sync_master_clients",
        "Rpl_semi_sync_slave_status", "rpl_semi_sync_master", "semisync_master.so",
        "rpl_semi_sync_slave", "semisync_slave.so"},
    [FLAVOR_SEMI_SOURCE_REPLICA] = {
        "rpl_semi_sync_source_enabled", "rpl_semi_sync_replica_enabled",
        "rpl_semi_sync_source_timeout", "rpl_semi_sync_source_wait_no_replica",
        "rpl_semi_sync_source_wait_point", "Rpl_semi_sync_source_wait_sessions",
        "Rpl_semi_sync_source_yes_tx", "Rpl_semi_sync_source_clients",
        "Rpl_semi_sync_replica_status", "rpl_semi_sync_source", "semisync_source.so",
        "rpl_semi_sync_replica", "semisync_replica.so"},
};

const flavor_semi_names_t *flavor_semi_names(flavor_semi_naming_t n)
{
    return &semi_names[n == FLAVOR_SEMI_SOURCE_REPLICA ? FLAVOR_SEMI_SOURCE_REPLICA
                                                       : FLAVOR_SEMI_MASTER_SLAVE];
}

flavor_semi_naming_t flavor_semi_default_naming(const flavor_info_t *f)
{
    return mysql_from(f, FLAVOR_MYSQL_SEMI_SOURCE) ? FLAVOR_SEMI_SOURCE_REPLICA
                                                   : FLAVOR_SEMI_MASTER_SLAVE;
}

int flavor_semi_sample_sql(const flavor_info_t *f, flavor_semi_naming_t n, char *buf, size_t len)
{
    if (!is_mysql(f))
        return fits(snprintf(buf, len, "%s",
                             "SELECT @@rpl_semi_sync_master_timeout, "
                             "@@rpl_semi_sync_master_wait_no_slave, "
                             "@@rpl_semi_sync_master_enabled, "
                             "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                             "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_WAIT_SESSIONS'), "
                             "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                             "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_YES_TX'), "
                             "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                             "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'), "
                             "(SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND "
                             "LIKE 'Binlog Dump%' AND STATE LIKE 'Master has sent all binlog to "
                             "slave%')"),
                    len);
    /* MySQL 8.0 has the status counters in performance_schema only; the dump thread's words
     * changed in 8.0.26 ("Source has sent all binlog to replica"). */
    const flavor_semi_names_t *s = flavor_semi_names(n);
    return fits(snprintf(buf, len,
                         "SELECT @@%s, @@%s, @@%s, "
                         "(SELECT VARIABLE_VALUE FROM performance_schema.global_status "
                         "WHERE VARIABLE_NAME = '%s'), "
                         "(SELECT VARIABLE_VALUE FROM performance_schema.global_status "
                         "WHERE VARIABLE_NAME = '%s'), "
                         "(SELECT VARIABLE_VALUE FROM performance_schema.global_status "
                         "WHERE VARIABLE_NAME = '%s'), "
                         "(SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND "
                         "LIKE 'Binlog Dump%%' AND STATE LIKE '%%has sent all binlog to %%')",
                         s->timeout, s->wait_no_replica, s->source_enabled, s->st_wait_sessions,
                         s->st_yes_tx, s->st_clients),
                len);
}

int flavor_bool_value(const char *s)
{
    if (!s) return -1;
    if (strcmp(s, "1") == 0 || strcasecmp(s, "ON") == 0 || strcasecmp(s, "YES") == 0) return 1;
    if (strcmp(s, "0") == 0 || strcasecmp(s, "OFF") == 0 || strcasecmp(s, "NO") == 0) return 0;
    return -1;
}

void flavor_semi_vars_init(flavor_semi_vars_t *v)
{
    memset(v, 0, sizeof(*v));
    v->source_enabled = v->replica_enabled = v->wait_no_replica = -1;
    v->timeout_ms = -1;
}

void flavor_semi_parse_var(flavor_semi_vars_t *v, const char *name, const char *value)
{
    if (!name || strncasecmp(name, "rpl_semi_sync_", 14) != 0) return;
    for (int n = FLAVOR_SEMI_MASTER_SLAVE; n <= FLAVOR_SEMI_SOURCE_REPLICA; n++) {
        const flavor_semi_names_t *s = &semi_names[n];
        bool ours = true;
        if (strcasecmp(name, s->source_enabled) == 0) {
            v->source_enabled = flavor_bool_value(value);
        } else if (strcasecmp(name, s->replica_enabled) == 0) {
            v->replica_enabled = flavor_bool_value(value);
        } else if (strcasecmp(name, s->wait_no_replica) == 0) {
            v->wait_no_replica = flavor_bool_value(value);
        } else if (strcasecmp(name, s->timeout) == 0) {
            char *end;
            errno = 0;
            long t = value ? strtol(value, &end, 10) : -1;
            v->timeout_ms = value && !errno && end != value && !*end && t >= 0 ? t : -1;
        } else if (strcasecmp(name, s->wait_point) == 0) {
            snprintf(v->wait_point, sizeof(v->wait_point), "%s",
                     value && (strcasecmp(value, "AFTER_SYNC") == 0 ||
                               strcasecmp(value, "AFTER_COMMIT") == 0)
                         ? value
                         : "");
        } else {
            /* trace levels, wait_for_replica_count, MariaDB's kill_conn_timeout ...: not read,
             * but they still say which generation is installed */
            const char *gen = n == FLAVOR_SEMI_SOURCE_REPLICA ? "source" : "master";
            const char *gen2 = n == FLAVOR_SEMI_SOURCE_REPLICA ? "replica" : "slave";
            ours = strncasecmp(name + 14, gen, strlen(gen)) == 0 ||
                   strncasecmp(name + 14, gen2, strlen(gen2)) == 0;
        }
        if (ours) {
            v->found = true;
            v->naming = (flavor_semi_naming_t)n;
            return;
        }
    }
}

/* ---- sessions ------------------------------------------------------------------------------- */

bool flavor_is_dump_command(const flavor_info_t *f, const char *command)
{
    if (!command) return false;
    if (strcmp(command, "Binlog Dump") == 0) return true;
    return is_mysql(f) && strcmp(command, "Binlog Dump GTID") == 0;
}

bool flavor_dump_caught_up(const char *state)
{
    return state && strcasestr(state, "has sent all binlog to") != NULL;
}

flavor_session_t flavor_session_kind(const flavor_info_t *f, const char *user,
                                     const char *command, const char *keep_user)
{
    /* Not "Connect": event workers run under it (their definer may hold READ ONLY ADMIN and write
     * through read_only); MySQL's replication threads also show it, but as 'system user'. */
    static const char *const replication[] = {"Slave_IO", "Slave_SQL", "Slave_worker"};
    const char *u = user ? user : "";
    if ((keep_user && strcmp(u, keep_user) == 0) || strcmp(u, "system user") == 0 ||
        strcmp(u, "event_scheduler") == 0 || !command || strcmp(command, "Daemon") == 0)
        return FLAVOR_SESSION_SYSTEM;
    if (flavor_is_dump_command(f, command)) return FLAVOR_SESSION_DUMP;
    if (!is_mysql(f))
        for (size_t i = 0; i < sizeof(replication) / sizeof(replication[0]); i++)
            if (strcmp(command, replication[i]) == 0) return FLAVOR_SESSION_REPLICATION;
    return FLAVOR_SESSION_CLIENT;
}

/* ---- replica status ------------------------------------------------------------------------- */

static const char *const col_mariadb[FLAVOR_COL_COUNT] = {
    "Master_Host", "Master_Port", "Slave_IO_Running", "Slave_SQL_Running",
    "Seconds_Behind_Master", "Gtid_IO_Pos", NULL, "Slave_received_heartbeats",
    "Slave_heartbeat_period", "Connection_name"};
/* SHOW REPLICA STATUS (8.0.22+) */
static const char *const col_mysql[FLAVOR_COL_COUNT] = {
    "Source_Host", "Source_Port", "Replica_IO_Running", "Replica_SQL_Running",
    "Seconds_Behind_Source", "Retrieved_Gtid_Set", "Executed_Gtid_Set", NULL, NULL,
    "Channel_Name"};
/* SHOW SLAVE STATUS, MySQL before 8.0.22 (and after, where it is still accepted) */
static const char *const col_mysql_old[FLAVOR_COL_COUNT] = {
    "Master_Host", "Master_Port", "Slave_IO_Running", "Slave_SQL_Running",
    "Seconds_Behind_Master", "Retrieved_Gtid_Set", "Executed_Gtid_Set", NULL, NULL,
    "Channel_Name"};

static const char *const *columns_of(const flavor_info_t *f, bool other)
{
    if (!is_mysql(f)) return col_mariadb;
    bool renamed = f->version >= FLAVOR_MYSQL_REPLICA_KEYWORD;
    return renamed != other ? col_mysql : col_mysql_old;
}

const char *flavor_column(const flavor_info_t *f, flavor_col_t c)
{
    return (unsigned)c < FLAVOR_COL_COUNT ? columns_of(f, false)[c] : NULL;
}

static int index_of(unsigned ncols, const char *const *names, const char *name)
{
    if (!name) return -1;
    for (unsigned i = 0; i < ncols; i++)
        if (names[i] && strcasecmp(names[i], name) == 0) return (int)i;
    return -1;
}

static const char *value_of(unsigned ncols, const char *const *names, const char *const *values,
                            const char *name)
{
    int i = index_of(ncols, names, name);
    return i < 0 ? NULL : values[i];
}

/* The flavor's column, or the other generation's name for it (MySQL). */
static const char *col_value(const flavor_info_t *f, unsigned ncols, const char *const *names,
                             const char *const *values, flavor_col_t c)
{
    int i = index_of(ncols, names, columns_of(f, false)[c]);
    if (i < 0 && is_mysql(f)) i = index_of(ncols, names, columns_of(f, true)[c]);
    return i < 0 ? NULL : values[i];
}

int flavor_replica_pick_row(const flavor_info_t *f, unsigned ncols, const char *const *names,
                            unsigned nrows, const char *const *const *rows)
{
    int conn = index_of(ncols, names, flavor_column(f, FLAVOR_COL_CONNECTION_NAME));
    for (unsigned r = 0; r < nrows; r++)
        if (conn < 0 || !rows[r][conn] || !rows[r][conn][0]) return (int)r;
    return -1;
}

/* A server that answers garbage must not crash us: every number is parsed with bounds. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static void copy_text(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

void flavor_replica_parse(const flavor_info_t *f, unsigned ncols, const char *const *names,
                          const char *const *values, flavor_replica_t *out)
{
    long v;
    memset(out, 0, sizeof(*out));
#define COL(c) col_value(f, ncols, names, values, (c))
#define VAL(n) value_of(ncols, names, values, (n))
    /* The IO thread's heartbeat counter and period (MariaDB): a counter that stops while the IO
     * thread still says Yes means the source went silent. */
    out->heartbeats = parse_long(COL(FLAVOR_COL_HEARTBEATS), 0, LONG_MAX, &v) == 0 ? (int64_t)v : -1;
    const char *period = COL(FLAVOR_COL_HEARTBEAT_PERIOD);
    if (period) {
        char *end;
        double d = strtod(period, &end);
        if (end != period && *end == '\0' && d > 0 && d < 86400)
            out->heartbeat_period_ms = (int)(d * 1000.0 + 0.5);
    }
    copy_text(out->source_host, sizeof(out->source_host), COL(FLAVOR_COL_SOURCE_HOST));
    out->source_port = parse_long(COL(FLAVOR_COL_SOURCE_PORT), 0, 65535, &v) == 0 ? (int)v : 0;
    const char *io = COL(FLAVOR_COL_IO_RUNNING), *sql = COL(FLAVOR_COL_SQL_RUNNING);
    out->io_running = io && strcmp(io, "Yes") == 0;
    out->io_connecting = io && strcmp(io, "Connecting") == 0;
    out->sql_running = sql && strcmp(sql, "Yes") == 0;
    out->lag_s = parse_long(COL(FLAVOR_COL_LAG), 0, 100000000L, &v) == 0 ? (double)v : -1;
    out->sql_delay_s = parse_long(VAL("SQL_Delay"), 0, INT_MAX, &v) == 0 ? (int)v : 0;
    copy_text(out->last_io_error, sizeof(out->last_io_error), VAL("Last_IO_Error"));
    out->last_io_errno = parse_long(VAL("Last_IO_Errno"), 0, 100000, &v) == 0 ? (int)v : 0;
    copy_text(out->last_sql_error, sizeof(out->last_sql_error), VAL("Last_SQL_Error"));
    copy_text(out->received_gtid, sizeof(out->received_gtid), COL(FLAVOR_COL_RECEIVED_GTID));
    if (flavor_column(f, FLAVOR_COL_EXECUTED_GTID))
        copy_text(out->executed_gtid, sizeof(out->executed_gtid), COL(FLAVOR_COL_EXECUTED_GTID));
    copy_text(out->relay_log_file, sizeof(out->relay_log_file), VAL("Relay_Log_File"));
    out->relay_log_pos = parse_long(VAL("Relay_Log_Pos"), 0, LONG_MAX, &v) == 0 ? v : -1;
#undef COL
#undef VAL
}
