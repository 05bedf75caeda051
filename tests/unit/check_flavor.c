/* check_flavor.c -- unit tests for flavor.c: flavor detection, every flavor-specific statement
 * across the MySQL version boundaries (8.0.22, 8.0.23, 8.0.26), and the result parsers fed the
 * MySQL 8.0 / 8.4 outputs stored in tests/fixtures/mysql (from the reference manual). */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flavor.h"

static const flavor_info_t MARIADB = {FLAVOR_MARIADB, 101106};
static const flavor_info_t MY8021 = {FLAVOR_MYSQL, 80021};
static const flavor_info_t MY8022 = {FLAVOR_MYSQL, 80022};
static const flavor_info_t MY8023 = {FLAVOR_MYSQL, 80023};
static const flavor_info_t MY8025 = {FLAVOR_MYSQL, 80025};
static const flavor_info_t MY8026 = {FLAVOR_MYSQL, 80026};
static const flavor_info_t MY8036 = {FLAVOR_MYSQL, 80036};
static const flavor_info_t MY84 = {FLAVOR_MYSQL, 80400};

/* ---- fixtures: the mysql client's \G layout or its table layout, '#' lines are comments ---- */
#define FX_ROWS 8
#define FX_COLS 96
typedef struct fixture {
    unsigned nrows;
    unsigned ncols[FX_ROWS];
    char *names[FX_ROWS][FX_COLS];
    char *values[FX_ROWS][FX_COLS]; /* NULL for the client's NULL */
} fixture_t;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = 0;
    return s;
}

static void fx_add(fixture_t *x, unsigned r, const char *name, const char *value)
{
    ck_assert_uint_lt(x->ncols[r], FX_COLS);
    x->names[r][x->ncols[r]] = strdup(name);
    x->values[r][x->ncols[r]++] = strcmp(value, "NULL") == 0 ? NULL : strdup(value);
}

static void fx_load(fixture_t *x, const char *file)
{
    char path[512], line[1024];
    const char *dir = getenv("FIXTURES") ? getenv("FIXTURES") : "tests/fixtures/mysql";
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open fixture %s (run from the source tree)", path);
    memset(x, 0, sizeof(*x));
    bool table_header_seen = false, vertical = false;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || line[0] == '+') continue;
        if (line[0] == '*') { /* "*** N. row ***" */
            vertical = true;
            x->nrows++;
            ck_assert_uint_le(x->nrows, FX_ROWS);
            continue;
        }
        if (line[0] == '|') { /* | name | value | */
            char *name = strtok(line + 1, "|"), *value = strtok(NULL, "|");
            if (!name || !value) continue;
            if (!table_header_seen) {
                table_header_seen = true;
                continue;
            }
            if (x->nrows == 0) x->nrows = 1;
            /* a SHOW VARIABLES table: one (name, value) per line, kept as rows of 2 columns
             * in row 0 as name -> value pairs */
            fx_add(x, 0, trim(name), trim(value));
            continue;
        }
        if (!vertical || x->nrows == 0) continue;
        unsigned r = x->nrows - 1;
        char *s = trim(line), *colon = strchr(s, ':');
        bool field = colon && (colon[1] == ' ' || colon[1] == 0);
        for (char *p = s; field && p < colon; p++)
            if (!isalnum((unsigned char)*p) && *p != '_') field = false;
        if (field) {
            *colon = 0;
            fx_add(x, r, s, trim(colon + 1));
        } else if (x->ncols[r] && *s) { /* a wrapped value */
            char **v = &x->values[r][x->ncols[r] - 1];
            size_t n = strlen(*v) + strlen(s) + 2;
            char *j = malloc(n);
            snprintf(j, n, "%s %s", *v, s);
            free(*v);
            *v = j;
        }
    }
    fclose(f);
    ck_assert_uint_gt(x->nrows, 0);
}

static void fx_free(fixture_t *x)
{
    for (unsigned r = 0; r < FX_ROWS; r++)
        for (unsigned i = 0; i < x->ncols[r]; i++) {
            free(x->names[r][i]);
            free(x->values[r][i]);
        }
    memset(x, 0, sizeof(*x));
}

static const char *fx_get(const fixture_t *x, unsigned r, const char *name)
{
    for (unsigned i = 0; i < x->ncols[r]; i++)
        if (strcmp(x->names[r][i], name) == 0) return x->values[r][i];
    return NULL;
}

static void fx_parse_replica(const fixture_t *x, const flavor_info_t *f, flavor_replica_t *out)
{
    const char *const *rows[FX_ROWS];
    for (unsigned r = 0; r < x->nrows; r++) rows[r] = (const char *const *)x->values[r];
    int row = flavor_replica_pick_row(f, x->ncols[0], (const char *const *)x->names[0], x->nrows,
                                      rows);
    ck_assert_int_eq(row, 0);
    flavor_replica_parse(f, x->ncols[row], (const char *const *)x->names[row], rows[row], out);
}

/* ---- detection ----------------------------------------------------------------------------- */

START_TEST(test_detect)
{
    flavor_info_t f;
    char err[256], d[64];
    ck_assert_int_eq(flavor_detect("10.11.6-MariaDB-0+deb12u1", "Debian 12", &f, err, sizeof(err)), 0);
    ck_assert_int_eq(f.kind, FLAVOR_MARIADB);
    ck_assert_uint_eq(f.version, 101106);
    ck_assert_int_eq(flavor_detect("5.5.5-10.11.6-MariaDB-log", NULL, &f, err, sizeof(err)), 0);
    ck_assert_int_eq(f.kind, FLAVOR_MARIADB);
    ck_assert_uint_eq(f.version, 101106);
    ck_assert_int_eq(flavor_detect("10.6.16", "mariadb.org binary distribution", &f, err,
                                   sizeof(err)), 0);
    ck_assert_int_eq(f.kind, FLAVOR_MARIADB);
    ck_assert_int_eq(flavor_detect("8.0.36", "MySQL Community Server - GPL", &f, err, sizeof(err)), 0);
    ck_assert_int_eq(f.kind, FLAVOR_MYSQL);
    ck_assert_uint_eq(f.version, 80036);
    ck_assert_int_eq(flavor_detect("8.4.0", NULL, &f, err, sizeof(err)), 0);
    ck_assert_int_eq(f.kind, FLAVOR_MYSQL);
    ck_assert_uint_eq(f.version, 80400);
    ck_assert_int_eq(flavor_detect("8.0.21", NULL, &f, err, sizeof(err)), 0);
    ck_assert_uint_eq(f.version, 80021);
    ck_assert_int_eq(flavor_detect("8.0.36-28", "Percona Server (GPL), Release 28", &f, err,
                                   sizeof(err)), 0);
    ck_assert_int_eq(f.kind, FLAVOR_MYSQL);
    flavor_describe(&f, d, sizeof(d));
    ck_assert_str_eq(d, "MySQL 8.0.36");
    ck_assert_int_eq(flavor_detect("8.4.0-commercial", NULL, &f, err, sizeof(err)), 0);
    ck_assert_uint_eq(f.version, 80400);
}
END_TEST

START_TEST(test_detect_refuses)
{
    static const char *const bad[] = {"", "abc", "8", "8.0", "4.1.22", "1234.0.1", "-8.0.1"};
    flavor_info_t f;
    char err[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        ck_assert_msg(flavor_detect(bad[i], NULL, &f, err, sizeof(err)) == -1, "accepted \"%s\"",
                      bad[i]);
        ck_assert_int_eq(f.kind, FLAVOR_UNKNOWN);
        ck_assert_ptr_nonnull(strstr(err, bad[i]));
        ck_assert_ptr_nonnull(strstr(err, "expected MariaDB"));
    }
    ck_assert_int_eq(flavor_detect(NULL, NULL, &f, err, sizeof(err)), -1);
}
END_TEST

/* ---- statements ---------------------------------------------------------------------------- */

START_TEST(test_fence_and_lift)
{
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_FENCE), "SET GLOBAL read_only=ON");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_LIFT), "SET GLOBAL read_only=OFF");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_FENCE_CHECK), "SELECT @@read_only");
    const flavor_info_t *my[] = {&MY8021, &MY8036, &MY84};
    for (size_t i = 0; i < 3; i++) {
        /* super_read_only=ON sets read_only too; read_only=OFF clears super_read_only too */
        ck_assert_str_eq(flavor_sql(my[i], FLAVOR_FENCE), "SET GLOBAL super_read_only=ON");
        ck_assert_str_eq(flavor_sql(my[i], FLAVOR_LIFT), "SET GLOBAL read_only=OFF");
        ck_assert_str_eq(flavor_sql(my[i], FLAVOR_FENCE_CHECK),
                         "SELECT @@read_only AND @@super_read_only");
    }
    ck_assert_ptr_null(flavor_sql(&MARIADB, FLAVOR_STMT_COUNT));
}
END_TEST

START_TEST(test_replication_statements_by_version)
{
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_STOP_REPLICA), "STOP SLAVE");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_START_REPLICA), "START SLAVE");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_STOP_IO), "STOP SLAVE IO_THREAD");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_START_IO), "START SLAVE IO_THREAD");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_START_SQL), "START SLAVE SQL_THREAD");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_RESET_ALL), "RESET SLAVE ALL");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_REPLICA_STATUS), "SHOW ALL SLAVES STATUS");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_REPLICA_STATUS_ONE), "SHOW SLAVE STATUS");

    /* 8.0.21: the SLAVE spellings; 8.0.22 on (and 8.4, which dropped them): REPLICA */
    ck_assert_str_eq(flavor_sql(&MY8021, FLAVOR_STOP_REPLICA), "STOP SLAVE");
    ck_assert_str_eq(flavor_sql(&MY8021, FLAVOR_START_IO), "START SLAVE IO_THREAD");
    ck_assert_str_eq(flavor_sql(&MY8021, FLAVOR_RESET_ALL), "RESET SLAVE ALL");
    ck_assert_str_eq(flavor_sql(&MY8021, FLAVOR_REPLICA_STATUS), "SHOW SLAVE STATUS");
    const flavor_info_t *now[] = {&MY8022, &MY8036, &MY84};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_str_eq(flavor_sql(now[i], FLAVOR_STOP_REPLICA), "STOP REPLICA");
        ck_assert_str_eq(flavor_sql(now[i], FLAVOR_START_REPLICA), "START REPLICA");
        ck_assert_str_eq(flavor_sql(now[i], FLAVOR_STOP_IO), "STOP REPLICA IO_THREAD");
        ck_assert_str_eq(flavor_sql(now[i], FLAVOR_START_IO), "START REPLICA IO_THREAD");
        ck_assert_str_eq(flavor_sql(now[i], FLAVOR_START_SQL), "START REPLICA SQL_THREAD");
        ck_assert_str_eq(flavor_sql(now[i], FLAVOR_RESET_ALL), "RESET REPLICA ALL");
        ck_assert_str_eq(flavor_sql(now[i], FLAVOR_REPLICA_STATUS), "SHOW REPLICA STATUS");
        ck_assert_str_eq(flavor_sql(now[i], FLAVOR_REPLICA_STATUS_ONE), "SHOW REPLICA STATUS");
    }
}
END_TEST

START_TEST(test_gtid_statements)
{
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_EXECUTED_GTID), "SELECT @@gtid_binlog_pos");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_APPLIED_GTID), "SELECT @@gtid_slave_pos");
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_GTID_RESET),
                     "SET GLOBAL gtid_slave_pos=@@gtid_binlog_pos");
    ck_assert_str_eq(flavor_sql(&MY84, FLAVOR_EXECUTED_GTID), "SELECT @@GLOBAL.gtid_executed");
    ck_assert_str_eq(flavor_sql(&MY8021, FLAVOR_APPLIED_GTID), "SELECT @@GLOBAL.gtid_executed");
    ck_assert_ptr_null(flavor_sql(&MY8036, FLAVOR_GTID_RESET));
    ck_assert_str_eq(flavor_sql(&MARIADB, FLAVOR_SEMI_IO_THREAD),
                     "SELECT t.ID FROM information_schema.PROCESSLIST t, "
                     "information_schema.GLOBAL_STATUS s WHERE t.COMMAND = 'Slave_IO' AND "
                     "s.VARIABLE_NAME = 'RPL_SEMI_SYNC_SLAVE_STATUS' AND s.VARIABLE_VALUE = 'ON'");
    ck_assert_ptr_null(flavor_sql(&MY84, FLAVOR_SEMI_IO_THREAD));

    char q[256];
    ck_assert_int_eq(flavor_gtid_wait_sql(&MARIADB, "0-1-5", 1000, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "SELECT MASTER_GTID_WAIT('0-1-5', 1.000)");
    ck_assert_int_eq(flavor_gtid_wait_sql(&MY8036, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", 250,
                                          q, sizeof(q)), 0);
    ck_assert_str_eq(q, "SELECT WAIT_FOR_EXECUTED_GTID_SET("
                        "'3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', 0.250)");
    ck_assert_int_eq(flavor_gtid_wait_sql(&MY84, "x", 0, q, 10), -1);
    ck_assert_str_eq(flavor_gtid_wait_name(&MY84), "WAIT_FOR_EXECUTED_GTID_SET");
    /* MariaDB: -1 on timeout; MySQL: 1 on timeout */
    ck_assert_int_eq(flavor_gtid_wait_result(&MARIADB, "0"), 0);
    ck_assert_int_eq(flavor_gtid_wait_result(&MARIADB, "-1"), 1);
    ck_assert_int_eq(flavor_gtid_wait_result(&MARIADB, "1"), -1);
    ck_assert_int_eq(flavor_gtid_wait_result(&MY8036, "0"), 0);
    ck_assert_int_eq(flavor_gtid_wait_result(&MY8036, "1"), 1);
    ck_assert_int_eq(flavor_gtid_wait_result(&MY8036, "-1"), -1);
    ck_assert_int_eq(flavor_gtid_wait_result(&MY8036, NULL), -1);
}
END_TEST

START_TEST(test_change_source)
{
    char q[1024];
    flavor_source_t s = {"10.0.0.2", 3306, "repl", "pw", 500, ""};
    /* MariaDB: byte for byte what db.c has always sent */
    ck_assert_int_eq(flavor_change_source_sql(&MARIADB, &s, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, "
                        "MASTER_USER='repl', MASTER_PASSWORD='pw', MASTER_USE_GTID=slave_pos, "
                        "MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=0.500");
    ck_assert_int_eq(flavor_change_source_sql(&MY8022, &s, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "CHANGE MASTER TO MASTER_HOST='10.0.0.2', MASTER_PORT=3306, "
                        "MASTER_USER='repl', MASTER_PASSWORD='pw', MASTER_AUTO_POSITION=1, "
                        "MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=0.500, "
                        "GET_MASTER_PUBLIC_KEY=1");
    s.password = NULL; /* explain */
    s.heartbeat_ms = 0;
    s.tls = ", SOURCE_SSL=1, SOURCE_SSL_VERIFY_SERVER_CERT=0";
    const flavor_info_t *src[] = {&MY8023, &MY84};
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(flavor_change_source_sql(src[i], &s, q, sizeof(q)), 0);
        ck_assert_str_eq(q, "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.2', SOURCE_PORT=3306, "
                            "SOURCE_USER='repl', SOURCE_PASSWORD='***', SOURCE_AUTO_POSITION=1, "
                            "SOURCE_CONNECT_RETRY=1, SOURCE_HEARTBEAT_PERIOD=1.000, "
                            "GET_SOURCE_PUBLIC_KEY=1, SOURCE_SSL=1, SOURCE_SSL_VERIFY_SERVER_CERT=0");
    }
    ck_assert_int_eq(flavor_change_source_sql(&MY84, &s, q, 40), -1);
    ck_assert_str_eq(flavor_option_prefix(&MARIADB), "MASTER");
    ck_assert_str_eq(flavor_option_prefix(&MY8022), "MASTER");
    ck_assert_str_eq(flavor_option_prefix(&MY8023), "SOURCE");
}
END_TEST

START_TEST(test_delay)
{
    char q[256];
    ck_assert_int_eq(flavor_delay_sql(&MARIADB, 30, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "CHANGE MASTER TO MASTER_DELAY=30, MASTER_USE_GTID=slave_pos");
    ck_assert_int_eq(flavor_delay_sql(&MY8022, -5, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "CHANGE MASTER TO MASTER_DELAY=0, MASTER_AUTO_POSITION=1");
    ck_assert_int_eq(flavor_delay_sql(&MY84, 30, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "CHANGE REPLICATION SOURCE TO SOURCE_DELAY=30, SOURCE_AUTO_POSITION=1");
    ck_assert_int_eq(flavor_delay_lift_sql(&MARIADB, "relay.000002", 1145, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "CHANGE MASTER TO MASTER_DELAY=0, RELAY_LOG_FILE='relay.000002', "
                        "RELAY_LOG_POS=1145");
    ck_assert_int_eq(flavor_delay_lift_sql(&MARIADB, "x'; DROP", 4, q, sizeof(q)), -1);
    ck_assert_int_eq(flavor_delay_lift_sql(&MY8036, "relay.000002", 1145, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "CHANGE REPLICATION SOURCE TO SOURCE_DELAY=0");
    ck_assert_int_eq(flavor_delay_lift_sql(&MY8021, NULL, 0, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "CHANGE MASTER TO MASTER_DELAY=0");
}
END_TEST

START_TEST(test_vars_query)
{
    char q[1024];
    ck_assert_int_eq(flavor_vars_sql(&MARIADB, true, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "SELECT @@server_id, @@version, @@read_only, @@gtid_binlog_pos, "
                        "@@gtid_slave_pos, @@gtid_current_pos, @@rpl_semi_sync_master_enabled, "
                        "@@rpl_semi_sync_slave_enabled, @@event_scheduler, (SELECT COUNT(*) FROM "
                        "information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%')");
    ck_assert_int_eq(flavor_vars_sql(&MARIADB, false, q, sizeof(q)), 0);
    ck_assert_ptr_null(strstr(q, "PROCESSLIST"));
    ck_assert_int_eq(flavor_vars_sql(&MY8036, true, q, sizeof(q)), 0);
    ck_assert_ptr_nonnull(strstr(q, "@@super_read_only OR @@read_only, @@GLOBAL.gtid_executed, "
                                    "@@GLOBAL.gtid_executed, @@GLOBAL.gtid_executed, "));
    /* both plugin generations, by name: an 8.0.26+ server may still run the old plugin */
    ck_assert_ptr_nonnull(strstr(q, "'rpl_semi_sync_source_enabled', 'rpl_semi_sync_master_enabled'"));
    ck_assert_ptr_nonnull(strstr(q, "'rpl_semi_sync_replica_enabled', 'rpl_semi_sync_slave_enabled'"));
    ck_assert_ptr_nonnull(strstr(q, "COMMAND LIKE 'Binlog Dump%'")); /* and Binlog Dump GTID */
    ck_assert_int_eq(flavor_vars_sql(&MY8036, true, q, 30), -1);
}
END_TEST

START_TEST(test_settings_query)
{
    const char *const *n;
    ck_assert_str_eq(flavor_settings_sql(&MARIADB, &n),
                     "SELECT @@log_bin, @@log_slave_updates, @@gtid_strict_mode, @@read_only");
    ck_assert_str_eq(n[1], "log_slave_updates");
    ck_assert_str_eq(n[2], "gtid_strict_mode");
    ck_assert_str_eq(flavor_settings_sql(&MY8025, &n),
                     "SELECT @@log_bin, @@log_slave_updates, @@gtid_mode = 'ON' AND "
                     "@@enforce_gtid_consistency = 'ON', @@read_only");
    ck_assert_str_eq(n[1], "log_slave_updates");
    ck_assert_str_eq(flavor_settings_sql(&MY84, &n),
                     "SELECT @@log_bin, @@log_replica_updates, @@gtid_mode = 'ON' AND "
                     "@@enforce_gtid_consistency = 'ON', @@read_only");
    ck_assert_str_eq(n[1], "log_replica_updates");
    ck_assert_str_eq(n[2], "gtid_mode+enforce_gtid_consistency");
}
END_TEST

START_TEST(test_semi_sync_names)
{
    ck_assert_int_eq(flavor_semi_default_naming(&MARIADB), FLAVOR_SEMI_MASTER_SLAVE);
    ck_assert_int_eq(flavor_semi_default_naming(&MY8025), FLAVOR_SEMI_MASTER_SLAVE);
    ck_assert_int_eq(flavor_semi_default_naming(&MY8026), FLAVOR_SEMI_SOURCE_REPLICA);
    ck_assert_int_eq(flavor_semi_default_naming(&MY84), FLAVOR_SEMI_SOURCE_REPLICA);
    const flavor_semi_names_t *o = flavor_semi_names(FLAVOR_SEMI_MASTER_SLAVE);
    const flavor_semi_names_t *n = flavor_semi_names(FLAVOR_SEMI_SOURCE_REPLICA);
    ck_assert_str_eq(o->source_enabled, "rpl_semi_sync_master_enabled");
    ck_assert_str_eq(o->replica_enabled, "rpl_semi_sync_slave_enabled");
    ck_assert_str_eq(o->wait_no_replica, "rpl_semi_sync_master_wait_no_slave");
    ck_assert_str_eq(o->source_library, "semisync_master.so");
    ck_assert_str_eq(n->source_enabled, "rpl_semi_sync_source_enabled");
    ck_assert_str_eq(n->replica_enabled, "rpl_semi_sync_replica_enabled");
    ck_assert_str_eq(n->timeout, "rpl_semi_sync_source_timeout");
    ck_assert_str_eq(n->wait_no_replica, "rpl_semi_sync_source_wait_no_replica");
    ck_assert_str_eq(n->wait_point, "rpl_semi_sync_source_wait_point");
    ck_assert_str_eq(n->st_yes_tx, "Rpl_semi_sync_source_yes_tx");
    ck_assert_str_eq(n->source_plugin, "rpl_semi_sync_source");
    ck_assert_str_eq(n->source_library, "semisync_source.so");
    ck_assert_str_eq(n->replica_plugin, "rpl_semi_sync_replica");
    ck_assert_str_eq(n->replica_library, "semisync_replica.so");

    char q[2048];
    ck_assert_int_eq(flavor_semi_sample_sql(&MARIADB, FLAVOR_SEMI_MASTER_SLAVE, q, sizeof(q)), 0);
    ck_assert_str_eq(q, "SELECT @@rpl_semi_sync_master_timeout, @@rpl_semi_sync_master_wait_no_slave, "
                        "@@rpl_semi_sync_master_enabled, "
                        "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                        "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_WAIT_SESSIONS'), "
                        "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                        "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_YES_TX'), "
                        "(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                        "WHERE VARIABLE_NAME = 'RPL_SEMI_SYNC_MASTER_CLIENTS'), "
                        "(SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE "
                        "'Binlog Dump%' AND STATE LIKE 'Master has sent all binlog to slave%')");
    ck_assert_int_eq(flavor_semi_sample_sql(&MY84, FLAVOR_SEMI_SOURCE_REPLICA, q, sizeof(q)), 0);
    ck_assert_ptr_nonnull(strstr(q, "SELECT @@rpl_semi_sync_source_timeout, "
                                    "@@rpl_semi_sync_source_wait_no_replica, "
                                    "@@rpl_semi_sync_source_enabled, "));
    ck_assert_ptr_nonnull(strstr(q, "performance_schema.global_status WHERE VARIABLE_NAME = "
                                    "'Rpl_semi_sync_source_wait_sessions'"));
    ck_assert_ptr_nonnull(strstr(q, "STATE LIKE '%has sent all binlog to %'"));
    ck_assert_ptr_null(strstr(q, "information_schema.GLOBAL_STATUS"));
    ck_assert_int_eq(flavor_semi_sample_sql(&MY8025, FLAVOR_SEMI_MASTER_SLAVE, q, sizeof(q)), 0);
    ck_assert_ptr_nonnull(strstr(q, "@@rpl_semi_sync_master_wait_no_slave"));
}
END_TEST

START_TEST(test_sessions)
{
    ck_assert(flavor_is_dump_command(&MARIADB, "Binlog Dump"));
    ck_assert(!flavor_is_dump_command(&MARIADB, "Binlog Dump GTID"));
    ck_assert(flavor_is_dump_command(&MY8036, "Binlog Dump GTID"));
    ck_assert(flavor_is_dump_command(&MY84, "Binlog Dump"));
    ck_assert(!flavor_is_dump_command(&MY84, NULL));
    ck_assert_int_eq(flavor_session_kind(&MARIADB, "app", "Query", "failover"), FLAVOR_SESSION_CLIENT);
    ck_assert_int_eq(flavor_session_kind(&MARIADB, "app", "Sleep", "failover"), FLAVOR_SESSION_CLIENT);
    /* event workers run as Connect under their definer: fencing cuts them off */
    ck_assert_int_eq(flavor_session_kind(&MARIADB, "app", "Connect", "failover"), FLAVOR_SESSION_CLIENT);
    ck_assert_int_eq(flavor_session_kind(&MARIADB, "failover", "Query", "failover"), FLAVOR_SESSION_SYSTEM);
    ck_assert_int_eq(flavor_session_kind(&MARIADB, "system user", "Slave_IO", "f"), FLAVOR_SESSION_SYSTEM);
    ck_assert_int_eq(flavor_session_kind(&MARIADB, "repl", "Slave_SQL", "f"), FLAVOR_SESSION_REPLICATION);
    ck_assert_int_eq(flavor_session_kind(&MARIADB, "repl", "Binlog Dump", "f"), FLAVOR_SESSION_DUMP);
    ck_assert_int_eq(flavor_session_kind(&MARIADB, "event_scheduler", "Daemon", "f"), FLAVOR_SESSION_SYSTEM);
    ck_assert_int_eq(flavor_session_kind(&MY8036, "repl", "Binlog Dump GTID", "f"), FLAVOR_SESSION_DUMP);
    ck_assert_int_eq(flavor_session_kind(&MY8036, "app", "Query", "f"), FLAVOR_SESSION_CLIENT);
    ck_assert_int_eq(flavor_session_kind(&MY8036, "app", NULL, "f"), FLAVOR_SESSION_SYSTEM);
    ck_assert(flavor_dump_caught_up("Master has sent all binlog to slave; waiting for more updates"));
    ck_assert(flavor_dump_caught_up("Source has sent all binlog to replica; waiting for more updates"));
    ck_assert(!flavor_dump_caught_up("Sending binlog event to replica"));
    ck_assert(!flavor_dump_caught_up(NULL));
}
END_TEST

START_TEST(test_columns_by_version)
{
    ck_assert_str_eq(flavor_column(&MARIADB, FLAVOR_COL_SOURCE_HOST), "Master_Host");
    ck_assert_str_eq(flavor_column(&MARIADB, FLAVOR_COL_IO_RUNNING), "Slave_IO_Running");
    ck_assert_str_eq(flavor_column(&MARIADB, FLAVOR_COL_RECEIVED_GTID), "Gtid_IO_Pos");
    ck_assert_ptr_null(flavor_column(&MARIADB, FLAVOR_COL_EXECUTED_GTID));
    ck_assert_str_eq(flavor_column(&MARIADB, FLAVOR_COL_HEARTBEATS), "Slave_received_heartbeats");
    ck_assert_str_eq(flavor_column(&MY8021, FLAVOR_COL_SOURCE_HOST), "Master_Host");
    ck_assert_str_eq(flavor_column(&MY8021, FLAVOR_COL_LAG), "Seconds_Behind_Master");
    ck_assert_str_eq(flavor_column(&MY8021, FLAVOR_COL_RECEIVED_GTID), "Retrieved_Gtid_Set");
    ck_assert_str_eq(flavor_column(&MY8022, FLAVOR_COL_SOURCE_HOST), "Source_Host");
    ck_assert_str_eq(flavor_column(&MY8022, FLAVOR_COL_IO_RUNNING), "Replica_IO_Running");
    ck_assert_str_eq(flavor_column(&MY84, FLAVOR_COL_SQL_RUNNING), "Replica_SQL_Running");
    ck_assert_str_eq(flavor_column(&MY84, FLAVOR_COL_LAG), "Seconds_Behind_Source");
    ck_assert_str_eq(flavor_column(&MY84, FLAVOR_COL_EXECUTED_GTID), "Executed_Gtid_Set");
    ck_assert_ptr_null(flavor_column(&MY84, FLAVOR_COL_HEARTBEATS));
    ck_assert_ptr_null(flavor_column(&MY84, FLAVOR_COL_COUNT));
}
END_TEST

START_TEST(test_bool_value)
{
    ck_assert_int_eq(flavor_bool_value("1"), 1);
    ck_assert_int_eq(flavor_bool_value("ON"), 1);
    ck_assert_int_eq(flavor_bool_value("off"), 0);
    ck_assert_int_eq(flavor_bool_value("0"), 0);
    ck_assert_int_eq(flavor_bool_value("2"), -1);
    ck_assert_int_eq(flavor_bool_value(NULL), -1);
}
END_TEST

/* ---- fixtures ------------------------------------------------------------------------------ */

static void assert_manual_replica(const flavor_replica_t *r)
{
    ck_assert_str_eq(r->source_host, "127.0.0.1");
    ck_assert_int_eq(r->source_port, 13000);
    ck_assert(r->io_running && !r->io_connecting && r->sql_running);
    ck_assert(r->lag_s == 0);
    ck_assert_int_eq(r->sql_delay_s, 0);
    ck_assert_str_eq(r->received_gtid, "73f86016-978b-11ee-ade5-8d2a2a562feb:1-3");
    ck_assert_str_eq(r->executed_gtid, "73f86016-978b-11ee-ade5-8d2a2a562feb:1-3");
    ck_assert_str_eq(r->last_io_error, "");
    ck_assert_int_eq(r->last_io_errno, 0);
    ck_assert_str_eq(r->relay_log_file, "slave-relay-bin.000002");
    ck_assert_int_eq(r->relay_log_pos, 1145);
    ck_assert_int_eq(r->heartbeats, -1); /* MySQL has it in performance_schema only */
    ck_assert_int_eq(r->heartbeat_period_ms, 0);
}

START_TEST(test_fixture_show_replica_status)
{
    fixture_t x;
    flavor_replica_t r;
    fx_load(&x, "show_replica_status-8.0.22+_8.4.txt");
    ck_assert_uint_eq(x.ncols[0], 60);
    fx_parse_replica(&x, &MY8036, &r);
    assert_manual_replica(&r);
    fx_parse_replica(&x, &MY84, &r);
    assert_manual_replica(&r);
    /* the same answer read as a pre-8.0.22 server would name it: found by the other names */
    fx_parse_replica(&x, &MY8021, &r);
    assert_manual_replica(&r);
    fx_free(&x);
}
END_TEST

START_TEST(test_fixture_show_slave_status)
{
    fixture_t x;
    flavor_replica_t r;
    fx_load(&x, "show_slave_status-8.0.21.txt");
    const flavor_info_t *v[] = {&MY8021, &MY8036}; /* 8.0.22+ still answers SHOW SLAVE STATUS */
    for (size_t i = 0; i < 2; i++) {
        fx_parse_replica(&x, v[i], &r);
        ck_assert_str_eq(r.source_host, "localhost");
        ck_assert_int_eq(r.source_port, 13000);
        ck_assert(r.io_running && r.sql_running);
        ck_assert(r.lag_s == 0);
        ck_assert_str_eq(r.received_gtid, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5");
        ck_assert_str_eq(r.executed_gtid, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5");
        ck_assert_str_eq(r.relay_log_file, "replica-relay-bin.000003");
        ck_assert_int_eq(r.relay_log_pos, 1508);
    }
    fx_free(&x);
}
END_TEST

START_TEST(test_replica_status_edge_rows)
{
    /* MariaDB's ALL SLAVES answer: a named connection first, ours (empty name) second; a broken
     * row: NULL lag, a port out of range, a stopped IO thread still connecting */
    const char *names[] = {"Connection_name", "Master_Host", "Master_Port", "Slave_IO_Running",
                           "Slave_SQL_Running", "Seconds_Behind_Master", "Gtid_IO_Pos",
                           "Slave_received_heartbeats", "Slave_heartbeat_period", "SQL_Delay",
                           "Last_IO_Errno", "Last_IO_Error"};
    const char *other[] = {"b", "h2", "1", "Yes", "Yes", "0", "1-2-3", "5", "1.000", "0", "0", ""};
    const char *ours[] = {"", "db1", "99999", "Connecting", "No", NULL, "0-1-7", "12", "0.500",
                          "30", "1236", "Got fatal error 1236"};
    const char *const *rows[] = {other, ours};
    ck_assert_int_eq(flavor_replica_pick_row(&MARIADB, 12, names, 2, rows), 1);
    ck_assert_int_eq(flavor_replica_pick_row(&MARIADB, 12, names, 1, rows), -1);
    flavor_replica_t r;
    flavor_replica_parse(&MARIADB, 12, names, ours, &r);
    ck_assert_str_eq(r.source_host, "db1");
    ck_assert_int_eq(r.source_port, 0);
    ck_assert(!r.io_running && r.io_connecting && !r.sql_running);
    ck_assert(r.lag_s == -1);
    ck_assert_str_eq(r.received_gtid, "0-1-7");
    ck_assert_str_eq(r.executed_gtid, "");
    ck_assert_int_eq(r.heartbeats, 12);
    ck_assert_int_eq(r.heartbeat_period_ms, 500);
    ck_assert_int_eq(r.sql_delay_s, 30);
    ck_assert_int_eq(r.last_io_errno, 1236);
    ck_assert_int_eq(r.relay_log_pos, -1);
}
END_TEST

START_TEST(test_fixture_processlist)
{
    fixture_t x;
    fx_load(&x, "processlist-source-8.0_8.4.txt");
    ck_assert_uint_eq(x.nrows, 1);
    const flavor_info_t *v[] = {&MY8036, &MY84};
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(flavor_session_kind(v[i], fx_get(&x, 0, "User"), fx_get(&x, 0, "Command"),
                                             "failover"),
                         FLAVOR_SESSION_DUMP);
        ck_assert(flavor_dump_caught_up(fx_get(&x, 0, "State")));
    }
    ck_assert_str_eq(fx_get(&x, 0, "State"),
                     "Has sent all binlog to slave; waiting for binlog to be updated");
    ck_assert_ptr_null(fx_get(&x, 0, "db")); /* NULL */
    fx_free(&x);

    fx_load(&x, "processlist-replica-8.0_8.4.txt");
    ck_assert_uint_eq(x.nrows, 2);
    for (unsigned r = 0; r < 2; r++) /* the receiver and applier: never killed by a fence */
        ck_assert_int_eq(flavor_session_kind(&MY84, fx_get(&x, r, "User"), fx_get(&x, r, "Command"),
                                             "failover"),
                         FLAVOR_SESSION_SYSTEM);
    ck_assert(!flavor_dump_caught_up(fx_get(&x, 1, "State")));
    fx_free(&x);
}
END_TEST

static void parse_vars(const fixture_t *x, flavor_semi_vars_t *v)
{
    flavor_semi_vars_init(v);
    for (unsigned i = 0; i < x->ncols[0]; i++) flavor_semi_parse_var(v, x->names[0][i], x->values[0][i]);
}

START_TEST(test_fixture_semi_sync_variables)
{
    fixture_t x;
    flavor_semi_vars_t v;
    fx_load(&x, "semi_sync_variables-source-8.0.26+_8.4.txt");
    parse_vars(&x, &v);
    ck_assert(v.found);
    ck_assert_int_eq(v.naming, FLAVOR_SEMI_SOURCE_REPLICA);
    ck_assert_int_eq(v.source_enabled, 1);
    ck_assert_int_eq(v.replica_enabled, -1); /* no replica plugin on this one */
    ck_assert_int_eq(v.timeout_ms, 10000);
    ck_assert_int_eq(v.wait_no_replica, 1);
    ck_assert_str_eq(v.wait_point, "AFTER_SYNC");
    fx_free(&x);

    fx_load(&x, "semi_sync_variables-replica-8.0.26+_8.4.txt");
    parse_vars(&x, &v);
    ck_assert(v.found);
    ck_assert_int_eq(v.naming, FLAVOR_SEMI_SOURCE_REPLICA);
    ck_assert_int_eq(v.replica_enabled, 1);
    ck_assert_int_eq(v.source_enabled, -1);
    fx_free(&x);

    fx_load(&x, "semi_sync_variables-source-8.0.21.txt");
    parse_vars(&x, &v);
    ck_assert(v.found);
    ck_assert_int_eq(v.naming, FLAVOR_SEMI_MASTER_SLAVE);
    ck_assert_int_eq(v.source_enabled, 0);
    ck_assert_int_eq(v.timeout_ms, 10000);
    ck_assert_int_eq(v.wait_no_replica, 1);
    fx_free(&x);

    flavor_semi_vars_init(&v); /* no plugin: nothing found */
    flavor_semi_parse_var(&v, "read_only", "ON");
    ck_assert(!v.found);
    flavor_semi_parse_var(&v, "rpl_semi_sync_source_timeout", "garbage");
    ck_assert_int_eq(v.timeout_ms, -1);
}
END_TEST

static Suite *flavor_suite(void)
{
    Suite *s = suite_create("flavor");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_detect);
    tcase_add_test(tc, test_detect_refuses);
    tcase_add_test(tc, test_fence_and_lift);
    tcase_add_test(tc, test_replication_statements_by_version);
    tcase_add_test(tc, test_gtid_statements);
    tcase_add_test(tc, test_change_source);
    tcase_add_test(tc, test_delay);
    tcase_add_test(tc, test_vars_query);
    tcase_add_test(tc, test_settings_query);
    tcase_add_test(tc, test_semi_sync_names);
    tcase_add_test(tc, test_sessions);
    tcase_add_test(tc, test_columns_by_version);
    tcase_add_test(tc, test_bool_value);
    tcase_add_test(tc, test_fixture_show_replica_status);
    tcase_add_test(tc, test_fixture_show_slave_status);
    tcase_add_test(tc, test_replica_status_edge_rows);
    tcase_add_test(tc, test_fixture_processlist);
    tcase_add_test(tc, test_fixture_semi_sync_variables);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(flavor_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
