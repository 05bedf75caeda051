/* repair.c -- the local worker's half of issue 11: a returning node's errant transactions named
 * exactly, saved under archive_dir, and undone with mariadb-binlog --flashback before it rejoins.
 * Decisions are rewind.c's (pure); this file reads servers, runs the tools and writes ZooKeeper. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clockutil.h"
#include "log.h"
#include "repair.h"
#include "repairrec.h"

/* mariadb-binlog reads every binlog file from the fork point on; mariadb applies the undo. Both
 * are bounded so a hung tool never holds the worker for good, and generous because a long tail
 * on a slow disk takes minutes, and the node is read-only meanwhile anyway. */
#define REPAIR_TOOL_TIMEOUT_MS (10 * 60 * 1000)
#define REPAIR_MAX_BINLOGS 4096
/* How many of the newest history records are searched for the failover that lost the tail. */
#define REPAIR_HISTORY_SCAN 50

/* ---- running mariadb-binlog and mariadb ---------------------------------------------------- */

/* Run argv with stdin from in (NULL: /dev/null) and stdout to out, stderr to out.err, in its own
 * process group, killed at the deadline. TZ=UTC, so mariadb-binlog prints UTC times. 0, or -1
 * with a one-line message (the tool's first line of stderr). */
int repair_run_tool(char *const argv[], const char *in, const char *out, int timeout_ms, char *err,
                    size_t errlen)
{
    char errpath[1100];
    snprintf(errpath, sizeof(errpath), "%s.err", out);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork for %s: %s", argv[0], strerror(errno));
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int i = open(in ? in : "/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (i < 0 || o < 0 || e < 0) _exit(126);
        dup2(i, 0);
        dup2(o, 1);
        dup2(e, 2);
        /* Nothing of the agent's goes with it: not its MySQL and ZooKeeper sockets, HTTP
         * listener or lease file (closefrom), not its environment (as hooks.c does); PATH is
         * kept to find the tool, and the C locale and UTC make its text what rewind.c parses. */
        closefrom(3);
        const char *path = getenv("PATH");
        char keep[4096];
        snprintf(keep, sizeof(keep), "%s", path ? path : "/usr/local/bin:/usr/bin:/bin");
        clearenv();
        setenv("PATH", keep, 1);
        setenv("LC_ALL", "C", 1);
        setenv("TZ", "UTC", 1);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s (is it installed? Debian: %s)\n", argv[0],
                strerror(errno), strncmp(argv[0], "mariadb", 7) == 0 ? "mariadb-client, "
                "mariadb-backup" : "its package");
        _exit(127);
    }
    setpgid(pid, pid);
    int64_t end = mono_ms() + timeout_ms;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) {
            snprintf(err, errlen, "waiting for %s: %s", argv[0], strerror(errno));
            return -1;
        }
        if (mono_ms() > end) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(err, errlen, "%s timed out after %d s writing %s", argv[0],
                     timeout_ms / 1000, out);
            unlink(errpath);
            return -1;
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    int rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
    if (rc != 0) {
        char line[400] = "";
        FILE *f = fopen(errpath, "r");
        if (f) {
            if (!fgets(line, sizeof(line), f)) line[0] = 0;
            fclose(f);
        }
        line[strcspn(line, "\n")] = 0;
        snprintf(err, errlen, "%s failed (%s %d): %s", argv[0],
                 WIFEXITED(status) ? "exit" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                 line[0] ? line : "no message");
    }
    unlink(errpath);
    return rc;
}

static int run_tool(char *const argv[], const char *in, const char *out, char *err, size_t errlen)
{
    return repair_run_tool(argv, in, out, REPAIR_TOOL_TIMEOUT_MS, err, errlen);
}

/* ---- what the servers say ------------------------------------------------------------------ */

typedef struct local_info {
    char state[4096];        /* @@gtid_binlog_state */
    char format[32], row_image[32];
    char basename[4096];     /* @@log_bin_basename */
    char *files[REPAIR_MAX_BINLOGS];
    size_t nfiles;
} local_info_t;

static int row_vars(char **row, unsigned n, void *arg)
{
    local_info_t *li = arg;
    if (n < 4) return 1;
    snprintf(li->state, sizeof(li->state), "%s", row[0] ? row[0] : "");
    snprintf(li->format, sizeof(li->format), "%s", row[1] ? row[1] : "");
    snprintf(li->row_image, sizeof(li->row_image), "%s", row[2] ? row[2] : "");
    snprintf(li->basename, sizeof(li->basename), "%s", row[3] ? row[3] : "");
    return 0;
}

static int row_binlog(char **row, unsigned n, void *arg)
{
    local_info_t *li = arg;
    if (n < 1 || !row[0] || li->nfiles >= REPAIR_MAX_BINLOGS) return 0;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", li->basename);
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dirname(dir), row[0]) < 0) abort();
    li->files[li->nfiles++] = path;
    return 0;
}

static void local_info_free(local_info_t *li)
{
    for (size_t i = 0; i < li->nfiles; i++) free(li->files[i]);
    li->nfiles = 0;
}

static int row_state(char **row, unsigned n, void *arg)
{
    char *out = arg;
    snprintf(out, 4096, "%s", n >= 1 && row[0] ? row[0] : "");
    return 0;
}

/* One text value, whole (a MySQL gtid_executed can be long; a cut one would name false errant
 * transactions). *out is malloc'd. */
static int row_dup(char **row, unsigned n, void *arg)
{
    char **out = arg;
    free(*out);
    *out = strdup(n >= 1 && row[0] ? row[0] : "");
    if (!*out) abort();
    return 0;
}

static db_conn_t *primary_connect(agent_t *a, const primary_rec_t *d, char *err, size_t errlen)
{
    const config_t *cfg = a->cfg;
    db_target_t t = {.host = d->host, .port = d->port, .user = cfg->mysql_user,
                     .password = config_mysql_password(cfg),
                     .connect_timeout_ms = cfg->connect_timeout_ms,
                     .read_timeout_ms = cfg->read_timeout_ms, .cfg = cfg};
    return db_connect(&t, err, errlen);
}

/* MySQL: errant = this node's gtid_executed minus the primary's (rewind_mysql_errant()). Named
 * exactly, without commit times; flashback is MariaDB's, so such a node is not rewound. */
static int compare_mysql(repair_t *R, agent_t *a, db_conn_t *db, const primary_rec_t *d,
                         local_info_t *li)
{
    char err[512], *mine = NULL, *theirs = NULL;
    db_conn_t *c = NULL;
    int rc = -1;
    uint64_t n = 0;
    if (db_query_rows(db, "SELECT @@gtid_executed", row_dup, &mine, err, sizeof(err)) != 0)
        log_warn("rejoin: cannot read this node's gtid_executed: %s", err);
    else if (!(c = primary_connect(a, d, err, sizeof(err))) ||
             db_query_rows(c, "SELECT @@gtid_executed", row_dup, &theirs, err, sizeof(err)) != 0)
        log_info("rejoin: desired primary %s not reachable yet: %s", d->name, err);
    else if (rewind_mysql_errant(mine, theirs, &n, R->gtids, sizeof(R->gtids), err, sizeof(err)))
        log_error("rejoin: cannot compare GTID sets: %s", err);
    else
        rc = n == 0 ? 1 : 0;
    db_close(c);
    snprintf(li->state, sizeof(li->state), "%s", mine ? mine : "");
    if (rc == 0 && !(R->scanned && strcmp(R->verdict_state, li->state) == 0)) {
        rewind_scan_init(&R->scan, &R->primary_state);
        R->scan.errant = n;
        R->scanned = true;
        snprintf(R->verdict_state, sizeof(R->verdict_state), "%s", li->state);
        snprintf(R->refusal, sizeof(R->refusal), "rewind is MariaDB only (mariadb-binlog "
                 "--flashback): a MySQL node stays diverged until rebuilt by hand");
    }
    free(mine);
    free(theirs);
    return rc;
}

/* The desired primary's @@gtid_binlog_state, over a short-lived connection. */
static int primary_state(agent_t *a, const primary_rec_t *d, char *out, char *err, size_t errlen)
{
    db_conn_t *c = primary_connect(a, d, err, errlen);
    if (!c) return -1;
    int rc = db_query_rows(c, "SELECT @@gtid_binlog_state", row_state, out, err, errlen);
    db_close(c);
    return rc;
}

/* ---- ZooKeeper: /repair/<node>, the lock, the history record -------------------------------- */

static int read_rec(agent_t *a, zsess_t *s, repair_rec_t *r)
{
    char err[512];
    int version;
    int rc = repair_rec_load(s->zh, a->cfg, a->cfg->node_name, r, &version, err, sizeof(err));
    if (rc == -1) log_warn("repair: ignoring a malformed record: %s", err);
    return rc == ZOK || rc == ZNONODE || rc == -1 ? 0 : -1;
}

typedef struct rec_edit {
    const repair_rec_t *mine;
    bool answers;
} rec_edit_t;

/* Our view over what is there, keeping a request failoverctl made meanwhile. */
static void edit_rec(repair_rec_t *r, void *arg)
{
    const rec_edit_t *e = arg;
    repair_rec_t out = *e->mine;
    out.request_at_ms = r->request_at_ms;
    snprintf(out.requested_by, sizeof(out.requested_by), "%s", r->requested_by);
    snprintf(out.request_kind, sizeof(out.request_kind), "%s", r->request_kind);
    snprintf(out.request_from, sizeof(out.request_from), "%s", r->request_from);
    out.answered_at_ms = e->answers ? r->request_at_ms : r->answered_at_ms;
    out.updated_ms = wall_ms();
    snprintf(out.node, sizeof(out.node), "%s", r->node);
    *r = out;
}

static void write_rec(agent_t *a, zsess_t *s, const repair_rec_t *mine, bool answers)
{
    char err[512];
    rec_edit_t e = {.mine = mine, .answers = answers};
    if (repair_rec_update(s->zh, a->cfg, a->cfg->node_name, edit_rec, &e, err, sizeof(err)) != ZOK)
        log_warn("repair: %s", err);
}

/* Another node's agent holds the repair lock (an ephemeral znode): never two repairs at once. */
bool repair_lock_elsewhere(agent_t *a, zsess_t *s)
{
    char path[ZK_PATH_MAX];
    struct Stat st;
    zk_cluster_path(a->cfg, path, sizeof(path), "/repair_lock");
    return zoo_exists(s->zh, path, 0, &st) == ZOK && st.ephemeralOwner != s->client_id;
}

int repair_lock(agent_t *a, zsess_t *s, bool take, char *err, size_t errlen)
{
    char path[ZK_PATH_MAX];
    zk_cluster_path(a->cfg, path, sizeof(path), "/repair_lock");
    if (!take) return zoo_delete(s->zh, path, -1) == ZOK ? 0 : -1;
    const char *me = a->cfg->node_name;
    int rc = zoo_create(s->zh, path, me, (int)strlen(me), zk_acl(a->cfg), ZOO_EPHEMERAL, NULL, 0);
    if (rc == ZOK || (rc == ZNODEEXISTS && !repair_lock_elsewhere(a, s))) return 0;
    snprintf(err, errlen, "cannot take %s: %s", path,
             rc == ZNODEEXISTS ? "another node is being repaired" : zerror(rc));
    return -1;
}

/* The newest record of a move away from this node: the failover that lost the tail. */
static int find_history(agent_t *a, zsess_t *s, char *path, size_t len, json_t **rec, int *ver)
{
    char dir[ZK_PATH_MAX];
    struct String_vector kids = {0, NULL};
    zk_cluster_path(a->cfg, dir, sizeof(dir), "/history");
    if (zoo_get_children(s->zh, dir, 0, &kids) != ZOK) return -1;
    int found = -1;
    long best = -1;
    for (int round = 0; round < REPAIR_HISTORY_SCAN && found < 0; round++) {
        long next = -1;
        int idx = -1;
        for (int i = 0; i < kids.count; i++) {
            long q = zk_seq_of(kids.data[i]);
            if (q > next && (best < 0 || q < best)) next = q, idx = i;
        }
        if (idx < 0) break;
        best = next;
        char p[ZK_PATH_MAX], *buf = NULL;
        int blen = 0;
        struct Stat st;
        snprintf(p, sizeof(p), "%s/%s", dir, kids.data[idx]);
        if (zk_get_alloc(s->zh, p, false, &buf, &blen, &st) != ZOK) continue;
        json_t *o = json_loadb(buf, (size_t)blen, 0, NULL);
        free(buf);
        const char *old = json_string_value(json_object_get(o, "old"));
        const char *new_ = json_string_value(json_object_get(o, "new"));
        if (o && old && new_ && new_[0] && strcmp(old, a->cfg->node_name) == 0 &&
            json_object_get(o, "lost_count")) {
            snprintf(path, len, "%s", p);
            *rec = o;
            *ver = st.version;
            found = 0;
        } else {
            json_decref(o);
        }
    }
    deallocate_String_vector(&kids);
    return found;
}

/* Exact loss accounting: the failover record gets the errant transactions as found on this
 * node, replacing the coordinator's estimate (the old primary's position an interval old). */
void repair_note_history(agent_t *a, zsess_t *s, repair_t *R, const char *outcome, int64_t took)
{
    if (R->noted_count == R->scan.errant && strcmp(R->noted_archive, R->archive) == 0) return;
    char path[ZK_PATH_MAX];
    json_t *h = NULL;
    int ver = -1;
    if (find_history(a, s, path, sizeof(path), &h, &ver) != 0) return;
    if (!json_is_true(json_object_get(h, "lost_exact")))
        json_object_set(h, "lost_estimate", json_object_get(h, "lost_count"));
    json_object_set_new(h, "lost_exact", json_true());
    json_object_set_new(h, "lost_count", json_integer((json_int_t)R->scan.errant));
    json_object_set_new(h, "lost_gtids", json_string(R->gtids));
    json_object_set_new(h, "lost_first_at", json_integer(R->scan.first_at_s * 1000));
    json_object_set_new(h, "lost_last_at", json_integer(R->scan.last_at_s * 1000));
    json_object_set_new(h, "lost_row_events", json_integer((json_int_t)R->scan.row_events));
    if (R->archive[0]) json_object_set_new(h, "archive", json_string(R->archive));
    if (outcome) {
        json_object_set_new(h, "repair", json_string(outcome));
        json_object_set_new(h, "repair_ms", json_integer(took));
    }
    char *json = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(h);
    if (!json) abort();
    int rc = zoo_set(s->zh, path, json, (int)strlen(json), ver);
    free(json);
    if (rc != ZOK) {
        log_warn("repair: cannot update history record %s: %s (will try again)", path, zerror(rc));
        return;
    }
    log_notice("repair: history record %s: lost_count %llu (%s), exact%s%s", path,
               (unsigned long long)R->scan.errant, R->gtids, R->archive[0] ? ", archive " : "",
               R->archive);
    R->noted_count = R->scan.errant;
    snprintf(R->noted_archive, sizeof(R->noted_archive), "%s", R->archive);
}

/* ---- reading the tail ------------------------------------------------------------------------ */

static char *fork_arg(const binlog_state_t *node, const binlog_state_t *prim)
{
    binlog_state_t common;
    gtid_pos_t fork;
    binlog_state_common(node, prim, &common);
    binlog_state_fork_pos(&common, &fork);
    if (fork.n == 0) return NULL;
    char pos[GTID_POS_STRLEN], *arg = NULL;
    gtid_pos_format(&fork, pos, sizeof(pos));
    if (asprintf(&arg, "--start-position=%s", pos) < 0) abort();
    return arg;
}

/* mariadb-binlog [extra] --start-position=FORK FILES... > out */
static int binlog_dump(const local_info_t *li, const binlog_state_t *node,
                       const binlog_state_t *prim, const char *extra, const char *out, char *err,
                       size_t errlen)
{
    char *argv[REPAIR_MAX_BINLOGS + 6];
    size_t n = 0;
    argv[n++] = "mariadb-binlog";
    if (extra) argv[n++] = (char *)extra;
    char *fa = fork_arg(node, prim);
    if (fa) argv[n++] = fa;
    for (size_t i = 0; i < li->nfiles; i++) argv[n++] = li->files[i];
    argv[n] = NULL;
    int rc = run_tool(argv, NULL, out, err, errlen);
    free(fa);
    return rc;
}

static int scan_file(const char *path, rewind_scan_t *sc, const binlog_state_t *prim, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    rewind_scan_init(sc, prim);
    char *line = NULL;
    size_t cap = 0;
    ssize_t l;
    while ((l = getline(&line, &cap, f)) >= 0) {
        if (l > 0 && line[l - 1] == '\n') line[l - 1] = 0;
        rewind_scan_line(sc, line);
    }
    free(line);
    fclose(f);
    return 0;
}

static int ensure_dir(const char *dir, char *err, size_t errlen)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s", dir);
    for (char *c = p + 1; *c; c++) {
        if (*c != '/') continue;
        *c = 0;
        if (mkdir(p, 0700) != 0 && errno != EEXIST) break;
        *c = '/';
    }
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create archive_dir %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Read the tail into R->scan (once per binlog state). */
static int assess(repair_t *R, agent_t *a, const local_info_t *li, const binlog_state_t *node,
                  const binlog_state_t *prim, char *err, size_t errlen)
{
    if (R->scanned && strcmp(R->verdict_state, li->state) == 0) return 0;
    const char *dir = a->cfg->archive_dir;
    if (ensure_dir(dir, err, errlen) != 0) return -1;
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s/.scan-%s-%d", dir, a->cfg->node_name, (int)getpid());
    int rc = binlog_dump(li, node, prim, NULL, tmp, err, errlen);
    if (rc == 0) rc = scan_file(tmp, &R->scan, prim, err, errlen);
    unlink(tmp);
    if (rc != 0) return -1;
    R->primary_state = *prim;
    R->scanned = true;
    R->archive_current = false;
    snprintf(R->verdict_state, sizeof(R->verdict_state), "%s", li->state);
    if (rewind_scan_gtids(&R->scan, R->gtids, sizeof(R->gtids)) != 0)
        snprintf(R->gtids, sizeof(R->gtids), "(too many ranges to list)");
    R->refusal[0] = 0;
    rewind_refusal(&R->scan, (uint64_t)a->cfg->rewind_max_events, li->format, li->row_image,
                   R->refusal, sizeof(R->refusal));
    return 0;
}

/* ---- the rewind ------------------------------------------------------------------------------ */

/* archive_dir/CLUSTER-NODE-eEPOCH-GTIDS.sql, GTIDS with ',' as '+' (at most ~150 characters). */
static void archive_name(agent_t *a, const repair_t *R, uint64_t epoch, char *out, size_t len)
{
    char g[160];
    snprintf(g, sizeof(g), "%s", R->gtids);
    if (strlen(R->gtids) >= sizeof(g)) snprintf(g + 140, sizeof(g) - 140, "+more");
    for (char *c = g; *c; c++)
        if (*c == ',') *c = '+';
    snprintf(out, len, "%s/%s-%s-e%llu-%s.sql", a->cfg->archive_dir, a->cfg->cluster_name,
             a->cfg->node_name, (unsigned long long)epoch, g);
}

/* The dump, without the lines that would replay each transaction under its old GTID: replayed
 * on the current primary they become new transactions (with gtid_strict_mode, the old sequence
 * numbers would be refused). */
static int write_archive(const char *dump, const char *final, const repair_t *R,
                         const primary_rec_t *d, char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.new", final);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600); /* the rows are the users' data */
    FILE *in = fopen(dump, "r"), *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!in || !out) {
        snprintf(err, errlen, "cannot write archive %s: %s", tmp, strerror(errno));
        if (!out && fd >= 0) close(fd);
        if (in) fclose(in);
        if (out) fclose(out);
        return -1;
    }
    fprintf(out, "-- failoverd archive: %llu transaction(s) %s that the primary %s never had\n"
                 "-- first commit %lld, last commit %lld (s since the epoch, UTC)\n"
                 "-- replay (as an account with SUPER or BINLOG REPLAY): mariadb < THIS_FILE\n",
            (unsigned long long)R->scan.errant, R->gtids, d->name, (long long)R->scan.first_at_s,
            (long long)R->scan.last_at_s);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) >= 0)
        if (!strstr(line, "SET @@session.gtid_seq_no=") &&
            !strstr(line, "SET @@session.server_id=") &&
            !strstr(line, "SET @@session.gtid_domain_id="))
            fputs(line, out);
    free(line);
    fclose(in);
    int bad = fflush(out) != 0 || fsync(fileno(out)) != 0;
    bad |= fclose(out) != 0;
    if (bad || rename(tmp, final) != 0) {
        snprintf(err, errlen, "cannot write archive %s: %s", final, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* A client option file (0600) for the mariadb that applies the undo: no password on argv. */
int repair_client_cnf(agent_t *a, const char *path, char *err, size_t errlen)
{
    const config_t *cfg = a->cfg;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    fprintf(f, "[client]\nuser=\"%s\"\npassword=\"", cfg->mysql_user);
    for (const char *p = config_mysql_password(cfg); p && *p; p++)
        fprintf(f, "%s%c", (*p == '"' || *p == '\\') ? "\\" : "", *p);
    fprintf(f, "\"\n");
    if (cfg->node_socket)
        fprintf(f, "socket=%s\n", cfg->node_socket);
    else
        fprintf(f, "host=%s\nport=%d\nprotocol=TCP\n", cfg->node_host, cfg->node_port);
    /* Over TCP, the same TLS the agent's own connections use ([mysql] ssl_*). */
    const char *m = cfg->ssl_mode ? cfg->ssl_mode : "preferred";
    if (!cfg->node_socket && strcmp(m, "disabled") == 0) fprintf(f, "skip-ssl\n");
    if (!cfg->node_socket && strcmp(m, "disabled") != 0 && strcmp(m, "preferred") != 0)
        fprintf(f, "ssl\n%s", strcmp(m, "verify_identity") == 0 ? "ssl-verify-server-cert\n" : "");
    if (cfg->ssl_ca) fprintf(f, "ssl-ca=%s\n", cfg->ssl_ca);
    if (cfg->ssl_cert) fprintf(f, "ssl-cert=%s\n", cfg->ssl_cert);
    if (cfg->ssl_key) fprintf(f, "ssl-key=%s\n", cfg->ssl_key);
    fclose(f);
    return 0;
}

/* Undo: flashback SQL (kept beside the archive), applied with sql_log_bin=0. */
static int apply_flashback(agent_t *a, const local_info_t *li, const binlog_state_t *node,
                           const repair_t *R, const char *archive, char *err, size_t errlen)
{
    char fb[4200], apply[4200], cnf[4200];
    snprintf(fb, sizeof(fb), "%.4000s.flashback", archive);
    snprintf(apply, sizeof(apply), "%.4000s.flashback.apply", archive);
    snprintf(cnf, sizeof(cnf), "%s/.client-%d.cnf", a->cfg->archive_dir, (int)getpid());
    if (binlog_dump(li, node, &R->primary_state, "--flashback", fb, err, errlen) != 0) return -1;
    FILE *in = fopen(fb, "r"), *out = fopen(apply, "w");
    if (!in || !out) {
        snprintf(err, errlen, "cannot prepare %s: %s", apply, strerror(errno));
        if (in) fclose(in);
        if (out) fclose(out);
        return -1;
    }
    fputs("SET SESSION sql_log_bin=0;\n", out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    int rc = repair_client_cnf(a, cnf, err, errlen);
    if (rc == 0) {
        char defaults[4300], out_path[4300];
        snprintf(defaults, sizeof(defaults), "--defaults-file=%s", cnf);
        snprintf(out_path, sizeof(out_path), "%.4000s.flashback.out", archive);
        char *argv[] = {"mariadb", defaults, "--batch", NULL};
        rc = run_tool(argv, apply, out_path, err, errlen);
        unlink(out_path);
    }
    unlink(cnf);
    unlink(apply);
    return rc;
}

/* The common binlog state, each domain's highest sequence number last: SET GLOBAL
 * gtid_binlog_state takes the last entry of a domain as its current position. */
static void state_for_set(const binlog_state_t *common, char *out, size_t len)
{
    binlog_state_t c = *common;
    for (size_t i = 1; i < c.n; i++)
        for (size_t j = i; j > 0 && c.g[j - 1].domain == c.g[j].domain &&
                           c.g[j - 1].seq > c.g[j].seq; j--) {
            gtid_t t = c.g[j];
            c.g[j] = c.g[j - 1];
            c.g[j - 1] = t;
        }
    binlog_state_format(&c, out, len);
}

static int reset_position(db_conn_t *db, const binlog_state_t *node, const binlog_state_t *prim,
                          char *err, size_t errlen)
{
    binlog_state_t common;
    binlog_state_common(node, prim, &common);
    char st[4096], sql[4300];
    state_for_set(&common, st, sizeof(st));
    snprintf(sql, sizeof(sql), "SET GLOBAL gtid_binlog_state='%s'", st);
    if (db_exec(db, "RESET MASTER", err, errlen) != 0 || db_exec(db, sql, err, errlen) != 0 ||
        db_exec(db, "SET GLOBAL gtid_slave_pos=@@gtid_binlog_pos", err, errlen) != 0)
        return -1;
    log_notice("rewind: binlog reset; GTID state now %s (the last the primary also has)",
               st[0] ? st : "empty");
    return 0;
}

/* Archive the errant tail, and check it holds exactly the tail that was named. */
static int archive_tail(repair_t *R, agent_t *a, zsess_t *s, const local_info_t *li,
                        const binlog_state_t *node, const primary_rec_t *d, const char *what,
                        char *err, size_t errlen)
{
    char dump[4200], archive[4096];
    archive_name(a, R, d->epoch, archive, sizeof(archive));
    snprintf(dump, sizeof(dump), "%.4000s.dump", archive);
    rewind_scan_t again;
    if (binlog_dump(li, node, &R->primary_state, "--verbose", dump, err, errlen) != 0 ||
        scan_file(dump, &again, &R->primary_state, err, errlen) != 0) {
        unlink(dump);
        return -1;
    }
    if (again.errant != R->scan.errant || again.row_events != R->scan.row_events) {
        snprintf(err, errlen, "the tail changed while being archived (%llu transactions, "
                 "%llu expected): nothing undone", (unsigned long long)again.errant,
                 (unsigned long long)R->scan.errant);
        unlink(dump);
        return -1;
    }
    int rc = write_archive(dump, archive, R, d, err, errlen);
    unlink(dump);
    if (rc != 0) return -1;
    snprintf(R->archive, sizeof(R->archive), "%s", archive);
    log_notice("%s: %llu errant transaction(s) %s archived in %s", what,
               (unsigned long long)R->scan.errant, R->gtids, archive);
    repair_note_history(a, s, R, NULL, 0);
    return 0;
}

static int rewind_tail(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db, const local_info_t *li,
                  const binlog_state_t *node, const primary_rec_t *d, char *err, size_t errlen)
{
    if (db_exec(db, "STOP SLAVE", err, errlen) != 0) return -1;
    /* 1. Archive. */
    if (archive_tail(R, a, s, li, node, d, "rewind", err, errlen) != 0) return -1;
    char archive[1024];
    snprintf(archive, sizeof(archive), "%s", R->archive);
    /* 2. Undo, 3. reset the GTID position to the last common one. */
    if (apply_flashback(a, li, node, R, archive, err, errlen) != 0) return -1;
    log_notice("rewind: %llu row event(s) undone with mariadb-binlog --flashback",
               (unsigned long long)R->scan.row_events);
    return reset_position(db, node, &R->primary_state, err, errlen);
}

/* ---- the entry point ------------------------------------------------------------------------- */

void repair_say(repair_t *R, agent_t *a, zsess_t *s, repair_state_t st, const char *detail,
                const primary_rec_t *d, bool answers, int64_t took)
{
    repair_rec_t r = {0};
    r.state = st;
    snprintf(r.detail, sizeof(r.detail), "%s", detail);
    r.epoch = d->epoch;
    snprintf(r.primary, sizeof(r.primary), "%s", d->name);
    r.errant_count = R->scan.errant;
    snprintf(r.errant_gtids, sizeof(r.errant_gtids), "%s", R->gtids);
    r.errant_first_ms = R->scan.first_at_s > 0 ? R->scan.first_at_s * 1000 : 0;
    r.errant_last_ms = R->scan.last_at_s > 0 ? R->scan.last_at_s * 1000 : 0;
    r.row_events = R->scan.row_events;
    snprintf(r.archive, sizeof(r.archive), "%s", R->archive);
    r.took_ms = took;
    write_rec(a, s, &r, answers);
}

static rejoin_action_t do_rewind(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db,
                                 const local_info_t *li, const binlog_state_t *node,
                                 const primary_rec_t *d, bool requested)
{
    char err[1024];
    int64_t t0 = mono_ms();
    if (repair_lock(a, s, true, err, sizeof(err)) != 0) {
        log_warn("rewind: not now: %s", err);
        return REJOIN_KEEP_DIVERGED;
    }
    log_notice("rewind: undoing %llu errant transaction(s) %s (%llu row events) so that this "
               "node can replicate from %s", (unsigned long long)R->scan.errant, R->gtids,
               (unsigned long long)R->scan.row_events, d->name);
    repair_say(R, a, s, REPAIR_STATE_REWINDING, "archiving, then undoing with mariadb-binlog --flashback",
        d, false, 0);
    int rc = rewind_tail(R, a, s, db, li, node, d, err, sizeof(err));
    int64_t took = mono_ms() - t0;
    repair_lock(a, s, false, NULL, 0);
    if (rc != 0) {
        R->failed = true;
        char msg[1200];
        snprintf(msg, sizeof(msg), "rewind failed: %s; the node stays read-only (diverged)%s",
                 err, R->archive[0] ? "; its errant transactions are archived" : "");
        log_error("%s", msg);
        repair_say(R, a, s, REPAIR_STATE_FAILED, msg, d, requested, took);
        snprintf(R->said, sizeof(R->said), "%s", msg);
        R->noted_count = (uint64_t)-1;
        repair_note_history(a, s, R, "rewind-failed", took);
        return REJOIN_KEEP_DIVERGED;
    }
    char msg[600];
    snprintf(msg, sizeof(msg), "rewound in %lld ms: %llu transaction(s) undone, archived in %s",
             (long long)took, (unsigned long long)R->scan.errant, R->archive);
    log_notice("rewind: done: %s", msg);
    repair_say(R, a, s, REPAIR_STATE_REJOINED, msg, d, requested, took);
    R->noted_count = (uint64_t)-1; /* noted once archived; now with the outcome */
    repair_note_history(a, s, R, "rewound", took);
    R->noted_count = (uint64_t)-1; /* the next divergence is noted afresh */
    R->diverged = false;
    R->failed = false;
    R->scanned = false;
    R->said[0] = 0;
    return REJOIN_REPOINT;
}

/* The errant tail archived first (nothing is thrown away without that file), then a fresh copy
 * of another node (reclone.c). */
static rejoin_action_t do_reclone(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db,
                                  const local_info_t *li, const binlog_state_t *node,
                                  const primary_rec_t *d, const char *from, bool requested)
{
    char err[1024];
    int64_t t0 = mono_ms();
    if (repair_lock(a, s, true, err, sizeof(err)) != 0) {
        log_warn("reclone: not now: %s", err);
        return REJOIN_KEEP_DIVERGED;
    }
    if (R->refusal[0])
        log_notice("reclone: this node has %llu transaction(s) %s that the primary %s never had, "
                   "and they cannot be rewound (%s): re-cloning instead",
                   (unsigned long long)R->scan.errant, R->gtids, d->name, R->refusal);
    int rc = 0;
    if (!R->scanned) { /* never without the archive */
        snprintf(err, sizeof(err), "its errant tail was not read%s%s", R->refusal[0] ? ": " : "",
                 R->refusal);
        rc = -1;
    } else if (R->scan.errant > 0 && !R->archive_current) {
        repair_say(R, a, s, REPAIR_STATE_RECLONING, "archiving the errant transactions before "
                   "the re-clone", d, false, 0);
        rc = archive_tail(R, a, s, li, node, d, "reclone", err, sizeof(err));
        if (rc == 0) R->archive_current = true;
    }
    rejoin_action_t act = REJOIN_KEEP_DIVERGED;
    if (rc == 0) {
        act = reclone_run(R, a, s, db, d, from, false, requested, t0);
    } else {
        R->failed = true;
        char msg[1200];
        snprintf(msg, sizeof(msg), "reclone refused: the errant transactions could not be "
                 "archived (%s); nothing removed, the node stays read-only (diverged)", err);
        log_error("%s", msg);
        repair_say(R, a, s, REPAIR_STATE_FAILED, msg, d, requested, mono_ms() - t0);
        snprintf(R->said, sizeof(R->said), "%s", msg);
    }
    repair_lock(a, s, false, NULL, 0);
    return act;
}

/* Compare; 1 subset, 0 errant, -1 unknown (why logged at info). */
static int compare(repair_t *R, agent_t *a, db_conn_t *db, const primary_rec_t *d,
                   local_info_t *li, binlog_state_t *node, binlog_state_t *prim)
{
    char err[512], pst[4096];
    if (db_flavor(db) == FLAVOR_MYSQL) return compare_mysql(R, a, db, d, li);
    if (db_query_rows(db, "SELECT @@gtid_binlog_state, @@binlog_format, @@binlog_row_image, "
                      "@@log_bin_basename", row_vars, li, err, sizeof(err)) != 0 ||
        db_query_rows(db, "SHOW BINARY LOGS", row_binlog, li, err, sizeof(err)) != 0) {
        log_warn("rejoin: cannot read this node's binlog state: %s", err);
        return -1;
    }
    if (primary_state(a, d, pst, err, sizeof(err)) != 0) {
        log_info("rejoin: desired primary %s not reachable yet: %s", d->name, err);
        return -1;
    }
    if (binlog_state_parse(node, li->state, err, sizeof(err)) != 0 ||
        binlog_state_parse(prim, pst, err, sizeof(err)) != 0) {
        log_error("rejoin: cannot compare GTID states: %s", err);
        return -1;
    }
    return binlog_state_subset(node, prim) ? 1 : 0;
}

rejoin_action_t repair_rejoin(repair_t *R, agent_t *a, db_conn_t *db, const primary_rec_t *d)
{
    zsess_t *s = session_get(a);
    if (!s) return R->diverged ? REJOIN_KEEP_DIVERGED : REJOIN_WAIT;
    local_info_t li = {0};
    binlog_state_t node, prim;
    int cmp = compare(R, a, db, d, &li, &node, &prim);
    char err[512] = "";
    rejoin_obs_t o = {.primary_known = d->host[0] && d->port > 0, .compared = cmp >= 0,
                      .subset = cmp == 1, .diverged = R->diverged,
                      .state_changed = R->diverged && cmp >= 0 && strcmp(R->verdict_state, li.state) != 0,
                      .policy = rejoin_policy_from_string(a->cfg->rejoin), .failed = R->failed,
                      .reclone_ok = db_flavor(db) == FLAVOR_MARIADB};
    if (cmp == 0 && assess(R, a, &li, &node, &prim, err, sizeof(err)) != 0) {
        o.refused = true;
        o.reclone_ok = false; /* what cannot be read cannot be archived: nothing is replaced */
        snprintf(R->refusal, sizeof(R->refusal), "its binlog could not be read: %s", err);
    }
    if (cmp == 0) R->diverged = o.diverged = true;
    repair_rec_t rec;
    bool requested = false;
    if (read_rec(a, s, &rec) == 0)
        requested = rec.request_at_ms > rec.answered_at_ms &&
                    strcmp(rec.request_kind, "reinit") != 0; /* reinit: repair_poll() */
    pthread_mutex_lock(&a->mu);
    o.paused = a->cluster_paused;
    pthread_mutex_unlock(&a->mu);
    o.repair_requested = requested;
    o.repair_elsewhere = o.diverged && repair_lock_elsewhere(a, s);
    o.refused = o.refused || (R->scanned && R->refusal[0]);
    const char *why = "";
    rejoin_action_t act = rejoin_decide(&o, &why);
    if (act == REJOIN_REWIND) act = do_rewind(R, a, s, db, &li, &node, d, requested);
    if (act == REJOIN_RECLONE) {
        /* Done, or failed and said so: either way nothing more to say about this verdict. */
        act = do_reclone(R, a, s, db, &li, &node, d, NULL, false);
        local_info_free(&li);
        session_put(a, s);
        return act;
    }
    if (act == REJOIN_REPOINT && R->diverged) { /* repaired by hand */
        R->diverged = false;
        R->scanned = false;
        R->said[0] = 0;
    }
    /* Said once per reason, and also when the tail could not even be read (no mariadb-binlog,
     * binlog files unreadable): the node is diverged all the same. */
    if (act == REJOIN_KEEP_DIVERGED && (R->scanned || R->refusal[0])) {
        char msg[640];
        snprintf(msg, sizeof(msg), "%s%s%s", why, R->refusal[0] ? ": " : "", R->refusal);
        /* A request is answered now when waiting cannot help: refused, or paused. */
        bool answer = requested && (o.refused || o.paused);
        if (strcmp(msg, R->said) != 0 || answer) {
            if (R->scanned)
                log_error("rejoin refused: this node has %llu transaction(s) %s that the primary "
                          "%s never had; keeping it read-only (diverged): %s",
                          (unsigned long long)R->scan.errant, R->gtids, d->name, msg);
            else
                log_error("rejoin refused: this node's binlog state %.300s has transactions the "
                          "primary %s never had; keeping it read-only (diverged): %s", li.state,
                          d->name, msg);
            bool refused = R->refusal[0] != 0;
            repair_say(R, a, s, R->failed ? REPAIR_STATE_FAILED
                                   : refused ? REPAIR_STATE_REFUSED : REPAIR_STATE_DIVERGED,
                msg, d, answer, 0);
            snprintf(R->said, sizeof(R->said), "%s", msg);
        }
        if (R->scanned) repair_note_history(a, s, R, NULL, 0);
    }
    local_info_free(&li);
    session_put(a, s);
    return act;
}

/* ---- failoverctl reinit, and serving as a donor ------------------------------------------------ */

/* Before a reinit replaces the datadir: the errant transactions, if any, archived. *keep_old
 * when that cannot be known (mysqld down, primary out of reach): the old datadir is then kept. */
static int reinit_archive(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db,
                          const primary_rec_t *d, bool *keep_old, char *err, size_t errlen)
{
    *keep_old = true;
    if (!db) return 0;
    if (db_flavor(db) == FLAVOR_MYSQL) {
        snprintf(err, errlen, "a re-clone is MariaDB only (mariadb-backup)");
        return -1;
    }
    local_info_t li = {0};
    binlog_state_t node, prim;
    int cmp = compare(R, a, db, d, &li, &node, &prim);
    int rc = 0;
    if (cmp == 0) {
        R->diverged = true;
        rc = assess(R, a, &li, &node, &prim, err, errlen);
        if (rc == 0 && R->scan.errant > 0 && !R->archive_current) {
            repair_say(R, a, s, REPAIR_STATE_RECLONING, "archiving the errant transactions "
                       "before the re-clone", d, false, 0);
            rc = archive_tail(R, a, s, &li, &node, d, "reclone", err, errlen);
            if (rc == 0) R->archive_current = true;
        }
    }
    *keep_old = cmp < 0;
    local_info_free(&li);
    return rc;
}

static bool reinit(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db, const primary_rec_t *d,
                   const repair_rec_t *rec)
{
    static const primary_rec_t none;
    const char *me = a->cfg->node_name;
    char why[600] = "";
    pthread_mutex_lock(&a->mu);
    bool paused = a->cluster_paused;
    pthread_mutex_unlock(&a->mu);
    if (!d || !d->host[0] || d->port <= 0)
        snprintf(why, sizeof(why), "no primary is known yet: a re-clone replicates from it");
    else if (strcmp(d->name, me) == 0)
        snprintf(why, sizeof(why), "this node is the primary /primary names: never re-cloned");
    else if (paused)
        snprintf(why, sizeof(why), "the cluster is paused: no repair until failoverctl resume");
    else if (repair_lock_elsewhere(a, s))
        snprintf(why, sizeof(why), "another node is being repaired: one at a time");
    int64_t t0 = mono_ms();
    if (!why[0] && repair_lock(a, s, true, why, sizeof(why)) != 0) {
        /* why says it */
    } else if (!why[0]) {
        char err[800] = "";
        bool keep_old = true;
        log_notice("reinit: asked by %s%s%s", rec->requested_by,
                   rec->request_from[0] ? ", from " : "", rec->request_from);
        if (reinit_archive(R, a, s, db, d, &keep_old, err, sizeof(err)) != 0) {
            char msg[1200];
            snprintf(msg, sizeof(msg), "reinit refused: %s; nothing removed, the node stays "
                     "as it is", err);
            log_error("%s", msg);
            repair_say(R, a, s, REPAIR_STATE_FAILED, msg, d, true, mono_ms() - t0);
        } else {
            reclone_run(R, a, s, db, d, rec->request_from, keep_old, true, t0);
        }
        repair_lock(a, s, false, NULL, 0);
        return true;
    }
    log_warn("reinit refused: %s", why);
    repair_say(R, a, s, REPAIR_STATE_REFUSED, why, d ? d : &none, true, 0);
    return true;
}

bool repair_poll(repair_t *R, agent_t *a, db_conn_t *db, const primary_rec_t *d, bool kicked)
{
    reclone_donor_reap(R);
    zsess_t *s = session_get(a);
    if (!s) return false;
    if (!kicked && s->gen == R->poll_gen) { /* nothing fired: nothing new in either znode */
        session_put(a, s);
        return false;
    }
    R->poll_gen = s->gen;
    reclone_donor_poll(R, a, s, db);
    char path[ZK_PATH_MAX];
    struct Stat st;
    bool did = false;
    zk_cluster_path(a->cfg, path, sizeof(path), "/repair/%s", a->cfg->node_name);
    /* The watch brings a request here at once; the record is read only when it changed. */
    if (zoo_exists(s->zh, path, 1, &st) == ZOK && st.mzxid != R->rec_mzxid) {
        repair_rec_t rec;
        if (read_rec(a, s, &rec) == 0 && rec.request_at_ms > rec.answered_at_ms &&
            strcmp(rec.request_kind, "reinit") == 0)
            did = reinit(R, a, s, db, d, &rec);
        if (zoo_exists(s->zh, path, 1, &st) == ZOK) R->rec_mzxid = st.mzxid;
    }
    session_put(a, s);
    return did;
}
