/* config.c -- loads and checks failoverd.conf: every key is declared once in config_keys[]
 * (section, type, field, default, bounds); inih splits the lines, this file gives them meaning. */
#include "config.h"
#include "reclone.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_FILE_MAX (1024 * 1024) /* a config file is a few KiB; more is a mistake */
#define CONFIG_SECRET_MAX 4096        /* a password file holds one line */
#define CONFIG_STRING_MAX 4096
#define CONFIG_NAME_MAX 64
#define CONFIG_ECHO_MAX 40 /* how much of a bad value a message repeats */

typedef enum {
    CK_STRING,    /* char *, strdup'd */
    CK_INT,       /* int within [min, max] */
    CK_BOOL,      /* bool */
    CK_PROMOTION, /* promotion_t */
    CK_ENUM,      /* char *, one of choices, stored in its canonical spelling */
} config_kind_t;

enum {
    CF_REQUIRED = 1 << 0, /* config_validate refuses a config without it */
    CF_NODE = 1 << 1,     /* required when the caller needs the [node] section (failoverd) */
    CF_EMPTY_OK = 1 << 2, /* "" is a meaningful value (http listen = off, an empty password) */
    CF_SECRET = 1 << 3,   /* never repeated in messages; makes the file subject to the perms check */
    CF_CLUSTER = 1 << 4,  /* must be equal on every node: part of config_digest() (see below) */
};

/* A string check writes the problem (not the "allowed" part) into why. */
typedef int (*config_check_fn)(const char *v, char *why, size_t len);

typedef struct config_key {
    const char *section;
    const char *key;
    config_kind_t kind;
    size_t field; /* offsetof in config_t */
    const char *def; /* default as text, applied through the same parser as the file; NULL = none */
    long min, max;   /* CK_INT bounds; CK_STRING maximum length (0 = CONFIG_STRING_MAX) */
    const char *const *choices; /* CK_ENUM, CK_PROMOTION */
    unsigned flags;
    config_check_fn check;  /* CK_STRING extra check, or NULL */
    const char *allowed;    /* CK_STRING: what to say after "allowed:" */
} config_key_t;

static int check_name(const char *v, char *why, size_t len);
static int check_zk_hosts(const char *v, char *why, size_t len);
static int check_zk_root(const char *v, char *why, size_t len);
static int check_abs_path(const char *v, char *why, size_t len);
static int check_host(const char *v, char *why, size_t len);
static int check_listen(const char *v, char *why, size_t len);
static int check_command(const char *v, char *why, size_t len);

static const char *const promotion_choices[] = {"prefer", "neutral", "never", NULL};
static const char *const ssl_mode_choices[] = {"disabled", "preferred", "required", "verify_ca",
                                               "verify_identity", NULL};
static const char *const log_level_choices[] = {"debug", "info", "notice", "warning", "error",
                                                NULL};
static const char *const rejoin_choices[] = {"manual", "rewind", "reclone", NULL};
static const char *const bool_true[] = {"on", "true", "yes", "1", NULL};
static const char *const bool_false[] = {"off", "false", "no", "0", NULL};

#define BOOL_ALLOWED "on|off|true|false|yes|no|1|0"
#define NAME_ALLOWED "[A-Za-z0-9_.-]{1,64}"
#define PATH_ALLOWED "an absolute path"
#define CMD_ALLOWED "an absolute program path and its arguments, separated by blanks (no shell)"
#define FIELD(f) offsetof(config_t, f)
#define STR(sec, k, f, fl, chk, allow) \
    { .section = sec, .key = k, .kind = CK_STRING, .field = FIELD(f), .flags = fl, .check = chk, \
      .allowed = allow }
#define PATH(sec, k, f) STR(sec, k, f, 0, check_abs_path, PATH_ALLOWED)
#define INT_F(sec, k, f, d, lo, hi, fl) \
    { .section = sec, .key = k, .kind = CK_INT, .field = FIELD(f), .def = d, .min = lo, .max = hi, \
      .flags = fl }
#define INT(sec, k, f, d, lo, hi) INT_F(sec, k, f, d, lo, hi, 0)
#define BOOL_F(sec, k, f, d, fl) \
    { .section = sec, .key = k, .kind = CK_BOOL, .field = FIELD(f), .def = d, .flags = fl }
#define BOOL(sec, k, f, d) BOOL_F(sec, k, f, d, 0)
#define ENUM(sec, k, f, d, c) \
    { .section = sec, .key = k, .kind = CK_ENUM, .field = FIELD(f), .def = d, .choices = c }

/* The one place a key is declared. Order is the order of etc/failoverd.conf and of messages.
 *
 * CF_CLUSTER marks the keys that must be equal on every node, because a decision made on one
 * host depends on the value another host runs with: the coordinator waits for the old primary's
 * failsafe evidence to lapse by its own check_interval_ms, while the old primary judges that
 * evidence by its own (and is made read-only by half its own session timeout), and the wait also
 * covers the old primary's fence budget, which that host derives from its own fence_timeout_ms;
 * whichever agent is coordinator applies its own detection, catch-up, anti-flap, bootstrap and
 * pre-hook policy to the whole cluster, and the promoted node's agent waits catchup_timeout_ms
 * again; semi_sync is set on every node by its own agent, so one node without it never
 * acknowledges; event_scheduler says whether the cluster runs events, and it is the promoted
 * node's agent that turns them back on, by its own setting. name and
 * zk_root can only differ between agents that never meet; they are in the digest so that what
 * it covers is the whole identity of the cluster. Not marked, though often equal: zk_hosts
 * (the same ensemble may be listed in another order or by other names), credentials and paths
 * (secrets never go into a published digest; paths are per host), the timeouts of this agent's
 * own MySQL calls, max_lag_s (this node's /replica answer), hook paths and hook_timeout_ms, and
 * everything in [node], [http] and [agent]. A new key must be put on one side or the other:
 * tests/unit/check_config.c fails until it is. */
static const config_key_t config_keys[] = {
    STR("cluster", "name", cluster_name, CF_REQUIRED | CF_CLUSTER, check_name, NAME_ALLOWED),
    STR("cluster", "zk_hosts", zk_hosts, CF_REQUIRED, check_zk_hosts,
        "host:port[,host:port...], e.g. zk1:2181,zk2:2181,zk3:2181"),
    { .section = "cluster", .key = "zk_root", .kind = CK_STRING, .field = FIELD(zk_root),
      .def = "/mysql-failover", .flags = CF_CLUSTER, .check = check_zk_root,
      .allowed = "an absolute ZooKeeper path without trailing '/', e.g. /mysql-failover" },
    INT_F("cluster", "zk_session_timeout_ms", zk_session_timeout_ms, "6000", 1000, 60000, CF_CLUSTER),
    PATH("cluster", "zk_auth_file", zk_auth_file),

    STR("node", "name", node_name, CF_NODE, check_name, NAME_ALLOWED),
    { .section = "node", .key = "host", .kind = CK_STRING, .field = FIELD(node_host),
      .def = "127.0.0.1", .max = 256, .check = check_host,
      .allowed = "a host name or IP address the other agents can reach this mysqld at" },
    INT("node", "port", node_port, "3306", 1, 65535),
    PATH("node", "socket", node_socket),
    { .section = "node", .key = "promotion", .kind = CK_PROMOTION, .field = FIELD(promotion),
      .def = "neutral", .choices = promotion_choices },
    /* Re-cloning (src/failoverd/reclone.c): where mysqld's data is, how to stop and start it. */
    { .section = "node", .key = "datadir", .kind = CK_STRING, .field = FIELD(datadir),
      .def = "/var/lib/mysql", .check = check_abs_path, .allowed = PATH_ALLOWED },
    { .section = "node", .key = "mysqld_start", .kind = CK_STRING, .field = FIELD(mysqld_start),
      .def = "/usr/bin/systemctl start mariadb", .check = check_command, .allowed = CMD_ALLOWED },
    { .section = "node", .key = "mysqld_stop", .kind = CK_STRING, .field = FIELD(mysqld_stop),
      .def = "/usr/bin/systemctl stop mariadb", .check = check_command, .allowed = CMD_ALLOWED },

    { .section = "mysql", .key = "user", .kind = CK_STRING, .field = FIELD(mysql_user), .max = 80,
      .flags = CF_REQUIRED, .allowed = "a MySQL account name, up to 80 characters" },
    { .section = "mysql", .key = "password", .kind = CK_STRING, .field = FIELD(mysql_password),
      .max = 1024, .flags = CF_SECRET | CF_EMPTY_OK,
      .allowed = "text without ' ;' or ' #' (or use password_file)" },
    PATH("mysql", "password_file", mysql_password_file),
    { .section = "mysql", .key = "repl_user", .kind = CK_STRING, .field = FIELD(repl_user),
      .max = 80, .flags = CF_REQUIRED, .allowed = "a MySQL account name, up to 80 characters" },
    { .section = "mysql", .key = "repl_password", .kind = CK_STRING, .field = FIELD(repl_password),
      .max = 1024, .flags = CF_SECRET | CF_EMPTY_OK,
      .allowed = "text without ' ;' or ' #' (or use repl_password_file)" },
    PATH("mysql", "repl_password_file", repl_password_file),
    INT("mysql", "connect_timeout_ms", connect_timeout_ms, "1000", 100, 60000),
    INT("mysql", "read_timeout_ms", read_timeout_ms, "5000", 100, 600000),
    ENUM("mysql", "ssl_mode", ssl_mode, "preferred", ssl_mode_choices),
    PATH("mysql", "ssl_ca", ssl_ca),
    PATH("mysql", "ssl_cert", ssl_cert),
    PATH("mysql", "ssl_key", ssl_key),

    INT_F("failover", "check_interval_ms", check_interval_ms, "1000", 50, 60000, CF_CLUSTER),
    INT_F("failover", "failure_threshold", failure_threshold, "2", 1, 100, CF_CLUSTER),
    INT_F("failover", "catchup_timeout_ms", catchup_timeout_ms, "30000", 0, 3600000, CF_CLUSTER),
    INT_F("failover", "anti_flap_s", anti_flap_s, "300", 0, 86400, CF_CLUSTER),
    INT_F("failover", "bootstrap_settle_ms", bootstrap_settle_ms, "5000", 0, 600000, CF_CLUSTER),
    BOOL_F("failover", "semi_sync", semi_sync, "off", CF_CLUSTER),
    INT("failover", "semi_sync_timeout_ms", semi_sync_timeout_ms, "10000", 0, 3600000),
    BOOL_F("failover", "failsafe", failsafe, "off", CF_CLUSTER),
    INT_F("failover", "fence_timeout_ms", fence_timeout_ms, "1000", 100, 60000, CF_CLUSTER),
    BOOL_F("failover", "event_scheduler", event_scheduler, "off", CF_CLUSTER),
    INT("failover", "max_lag_s", max_lag_s, "30", 0, 86400),
    INT("failover", "switchover_max_trx_s", switchover_max_trx_s, "60", 0, 86400),
    PATH("failover", "hook_pre_failover", hook_pre_failover),
    BOOL_F("failover", "hook_pre_failover_abort", hook_pre_failover_abort, "off", CF_CLUSTER),
    PATH("failover", "hook_post_failover", hook_post_failover),
    PATH("failover", "hook_role_change", hook_role_change),
    INT("failover", "hook_timeout_ms", hook_timeout_ms, "10000", 100, 600000),
    ENUM("failover", "rejoin", rejoin, "rewind", rejoin_choices),
    { .section = "failover", .key = "archive_dir", .kind = CK_STRING, .field = FIELD(archive_dir),
      .def = "/var/lib/failoverd/archive", .check = check_abs_path, .allowed = PATH_ALLOWED },
    INT("failover", "rewind_max_events", rewind_max_events, "100000", 0, 100000000),

    STR("http", "listen", http_listen, CF_EMPTY_OK, check_listen,
        "host:port, e.g. 127.0.0.1:8008, or empty for off"),

    ENUM("agent", "log_level", log_level, "info", log_level_choices),
    PATH("agent", "pid_file", pid_file),
    PATH("agent", "lease_file", lease_file),
};

#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

enum { SECRET_MYSQL, SECRET_REPL, SECRET_ZK_AUTH, SECRET_N };

struct config_priv {
    int key_line[CONFIG_NKEYS]; /* where each key was last set; 0 = default */
    char *secret[SECRET_N];     /* contents of the *_file keys, loaded by config_validate */
};

/* Parser state shared by the line reader and the key handler. */
typedef struct config_parse {
    config_t *cfg;
    const char *name;     /* file name for messages */
    const char *text;     /* the whole input, to quote a line inih refused */
    const char *next;     /* the next line to hand to inih */
    int lineno;           /* the line inih is working on: inih's own handler has no line number */
    const char *line;     /* that line's raw text */
    size_t line_len;
    int key_line[CONFIG_NKEYS];
    bool inline_secret;   /* a non-empty password sits in the file itself */
    int err_line;         /* first error found by us; 0 = none */
    char *err;
    size_t errlen;
} config_parse_t;

/* ---- small helpers ------------------------------------------------------------------------- */

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        abort(); /* out of memory */
    return d;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = strndup(s, n);
    if (d == NULL)
        abort();
    return d;
}

static char **str_field(config_t *cfg, const config_key_t *k)
{
    return (char **)(void *)((char *)cfg + k->field);
}

static const char *cfg_name(const config_t *cfg)
{
    return cfg->path != NULL ? cfg->path : "(config)";
}

/* Repeat a bad value in a message: quoted, non-printables as '?', cut short. */
static void echo_value(const char *v, char *buf, size_t len)
{
    size_t o = 0, i;
    if (len < 8)
        return;
    buf[o++] = '"';
    for (i = 0; v[i] != '\0' && o + 5 < len; i++) {
        if (i == CONFIG_ECHO_MAX) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        buf[o++] = isprint((unsigned char)v[i]) ? v[i] : '?';
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

static void join_choices(const char *const *c, const char *sep, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; c[i] != NULL && o < len; i++) {
        int n = snprintf(buf + o, len - o, "%s%s", i > 0 ? sep : "", c[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

static void key_allowed(const config_key_t *k, char *buf, size_t len)
{
    switch (k->kind) {
    case CK_INT:
        snprintf(buf, len, "%ld..%ld", k->min, k->max);
        break;
    case CK_BOOL:
        snprintf(buf, len, "%s", BOOL_ALLOWED);
        break;
    case CK_PROMOTION:
    case CK_ENUM:
        join_choices(k->choices, "|", buf, len);
        break;
    case CK_STRING:
        snprintf(buf, len, "%s", k->allowed != NULL ? k->allowed : "text");
        break;
    }
}

static const config_key_t *key_lookup(const char *section, const char *key)
{
    for (size_t i = 0; i < CONFIG_NKEYS; i++)
        if (strcmp(config_keys[i].section, section) == 0 && strcmp(config_keys[i].key, key) == 0)
            return &config_keys[i];
    return NULL;
}

static bool section_known(const char *s, size_t n)
{
    for (size_t i = 0; i < CONFIG_NKEYS; i++)
        if (strlen(config_keys[i].section) == n && memcmp(config_keys[i].section, s, n) == 0)
            return true;
    return false;
}

/* "cluster, node, ..." in table order, each once. */
static void list_sections(char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < CONFIG_NKEYS && o < len; i++) {
        if (i > 0 && strcmp(config_keys[i].section, config_keys[i - 1].section) == 0)
            continue;
        int n = snprintf(buf + o, len - o, "%s[%s]", o > 0 ? ", " : "", config_keys[i].section);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

static void list_keys(const char *section, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < CONFIG_NKEYS && o < len; i++) {
        if (strcmp(config_keys[i].section, section) != 0)
            continue;
        int n = snprintf(buf + o, len - o, "%s%s", o > 0 ? ", " : "", config_keys[i].key);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

/* ---- value checks ---------------------------------------------------------------------------- */

bool config_name_is_valid(const char *s)
{
    size_t n = 0;
    if (s == NULL)
        return false;
    for (; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= CONFIG_NAME_MAX || !(isalnum(c) || c == '_' || c == '.' || c == '-'))
            return false;
    }
    /* Names become znode path components, and ZooKeeper refuses "." and "..". */
    return n > 0 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int check_name(const char *v, char *why, size_t len)
{
    char ev[64];
    if (config_name_is_valid(v))
        return 0;
    echo_value(v, ev, sizeof ev);
    snprintf(why, len, "%s is not a valid name", ev);
    return -1;
}

/* A decimal port 1..65535 in [s, s+n). */
static bool port_ok(const char *s, size_t n)
{
    long v = 0;
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

/* "host:port" with a non-empty host (IPv6 in brackets) in [s, s+n). */
static bool hostport_ok(const char *s, size_t n)
{
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i]) || !isprint((unsigned char)s[i]))
            return false;
        if (s[i] == ':')
            colon = s + i;
    }
    return colon != NULL && colon > s && port_ok(colon + 1, (size_t)(s + n - colon - 1));
}

static int check_zk_hosts(const char *v, char *why, size_t len)
{
    char ev[64];
    const char *p = v;
    if (strchr(v, '/') != NULL) {
        /* The client's chroot suffix would silently move every znode; zk_root says it openly. */
        snprintf(why, len, "a chroot suffix is not supported here (set zk_root instead)");
        return -1;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
        if (!hostport_ok(p, n)) {
            char entry[128];
            snprintf(entry, sizeof entry, "%.*s", (int)(n < 100 ? n : 100), p);
            echo_value(entry, ev, sizeof ev);
            snprintf(why, len, "%s is not host:port", ev);
            return -1;
        }
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

static int check_zk_root(const char *v, char *why, size_t len)
{
    char ev[64];
    const char *comp = v + 1;
    echo_value(v, ev, sizeof ev);
    if (v[0] != '/' || v[1] == '\0' || v[strlen(v) - 1] == '/') {
        snprintf(why, len, "%s is not an absolute path without trailing '/'", ev);
        return -1;
    }
    if (strcmp(v, "/zookeeper") == 0 || strncmp(v, "/zookeeper/", 11) == 0) {
        snprintf(why, len, "%s is reserved by ZooKeeper", ev);
        return -1;
    }
    for (const char *p = v + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t n = (size_t)(p - comp);
            if (n == 0 || (n == 1 && comp[0] == '.') || (n == 2 && comp[0] == '.' && comp[1] == '.')) {
                snprintf(why, len, "%s has an empty, \".\" or \"..\" component", ev);
                return -1;
            }
            if (*p == '\0')
                return 0;
            comp = p + 1;
        } else if (!(isalnum((unsigned char)*p) || strchr("_.-", *p) != NULL)) {
            snprintf(why, len, "%s may only hold [A-Za-z0-9_.-] between slashes", ev);
            return -1;
        }
    }
}

static int check_abs_path(const char *v, char *why, size_t len)
{
    char ev[64];
    /* Relative paths would depend on the daemon's working directory, which systemd sets to /. */
    if (v[0] == '/')
        return 0;
    echo_value(v, ev, sizeof ev);
    snprintf(why, len, "%s is not an absolute path", ev);
    return -1;
}

static int check_command(const char *v, char *why, size_t len)
{
    char buf[CONFIG_STRING_MAX + 1], *argv[RECLONE_ARGV_MAX + 1];
    snprintf(buf, sizeof buf, "%s", v);
    return reclone_split_argv(buf, argv, why, len);
}

static int check_host(const char *v, char *why, size_t len)
{
    char ev[64];
    for (const char *p = v; *p != '\0'; p++) {
        if (isspace((unsigned char)*p) || *p == '/' || *p == ',') {
            echo_value(v, ev, sizeof ev);
            snprintf(why, len, "%s is not a host name or address", ev);
            return -1;
        }
    }
    return 0;
}

static int check_listen(const char *v, char *why, size_t len)
{
    char ev[64];
    if (v[0] == '\0' || hostport_ok(v, strlen(v)))
        return 0;
    echo_value(v, ev, sizeof ev);
    snprintf(why, len, "%s is not host:port", ev);
    return -1;
}

/* ---- setting one key ------------------------------------------------------------------------- */

static int parse_int(const config_key_t *k, const char *v, int *out, char *why, size_t len)
{
    char ev[64];
    const char *p = v;
    long long n = 0;
    bool neg = false, overflow = false;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (*p == '\0')
        goto not_number;
    for (; *p != '\0'; p++) {
        if (!isdigit((unsigned char)*p))
            goto not_number;
        if (n > (LLONG_MAX - 9) / 10)
            overflow = true;
        else
            n = n * 10 + (*p - '0');
    }
    if (neg)
        n = -n;
    if (overflow || n < k->min || n > k->max) {
        echo_value(v, ev, sizeof ev);
        snprintf(why, len, "%s is out of range", ev);
        return -1;
    }
    *out = (int)n;
    return 0;

not_number:
    echo_value(v, ev, sizeof ev);
    snprintf(why, len, "%s is not a whole number", ev);
    return -1;
}

static int choice_index(const char *const *c, const char *v)
{
    for (int i = 0; c[i] != NULL; i++)
        if (strcasecmp(c[i], v) == 0)
            return i;
    return -1;
}

/* Convert one value to the key's type and store it. On failure writes "PROBLEM; allowed: ..."
 * into why. */
static int config_set(config_t *cfg, const config_key_t *k, const char *raw, char *why, size_t len)
{
    char problem[256], allowed[512], ev[64];
    size_t n = strlen(raw);
    char *v;
    int rc = -1;

    /* my.cnf habit: a value may be quoted. An unbalanced quote usually means an inline comment
     * (" ;" or " #") cut the value short, so say so rather than store half a password. */
    if (n > 0 && (raw[0] == '"' || raw[0] == '\'')) {
        if (n < 2 || raw[n - 1] != raw[0]) {
            snprintf(problem, sizeof problem,
                     "unterminated quote (' ;' and ' #' start a comment even inside quotes)");
            goto fail;
        }
        v = xstrndup(raw + 1, n - 2);
    } else {
        v = xstrdup(raw);
    }

    switch (k->kind) {
    case CK_STRING: {
        size_t max = k->max > 0 ? (size_t)k->max : CONFIG_STRING_MAX;
        char **f = str_field(cfg, k);
        size_t vn = strlen(v);
        if (vn == 0 && !(k->flags & CF_EMPTY_OK)) {
            snprintf(problem, sizeof problem, "empty value");
            goto fail_v;
        }
        if (vn > max) {
            snprintf(problem, sizeof problem, "value too long (%zu characters, at most %zu)", vn,
                     max);
            goto fail_v;
        }
        for (size_t i = 0; i < vn; i++) {
            if (iscntrl((unsigned char)v[i])) {
                snprintf(problem, sizeof problem, "value holds a control character");
                goto fail_v;
            }
        }
        if (vn > 0 && k->check != NULL && k->check(v, problem, sizeof problem) != 0)
            goto fail_v;
        if (*f != NULL && (k->flags & CF_SECRET))
            explicit_bzero(*f, strlen(*f));
        free(*f);
        *f = v;
        return 0;
    }
    case CK_INT:
        if (parse_int(k, v, (int *)(void *)((char *)cfg + k->field), problem, sizeof problem) != 0)
            goto fail_v;
        rc = 0;
        break;
    case CK_BOOL: {
        bool *f = (bool *)(void *)((char *)cfg + k->field);
        if (choice_index(bool_true, v) >= 0) {
            *f = true;
        } else if (choice_index(bool_false, v) >= 0) {
            *f = false;
        } else {
            echo_value(v, ev, sizeof ev);
            snprintf(problem, sizeof problem, "%s is not a boolean", ev);
            goto fail_v;
        }
        rc = 0;
        break;
    }
    case CK_PROMOTION:
    case CK_ENUM: {
        int i = choice_index(k->choices, v);
        if (i < 0) {
            echo_value(v, ev, sizeof ev);
            snprintf(problem, sizeof problem, "%s is not a valid choice", ev);
            goto fail_v;
        }
        if (k->kind == CK_PROMOTION) {
            *(promotion_t *)(void *)((char *)cfg + k->field) =
                promotion_from_string(k->choices[i]);
        } else {
            char **f = str_field(cfg, k);
            free(*f);
            *f = xstrdup(k->choices[i]); /* canonical spelling: callers compare with strcmp */
        }
        rc = 0;
        break;
    }
    }
    free(v);
    return rc;

fail_v:
    if (k->flags & CF_SECRET)
        explicit_bzero(v, strlen(v));
    free(v);
fail:
    key_allowed(k, allowed, sizeof allowed);
    snprintf(why, len, "%s; allowed: %s", problem, allowed);
    return -1;
}

/* ---- parsing ----------------------------------------------------------------------------------- */

static void parse_fail_unparsable(config_parse_t *p, int lineno, const char *line, size_t n)
{
    char text[128], ev[64];
    while (n > 0 && isspace((unsigned char)line[n - 1]))
        n--;
    while (n > 0 && isspace((unsigned char)*line)) {
        line++;
        n--;
    }
    snprintf(text, sizeof text, "%.*s", (int)(n < 100 ? n : 100), line);
    /* The line may be a password with its '=' missing: don't put it in a log. */
    if (strstr(text, "password") != NULL)
        snprintf(ev, sizeof ev, "(a line mentioning a password, not repeated)");
    else
        echo_value(text, ev, sizeof ev);
    snprintf(p->err, p->errlen,
             "%s:%d: cannot parse %s; allowed: \"key = value\", \"[section]\", blank, or a "
             "comment starting with ';' or '#'",
             p->name, lineno, ev);
    if (p->err_line == 0 || lineno < p->err_line)
        p->err_line = lineno;
}

/* inih's reader: hand it one line at a time so that p->lineno is the line the handler is called
 * for (Debian's libinih is built without INI_HANDLER_LINENO). Comments are removed here rather
 * than by inih so that ';' and '#' behave the same whatever options inih was built with, and
 * leading blanks are dropped so that inih never joins an indented line onto the previous value. */
static char *config_read_line(char *str, int num, void *stream)
{
    config_parse_t *p = stream;
    const char *line, *nl, *s, *e;
    size_t len;

    if (p->err_line != 0 || *p->next == '\0')
        return NULL;
    line = p->next;
    nl = strchr(line, '\n');
    len = nl != NULL ? (size_t)(nl - line) : strlen(line);
    p->next = nl != NULL ? nl + 1 : line + len;
    p->lineno++;
    p->line = line;
    p->line_len = len;

    s = line;
    e = line + len;
    if (p->lineno == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3; /* UTF-8 byte order mark */
    while (s < e && isspace((unsigned char)*s))
        s++;
    if (s < e && (*s == ';' || *s == '#'))
        e = s;
    for (const char *c = s + 1; c < e; c++) {
        if ((*c == ';' || *c == '#') && (c[-1] == ' ' || c[-1] == '\t')) {
            e = c;
            break;
        }
    }
    while (e > s && isspace((unsigned char)e[-1]))
        e--;

    if ((size_t)(e - s) + 2 > (size_t)num) {
        snprintf(p->err, p->errlen, "%s:%d: line too long (%zu characters); allowed: at most %d",
                 p->name, p->lineno, (size_t)(e - s), num - 2);
        p->err_line = p->lineno;
        return NULL;
    }

    /* Check section names here: a misspelt empty section never reaches the key handler. */
    if (s < e && *s == '[') {
        const char *rb = memchr(s, ']', (size_t)(e - s));
        if (rb != NULL) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)((size_t)(rb - s - 1) < 100 ? rb - s - 1 : 100),
                     s + 1);
            if (rb + 1 != e) {
                parse_fail_unparsable(p, p->lineno, line, len);
                return NULL;
            }
            if (!section_known(s + 1, (size_t)(rb - s - 1))) {
                char allowed[256];
                list_sections(allowed, sizeof allowed);
                for (char *c = name; *c != '\0'; c++)
                    if (!isprint((unsigned char)*c))
                        *c = '?';
                snprintf(p->err, p->errlen, "%s:%d: [%s]: unknown section; allowed: %s", p->name,
                         p->lineno, name, allowed);
                p->err_line = p->lineno;
                return NULL;
            }
        }
    }

    memcpy(str, s, (size_t)(e - s));
    str[e - s] = '\n';
    str[e - s + 1] = '\0';
    return str;
}

static int config_handle(void *user, const char *section, const char *name, const char *value)
{
    config_parse_t *p = user;
    const config_key_t *k;
    char why[1024], allowed[512];
    size_t idx;

    if (p->err_line != 0)
        return 0;
    if (name == NULL || value == NULL)
        return 1; /* a section-start callback, if inih was built with one */
    if (name[0] == '\0' || strpbrk(name, " \t") != NULL) {
        /* "= x", or "listen 127.0.0.1:8080" where the ':' made inih see a key with a blank. */
        parse_fail_unparsable(p, p->lineno, p->line, p->line_len);
        return 0;
    }
    if (section[0] == '\0') {
        list_sections(allowed, sizeof allowed);
        snprintf(p->err, p->errlen, "%s:%d: %s: key before any section; allowed: a section line "
                 "first, one of %s", p->name, p->lineno, name, allowed);
        p->err_line = p->lineno;
        return 0;
    }
    k = key_lookup(section, name);
    if (k == NULL) {
        list_keys(section, allowed, sizeof allowed);
        snprintf(p->err, p->errlen, "%s:%d: [%s] %s: unknown key; allowed in [%s]: %s", p->name,
                 p->lineno, section, name, section, allowed);
        p->err_line = p->lineno;
        return 0;
    }
    idx = (size_t)(k - config_keys);
    if (p->key_line[idx] != 0) {
        snprintf(p->err, p->errlen,
                 "%s:%d: [%s] %s: duplicate key (already set on line %d); allowed: once per file",
                 p->name, p->lineno, section, name, p->key_line[idx]);
        p->err_line = p->lineno;
        return 0;
    }
    if (config_set(p->cfg, k, value, why, sizeof why) != 0) {
        snprintf(p->err, p->errlen, "%s:%d: [%s] %s: %s", p->name, p->lineno, section, name, why);
        p->err_line = p->lineno;
        return 0;
    }
    p->key_line[idx] = p->lineno;
    if ((k->flags & CF_SECRET) && value[0] != '\0')
        p->inline_secret = true;
    return 1;
}

/* Find line n (1-based) of text. */
static void line_at(const char *text, int n, const char **line, size_t *len)
{
    const char *s = text;
    for (int i = 1; i < n && s != NULL; i++) {
        s = strchr(s, '\n');
        if (s != NULL)
            s++;
    }
    if (s == NULL)
        s = text + strlen(text);
    *line = s;
    *len = strcspn(s, "\n");
}

static struct config_priv *priv_of(config_t *cfg)
{
    if (cfg->priv == NULL) {
        cfg->priv = calloc(1, sizeof *cfg->priv);
        if (cfg->priv == NULL)
            abort();
    }
    return cfg->priv;
}

static int config_parse_text(config_t *cfg, const char *name, const char *text, bool *inline_secret,
                             char *err, size_t errlen)
{
    config_parse_t p;
    int rc;

    memset(&p, 0, sizeof p);
    p.cfg = cfg;
    p.name = name;
    p.text = text;
    p.next = text;
    p.err = err;
    p.errlen = errlen;
    if (errlen > 0)
        err[0] = '\0';

    free(cfg->path);
    cfg->path = xstrdup(name);

    rc = ini_parse_stream(config_read_line, &p, config_handle, &p);
    if (rc == -2)
        abort(); /* inih ran out of memory */
    /* inih reports a line it could not split (no '=', no ']') only when it is done; ours stop
     * at once. Report whichever came first in the file. */
    if (rc > 0 && (p.err_line == 0 || rc < p.err_line)) {
        const char *line;
        size_t len;
        line_at(text, rc, &line, &len);
        p.err_line = 0;
        parse_fail_unparsable(&p, rc, line, len);
    }
    if (p.err_line != 0 || rc != 0)
        return -1;

    for (size_t i = 0; i < CONFIG_NKEYS; i++)
        if (p.key_line[i] != 0)
            priv_of(cfg)->key_line[i] = p.key_line[i];
    if (inline_secret != NULL)
        *inline_secret = p.inline_secret;
    return 0;
}

/* ---- public API ------------------------------------------------------------------------------ */

const char *promotion_name(promotion_t p)
{
    switch (p) {
    case PROMOTION_PREFER:
        return "prefer";
    case PROMOTION_NEUTRAL:
        return "neutral";
    case PROMOTION_NEVER:
        return "never";
    case PROMOTION_INVALID:
        break;
    }
    return "invalid";
}

promotion_t promotion_from_string(const char *s)
{
    if (s == NULL)
        return PROMOTION_INVALID;
    if (strcmp(s, "prefer") == 0)
        return PROMOTION_PREFER;
    if (strcmp(s, "neutral") == 0)
        return PROMOTION_NEUTRAL;
    if (strcmp(s, "never") == 0)
        return PROMOTION_NEVER;
    return PROMOTION_INVALID;
}

config_t *config_alloc(void)
{
    config_t *cfg = calloc(1, sizeof *cfg);
    if (cfg == NULL)
        abort();
    priv_of(cfg);
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        char why[1024];
        if (config_keys[i].def == NULL)
            continue;
        if (config_set(cfg, &config_keys[i], config_keys[i].def, why, sizeof why) != 0) {
            /* A bad built-in default is a bug caught by the unit tests, not bad input. */
            fprintf(stderr, "config: default for [%s] %s: %s\n", config_keys[i].section,
                    config_keys[i].key, why);
            abort();
        }
    }
    return cfg;
}

void config_free(config_t *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const config_key_t *k = &config_keys[i];
        if (k->kind == CK_STRING || k->kind == CK_ENUM) {
            char **f = str_field(cfg, k);
            if (*f != NULL && (k->flags & CF_SECRET))
                explicit_bzero(*f, strlen(*f));
            free(*f);
        }
    }
    if (cfg->priv != NULL) {
        for (int i = 0; i < SECRET_N; i++) {
            if (cfg->priv->secret[i] != NULL)
                explicit_bzero(cfg->priv->secret[i], strlen(cfg->priv->secret[i]));
            free(cfg->priv->secret[i]);
        }
        free(cfg->priv);
    }
    free(cfg->path);
    free(cfg);
}

int config_load_string(config_t *cfg, const char *name, const char *text, char *err, size_t errlen)
{
    return config_parse_text(cfg, name, text, NULL, err, errlen);
}

static int secret_mode_ok(const char *path, mode_t mode, char *err, size_t errlen)
{
    if ((mode & (S_IRGRP | S_IROTH)) == 0)
        return 0;
    snprintf(err, errlen,
             "%s: holds a password and is readable by group/others (mode %04o); run: chmod 600 %s",
             path, (unsigned)(mode & 07777), path);
    return -1;
}

int config_check_secret_perms(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return secret_mode_ok(path, st.st_mode, err, errlen);
}

int config_load(config_t *cfg, const char *path, char *err, size_t errlen)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    bool inline_secret = false;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        goto out;
    }
    buf = malloc(CONFIG_FILE_MAX + 1);
    if (buf == NULL)
        abort();
    for (;;) {
        ssize_t r = read(fd, buf + n, CONFIG_FILE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > CONFIG_FILE_MAX) {
            snprintf(err, errlen, "%s: larger than %d bytes; allowed: a text config file", path,
                     CONFIG_FILE_MAX);
            goto out;
        }
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n) != NULL) {
        int line = 1;
        for (const char *c = buf; *c != '\0'; c++)
            line += *c == '\n';
        snprintf(err, errlen, "%s:%d: holds a NUL byte; allowed: a text config file", path, line);
        goto out;
    }
    if (config_parse_text(cfg, path, buf, &inline_secret, err, errlen) != 0)
        goto out;
    if (inline_secret && secret_mode_ok(path, st.st_mode, err, errlen) != 0)
        goto out;
    rc = 0;
out:
    if (buf != NULL) {
        explicit_bzero(buf, n);
        free(buf);
    }
    close(fd);
    return rc;
}

/* Read a one-line secret file; on failure why gets "PATH: problem". */
static int read_secret(const char *path, char **out, char *why, size_t len)
{
    char buf[CONFIG_SECRET_MAX + 1];
    struct stat st;
    size_t n = 0;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(why, len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, len, "%s: not a regular file", path);
        goto out;
    }
    if (secret_mode_ok(path, st.st_mode, why, len) != 0)
        goto out;
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(why, len, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > CONFIG_SECRET_MAX) {
            snprintf(why, len, "%s: larger than %d bytes; allowed: one line", path,
                     CONFIG_SECRET_MAX);
            goto out;
        }
    }
    /* The newline editors and `echo` add is not part of the password. */
    if (n > 0 && buf[n - 1] == '\n')
        n--;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    if (n == 0) {
        snprintf(why, len, "%s: is empty; allowed: the password on one line", path);
        goto out;
    }
    if (memchr(buf, '\0', n) != NULL || memchr(buf, '\n', n) != NULL) {
        snprintf(why, len, "%s: holds more than one line; allowed: the password on one line",
                 path);
        goto out;
    }
    *out = xstrndup(buf, n);
    rc = 0;
out:
    explicit_bzero(buf, sizeof buf);
    close(fd);
    return rc;
}

/* "FILE:LINE" where the key was set, or "FILE" when it was not. */
static void key_loc(const config_t *cfg, const char *section, const char *key, char *buf,
                    size_t len)
{
    const config_key_t *k = key_lookup(section, key);
    int line = 0;
    if (k != NULL && cfg->priv != NULL)
        line = cfg->priv->key_line[k - config_keys];
    if (line > 0)
        snprintf(buf, len, "%s:%d", cfg_name(cfg), line);
    else
        snprintf(buf, len, "%s", cfg_name(cfg));
}

static int load_secret_key(config_t *cfg, const char *section, const char *key, const char *path,
                           int slot, char *err, size_t errlen)
{
    struct config_priv *pv = priv_of(cfg);
    char why[768];

    if (pv->secret[slot] != NULL) {
        explicit_bzero(pv->secret[slot], strlen(pv->secret[slot]));
        free(pv->secret[slot]);
        pv->secret[slot] = NULL;
    }
    if (path == NULL)
        return 0;
    if (read_secret(path, &pv->secret[slot], why, sizeof why) != 0) {
        char loc[PATH_MAX + 32];
        key_loc(cfg, section, key, loc, sizeof loc);
        snprintf(err, errlen, "%s: [%s] %s: %s", loc, section, key, why);
        return -1;
    }
    return 0;
}

int config_load_zk_auth(config_t *cfg, char *err, size_t errlen)
{
    char loc[PATH_MAX + 32];
    if (load_secret_key(cfg, "cluster", "zk_auth_file", cfg->zk_auth_file, SECRET_ZK_AUTH, err,
                        errlen) != 0)
        return -1;
    if (cfg->zk_auth_file != NULL) {
        const char *a = cfg->priv->secret[SECRET_ZK_AUTH];
        const char *colon = strchr(a, ':');
        if (colon == NULL || colon == a) {
            key_loc(cfg, "cluster", "zk_auth_file", loc, sizeof loc);
            snprintf(err, errlen, "%s: [cluster] zk_auth_file: %s does not hold user:password; "
                     "allowed: one line \"user:password\"", loc, cfg->zk_auth_file);
            return -1;
        }
    }
    return 0;
}

int config_validate(config_t *cfg, bool need_node, char *err, size_t errlen)
{
    static const struct {
        const char *inline_key, *file_key;
        size_t inline_field, file_field;
        int slot;
    } pw[] = {
        {"password", "password_file", FIELD(mysql_password), FIELD(mysql_password_file),
         SECRET_MYSQL},
        {"repl_password", "repl_password_file", FIELD(repl_password), FIELD(repl_password_file),
         SECRET_REPL},
    };
    char loc[PATH_MAX + 32], allowed[512];

    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const config_key_t *k = &config_keys[i];
        if (!((k->flags & CF_REQUIRED) || (need_node && (k->flags & CF_NODE))))
            continue;
        if (*str_field(cfg, k) == NULL) {
            key_allowed(k, allowed, sizeof allowed);
            snprintf(err, errlen, "%s: [%s] %s: required but not set; allowed: %s", cfg_name(cfg),
                     k->section, k->key, allowed);
            return -1;
        }
    }

    if (need_node && cfg->failsafe && (!cfg->http_listen || !cfg->http_listen[0])) {
        key_loc(cfg, "failover", "failsafe", loc, sizeof loc);
        snprintf(err, errlen, "%s: [failover] failsafe: on needs [http] listen, where the replicas' "
                 "agents answer the primary's failsafe round trip; allowed: off, or set listen",
                 loc);
        return -1;
    }

    for (size_t i = 0; i < sizeof pw / sizeof pw[0]; i++) {
        const char *inl = *(char **)(void *)((char *)cfg + pw[i].inline_field);
        const char *file = *(char **)(void *)((char *)cfg + pw[i].file_field);
        if (inl != NULL && file != NULL) {
            const config_key_t *ki = key_lookup("mysql", pw[i].inline_key);
            int iline = cfg->priv != NULL ? cfg->priv->key_line[ki - config_keys] : 0;
            char line_note[32] = "";
            if (iline > 0)
                snprintf(line_note, sizeof line_note, " (line %d)", iline);
            key_loc(cfg, "mysql", pw[i].file_key, loc, sizeof loc);
            snprintf(err, errlen, "%s: [mysql] %s: %s is also set%s; allowed: one of %s, %s", loc,
                     pw[i].file_key, pw[i].inline_key, line_note, pw[i].file_key,
                     pw[i].inline_key);
            return -1;
        }
        if (inl == NULL && file == NULL) {
            snprintf(err, errlen, "%s: [mysql] %s: required but not set; allowed: %s = PATH "
                     "(a mode 0600 file), or %s = ...", cfg_name(cfg), pw[i].file_key,
                     pw[i].file_key, pw[i].inline_key);
            return -1;
        }
        if (load_secret_key(cfg, "mysql", pw[i].file_key, file, pw[i].slot, err, errlen) != 0)
            return -1;
    }

    if (config_load_zk_auth(cfg, err, errlen) != 0)
        return -1;

    if ((cfg->ssl_cert == NULL) != (cfg->ssl_key == NULL)) {
        const char *set = cfg->ssl_cert != NULL ? "ssl_cert" : "ssl_key";
        key_loc(cfg, "mysql", set, loc, sizeof loc);
        snprintf(err, errlen, "%s: [mysql] %s: set without %s; allowed: both ssl_cert and ssl_key, "
                 "or neither", loc, set, cfg->ssl_cert != NULL ? "ssl_key" : "ssl_cert");
        return -1;
    }
    if (cfg->ssl_key != NULL) {
        /* A private key is a secret like a password file (ssh refuses such keys too). */
        struct stat st;
        key_loc(cfg, "mysql", "ssl_key", loc, sizeof loc);
        if (stat(cfg->ssl_key, &st) != 0) {
            snprintf(err, errlen, "%s: [mysql] ssl_key: %s: %s", loc, cfg->ssl_key, strerror(errno));
            return -1;
        }
        if (st.st_mode & (S_IRGRP | S_IROTH)) {
            snprintf(err, errlen, "%s: [mysql] ssl_key: %s: a private key readable by group/others "
                     "(mode %04o); run: chmod 600 %s", loc, cfg->ssl_key,
                     (unsigned)(st.st_mode & 07777), cfg->ssl_key);
            return -1;
        }
    }
    if (cfg->ssl_ca == NULL && cfg->ssl_mode != NULL && strncmp(cfg->ssl_mode, "verify_", 7) == 0) {
        key_loc(cfg, "mysql", "ssl_mode", loc, sizeof loc);
        snprintf(err, errlen, "%s: [mysql] ssl_mode: %s needs ssl_ca, the CA that signed the "
                 "servers' certificates; allowed: set ssl_ca, or ssl_mode = required", loc,
                 cfg->ssl_mode);
        return -1;
    }
    return 0;
}

const char *config_mysql_password(const config_t *cfg)
{
    if (cfg->priv != NULL && cfg->priv->secret[SECRET_MYSQL] != NULL)
        return cfg->priv->secret[SECRET_MYSQL];
    return cfg->mysql_password;
}

const char *config_repl_password(const config_t *cfg)
{
    if (cfg->priv != NULL && cfg->priv->secret[SECRET_REPL] != NULL)
        return cfg->priv->secret[SECRET_REPL];
    return cfg->repl_password;
}

const char *config_zk_auth(const config_t *cfg)
{
    return cfg->priv != NULL ? cfg->priv->secret[SECRET_ZK_AUTH] : NULL;
}

bool config_key_at(size_t i, const char **section, const char **key, const char **def)
{
    if (i >= CONFIG_NKEYS)
        return false;
    if (section != NULL)
        *section = config_keys[i].section;
    if (key != NULL)
        *key = config_keys[i].key;
    if (def != NULL)
        *def = config_keys[i].def;
    return true;
}

/* ---- keys that must match on every node ----------------------------------------------------- */

bool config_key_is_cluster_wide(const char *section, const char *key)
{
    const config_key_t *k = key_lookup(section, key);
    return k != NULL && (k->flags & CF_CLUSTER) != 0;
}

/* "section.key=value" with the value in one canonical spelling, whatever the file said. */
static void digest_line(const config_t *cfg, const config_key_t *k, char *buf, size_t len)
{
    const char *p = (const char *)cfg + k->field;
    switch (k->kind) {
    case CK_INT:
        snprintf(buf, len, "%s.%s=%d", k->section, k->key, *(const int *)(const void *)p);
        return;
    case CK_BOOL:
        snprintf(buf, len, "%s.%s=%s", k->section, k->key,
                 *(const bool *)(const void *)p ? "on" : "off");
        return;
    case CK_PROMOTION:
        snprintf(buf, len, "%s.%s=%s", k->section, k->key,
                 promotion_name(*(const promotion_t *)(const void *)p));
        return;
    case CK_STRING:
    case CK_ENUM: {
        const char *v = *(char *const *)(const void *)p;
        snprintf(buf, len, "%s.%s=%s", k->section, k->key, v != NULL ? v : "");
        return;
    }
    }
    snprintf(buf, len, "%s.%s=?", k->section, k->key);
}

/* The digest's order: by "section.key", so that it does not depend on the table's order. */
static int digest_key_cmp(const void *a, const void *b)
{
    const config_key_t *x = *(const config_key_t *const *)a, *y = *(const config_key_t *const *)b;
    int c = strcmp(x->section, y->section);
    return c != 0 ? c : strcmp(x->key, y->key);
}

bool config_key_is_secret(const char *section, const char *key)
{
    return strcmp(section, "mysql") == 0 &&
           (strcmp(key, "password") == 0 || strcmp(key, "repl_password") == 0);
}

int config_diff(const config_t *a, const config_t *b, config_diff_fn fn, void *arg)
{
    char la[CONFIG_STRING_MAX + 128], lb[CONFIG_STRING_MAX + 128];
    int n = 0;
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const config_key_t *k = &config_keys[i];
        digest_line(a, k, la, sizeof la);
        digest_line(b, k, lb, sizeof lb);
        if (strcmp(la, lb) == 0) continue;
        size_t skip = strlen(k->section) + strlen(k->key) + 2; /* "section.key=" */
        bool secret = config_key_is_secret(k->section, k->key);
        if (fn)
            fn(k->section, k->key, secret ? "***" : la + skip, secret ? "*** (changed)" : lb + skip,
               arg);
        n++;
    }
    return n;
}

/* FNV-1a 64 over the "section.key=value\n" lines of the CF_CLUSTER keys, sorted by key: short
 * enough to publish in every node znode, independent of the file's spelling and order, and with
 * no secret in it. Not a cryptographic hash: it catches mistakes, not forgeries (whoever can
 * write the znodes can do worse). */
void config_digest(const config_t *cfg, char *out, size_t len)
{
    const config_key_t *keys[CONFIG_NKEYS] = {NULL};
    char line[CONFIG_STRING_MAX + 128];
    uint64_t h = 14695981039346656037ULL;
    size_t n = 0;

    for (size_t i = 0; i < CONFIG_NKEYS; i++)
        if (config_keys[i].flags & CF_CLUSTER)
            keys[n++] = &config_keys[i];
    qsort(keys, n, sizeof keys[0], digest_key_cmp);
    for (size_t i = 0; i < n; i++) {
        digest_line(cfg, keys[i], line, sizeof line);
        for (const unsigned char *c = (const unsigned char *)line; *c != '\0'; c++)
            h = (h ^ *c) * 1099511628211ULL;
        h = (h ^ '\n') * 1099511628211ULL;
    }
    snprintf(out, len, "%016llx", (unsigned long long)h);
}
