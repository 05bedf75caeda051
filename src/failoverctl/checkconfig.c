/* checkconfig.c -- failoverctl check-config: validate a config file as failoverd would, then reach
 * ZooKeeper and the local mysqld with it and check the accounts' privileges. One line per check. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <netdb.h>

#include "clockutil.h"
#include "ctl.h"
#include "decide.h"
#include "exitcodes.h"
#include "zkutil.h"

typedef struct checks {
    int failed, code; /* code: the first failure's exit code */
} checks_t;

static void result(checks_t *k, const char *verdict, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void result(checks_t *k, const char *verdict, int code, const char *fmt, ...)
{
    va_list ap;
    printf("%-5s", verdict);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    if (strcmp(verdict, "FAIL") == 0) {
        k->failed++;
        if (k->code == EXIT_OK) k->code = code;
    }
}

/* ---- privileges --------------------------------------------------------------------------- */

/* When the agent needs a privilege: always, or only with one setting. The same list is in
 * failoverd(8) and the README (its test compares them). */
enum { PRIV_ALWAYS = 0, PRIV_EVENTS = 1 << 0, PRIV_SEMI_SYNC = 1 << 1, PRIV_REWIND = 1 << 2 };

typedef struct priv_need {
    const char *name;
    const char *why;
    bool super_covers; /* SUPER still implies it (READ_ONLY ADMIN left SUPER in MariaDB 10.11) */
    unsigned when; /* PRIV_ALWAYS, or the settings (any of them) that need it */
} priv_need_t;

static const priv_need_t agent_privs[] = {
    {"READ_ONLY ADMIN", "set read_only (fence, promote)", false, PRIV_ALWAYS},
    {"REPLICATION SLAVE ADMIN", "CHANGE MASTER, START/STOP SLAVE", true, PRIV_ALWAYS},
    {"SLAVE MONITOR", "SHOW ALL SLAVES STATUS", true, PRIV_ALWAYS},
    {"CONNECTION ADMIN", "KILL other accounts' sessions when fencing", true, PRIV_ALWAYS},
    {"PROCESS", "see every session and replica connection", true, PRIV_ALWAYS},
    {"RELOAD", "RESET SLAVE ALL on promotion", true, PRIV_ALWAYS},
    {"BINLOG MONITOR", "SHOW BINARY LOGS for a rewind (rejoin = rewind)", false, PRIV_REWIND},
    {"REPLICATION MASTER ADMIN", "the primary side of semi-sync (semi_sync = on)", true,
     PRIV_SEMI_SYNC},
    {"EVENT", "re-enable the replicated events after a promotion", false, PRIV_EVENTS},
    {"SUPER", "SET GLOBAL event_scheduler when fencing and promoting (event_scheduler = on); "
     "BINLOG statements and RESET MASTER in a rewind (rejoin = rewind)", true,
     PRIV_EVENTS | PRIV_REWIND},
};

static const priv_need_t repl_privs[] = {
    {"REPLICATION SLAVE", "replicas read the binlog", false, PRIV_ALWAYS},
};

#define MAX_GRANTED 64

typedef struct grants {
    char have[MAX_GRANTED][48];
    size_t n;
    bool roles;   /* a role is granted: its privileges are not expanded here */
    char user[200];
} grants_t;

static void trim_upper(char *s)
{
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}

/* "GRANT A, B, C ON *.* TO `u`@`h` ..." -> A, B, C (global privileges only). */
static int grant_row(char **row, unsigned ncols, void *arg)
{
    grants_t *g = arg;
    if (ncols < 1 || !row[0]) return 0;
    const char *line = row[0];
    if (strncmp(line, "GRANT ", 6) != 0) return 0;
    const char *on = strstr(line, " ON *.* TO ");
    if (!on) {
        if (!strstr(line, " ON ")) g->roles = true;
        return 0;
    }
    char list[1024];
    snprintf(list, sizeof(list), "%.*s", (int)(on - line - 6), line + 6);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t && g->n < MAX_GRANTED;
         t = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*t)) t++;
        snprintf(g->have[g->n], sizeof(g->have[0]), "%s", t);
        trim_upper(g->have[g->n]);
        g->n++;
    }
    return 0;
}

static bool granted(const grants_t *g, const char *p)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->have[i], p) == 0) return true;
    return false;
}

static void check_privs(checks_t *k, const char *what, const db_target_t *t,
                        const priv_need_t *need, size_t nneed)
{
    grants_t g;
    char err[512], missing[600] = "", whys[900] = "";
    memset(&g, 0, sizeof(g));
    if (ctl_sql_rows(t, "SHOW GRANTS", grant_row, &g, err, sizeof(err)) != 0) {
        result(k, "FAIL", EXIT_MYSQL, "privileges of %s: cannot read SHOW GRANTS: %s", what, err);
        return;
    }
    bool all = granted(&g, "ALL PRIVILEGES") || granted(&g, "ALL");
    bool super = granted(&g, "SUPER");
    size_t pos = 0, wpos = 0;
    for (size_t i = 0; i < nneed; i++) {
        if (all || granted(&g, need[i].name) || (super && need[i].super_covers)) continue;
        int w = snprintf(missing + pos, sizeof(missing) - pos, "%s%s", pos ? ", " : "",
                         need[i].name);
        if (w > 0 && (size_t)w < sizeof(missing) - pos) pos += (size_t)w;
        w = snprintf(whys + wpos, sizeof(whys) - wpos, "%s%s: %s", wpos ? "; " : "", need[i].name,
                     need[i].why);
        if (w > 0 && (size_t)w < sizeof(whys) - wpos) wpos += (size_t)w;
    }
    if (missing[0]) {
        result(k, "FAIL", EXIT_MYSQL, "privileges of %s: missing %s (%s)%s; run on the primary: "
               "GRANT %s ON *.* TO '%s'@'%%'", what, missing, whys,
               g.roles ? "; privileges granted through roles are not counted here" : "", missing,
               t->user);
        return;
    }
    char have[600] = "";
    pos = 0;
    for (size_t i = 0; i < nneed; i++) {
        int w = snprintf(have + pos, sizeof(have) - pos, "%s%s", pos ? ", " : "", need[i].name);
        if (w > 0 && (size_t)w < sizeof(have) - pos) pos += (size_t)w;
    }
    result(k, "OK", EXIT_OK, "privileges of %s: %s%s", what, all ? "ALL PRIVILEGES" : have,
           all || super ? " (more than needed: an account that writes through read_only)" : "");
}

/* ---- server settings (advice, never a failure) -------------------------------------------- */

typedef struct vars {
    char v[4][64];
    bool got;
} vars_t;

static int vars_row(char **row, unsigned ncols, void *arg)
{
    vars_t *x = arg;
    for (unsigned i = 0; i < ncols && i < 4; i++)
        snprintf(x->v[i], sizeof(x->v[0]), "%s", row[i] ? row[i] : "NULL");
    x->got = true;
    return 1;
}

static void check_settings(checks_t *k, const db_target_t *t)
{
    vars_t x;
    char err[512];
    memset(&x, 0, sizeof(x));
    const char *const *names = NULL;
    db_conn_t *db = db_connect(t, err, sizeof(err));
    /* the settings are the flavor's (flavor.c): MariaDB's gtid_strict_mode, MySQL's gtid_mode */
    int rc = db ? db_query_rows(db, flavor_settings_sql(db_flavor_info(db), &names), vars_row, &x,
                                err, sizeof(err))
                : -1;
    db_close(db);
    if (rc != 0 || !x.got) {
        result(k, "WARN", EXIT_OK, "server settings: cannot read them: %s", err);
        return;
    }
    char bad[300] = "";
    size_t pos = 0;
    for (int i = 0; i < 3; i++) {
        if (strcmp(x.v[i], "1") == 0) continue;
        int w = snprintf(bad + pos, sizeof(bad) - pos, "%s%s=%s", pos ? ", " : "", names[i], x.v[i]);
        if (w > 0 && (size_t)w < sizeof(bad) - pos) pos += (size_t)w;
    }
    if (bad[0])
        result(k, "WARN", EXIT_OK, "server settings: %s; failover needs %s, %s and %s ON in "
               "my.cnf on every node", bad, names[0], names[1], names[2]);
    else
        result(k, "OK", EXIT_OK, "server settings: %s, %s, %s on; read_only=%s now", names[0],
               names[1], names[2], strcmp(x.v[3], "1") == 0 ? "ON" : "OFF");
}

/* ---- the checks --------------------------------------------------------------------------- */

static void check_zk(checks_t *k, const config_t *cfg)
{
    char err[512], path[ZK_PATH_MAX];
    int64_t t0 = mono_ms();
    ctl_quiet_zk();
    zhandle_t *zh = zk_connect_wait(cfg, cfg->zk_session_timeout_ms, err, sizeof(err));
    if (!zh) {
        result(k, "FAIL", EXIT_ZK, "ZooKeeper %s: %s; check zk_hosts and that ZooKeeper runs",
               cfg->zk_hosts, err);
        return;
    }
    int64_t ms = mono_ms() - t0;
    zk_cluster_path(cfg, path, sizeof(path), "%s", "");
    struct Stat st;
    int rc = zoo_exists(zh, path, 0, &st);
    if (rc == ZNONODE) {
        result(k, "OK", EXIT_OK, "ZooKeeper %s: connected in %lld ms; %s does not exist yet (the "
               "first agent creates it)", cfg->zk_hosts, (long long)ms, path);
    } else if (rc != ZOK) {
        result(k, "FAIL", EXIT_ZK, "ZooKeeper %s: connected, but cannot read %s: %s%s",
               cfg->zk_hosts, path, zerror(rc),
               rc == ZNOAUTH ? " (check [cluster] zk_auth_file)" : "");
    } else {
        cluster_view_t *v = ctl_view_alloc();
        char names[512] = "";
        rc = ctl_read_view(zh, cfg, v, err, sizeof(err));
        if (rc != EXIT_OK) {
            result(k, "FAIL", EXIT_ZK, "ZooKeeper %s: connected, but %s%s", cfg->zk_hosts, err,
                   strstr(err, "authentication") ? " (check [cluster] zk_auth_file)" : "");
        } else {
            ctl_view_names(v, names, sizeof(names));
            result(k, "OK", EXIT_OK, "ZooKeeper %s: connected in %lld ms; cluster %s: primary "
                   "%s, agents registered: %s%s", cfg->zk_hosts, (long long)ms,
                   cfg->cluster_name, v->have_primary ? v->primary.name : "(none yet)", names,
                   ctl_view_node(v, cfg->node_name) ? "" : " (this node not among them)");
        }
        free(v);
    }
    zookeeper_close(zh);
}

/* Send a four-letter word to host:port and read the answer (the server closes after it), all
 * within timeout_ms. 0, or -1. */
static int zk_4lw(const char *host, const char *port, const char *word, int timeout_ms,
                  char *buf, size_t len)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0) return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)); /* bounds connect() too */
    }
    int rc = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
                     send(fd, word, strlen(word), MSG_NOSIGNAL) == (ssize_t)strlen(word)
                 ? 0
                 : -1;
    freeaddrinfo(ai);
    size_t got = 0;
    ssize_t r;
    while (rc == 0 && got < len - 1 && (r = recv(fd, buf + got, len - 1 - got, 0)) > 0)
        got += (size_t)r;
    buf[got] = 0;
    if (fd >= 0) close(fd);
    return rc;
}

/* The "conf" four-letter word from one server of zk_hosts (the first that answers), into buf. */
static int zk_conf_text(const config_t *cfg, char *srv, size_t srvlen, char *buf, size_t len)
{
    char hosts[1024];
    snprintf(hosts, sizeof(hosts), "%s", cfg->zk_hosts);
    for (char *save = NULL, *h = strtok_r(hosts, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
        char host[300];
        const char *colon = strrchr(h, ':');
        if (!colon) continue;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - h), h);
        if (zk_4lw(host, colon + 1, "conf", 1000, buf, len) == 0 && strstr(buf, "tickTime=")) {
            snprintf(srv, srvlen, "%s", h);
            return 0;
        }
    }
    return -1;
}

static int conf_int(const char *text, const char *key)
{
    char want[64];
    snprintf(want, sizeof(want), "\n%s=", key);
    const char *p = strstr(text, want);
    if (!p && strncmp(text, want + 1, strlen(want + 1)) == 0) p = text - 1;
    return p ? atoi(p + strlen(want)) : 0;
}

/* The ensemble's timing against the fencing argument (zk_timing_ok()): WARN, never FAIL. */
static void check_zk_timing(checks_t *k, const config_t *cfg)
{
    char srv[300] = "", text[8192], why[512];
    if (zk_conf_text(cfg, srv, sizeof(srv), text, sizeof(text)) != 0) {
        result(k, "WARN", EXIT_OK, "ZooKeeper timing: no server of %s answered \"conf\" (add "
               "4lw.commands.whitelist=conf to zoo.cfg to let check-config read tickTime and "
               "syncLimit)", cfg->zk_hosts);
        return;
    }
    int tick = conf_int(text, "tickTime"), sync = conf_int(text, "syncLimit");
    int lo = conf_int(text, "minSessionTimeout"), hi = conf_int(text, "maxSessionTimeout");
    if (zk_timing_ok(tick, sync, lo, hi, cfg->zk_session_timeout_ms, why, sizeof(why)))
        result(k, "OK", EXIT_OK, "ZooKeeper timing (%s): tickTime %d ms, syncLimit %d: %d ms, "
               "below half of zk_session_timeout_ms %d", srv, tick, sync, tick * sync,
               cfg->zk_session_timeout_ms);
    else
        result(k, "WARN", EXIT_OK, "ZooKeeper timing (%s): %s (failoverd-protocol(7), A10)", srv, why);
}

/* Connect and probe; returns true and a one-line description when it answers. */
static bool reach(checks_t *k, const char *what, const db_target_t *t, bool report_ok)
{
    char err[512];
    db_conn_t *db = db_connect(t, err, sizeof(err));
    if (!db) {
        result(k, "FAIL", EXIT_MYSQL, "%s: %s; check that mysqld runs there and the [mysql] "
               "account and password", what, err);
        return false;
    }
    db_probe_t p;
    int rc = db_probe(db, &p, err, sizeof(err));
    db_close(db);
    if (rc != 0) {
        result(k, "FAIL", EXIT_MYSQL, "%s: connected as %s but the status queries failed: %s",
               what, t->user, err);
        return false;
    }
    if (report_ok) {
        char role[300];
        if (p.is_replica)
            snprintf(role, sizeof(role), "replica of %s:%d", p.source_host, p.source_port);
        else
            snprintf(role, sizeof(role), "not a replica");
        result(k, "OK", EXIT_OK, "%s: connected as %s; %s, server_id %u, read_only %s, %s", what,
               t->user, p.version, p.server_id, p.read_only ? "ON" : "OFF", role);
    }
    return true;
}

static void check_mysql(checks_t *k, const config_t *cfg)
{
    char what[600];
    bool sock = cfg->node_socket && cfg->node_socket[0];
    /* The agent itself: over the socket when one is set. */
    db_target_t local = ctl_target(cfg, cfg->node_host, cfg->node_port, cfg->node_socket);
    if (sock)
        snprintf(what, sizeof(what), "mysqld %s via %s (the agent's own connection)",
                 cfg->node_name, cfg->node_socket);
    else
        snprintf(what, sizeof(what), "mysqld %s at %s:%d", cfg->node_name, cfg->node_host,
                 cfg->node_port);
    bool ok = reach(k, what, &local, true);
    /* The coordinator and the replicas come over TCP to host:port. */
    db_target_t tcp = ctl_target(cfg, cfg->node_host, cfg->node_port, NULL);
    if (sock) {
        snprintf(what, sizeof(what), "mysqld %s at %s:%d (how the coordinator and replicas reach "
                 "it)", cfg->node_name, cfg->node_host, cfg->node_port);
        if (reach(k, what, &tcp, false))
            result(k, "OK", EXIT_OK, "%s: connected as %s", what, tcp.user);
    }
    if (!ok) return;
    snprintf(what, sizeof(what), "[mysql] user %s", cfg->mysql_user);
    priv_need_t need[sizeof(agent_privs) / sizeof(agent_privs[0])];
    size_t nneed = 0;
    for (size_t i = 0; i < sizeof(agent_privs) / sizeof(agent_privs[0]); i++) {
        unsigned w = agent_privs[i].when;
        if (w == PRIV_ALWAYS || ((w & PRIV_EVENTS) && cfg->event_scheduler) ||
            ((w & PRIV_SEMI_SYNC) && cfg->semi_sync) ||
            ((w & PRIV_REWIND) && cfg->rejoin && strcmp(cfg->rejoin, "rewind") == 0))
            need[nneed++] = agent_privs[i];
    }
    check_privs(k, what, &local, need, nneed);
    check_settings(k, &local);

    db_target_t repl = tcp;
    repl.user = cfg->repl_user;
    repl.password = config_repl_password(cfg);
    snprintf(what, sizeof(what), "[mysql] repl_user %s at %s:%d", cfg->repl_user, cfg->node_host,
             cfg->node_port);
    char err[512];
    db_conn_t *db = db_connect(&repl, err, sizeof(err));
    if (!db) {
        result(k, "FAIL", EXIT_MYSQL, "%s: cannot log in: %s; replicas use this account with "
               "repl_password", what, err);
        return;
    }
    db_close(db);
    check_privs(k, what, &repl, repl_privs, sizeof(repl_privs) / sizeof(repl_privs[0]));
}

int ctl_check_config(ctl_t *c, const ctl_opts_t *o)
{
    checks_t k = {0, EXIT_OK};
    char err[1024];
    config_t *cfg = config_alloc();
    if (config_load(cfg, o->file, err, sizeof(err)) != 0) {
        result(&k, "FAIL", EXIT_CONFIG, "config %s", err);
        goto out;
    }
    if (config_validate(cfg, true, err, sizeof(err)) != 0) {
        result(&k, "FAIL", EXIT_CONFIG, "config %s", err);
        goto out;
    }
    result(&k, "OK", EXIT_OK, "config %s: cluster %s, node %s (%s:%d, promotion %s), ZooKeeper %s, zk_root %s",
           o->file, cfg->cluster_name, cfg->node_name, cfg->node_host, cfg->node_port,
           promotion_name(cfg->promotion), cfg->zk_hosts, cfg->zk_root);
    c->cfg = cfg;
    check_zk(&k, cfg);
    check_zk_timing(&k, cfg);
    check_mysql(&k, cfg);
out:
    if (k.failed)
        fprintf(stderr, "failoverctl check-config: %d check(s) failed (see FAIL above)\n", k.failed);
    else
        printf("all checks passed\n");
    c->cfg = NULL;
    config_free(cfg);
    return k.code;
}
