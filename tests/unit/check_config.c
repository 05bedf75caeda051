/* check_config.c -- unit tests for src/lib/config.c: defaults, every error message (file, line,
 * key, allowed), secrets and their file permissions, and the shipped etc/failoverd.conf. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define EXAMPLE_CONF "etc/failoverd.conf" /* tests run from the repository root */

static const char good_conf[] =
    "; a comment\n"
    "# another\n"
    "[cluster]\n"
    "name = main\n"
    "zk_hosts = zk1:2181,zk2:2181\n"
    "zk_root = /failover/prod\n"
    "zk_session_timeout_ms = 8000\n"
    "\n"
    "[node]\n"
    "name = db1\n"
    "host = 10.0.0.11\n"
    "port = 3307\n"
    "socket = /run/mysqld/mysqld.sock\n"
    "promotion = prefer\n"
    "[mysql]\n"
    "user = failover\n"
    "password = s3cret\n"
    "repl_user = repl\n"
    "repl_password = r3pl\n"
    "connect_timeout_ms = 200\n"
    "read_timeout_ms = 2000\n"
    "ssl_mode = required\n"
    "[failover]\n"
    "check_interval_ms = 500\n"
    "failure_threshold = 3\n"
    "catchup_timeout_ms = 0\n"
    "anti_flap_s = 600\n"
    "semi_sync = on\n"
    "failsafe = yes\n"
    "max_lag_s = 10\n"
    "hook_pre_failover = /usr/local/bin/pre\n"
    "hook_pre_failover_abort = true\n"
    "hook_post_failover = /usr/local/bin/post\n"
    "hook_role_change = /usr/local/bin/role\n"
    "hook_timeout_ms = 2500\n"
    "[http]\n"
    "listen = 127.0.0.1:8008\n"
    "[agent]\n"
    "log_level = debug\n"
    "pid_file = /run/failoverd.pid\n";

/* Short buffers keep gcc's -Wformat-truncation quiet about the messages built from them. */
#define TPATH 96
static char tmpdir[32];

/* A private directory per test (fork mode: each test is its own process). */
static const char *tmp_path(const char *name)
{
    static char path[TPATH];
    if (tmpdir[0] == '\0') {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/check_config.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    }
    ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s", tmpdir, name), (int)sizeof path);
    return path;
}

/* Checked teardown: runs in the test's process after a passing test. */
static void tmp_cleanup(void)
{
    char path[TPATH + 256];
    struct dirent *e;
    DIR *d;
    if (tmpdir[0] == '\0')
        return;
    d = opendir(tmpdir);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    tmpdir[0] = '\0';
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
    const char *path = tmp_path(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    ck_assert_int_eq(fchmod(fd, mode), 0);
    close(fd);
    return path;
}

/* Parse text as "t.conf"; returns the result and leaves the message in err. */
static int load(config_t *cfg, const char *text, char *err, size_t len)
{
    err[0] = '\0';
    return config_load_string(cfg, "t.conf", text, err, len);
}

/* Expect text to be refused with exactly msg. */
static void expect_error(const char *text, const char *msg)
{
    char err[1024];
    config_t *cfg = config_alloc();
    ck_assert_int_eq(load(cfg, text, err, sizeof err), -1);
    ck_assert_str_eq(err, msg);
    config_free(cfg);
}

static void expect_ok(const char *text)
{
    char err[1024];
    config_t *cfg = config_alloc();
    ck_assert_msg(load(cfg, text, err, sizeof err) == 0, "expected success, got: %s", err);
    config_free(cfg);
}

/* ---- defaults and a good file ---------------------------------------------------------------- */

START_TEST(test_defaults)
{
    config_t *c = config_alloc();
    ck_assert_ptr_null(c->cluster_name);
    ck_assert_ptr_null(c->zk_hosts);
    ck_assert_str_eq(c->zk_root, "/mysql-failover");
    ck_assert_int_eq(c->zk_session_timeout_ms, 6000);
    ck_assert_ptr_null(c->zk_auth_file);
    ck_assert_ptr_null(c->node_name);
    ck_assert_str_eq(c->node_host, "127.0.0.1");
    ck_assert_int_eq(c->node_port, 3306);
    ck_assert_ptr_null(c->node_socket);
    ck_assert_int_eq(c->promotion, PROMOTION_NEUTRAL);
    ck_assert_ptr_null(c->mysql_user);
    ck_assert_ptr_null(c->mysql_password);
    ck_assert_int_eq(c->connect_timeout_ms, 1000);
    ck_assert_int_eq(c->read_timeout_ms, 5000);
    ck_assert_str_eq(c->ssl_mode, "preferred");
    ck_assert_int_eq(c->check_interval_ms, 1000);
    ck_assert_int_eq(c->failure_threshold, 2);
    ck_assert_int_eq(c->catchup_timeout_ms, 30000);
    ck_assert_int_eq(c->anti_flap_s, 300);
    ck_assert_int_eq(c->bootstrap_settle_ms, 5000);
    ck_assert(!c->semi_sync);
    ck_assert(!c->failsafe);
    ck_assert_int_eq(c->max_lag_s, 30);
    ck_assert_int_eq(c->hook_timeout_ms, 10000);
    ck_assert(!c->hook_pre_failover_abort);
    ck_assert_ptr_null(c->http_listen);
    ck_assert_str_eq(c->log_level, "info");
    ck_assert_ptr_null(c->pid_file);
    ck_assert_ptr_null(config_mysql_password(c));
    ck_assert_ptr_null(config_zk_auth(c));
    config_free(c);
}
END_TEST

START_TEST(test_good_file)
{
    char err[1024];
    config_t *c = config_alloc();
    ck_assert_msg(load(c, good_conf, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(c->path, "t.conf");
    ck_assert_str_eq(c->cluster_name, "main");
    ck_assert_str_eq(c->zk_hosts, "zk1:2181,zk2:2181");
    ck_assert_str_eq(c->zk_root, "/failover/prod");
    ck_assert_int_eq(c->zk_session_timeout_ms, 8000);
    ck_assert_str_eq(c->node_name, "db1");
    ck_assert_str_eq(c->node_host, "10.0.0.11");
    ck_assert_int_eq(c->node_port, 3307);
    ck_assert_str_eq(c->node_socket, "/run/mysqld/mysqld.sock");
    ck_assert_int_eq(c->promotion, PROMOTION_PREFER);
    ck_assert_str_eq(c->mysql_user, "failover");
    ck_assert_str_eq(config_mysql_password(c), "s3cret");
    ck_assert_str_eq(c->repl_user, "repl");
    ck_assert_str_eq(config_repl_password(c), "r3pl");
    ck_assert_int_eq(c->connect_timeout_ms, 200);
    ck_assert_int_eq(c->read_timeout_ms, 2000);
    ck_assert_str_eq(c->ssl_mode, "required");
    ck_assert_int_eq(c->check_interval_ms, 500);
    ck_assert_int_eq(c->failure_threshold, 3);
    ck_assert_int_eq(c->catchup_timeout_ms, 0);
    ck_assert_int_eq(c->anti_flap_s, 600);
    ck_assert(c->semi_sync);
    ck_assert(c->failsafe);
    ck_assert_int_eq(c->max_lag_s, 10);
    ck_assert_str_eq(c->hook_pre_failover, "/usr/local/bin/pre");
    ck_assert(c->hook_pre_failover_abort);
    ck_assert_str_eq(c->hook_post_failover, "/usr/local/bin/post");
    ck_assert_str_eq(c->hook_role_change, "/usr/local/bin/role");
    ck_assert_int_eq(c->hook_timeout_ms, 2500);
    ck_assert_str_eq(c->http_listen, "127.0.0.1:8008");
    ck_assert_str_eq(c->log_level, "debug");
    ck_assert_str_eq(c->pid_file, "/run/failoverd.pid");
    ck_assert_msg(config_validate(c, true, err, sizeof err) == 0, "%s", err);
    config_free(c);
}
END_TEST

START_TEST(test_comments_quotes_whitespace)
{
    char err[1024];
    config_t *c = config_alloc();
    ck_assert_msg(load(c,
                       "\xEF\xBB\xBF[cluster]\r\n"
                       "   name = main   ; inline ; comment\r\n"
                       "zk_hosts=zk1:2181 # hash comment\n"
                       "\t# indented comment\n"
                       "  [mysql]  \n"
                       "user = \"fail over\"\n"
                       "password = 'pa;ss#word'\n"
                       "repl_user = re#pl\n"
                       "repl_password =\n",
                       err, sizeof err) == 0,
                  "%s", err);
    ck_assert_str_eq(c->cluster_name, "main");
    ck_assert_str_eq(c->zk_hosts, "zk1:2181");
    ck_assert_str_eq(c->mysql_user, "fail over");
    ck_assert_str_eq(c->mysql_password, "pa;ss#word"); /* no blank before ';' or '#' */
    ck_assert_str_eq(c->repl_user, "re#pl");
    ck_assert_str_eq(c->repl_password, ""); /* an explicit empty password */
    config_free(c);
}
END_TEST

START_TEST(test_case_and_enums)
{
    char err[1024];
    config_t *c = config_alloc();
    ck_assert_msg(load(c, "[node]\npromotion = NEVER\n[mysql]\nssl_mode = Verify_Identity\n"
                          "[agent]\nlog_level = WARNING\n",
                       err, sizeof err) == 0,
                  "%s", err);
    ck_assert_int_eq(c->promotion, PROMOTION_NEVER);
    ck_assert_str_eq(c->ssl_mode, "verify_identity"); /* stored canonical */
    ck_assert_str_eq(c->log_level, "warning");
    config_free(c);

    expect_error("[node]\npromotion = always\n",
                 "t.conf:2: [node] promotion: \"always\" is not a valid choice; allowed: "
                 "prefer|neutral|never");
    expect_error("[mysql]\nssl_mode = on\n",
                 "t.conf:2: [mysql] ssl_mode: \"on\" is not a valid choice; allowed: "
                 "disabled|preferred|required|verify_ca|verify_identity");
    expect_error("[agent]\nlog_level = trace\n",
                 "t.conf:2: [agent] log_level: \"trace\" is not a valid choice; allowed: "
                 "debug|info|notice|warning|error");
}
END_TEST

static const struct {
    const char *text;
    bool value;
} bool_cases[] = {
    {"on", true},  {"off", false}, {"true", true}, {"false", false}, {"yes", true},
    {"no", false}, {"1", true},    {"0", false},   {"ON", true},     {"False", false},
    {"\"yes\"", true},
};

START_TEST(test_bool_spellings)
{
    char text[128], err[1024];
    config_t *c = config_alloc();
    snprintf(text, sizeof text, "[failover]\nsemi_sync = %s\n", bool_cases[_i].text);
    ck_assert_msg(load(c, text, err, sizeof err) == 0, "%s: %s", bool_cases[_i].text, err);
    ck_assert_int_eq(c->semi_sync, bool_cases[_i].value);
    config_free(c);
}
END_TEST

START_TEST(test_bool_bad)
{
    expect_error("[failover]\nsemi_sync = maybe\n",
                 "t.conf:2: [failover] semi_sync: \"maybe\" is not a boolean; allowed: "
                 "on|off|true|false|yes|no|1|0");
    expect_error("[failover]\nfailsafe =\n",
                 "t.conf:2: [failover] failsafe: \"\" is not a boolean; allowed: "
                 "on|off|true|false|yes|no|1|0");
}
END_TEST

/* ---- integers ------------------------------------------------------------------------------- */

START_TEST(test_int_not_number)
{
    expect_error("[cluster]\nname = main\n\n[failover]\n; fast please\ncheck_interval_ms = fast\n",
                 "t.conf:6: [failover] check_interval_ms: \"fast\" is not a whole number; "
                 "allowed: 50..60000");
    expect_error("[failover]\ncheck_interval_ms = 100ms\n",
                 "t.conf:2: [failover] check_interval_ms: \"100ms\" is not a whole number; "
                 "allowed: 50..60000");
    expect_error("[failover]\ncheck_interval_ms = 1.5\n",
                 "t.conf:2: [failover] check_interval_ms: \"1.5\" is not a whole number; "
                 "allowed: 50..60000");
    expect_error("[node]\nport = -\n",
                 "t.conf:2: [node] port: \"-\" is not a whole number; allowed: 1..65535");
}
END_TEST

START_TEST(test_int_bounds)
{
    char err[1024];
    config_t *c = config_alloc();
    ck_assert_int_eq(load(c, "[failover]\ncheck_interval_ms = 50\n", err, sizeof err), 0);
    ck_assert_int_eq(c->check_interval_ms, 50);
    config_free(c);
    c = config_alloc();
    ck_assert_int_eq(load(c, "[failover]\ncheck_interval_ms = 60000\ncatchup_timeout_ms = 0\n"
                             "[node]\nport = 65535\n",
                          err, sizeof err),
                     0);
    ck_assert_int_eq(c->check_interval_ms, 60000);
    ck_assert_int_eq(c->node_port, 65535);
    config_free(c);

    expect_error("[failover]\ncheck_interval_ms = 49\n",
                 "t.conf:2: [failover] check_interval_ms: \"49\" is out of range; allowed: "
                 "50..60000");
    expect_error("[failover]\ncheck_interval_ms = 60001\n",
                 "t.conf:2: [failover] check_interval_ms: \"60001\" is out of range; allowed: "
                 "50..60000");
    expect_error("[node]\nport = 0\n",
                 "t.conf:2: [node] port: \"0\" is out of range; allowed: 1..65535");
    expect_error("[failover]\ncatchup_timeout_ms = -1\n",
                 "t.conf:2: [failover] catchup_timeout_ms: \"-1\" is out of range; allowed: "
                 "0..3600000");
    expect_error("[failover]\nbootstrap_settle_ms = 600001\n",
                 "t.conf:2: [failover] bootstrap_settle_ms: \"600001\" is out of range; allowed: "
                 "0..600000");
    expect_error("[cluster]\nzk_session_timeout_ms = 99999999999999999999999\n",
                 "t.conf:2: [cluster] zk_session_timeout_ms: \"99999999999999999999999\" is out "
                 "of range; allowed: 1000..60000");
}
END_TEST

/* ---- structure errors ----------------------------------------------------------------------- */

START_TEST(test_unknown_key)
{
    expect_error("[mysql]\nuser = x\npasword = y\n",
                 "t.conf:3: [mysql] pasword: unknown key; allowed in [mysql]: user, password, "
                 "password_file, repl_user, repl_password, repl_password_file, "
                 "connect_timeout_ms, read_timeout_ms, ssl_mode, ssl_ca, ssl_cert, ssl_key");
    expect_error("[http]\nport = 80\n",
                 "t.conf:2: [http] port: unknown key; allowed in [http]: listen");
}
END_TEST

START_TEST(test_unknown_section)
{
    expect_error("[cluster]\nname = a\n\n[faiover]\n",
                 "t.conf:4: [faiover]: unknown section; allowed: [cluster], [node], [mysql], "
                 "[failover], [http], [agent]");
    expect_error("[client]\nuser = x\n",
                 "t.conf:1: [client]: unknown section; allowed: [cluster], [node], [mysql], "
                 "[failover], [http], [agent]");
}
END_TEST

START_TEST(test_key_before_section)
{
    expect_error("# top\nname = main\n",
                 "t.conf:2: name: key before any section; allowed: a section line first, one of "
                 "[cluster], [node], [mysql], [failover], [http], [agent]");
}
END_TEST

START_TEST(test_duplicate_key)
{
    expect_error("[mysql]\nuser = a\n[node]\nname = n\n[mysql]\nuser = b\n",
                 "t.conf:6: [mysql] user: duplicate key (already set on line 2); allowed: once "
                 "per file");
}
END_TEST

START_TEST(test_unparsable_line)
{
    expect_error("[cluster]\nname = a\n; c\nzk_hosts zk1:2181\n",
                 "t.conf:4: cannot parse \"zk_hosts zk1:2181\"; allowed: \"key = value\", "
                 "\"[section]\", blank, or a comment starting with ';' or '#'");
    expect_error("[cluster]\nname main\n",
                 "t.conf:2: cannot parse \"name main\"; allowed: \"key = value\", \"[section]\", "
                 "blank, or a comment starting with ';' or '#'");
    expect_error("[mysql]\n= x\n",
                 "t.conf:2: cannot parse \"= x\"; allowed: \"key = value\", \"[section]\", "
                 "blank, or a comment starting with ';' or '#'");
    expect_error("[cluster\nname = a\n",
                 "t.conf:1: cannot parse \"[cluster\"; allowed: \"key = value\", \"[section]\", "
                 "blank, or a comment starting with ';' or '#'");
    expect_error("[cluster] x\n",
                 "t.conf:1: cannot parse \"[cluster] x\"; allowed: \"key = value\", "
                 "\"[section]\", blank, or a comment starting with ';' or '#'");
    /* A password line with its '=' missing is not echoed into logs. */
    expect_error("[mysql]\npassword hunter2\n",
                 "t.conf:2: cannot parse (a line mentioning a password, not repeated); allowed: "
                 "\"key = value\", \"[section]\", blank, or a comment starting with ';' or '#'");
    /* An indented line is not a continuation of the previous value. */
    expect_error("[mysql]\nuser = a\n   b\n",
                 "t.conf:3: cannot parse \"b\"; allowed: \"key = value\", \"[section]\", blank, or "
                 "a comment starting with ';' or '#'");
}
END_TEST

START_TEST(test_first_error_wins)
{
    /* inih reports a line it cannot split only at the end; an earlier one must still win... */
    expect_error("[cluster]\nname\nzk_hosts = bad\n",
                 "t.conf:2: cannot parse \"name\"; allowed: \"key = value\", \"[section]\", "
                 "blank, or a comment starting with ';' or '#'");
    /* ...and a later one must not hide an earlier key error. */
    expect_error("[node]\nport = x\nname\n",
                 "t.conf:2: [node] port: \"x\" is not a whole number; allowed: 1..65535");
}
END_TEST

START_TEST(test_line_too_long)
{
    char text[1024];
    char value[300];
    memset(value, 'a', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    snprintf(text, sizeof text, "[mysql]\n# fine\n\nuser = %s\n", value);
    expect_error(text, "t.conf:4: line too long (306 characters); allowed: at most 198");
    /* A long comment is not a long line. */
    snprintf(text, sizeof text, "[mysql]\n# %s\nuser = a\n", value);
    expect_ok(text);
}
END_TEST

START_TEST(test_string_values)
{
    expect_error("[mysql]\nuser =\n",
                 "t.conf:2: [mysql] user: empty value; allowed: a MySQL account name, up to 80 "
                 "characters");
    expect_error("[mysql]\npassword = \"abc ; def\"\n",
                 "t.conf:2: [mysql] password: unterminated quote (' ;' and ' #' start a comment "
                 "even inside quotes); allowed: text without ' ;' or ' #' (or use password_file)");
    expect_error("[mysql]\nuser = a\tb\n",
                 "t.conf:2: [mysql] user: value holds a control character; allowed: a MySQL "
                 "account name, up to 80 characters");
    expect_error("[mysql]\nuser = "
                 "123456789012345678901234567890123456789012345678901234567890123456789012345678901\n",
                 "t.conf:2: [mysql] user: value too long (81 characters, at most 80); allowed: a "
                 "MySQL account name, up to 80 characters");
    expect_error("[mysql]\npassword_file = mysql.pass\n",
                 "t.conf:2: [mysql] password_file: \"mysql.pass\" is not an absolute path; "
                 "allowed: an absolute path");
    expect_error("[failover]\nhook_pre_failover = vip-move --up\n",
                 "t.conf:2: [failover] hook_pre_failover: \"vip-move --up\" is not an absolute "
                 "path; allowed: an absolute path");
}
END_TEST

START_TEST(test_names)
{
    char text[256];
    expect_error("[cluster]\nname = my cluster\n",
                 "t.conf:2: [cluster] name: \"my cluster\" is not a valid name; allowed: "
                 "[A-Za-z0-9_.-]{1,64}");
    expect_error("[node]\nname = db/1\n",
                 "t.conf:2: [node] name: \"db/1\" is not a valid name; allowed: "
                 "[A-Za-z0-9_.-]{1,64}");
    expect_error("[node]\nname = ..\n",
                 "t.conf:2: [node] name: \"..\" is not a valid name; allowed: "
                 "[A-Za-z0-9_.-]{1,64}");
    snprintf(text, sizeof text, "[node]\nname = %s\n",
             "a123456789b123456789c123456789d123456789e123456789f123456789g123");
    expect_ok(text); /* 64 characters */
    snprintf(text, sizeof text, "[node]\nname = %s\n",
             "a123456789b123456789c123456789d123456789e123456789f123456789g1234");
    expect_error(text, "t.conf:2: [node] name: \"a123456789b123456789c123456789d123456789...\" "
                       "is not a valid name; allowed: [A-Za-z0-9_.-]{1,64}");
    ck_assert(config_name_is_valid("db-1.a_B"));
    ck_assert(!config_name_is_valid(""));
    ck_assert(!config_name_is_valid("."));
    ck_assert(!config_name_is_valid(NULL));
    ck_assert(!config_name_is_valid("d\xc3\xa9"));
}
END_TEST

START_TEST(test_zk_values)
{
    expect_ok("[cluster]\nzk_hosts = 127.0.0.1:2181\nzk_root = /a/b-c/d.e\n");
    expect_ok("[cluster]\nzk_hosts = [::1]:2181,zk2:2182\n");
    expect_error("[cluster]\nzk_root = /mysql-failover/\n",
                 "t.conf:2: [cluster] zk_root: \"/mysql-failover/\" is not an absolute path "
                 "without trailing '/'; allowed: an absolute ZooKeeper path without trailing '/', "
                 "e.g. /mysql-failover");
    expect_error("[cluster]\nzk_root = mysql-failover\n",
                 "t.conf:2: [cluster] zk_root: \"mysql-failover\" is not an absolute path "
                 "without trailing '/'; allowed: an absolute ZooKeeper path without trailing '/', "
                 "e.g. /mysql-failover");
    expect_error("[cluster]\nzk_root = /\n",
                 "t.conf:2: [cluster] zk_root: \"/\" is not an absolute path without trailing "
                 "'/'; allowed: an absolute ZooKeeper path without trailing '/', e.g. "
                 "/mysql-failover");
    expect_error("[cluster]\nzk_root = /zookeeper/x\n",
                 "t.conf:2: [cluster] zk_root: \"/zookeeper/x\" is reserved by ZooKeeper; "
                 "allowed: an absolute ZooKeeper path without trailing '/', e.g. /mysql-failover");
    expect_error("[cluster]\nzk_root = /a//b\n",
                 "t.conf:2: [cluster] zk_root: \"/a//b\" has an empty, \".\" or \"..\" component; "
                 "allowed: an absolute ZooKeeper path without trailing '/', e.g. /mysql-failover");
    expect_error("[cluster]\nzk_hosts = zk1:2181,zk2\n",
                 "t.conf:2: [cluster] zk_hosts: \"zk2\" is not host:port; allowed: "
                 "host:port[,host:port...], e.g. zk1:2181,zk2:2181,zk3:2181");
    expect_error("[cluster]\nzk_hosts = zk1:99999\n",
                 "t.conf:2: [cluster] zk_hosts: \"zk1:99999\" is not host:port; allowed: "
                 "host:port[,host:port...], e.g. zk1:2181,zk2:2181,zk3:2181");
    expect_error("[cluster]\nzk_hosts = zk1:2181/chroot\n",
                 "t.conf:2: [cluster] zk_hosts: a chroot suffix is not supported here (set "
                 "zk_root instead); allowed: host:port[,host:port...], e.g. "
                 "zk1:2181,zk2:2181,zk3:2181");
}
END_TEST

START_TEST(test_http_listen)
{
    char err[1024];
    config_t *c = config_alloc();
    ck_assert_int_eq(load(c, "[http]\nlisten =\n", err, sizeof err), 0);
    ck_assert_str_eq(c->http_listen, "");
    config_free(c);
    expect_ok("[http]\nlisten = 0.0.0.0:8008\n");
    expect_ok("[http]\nlisten = [::1]:8008\n");
    expect_error("[http]\nlisten = 8008\n",
                 "t.conf:2: [http] listen: \"8008\" is not host:port; allowed: host:port, e.g. "
                 "127.0.0.1:8008, or empty for off");
    expect_error("[http]\nlisten = :8008\n",
                 "t.conf:2: [http] listen: \":8008\" is not host:port; allowed: host:port, e.g. "
                 "127.0.0.1:8008, or empty for off");
}
END_TEST

/* ---- config_validate ------------------------------------------------------------------------- */

static const char base_conf[] = "[cluster]\nname = main\nzk_hosts = zk:2181\n"
                                "[mysql]\nuser = f\nrepl_user = r\n";

/* base_conf plus extra, parsed as "t.conf". */
static config_t *load_base(const char *extra)
{
    char text[4096], err[1024];
    config_t *c = config_alloc();
    snprintf(text, sizeof text, "%s%s", base_conf, extra);
    ck_assert_msg(load(c, text, err, sizeof err) == 0, "%s", err);
    return c;
}

static void expect_invalid(config_t *c, bool need_node, const char *msg)
{
    char err[2048];
    ck_assert_int_eq(config_validate(c, need_node, err, sizeof err), -1);
    ck_assert_str_eq(err, msg);
    config_free(c);
}

START_TEST(test_validate_required)
{
    char err[1024];
    config_t *c = config_alloc();
    ck_assert_int_eq(load(c, "[mysql]\nuser = f\n", err, sizeof err), 0);
    expect_invalid(c, false,
                   "t.conf: [cluster] name: required but not set; allowed: [A-Za-z0-9_.-]{1,64}");

    c = load_base("password = a\nrepl_password = b\n");
    expect_invalid(c, true,
                   "t.conf: [node] name: required but not set; allowed: [A-Za-z0-9_.-]{1,64}");
    c = load_base("password = a\nrepl_password = b\n");
    ck_assert_msg(config_validate(c, false, err, sizeof err) == 0, "%s", err);
    config_free(c);
}
END_TEST

START_TEST(test_validate_password_sources)
{
    config_t *c = load_base("repl_password = b\n");
    expect_invalid(c, false,
                   "t.conf: [mysql] password_file: required but not set; allowed: password_file = "
                   "PATH (a mode 0600 file), or password = ...");
    c = load_base("password = a\n");
    expect_invalid(c, false,
                   "t.conf: [mysql] repl_password_file: required but not set; allowed: "
                   "repl_password_file = PATH (a mode 0600 file), or repl_password = ...");
    c = load_base("password = a\nrepl_password = b\npassword_file = /etc/x\n");
    expect_invalid(c, false,
                   "t.conf:9: [mysql] password_file: password is also set (line 7); allowed: one "
                   "of password_file, password");
}
END_TEST

START_TEST(test_validate_password_file)
{
    char extra[1024], err[1024], mp[TPATH], rp[TPATH], zp[TPATH];
    config_t *c;

    snprintf(mp, sizeof mp, "%s", write_file("mysql.pass", "t0p secret ;#\n", 0600));
    snprintf(rp, sizeof rp, "%s", write_file("repl.pass", "replpw\r\n", 0400));
    snprintf(zp, sizeof zp, "%s", write_file("zk.auth", "fo:zkpw", 0600));
    snprintf(extra, sizeof extra, "password_file = %s\nrepl_password_file = %s\n[cluster]\n", mp,
             rp);
    c = load_base(extra);
    c->zk_auth_file = strdup(zp); /* freed by config_free */
    ck_assert_msg(config_validate(c, false, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(config_mysql_password(c), "t0p secret ;#");
    ck_assert_str_eq(config_repl_password(c), "replpw");
    ck_assert_str_eq(config_zk_auth(c), "fo:zkpw");
    /* validating twice reloads, it does not leak or keep stale secrets */
    write_file("mysql.pass", "changed", 0600);
    ck_assert_msg(config_validate(c, false, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(config_mysql_password(c), "changed");
    config_free(c);
}
END_TEST

START_TEST(test_validate_password_file_refused)
{
    char extra[1024], msg[2048], mp[TPATH];
    config_t *c;

    /* readable by others */
    snprintf(mp, sizeof mp, "%s", write_file("mysql.pass", "pw\n", 0644));
    snprintf(extra, sizeof extra, "password_file = %s\nrepl_password = r\n", mp);
    c = load_base(extra);
    snprintf(msg, sizeof msg,
             "t.conf:7: [mysql] password_file: %s: holds a password and is readable by "
             "group/others (mode 0644); run: chmod 600 %s",
             mp, mp);
    expect_invalid(c, false, msg);

    /* empty */
    write_file("mysql.pass", "\n", 0600);
    c = load_base(extra);
    snprintf(msg, sizeof msg,
             "t.conf:7: [mysql] password_file: %s: is empty; allowed: the password on one line",
             mp);
    expect_invalid(c, false, msg);

    /* two lines */
    write_file("mysql.pass", "a\nb\n", 0600);
    c = load_base(extra);
    snprintf(msg, sizeof msg,
             "t.conf:7: [mysql] password_file: %s: holds more than one line; allowed: the "
             "password on one line",
             mp);
    expect_invalid(c, false, msg);

    /* missing */
    unlink(mp);
    c = load_base(extra);
    snprintf(msg, sizeof msg,
             "t.conf:7: [mysql] password_file: %s: cannot open: No such file or directory", mp);
    expect_invalid(c, false, msg);
}
END_TEST

START_TEST(test_validate_zk_auth_and_ssl)
{
    char extra[1024], msg[2048], zp[TPATH];
    config_t *c;

    snprintf(zp, sizeof zp, "%s", write_file("zk.auth", "no-colon\n", 0600));
    snprintf(extra, sizeof extra, "password = a\nrepl_password = b\n[cluster]\nzk_auth_file = %s\n",
             zp);
    c = load_base(extra);
    snprintf(msg, sizeof msg,
             "t.conf:10: [cluster] zk_auth_file: %s does not hold user:password; allowed: one "
             "line \"user:password\"",
             zp);
    expect_invalid(c, false, msg);

    c = load_base("password = a\nrepl_password = b\nssl_cert = /etc/c.pem\n");
    expect_invalid(c, false,
                   "t.conf:9: [mysql] ssl_cert: set without ssl_key; allowed: both ssl_cert and "
                   "ssl_key, or neither");

    c = load_base("password = a\nrepl_password = b\nssl_mode = verify_identity\n");
    expect_invalid(c, false,
                   "t.conf:9: [mysql] ssl_mode: verify_identity needs ssl_ca, the CA that signed "
                   "the servers' certificates; allowed: set ssl_ca, or ssl_mode = required");
    c = load_base("password = a\nrepl_password = b\nssl_mode = VERIFY_CA\nssl_ca = /etc/ca.pem\n");
    ck_assert_msg(config_validate(c, false, msg, sizeof msg) == 0, "%s", msg);
    config_free(c);

    /* the client key is a secret: refused when group or others can read it */
    snprintf(zp, sizeof zp, "%s", write_file("client-key.pem", "key\n", 0640));
    snprintf(extra, sizeof extra, "password = a\nrepl_password = b\nssl_cert = /etc/c.pem\n"
             "ssl_key = %s\n", zp);
    c = load_base(extra);
    snprintf(msg, sizeof msg,
             "t.conf:10: [mysql] ssl_key: %s: a private key readable by group/others (mode 0640); "
             "run: chmod 600 %s", zp, zp);
    expect_invalid(c, false, msg);
    chmod(zp, 0600);
    c = load_base(extra);
    ck_assert_msg(config_validate(c, false, msg, sizeof msg) == 0, "%s", msg);
    config_free(c);
}
END_TEST

/* ---- config_load and file permissions --------------------------------------------------------- */

START_TEST(test_load_inline_password_perms)
{
    char text[1024], err[2048], msg[2048], p[TPATH];
    config_t *c;

    snprintf(text, sizeof text, "%spassword = pw\nrepl_password = r\n", base_conf);
    snprintf(p, sizeof p, "%s", write_file("f.conf", text, 0644));
    c = config_alloc();
    ck_assert_int_eq(config_load(c, p, err, sizeof err), -1);
    snprintf(msg, sizeof msg,
             "%s: holds a password and is readable by group/others (mode 0644); run: chmod 600 %s",
             p, p);
    ck_assert_str_eq(err, msg);
    config_free(c);

    /* 0640 is refused too: group members are others as far as a password goes */
    chmod(p, 0640);
    c = config_alloc();
    ck_assert_int_eq(config_load(c, p, err, sizeof err), -1);
    config_free(c);

    chmod(p, 0600);
    c = config_alloc();
    ck_assert_msg(config_load(c, p, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(c->path, p);
    ck_assert_msg(config_validate(c, false, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(config_mysql_password(c), "pw");
    config_free(c);

    /* no inline password: a world-readable file is fine */
    snprintf(p, sizeof p, "%s", write_file("open.conf", base_conf, 0644));
    c = config_alloc();
    ck_assert_msg(config_load(c, p, err, sizeof err) == 0, "%s", err);
    config_free(c);

    /* an empty inline password is no secret */
    snprintf(text, sizeof text, "%spassword =\n", base_conf);
    snprintf(p, sizeof p, "%s", write_file("empty.conf", text, 0644));
    c = config_alloc();
    ck_assert_msg(config_load(c, p, err, sizeof err) == 0, "%s", err);
    config_free(c);
}
END_TEST

START_TEST(test_check_secret_perms)
{
    char err[1024], msg[2048], p[TPATH];
    snprintf(p, sizeof p, "%s", write_file("s", "x", 0604));
    ck_assert_int_eq(config_check_secret_perms(p, err, sizeof err), -1);
    snprintf(msg, sizeof msg,
             "%s: holds a password and is readable by group/others (mode 0604); run: chmod 600 %s",
             p, p);
    ck_assert_str_eq(err, msg);
    chmod(p, 0600);
    ck_assert_int_eq(config_check_secret_perms(p, err, sizeof err), 0);
    ck_assert_int_eq(config_check_secret_perms("/nonexistent/x", err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/x: No such file or directory");
}
END_TEST

START_TEST(test_load_file_errors)
{
    char err[1024], msg[2048], p[TPATH];
    config_t *c = config_alloc();

    ck_assert_int_eq(config_load(c, "/nonexistent/failoverd.conf", err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/failoverd.conf: cannot open: No such file or directory");

    ck_assert_int_eq(config_load(c, "/tmp", err, sizeof err), -1);
    ck_assert_str_eq(err, "/tmp: not a regular file");

    /* messages from a real file name the file */
    snprintf(p, sizeof p, "%s", write_file("bad.conf", "[failover]\n\ncheck_interval_ms = fast\n", 0644));
    ck_assert_int_eq(config_load(c, p, err, sizeof err), -1);
    snprintf(msg, sizeof msg,
             "%s:3: [failover] check_interval_ms: \"fast\" is not a whole number; allowed: "
             "50..60000",
             p);
    ck_assert_str_eq(err, msg);
    config_free(c);

    /* a NUL byte */
    {
        const char *np = tmp_path("nul.conf");
        FILE *f = fopen(np, "w");
        ck_assert_ptr_nonnull(f);
        fwrite("[mysql]\nuser = a\0b\n", 1, 19, f);
        fclose(f);
        c = config_alloc();
        ck_assert_int_eq(config_load(c, np, err, sizeof err), -1);
        snprintf(msg, sizeof msg, "%s:2: holds a NUL byte; allowed: a text config file", np);
        ck_assert_str_eq(err, msg);
        config_free(c);
    }
}
END_TEST

/* ---- the shipped example -------------------------------------------------------------------- */

START_TEST(test_example_conf_loads)
{
    char err[2048];
    config_t *c = config_alloc();
    ck_assert_msg(config_load(c, EXAMPLE_CONF, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(c->cluster_name, "main");
    ck_assert_str_eq(c->node_name, "db1");
    ck_assert_str_eq(c->mysql_password_file, "/etc/failoverd/mysql.pass");
    /* the example's password files live in /etc; point them at test copies */
    free(c->mysql_password_file);
    c->mysql_password_file = strdup(write_file("mysql.pass", "pw\n", 0600));
    free(c->repl_password_file);
    c->repl_password_file = strdup(write_file("repl.pass", "rpw\n", 0600));
    ck_assert_msg(config_validate(c, true, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(config_mysql_password(c), "pw");
    ck_assert_str_eq(config_repl_password(c), "rpw");
    config_free(c);
}
END_TEST

/* Every key of the table is documented in the example, in its section, with its default. */
START_TEST(test_example_conf_documents_every_key)
{
    FILE *f = fopen(EXAMPLE_CONF, "r");
    static char lines[512][256];
    static char sections[512][32];
    char cur[32] = "";
    size_t n = 0;
    const char *section, *key, *def;

    ck_assert_ptr_nonnull(f);
    while (n < 512 && fgets(lines[n], sizeof lines[n], f) != NULL) {
        lines[n][strcspn(lines[n], "\n")] = '\0';
        if (lines[n][0] == '[')
            snprintf(cur, sizeof cur, "%.*s", (int)strcspn(lines[n] + 1, "]"), lines[n] + 1);
        snprintf(sections[n], sizeof sections[n], "%s", cur);
        n++;
    }
    fclose(f);

    for (size_t i = 0; config_key_at(i, &section, &key, &def); i++) {
        bool found = false;
        char want[256];
        for (size_t l = 0; l < n && !found; l++) {
            const char *s = lines[l][0] == '#' ? lines[l] + 1 : lines[l];
            size_t kl = strlen(key);
            if (strcmp(sections[l], section) != 0 || strncmp(s, key, kl) != 0 ||
                strncmp(s + kl, " =", 2) != 0)
                continue;
            found = true;
            if (def != NULL) {
                snprintf(want, sizeof want, "#%s = %s", key, def);
                ck_assert_msg(strcmp(lines[l], want) == 0,
                              "[%s] %s: expected the default line \"%s\", saw \"%s\"", section,
                              key, want, lines[l]);
            }
        }
        ck_assert_msg(found, "[%s] %s is not in %s", section, key, EXAMPLE_CONF);
    }
}
END_TEST

/* ---- the keys that must match on every node: config_digest -------------------------------- */

/* A config from text that must load. */
static config_t *load_ok(const char *text)
{
    char err[1024];
    config_t *c = config_alloc();
    ck_assert_msg(load(c, text, err, sizeof err) == 0, "%s: %s", text, err);
    return c;
}

static void digest_of(const char *text, char *out)
{
    config_t *c = load_ok(text);
    config_digest(c, out, CONFIG_DIGEST_HEX + 1);
    config_free(c);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The digest is compared between hosts (and versions): pin its exact input, so that a change of
 * the key set or of the spelling is a decision (it makes every older agent's digest differ). */
START_TEST(test_digest_format_pinned)
{
    char got[CONFIG_DIGEST_HEX + 1], want[CONFIG_DIGEST_HEX + 1];
    digest_of("[cluster]\nname = main\n", got);
    snprintf(want, sizeof want, "%016llx", (unsigned long long)fnv1a(
        "cluster.name=main\n"
        "cluster.zk_root=/mysql-failover\n"
        "cluster.zk_session_timeout_ms=6000\n"
        "failover.anti_flap_s=300\n"
        "failover.bootstrap_settle_ms=5000\n"
        "failover.catchup_timeout_ms=30000\n"
        "failover.check_interval_ms=1000\n"
        "failover.event_scheduler=off\n"
        "failover.failsafe=off\n"
        "failover.failure_threshold=2\n"
        "failover.fence_timeout_ms=1000\n"
        "failover.hook_pre_failover_abort=off\n"
        "failover.semi_sync=off\n"));
    ck_assert_msg(strcmp(got, want) == 0, "digest of the defaults: expected %s, saw %s", want, got);
    ck_assert_uint_eq(strlen(got), CONFIG_DIGEST_HEX);
    ck_assert_uint_eq(strspn(got, "0123456789abcdef"), CONFIG_DIGEST_HEX);
}
END_TEST

/* Two hosts of one cluster: every node-specific key differs, the spelling of the shared ones too
 * (booleans, quotes, an explicit default, order): the digests are equal. */
START_TEST(test_digest_ignores_node_keys_and_spelling)
{
    char a[CONFIG_DIGEST_HEX + 1], b[CONFIG_DIGEST_HEX + 1];
    digest_of("[cluster]\nname = main\nzk_hosts = zk1:2181,zk2:2181\n"
              "[node]\nname = db1\nhost = 10.0.0.1\nport = 3306\npromotion = prefer\n"
              "[mysql]\nuser = f\npassword = one\nrepl_user = r\nrepl_password = x\n"
              "connect_timeout_ms = 300\n"
              "[failover]\ncheck_interval_ms = 500\nsemi_sync = on\nfailsafe = yes\n"
              "max_lag_s = 5\nhook_timeout_ms = 900\nhook_post_failover = /opt/a\n"
              "[http]\nlisten = 127.0.0.1:8008\n[agent]\nlog_level = debug\n", a);
    digest_of("[failover]\nfailsafe = 1\nsemi_sync = \"true\"\ncheck_interval_ms = 500\n"
              "anti_flap_s = 300\n"
              "[cluster]\nname = main\nzk_hosts = zk2:2181,zk1:2181\nzk_root = /mysql-failover\n"
              "[node]\nname = db2\nhost = 10.0.0.2\nport = 3307\npromotion = never\n"
              "[mysql]\nuser = g\npassword = two\nrepl_user = s\nrepl_password = y\n", b);
    ck_assert_msg(strcmp(a, b) == 0, "equal cluster-wide keys: expected equal digests, saw %s and "
                  "%s", a, b);
}
END_TEST

/* Every cluster-wide key, changed alone, changes the digest. The table must name each one. */
static const struct {
    const char *section, *key, *other;
} digest_changes[] = {
    {"cluster", "name", "other"},
    {"cluster", "zk_root", "/elsewhere"},
    {"cluster", "zk_session_timeout_ms", "6001"},
    {"failover", "check_interval_ms", "999"},
    {"failover", "failure_threshold", "3"},
    {"failover", "catchup_timeout_ms", "0"},
    {"failover", "anti_flap_s", "0"},
    {"failover", "bootstrap_settle_ms", "5001"},
    {"failover", "semi_sync", "on"},
    {"failover", "failsafe", "on"},
    {"failover", "fence_timeout_ms", "1001"},
    {"failover", "event_scheduler", "on"},
    {"failover", "hook_pre_failover_abort", "on"},
};
#define NDIGEST_CHANGES (sizeof digest_changes / sizeof digest_changes[0])

START_TEST(test_digest_changes_with_each_cluster_key)
{
    char base[CONFIG_DIGEST_HEX + 1], d[CONFIG_DIGEST_HEX + 1], text[512];
    const char *base_text = "[cluster]\nname = main\n";
    digest_of(base_text, base);
    for (size_t i = 0; i < NDIGEST_CHANGES; i++) {
        ck_assert_msg(config_key_is_cluster_wide(digest_changes[i].section, digest_changes[i].key),
                      "[%s] %s: expected a cluster-wide key", digest_changes[i].section,
                      digest_changes[i].key);
        if (strcmp(digest_changes[i].section, "cluster") == 0)
            snprintf(text, sizeof text, "[cluster]\n%s%s = %s\n",
                     strcmp(digest_changes[i].key, "name") == 0 ? "" : "name = main\n",
                     digest_changes[i].key, digest_changes[i].other);
        else
            snprintf(text, sizeof text, "%s[%s]\n%s = %s\n", base_text, digest_changes[i].section,
                     digest_changes[i].key, digest_changes[i].other);
        digest_of(text, d);
        ck_assert_msg(strcmp(base, d) != 0, "[%s] %s = %s: expected another digest than %s, saw "
                      "the same", digest_changes[i].section, digest_changes[i].key,
                      digest_changes[i].other, base);
    }
}
END_TEST

/* Keys that may differ from host to host (src/lib/config.c says why for each group). */
static const char *const host_keys[] = {
    "cluster.zk_hosts", "cluster.zk_auth_file", "node.name", "node.host", "node.port",
    "node.socket", "node.promotion", "node.datadir", "node.mysqld_start", "node.mysqld_stop",
    "mysql.user", "mysql.password", "mysql.password_file",
    "mysql.repl_user", "mysql.repl_password", "mysql.repl_password_file",
    "mysql.connect_timeout_ms", "mysql.read_timeout_ms", "mysql.ssl_mode", "mysql.ssl_ca",
    "mysql.ssl_cert", "mysql.ssl_key", "failover.max_lag_s", "failover.hook_pre_failover",
    "failover.hook_post_failover", "failover.hook_role_change", "failover.hook_timeout_ms",
    "failover.semi_sync_timeout_ms", "failover.switchover_max_trx_s",
    "failover.rejoin", "failover.archive_dir", "failover.rewind_max_events",
    "http.listen", "agent.log_level", "agent.pid_file", "agent.lease_file",
};

/* A new key is a decision: must it match on every node? Each key is on exactly one side. */
START_TEST(test_every_key_is_cluster_wide_or_per_host)
{
    const char *section, *key;
    for (size_t i = 0; config_key_at(i, &section, &key, NULL); i++) {
        char name[128];
        bool host = false, listed = false;
        snprintf(name, sizeof name, "%s.%s", section, key);
        for (size_t h = 0; h < sizeof host_keys / sizeof host_keys[0]; h++)
            host = host || strcmp(host_keys[h], name) == 0;
        for (size_t c = 0; c < NDIGEST_CHANGES; c++)
            listed = listed || (strcmp(digest_changes[c].section, section) == 0 &&
                                strcmp(digest_changes[c].key, key) == 0);
        bool cluster = config_key_is_cluster_wide(section, key);
        ck_assert_msg(cluster != host, "[%s] %s: expected either CF_CLUSTER in src/lib/config.c "
                      "(it must match on every node) or a place in host_keys here (it may "
                      "differ), saw %s", section, key, cluster ? "both" : "neither");
        ck_assert_msg(cluster == listed, "[%s] %s: expected %s digest_changes, saw it %s", section,
                      key, cluster ? "in" : "not in", listed ? "there" : "missing");
    }
    ck_assert(!config_key_is_cluster_wide("failover", "no_such_key"));
}
END_TEST

START_TEST(test_promotion_names)
{
    ck_assert_str_eq(promotion_name(PROMOTION_PREFER), "prefer");
    ck_assert_str_eq(promotion_name(PROMOTION_NEUTRAL), "neutral");
    ck_assert_str_eq(promotion_name(PROMOTION_NEVER), "never");
    ck_assert_str_eq(promotion_name(PROMOTION_INVALID), "invalid");
    ck_assert_str_eq(promotion_name((promotion_t)42), "invalid");
    ck_assert_int_eq(promotion_from_string("prefer"), PROMOTION_PREFER);
    ck_assert_int_eq(promotion_from_string("neutral"), PROMOTION_NEUTRAL);
    ck_assert_int_eq(promotion_from_string("never"), PROMOTION_NEVER);
    ck_assert_int_eq(promotion_from_string("always"), PROMOTION_INVALID);
    ck_assert_int_eq(promotion_from_string(""), PROMOTION_INVALID);
    ck_assert_int_eq(promotion_from_string(NULL), PROMOTION_INVALID);
}
END_TEST

START_TEST(test_free_null)
{
    config_free(NULL);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_good_file);
    tcase_add_test(tc, test_comments_quotes_whitespace);
    tcase_add_test(tc, test_case_and_enums);
    tcase_add_loop_test(tc, test_bool_spellings, 0,
                        (int)(sizeof bool_cases / sizeof bool_cases[0]));
    tcase_add_test(tc, test_bool_bad);
    tcase_add_test(tc, test_int_not_number);
    tcase_add_test(tc, test_int_bounds);
    tcase_add_test(tc, test_unknown_key);
    tcase_add_test(tc, test_unknown_section);
    tcase_add_test(tc, test_key_before_section);
    tcase_add_test(tc, test_duplicate_key);
    tcase_add_test(tc, test_unparsable_line);
    tcase_add_test(tc, test_first_error_wins);
    tcase_add_test(tc, test_line_too_long);
    tcase_add_test(tc, test_string_values);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_zk_values);
    tcase_add_test(tc, test_http_listen);
    tcase_add_test(tc, test_promotion_names);
    tcase_add_test(tc, test_free_null);
    tcase_add_checked_fixture(tc, NULL, tmp_cleanup);
    suite_add_tcase(s, tc);

    tc = tcase_create("validate");
    tcase_add_test(tc, test_validate_required);
    tcase_add_test(tc, test_validate_password_sources);
    tcase_add_test(tc, test_validate_password_file);
    tcase_add_test(tc, test_validate_password_file_refused);
    tcase_add_test(tc, test_validate_zk_auth_and_ssl);
    tcase_add_checked_fixture(tc, NULL, tmp_cleanup);
    suite_add_tcase(s, tc);

    tc = tcase_create("digest");
    tcase_add_test(tc, test_digest_format_pinned);
    tcase_add_test(tc, test_digest_ignores_node_keys_and_spelling);
    tcase_add_test(tc, test_digest_changes_with_each_cluster_key);
    tcase_add_test(tc, test_every_key_is_cluster_wide_or_per_host);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_test(tc, test_load_inline_password_perms);
    tcase_add_test(tc, test_check_secret_perms);
    tcase_add_test(tc, test_load_file_errors);
    tcase_add_test(tc, test_example_conf_loads);
    tcase_add_test(tc, test_example_conf_documents_every_key);
    tcase_add_checked_fixture(tc, NULL, tmp_cleanup);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
