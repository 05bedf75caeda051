/* reclone.c -- issue 11 point 4: a node's datadir replaced by a fresh mariadb-backup copy of
 * another node, streamed agent to agent over TCP, then replicating again; and the donor's side.
 * The pure parts (stream framing, progress, donor choice, binlog info) are src/lib/reclone.c.
 *
 * Receiver (this node, mysqld read-only): listen on [node] host, ask the donor's agent through
 * /<cluster>/clone/<donor> (ephemeral: gone with our session), unpack the stream with mbstream
 * into DATADIR.reclone while the old mysqld still serves reads, mariadb-backup --prepare, stop
 * mysqld ([node] mysqld_stop), DATADIR -> DATADIR.old-TIME, DATADIR.reclone -> DATADIR, start
 * ([node] mysqld_start), GTID position from the backup's binlog info, CHANGE MASTER to the
 * primary, START SLAVE; once replicating, the old datadir is removed (or kept when it may hold
 * transactions nobody archived). Any failure after the swap puts the old datadir back.
 * Donor: its agent runs mariadb-backup --backup --stream=xbstream against its own mysqld (the
 * backup needs the datadir, so it runs on the donor's host) in a child process that frames the
 * output to the receiver; the agent's worker never waits for it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <libgen.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clockutil.h"
#include "decide.h"
#include "log.h"
#include "reclone.h"
#include "repair.h"
#include "repairrec.h"

#define RECLONE_ACCEPT_MS (60 * 1000)     /* the donor's agent connects within this */
#define RECLONE_IDLE_MS (120 * 1000)      /* no byte from the donor for this long: give up */
#define RECLONE_PREPARE_MS (30 * 60 * 1000)
#define RECLONE_STOP_MS (120 * 1000)      /* mysqld_stop, then mysqld gone */
#define RECLONE_START_MS (300 * 1000)     /* mysqld_start, then mysqld answering */
#define RECLONE_REPLICATE_MS (30 * 1000)  /* IO and SQL threads running */
#define RECLONE_PROGRESS_MS 1000          /* /repair/<node> and /nodes/<node> updated */
#define RECLONE_LOG_MS 5000               /* the agent log's progress line */
#define RECLONE_MAX_NODES 64

/* ---- small helpers ------------------------------------------------------------------------- */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static uid_t chown_uid;
static gid_t chown_gid;
static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return lchown(path, chown_uid, chown_gid) == 0 ? 0 : -1;
}

/* The datadir's files must belong to mysqld's user: the old datadir's owner, else the parent
 * directory's when it is not root's, else the "mysql" account. */
static int chown_like(const char *dir, const char *datadir, char *err, size_t errlen)
{
    struct stat st;
    char parent[4200];
    snprintf(parent, sizeof(parent), "%s", datadir);
    bool found = stat(datadir, &st) == 0;
    if (!found && stat(dirname(parent), &st) == 0 && st.st_uid != 0) found = true;
    if (!found) {
        struct passwd *pw = getpwnam("mysql");
        if (!pw) return 0; /* nobody better: keep ours */
        st.st_uid = pw->pw_uid;
        st.st_gid = pw->pw_gid;
    }
    if (st.st_uid == geteuid() && st.st_gid == getegid()) return 0;
    chown_uid = st.st_uid;
    chown_gid = st.st_gid;
    if (nftw(dir, chown_one, 32, FTW_PHYS) != 0) {
        snprintf(err, errlen, "cannot give %s to uid %d: %s", dir, (int)chown_uid,
                 strerror(errno));
        return -1;
    }
    return 0;
}

static int read_small(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    fclose(f);
    return 0;
}

static void random_token(char out[RECLONE_TOKEN_LEN + 1])
{
    unsigned char b[RECLONE_TOKEN_LEN / 2];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
        /* No urandom: a weaker token still names the request; the stream is checked anyway. */
        for (size_t i = 0; i < sizeof(b); i++) b[i] = (unsigned char)(rand() ^ mono_ms() >> i);
    }
    if (fd >= 0) close(fd);
    for (size_t i = 0; i < sizeof(b); i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Run a configured command line (mysqld_start / mysqld_stop): argv, no shell. */
static int run_command(const char *what, const char *line, int timeout_ms, const char *scratch,
                       char *err, size_t errlen)
{
    char buf[4200], *argv[RECLONE_ARGV_MAX + 1], why[300];
    snprintf(buf, sizeof(buf), "%s", line);
    if (reclone_split_argv(buf, argv, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "[node] %s: %s", what, why);
        return -1;
    }
    char out[4300];
    snprintf(out, sizeof(out), "%s.%s.out", scratch, what);
    char e[600] = "";
    int rc = repair_run_tool(argv, NULL, out, timeout_ms, e, sizeof(e));
    unlink(out);
    if (rc != 0) snprintf(err, errlen, "[node] %s: %s", what, e);
    return rc;
}

static db_conn_t *connect_local(agent_t *a, char *err, size_t errlen)
{
    const config_t *cfg = a->cfg;
    db_target_t t = {.host = cfg->node_host, .port = cfg->node_port, .socket = cfg->node_socket,
                     .user = cfg->mysql_user, .password = config_mysql_password(cfg),
                     .connect_timeout_ms = cfg->connect_timeout_ms,
                     .read_timeout_ms = cfg->read_timeout_ms, .cfg = cfg};
    return db_connect(&t, err, errlen);
}

/* ---- progress: /repair/<node> and this node's published state ------------------------------ */

/* The local worker is busy here and publishes nothing meanwhile: mark this node unhealthy in
 * /nodes/<node> (never a failover candidate, nor a donor) with the progress as its error; the
 * worker publishes afresh when the re-clone is over (R->republish). */
static void mark_node(agent_t *a, zsess_t *s, const char *text)
{
    char path[ZK_PATH_MAX], err[256], *buf = NULL;
    int len = 0;
    struct Stat st;
    zk_cluster_path(a->cfg, path, sizeof(path), "/nodes/%s", a->cfg->node_name);
    if (zk_get_alloc(s->zh, path, false, &buf, &len, &st) != ZOK) return;
    node_state_t ns;
    if (node_state_from_json(&ns, buf, (size_t)len, err, sizeof(err)) == 0) {
        ns.healthy = false;
        snprintf(ns.error, sizeof(ns.error), "re-cloning: %s", text);
        ns.updated_ms = wall_ms();
        char *json = node_state_to_json(&ns);
        if (json) zoo_set(s->zh, path, json, (int)strlen(json), st.version);
        free(json);
    }
    free(buf);
}

static void progress(repair_t *R, agent_t *a, zsess_t *s, const primary_rec_t *d,
                     const char *text)
{
    repair_say(R, a, s, REPAIR_STATE_RECLONING, text, d, false, 0);
    mark_node(a, s, text);
}

/* ---- the donor's side ------------------------------------------------------------------------ */

/* Bytes of datadir the backup copies: everything but binary and relay logs and the redo log
 * (copied only from the backup's start). For the receiver's ETA: an estimate. */
static uint64_t est_total;
static char est_skip1[256], est_skip2[256];
static int est_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (flag != FTW_F) return 0;
    const char *base = path + ftw->base;
    if ((est_skip1[0] && strncmp(base, est_skip1, strlen(est_skip1)) == 0) ||
        (est_skip2[0] && strncmp(base, est_skip2, strlen(est_skip2)) == 0) ||
        strncmp(base, "ib_logfile", 10) == 0)
        return 0;
    est_total += (uint64_t)st->st_size;
    return 0;
}

typedef struct donor_vars {
    char datadir[4096], binlog[4096], relay[4096];
} donor_vars_t;

static int row_donor_vars(char **row, unsigned n, void *arg)
{
    donor_vars_t *v = arg;
    if (n < 3) return 1;
    snprintf(v->datadir, sizeof(v->datadir), "%s", row[0] ? row[0] : "");
    snprintf(v->binlog, sizeof(v->binlog), "%s", row[1] ? row[1] : "");
    snprintf(v->relay, sizeof(v->relay), "%s", row[2] ? row[2] : "");
    return 0;
}

static int connect_to(const char *host, int port, int timeout_ms, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char ps[16];
    snprintf(ps, sizeof(ps), "%d", port);
    int g = getaddrinfo(host, ps, &hints, &res);
    if (g != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(g));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            snprintf(err, errlen, "connect to %s:%d: %s", host, port, strerror(errno));
            close(fd);
            fd = -1;
            continue;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (poll(&p, 1, timeout_ms) != 1 ||
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            snprintf(err, errlen, "connect to %s:%d: %s", host, port,
                     soerr ? strerror(soerr) : "timed out");
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* To a socket (send, no SIGPIPE) or a pipe (write: SIGPIPE is ignored by the agent). */
static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    struct stat st;
    bool sock = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
    while (n > 0) {
        ssize_t w = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The child that runs the backup: mariadb-backup's stdout framed to the socket, then its exit
 * status. Its own process group; killed with the agent (PR_SET_PDEATHSIG). */
static void donor_child(int sock, const char *cnf, const char *datadir, const char *logpath)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    int p[2];
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (pipe2(p, O_CLOEXEC) != 0 || logfd < 0) _exit(125);
    char defaults[4300], dd[4300];
    snprintf(defaults, sizeof(defaults), "--defaults-file=%s", cnf);
    snprintf(dd, sizeof(dd), "--datadir=%s", datadir);
    pid_t b = fork();
    if (b < 0) _exit(125);
    if (b == 0) {
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(p[1], 1);
        dup2(logfd, 2);
        closefrom(3);
        const char *path = getenv("PATH");
        char keep[4096];
        snprintf(keep, sizeof(keep), "%s", path ? path : "/usr/local/bin:/usr/bin:/bin");
        clearenv();
        setenv("PATH", keep, 1);
        setenv("LC_ALL", "C", 1);
        char *argv[] = {"mariadb-backup", defaults, "--backup", "--stream=xbstream", dd, NULL};
        execvp(argv[0], argv);
        dprintf(2, "cannot run mariadb-backup: %s (Debian: mariadb-backup)\n", strerror(errno));
        _exit(127);
    }
    close(p[1]);
    static uint8_t buf[65536 + 4];
    bool broken = false;
    for (;;) {
        ssize_t n = read(p[0], buf + 4, sizeof(buf) - 4);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buf[0] = (uint8_t)(n >> 24), buf[1] = (uint8_t)(n >> 16), buf[2] = (uint8_t)(n >> 8),
        buf[3] = (uint8_t)n;
        if (write_all(sock, buf, (size_t)n + 4) != 0) {
            broken = true; /* the receiver gave up: so do we */
            kill(b, SIGKILL);
            break;
        }
    }
    int st = 0;
    while (waitpid(b, &st, 0) < 0 && errno == EINTR) {
    }
    uint32_t code = WIFEXITED(st) ? (uint32_t)WEXITSTATUS(st) : 0x100u + (uint32_t)WTERMSIG(st);
    if (!broken) {
        uint8_t t[8] = {0, 0, 0, 0, (uint8_t)(code >> 24), (uint8_t)(code >> 16),
                        (uint8_t)(code >> 8), (uint8_t)code};
        if (write_all(sock, t, sizeof(t)) != 0) broken = true;
    }
    shutdown(sock, SHUT_WR);
    close(sock);
    _exit(broken ? 124 : code == 0 ? 0 : code > 0xff ? 126 : (int)code);
}

static void donor_answer(agent_t *a, zsess_t *s, const char *path, const char *token,
                         const char *error)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "donor", a->cfg->node_name, "token", token,
                          "error", error);
    char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (txt) {
        /* The request's own data is replaced: the receiver reads the error from it. */
        zoo_set(s->zh, path, txt, (int)strlen(txt), -1);
        free(txt);
    }
}

static void donor_reap(repair_t *R)
{
    if (R->donor_pid <= 0) return;
    int st = 0;
    pid_t w = waitpid(R->donor_pid, &st, WNOHANG);
    if (w == 0) return;
    int code = w == R->donor_pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    char line[400] = "";
    if (code != 0) {
        FILE *f = fopen(R->donor_log, "r");
        char l[400];
        while (f && fgets(l, sizeof(l), f))
            if (strstr(l, "rror") || !line[0]) snprintf(line, sizeof(line), "%s", l);
        if (f) fclose(f);
        line[strcspn(line, "\n")] = 0;
    }
    if (code == 0)
        log_notice("reclone donor: the backup for %s is complete (%lld ms)", R->donor_to,
                   (long long)(mono_ms() - R->donor_started_ms));
    else
        log_error("reclone donor: the backup for %s failed (%s %d)%s%s; its log: %s",
                  R->donor_to, code == 124 ? "the receiver went away," : "exit", code,
                  line[0] ? ": " : "", line, R->donor_log);
    unlink(R->donor_cnf);
    R->donor_pid = 0;
}

/* A request for this node's data: /<cluster>/clone/<this node>, written by the receiver. */
static void donor_poll(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db)
{
    donor_reap(R);
    char path[ZK_PATH_MAX], *buf = NULL;
    int len = 0;
    zk_cluster_path(a->cfg, path, sizeof(path), "/clone/%s", a->cfg->node_name);
    int rc = zk_get_alloc(s->zh, path, true, &buf, &len, NULL);
    if (rc == ZNONODE) zoo_exists(s->zh, path, 1, NULL); /* told when one is made */
    if (rc != ZOK) return;
    json_t *o = json_loadb(buf, (size_t)len, 0, NULL);
    free(buf);
    const char *to = json_string_value(json_object_get(o, "receiver"));
    const char *host = json_string_value(json_object_get(o, "host"));
    const char *token = json_string_value(json_object_get(o, "token"));
    json_int_t port = json_integer_value(json_object_get(o, "port"));
    if (!to || !host || !token || port <= 0 || port > 65535 || json_object_get(o, "error") ||
        strlen(token) != RECLONE_TOKEN_LEN || strcmp(token, R->donor_token) == 0) {
        json_decref(o);
        return; /* not a request, already answered, or already served */
    }
    snprintf(R->donor_token, sizeof(R->donor_token), "%s", token);
    snprintf(R->donor_to, sizeof(R->donor_to), "%s", to);
    char err[512] = "", tok[RECLONE_TOKEN_LEN + 1];
    snprintf(tok, sizeof(tok), "%s", token);
    char h[HOST_MAX_LEN + 1];
    snprintf(h, sizeof(h), "%s", host);
    json_decref(o);
    donor_vars_t v = {0};
    if (R->donor_pid > 0) {
        donor_answer(a, s, path, tok, "this donor is already streaming a backup");
        return;
    }
    if (!db || db_query_rows(db, "SELECT @@datadir, @@log_bin_basename, @@relay_log_basename",
                             row_donor_vars, &v, err, sizeof(err)) != 0) {
        char e[700];
        snprintf(e, sizeof(e), "the donor's mysqld does not answer: %s", err[0] ? err : "down");
        log_error("reclone donor: refusing %s: %s", R->donor_to, e);
        donor_answer(a, s, path, tok, e);
        return;
    }
    est_total = 0;
    snprintf(est_skip1, sizeof(est_skip1), "%s", v.binlog[0] ? basename(v.binlog) : "");
    snprintf(est_skip2, sizeof(est_skip2), "%s", v.relay[0] ? basename(v.relay) : "");
    nftw(v.datadir, est_one, 32, FTW_PHYS);
    snprintf(R->donor_cnf, sizeof(R->donor_cnf), "%s/.clone-client-%d.cnf", a->cfg->archive_dir,
             (int)getpid());
    snprintf(R->donor_log, sizeof(R->donor_log), "%s/clone-to-%s.log", a->cfg->archive_dir,
             R->donor_to);
    char hdr[RECLONE_HEADER_MAX];
    mkdir(a->cfg->archive_dir, 0700);
    int sock = -1;
    if (repair_client_cnf(a, R->donor_cnf, err, sizeof(err)) != 0 ||
        reclone_header_format(tok, est_total, hdr, sizeof(hdr)) != 0 ||
        (sock = connect_to(h, (int)port, 5000, err, sizeof(err))) < 0 ||
        write_all(sock, hdr, strlen(hdr)) != 0) {
        if (!err[0]) snprintf(err, sizeof(err), "cannot send the stream header");
        log_error("reclone donor: cannot serve %s: %s", R->donor_to, err);
        donor_answer(a, s, path, tok, err);
        if (sock >= 0) close(sock);
        unlink(R->donor_cnf);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) donor_child(sock, R->donor_cnf, v.datadir, R->donor_log);
    close(sock);
    if (pid < 0) {
        snprintf(err, sizeof(err), "fork: %s", strerror(errno));
        donor_answer(a, s, path, tok, err);
        unlink(R->donor_cnf);
        return;
    }
    setpgid(pid, pid);
    R->donor_pid = pid;
    R->donor_started_ms = mono_ms();
    log_notice("reclone donor: streaming a mariadb-backup of %s (~%.1f MiB) to %s at %s:%d "
               "(pid %d, log %s)", v.datadir, (double)est_total / 1048576.0, R->donor_to, h,
               (int)port, (int)pid, R->donor_log);
}

void reclone_donor_poll(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db)
{
    donor_poll(R, a, s, db);
}

void reclone_donor_reap(repair_t *R)
{
    donor_reap(R);
}

/* ---- the receiver's side ------------------------------------------------------------------- */

typedef struct rc_ctx {
    repair_t *R;
    agent_t *a;
    zsess_t *s;
    const primary_rec_t *d;
    char donor[NAME_MAX_LEN + 1];
    char req_path[ZK_PATH_MAX];
    char token[RECLONE_TOKEN_LEN + 1];
    char newdir[4200], olddir[4200], scratch[4200];
    uint64_t bytes, estimate;
    int64_t copy_ms;
} rc_ctx_t;

static int read_nodes(agent_t *a, zsess_t *s, node_state_t *nodes, size_t *n, char *err,
                      size_t errlen)
{
    char dir[ZK_PATH_MAX];
    struct String_vector kids = {0, NULL};
    zk_cluster_path(a->cfg, dir, sizeof(dir), "/nodes");
    int rc = zoo_get_children(s->zh, dir, 0, &kids);
    if (rc != ZOK) {
        snprintf(err, errlen, "cannot list %s: %s", dir, zerror(rc));
        return -1;
    }
    *n = 0;
    for (int i = 0; i < kids.count && *n < RECLONE_MAX_NODES; i++) {
        char p[ZK_PATH_MAX], *buf = NULL, e[256];
        int len = 0;
        snprintf(p, sizeof(p), "%s/%s", dir, kids.data[i]);
        if (zk_get_alloc(s->zh, p, false, &buf, &len, NULL) == ZOK &&
            node_state_from_json(&nodes[*n], buf, (size_t)len, e, sizeof(e)) == 0)
            (*n)++;
        free(buf);
    }
    deallocate_String_vector(&kids);
    return 0;
}

static int listen_on(const char *host, int *port, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    int g = getaddrinfo(host, "0", &hints, &res);
    if (g != 0) {
        snprintf(err, errlen, "cannot resolve [node] host %s: %s", host, gai_strerror(g));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 2) != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", host, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                           : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* What the donor's agent wrote into our request: its refusal, if any. */
static bool donor_refused(rc_ctx_t *c, char *err, size_t errlen)
{
    char *buf = NULL;
    int len = 0;
    if (zk_get_alloc(c->s->zh, c->req_path, false, &buf, &len, NULL) != ZOK) return false;
    json_t *o = json_loadb(buf, (size_t)len, 0, NULL);
    free(buf);
    const char *e = json_string_value(json_object_get(o, "error"));
    const char *t = json_string_value(json_object_get(o, "token"));
    bool refused = e && t && strcmp(t, c->token) == 0;
    if (refused) snprintf(err, errlen, "donor %s: %s", c->donor, e);
    json_decref(o);
    return refused;
}

/* Header line, byte by byte (it is short), within the deadline. */
static int read_header(int fd, char *line, size_t len, int64_t end)
{
    size_t n = 0;
    while (n + 1 < len) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left = (int)(end - mono_ms());
        if (left <= 0 || poll(&p, 1, left) != 1) return -1;
        char ch;
        if (read(fd, &ch, 1) != 1) return -1;
        if (ch == '\n') break;
        line[n++] = ch;
    }
    line[n] = 0;
    return 0;
}

/* Accept the donor's connection, check its token, and unpack its stream with mbstream. */
static int receive(rc_ctx_t *c, int lfd, char *err, size_t errlen)
{
    int64_t end = mono_ms() + RECLONE_ACCEPT_MS;
    int fd = -1;
    while (fd < 0) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        int r = poll(&p, 1, 500);
        if (r == 1) {
            fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0) continue;
            char line[RECLONE_HEADER_MAX], tok[RECLONE_TOKEN_LEN + 1], e[256];
            if (read_header(fd, line, sizeof(line), mono_ms() + 5000) != 0 ||
                reclone_header_parse(line, tok, sizeof(tok), &c->estimate, e, sizeof(e)) != 0 ||
                strcmp(tok, c->token) != 0) {
                log_warn("reclone: dropped a connection that is not donor %s's stream", c->donor);
                close(fd);
                fd = -1;
            }
            continue;
        }
        if (donor_refused(c, err, errlen)) return -1;
        if (mono_ms() > end) {
            snprintf(err, errlen, "donor %s's agent did not connect within %d s (is it running, "
                     "and can it reach this host's [node] host?)", c->donor,
                     RECLONE_ACCEPT_MS / 1000);
            return -1;
        }
    }
    int in[2];
    if (pipe2(in, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        close(fd);
        return -1;
    }
    char mberr[4300];
    snprintf(mberr, sizeof(mberr), "%s.mbstream.err", c->scratch);
    pid_t mb = fork();
    if (mb == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int e = open(mberr, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int o = open("/dev/null", O_WRONLY);
        dup2(in[0], 0);
        dup2(o, 1);
        dup2(e, 2);
        closefrom(3);
        char *argv[] = {"mbstream", "-x", "-C", c->newdir, NULL};
        execvp(argv[0], argv);
        dprintf(2, "cannot run mbstream: %s (Debian: mariadb-backup)\n", strerror(errno));
        _exit(127);
    }
    close(in[0]);
    if (mb < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(in[1]);
        close(fd);
        return -1;
    }
    reclone_frames_t fr = {0};
    static uint8_t buf[256 * 1024];
    int64_t t0 = mono_ms(), last_io = t0, last_pub = 0, last_log = 0, t_first = 0;
    int rc = 0;
    char prog[200];
    while (fr.state != RECLONE_FR_DONE && fr.state != RECLONE_FR_BAD) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, 1000);
        int64_t now = mono_ms();
        if (r == 1) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            last_io = now;
            size_t k = reclone_frames_feed(&fr, buf, (size_t)n);
            if (k && !t_first) t_first = now; /* the rate from the first byte, not the donor's start */
            if (k && write_all(in[1], buf, k) != 0) {
                snprintf(err, errlen, "mbstream stopped reading (see below)");
                rc = -1;
                break;
            }
        } else if (now - last_io > RECLONE_IDLE_MS) {
            snprintf(err, errlen, "no data from donor %s for %d s: gave up after %llu bytes",
                     c->donor, RECLONE_IDLE_MS / 1000, (unsigned long long)fr.payload);
            rc = -1;
            break;
        }
        /* Published every second, logged with the first data and every few seconds after. */
        if (fr.payload > 0 && (now - last_pub >= RECLONE_PROGRESS_MS || last_log == 0)) {
            reclone_progress_format(fr.payload, c->estimate, now - t_first, prog, sizeof(prog));
            char t[400];
            snprintf(t, sizeof(t), "copying from %s: %s", c->donor, prog);
            progress(c->R, c->a, c->s, c->d, t);
            last_pub = now;
            if (last_log == 0 || now - last_log >= RECLONE_LOG_MS) {
                log_notice("reclone: %s", t);
                last_log = now;
            }
        }
    }
    close(fd);
    close(in[1]);
    int st = 0;
    waitpid(mb, &st, 0);
    c->bytes = fr.payload;
    c->copy_ms = mono_ms() - t0;
    if (rc == 0 && fr.state != RECLONE_FR_DONE) {
        snprintf(err, errlen, "donor %s's stream %s after %llu bytes", c->donor,
                 fr.state == RECLONE_FR_BAD ? "is malformed" : "ended early",
                 (unsigned long long)fr.payload);
        rc = -1;
    }
    if (rc == 0 && fr.status != 0) {
        snprintf(err, errlen, "mariadb-backup on donor %s failed (%s %u); its log is on %s in "
                 "archive_dir/clone-to-%s.log", c->donor, fr.status > 0xff ? "signal" : "exit",
                 fr.status > 0xff ? fr.status - 0x100 : fr.status, c->donor,
                 c->a->cfg->node_name);
        rc = -1;
    }
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) && (rc == 0 || strstr(err, "mbstream"))) {
        char line[300] = "";
        read_small(mberr, line, sizeof(line));
        line[strcspn(line, "\n")] = 0;
        snprintf(err, errlen, "mbstream failed (%s %d): %s", WIFEXITED(st) ? "exit" : "signal",
                 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), line[0] ? line : "no message");
        rc = -1;
    }
    unlink(mberr);
    return rc;
}

static int wait_mysqld(agent_t *a, bool up, int timeout_ms, db_conn_t **out, char *err,
                       size_t errlen)
{
    int64_t end = mono_ms() + timeout_ms;
    char e[512] = "";
    for (;;) {
        db_conn_t *c = connect_local(a, e, sizeof(e));
        if (c && up) {
            *out = c;
            return 0;
        }
        db_close(c);
        if (!c && !up) return 0;
        if (mono_ms() > end) {
            snprintf(err, errlen, "mysqld %s within %d s after [node] %s%s%s", up ?
                     "did not answer" : "still answers", timeout_ms / 1000,
                     up ? "mysqld_start" : "mysqld_stop", up ? ": " : "", up ? e : "");
            return -1;
        }
        sleep_ms(200);
    }
}

typedef struct repl_state {
    bool io, sql;
    char io_err[300], sql_err[300];
} repl_state_t;

/* Point the new copy at the primary, from the backup's position, and see it replicate. */
static int start_replica(rc_ctx_t *c, db_conn_t *db, const gtid_pos_t *pos, char *err,
                         size_t errlen)
{
    const config_t *cfg = c->a->cfg;
    char g[GTID_POS_STRLEN], sql[GTID_POS_STRLEN + 64];
    gtid_pos_format(pos, g, sizeof(g));
    if (db_exec(db, "SET GLOBAL read_only=ON", err, errlen) != 0) return -1;
    /* Nothing of the donor's replica setup, and a binlog that starts where the copy ends: the
     * first file's GTID list then names the position, should this node serve replicas later. */
    if (db_exec(db, "STOP SLAVE", err, errlen) != 0 ||
        db_exec(db, "RESET SLAVE ALL", err, errlen) != 0 ||
        db_exec(db, "RESET MASTER", err, errlen) != 0)
        return -1;
    snprintf(sql, sizeof(sql), "SET GLOBAL gtid_binlog_state='%s'", g);
    if (db_exec(db, sql, err, errlen) != 0) return -1;
    snprintf(sql, sizeof(sql), "SET GLOBAL gtid_slave_pos='%s'", g);
    if (db_exec(db, sql, err, errlen) != 0) return -1;
    if (db_repoint(db, c->d->host, c->d->port, cfg->repl_user, config_repl_password(cfg), false,
                   replication_heartbeat_ms(cfg->zk_session_timeout_ms), err, errlen) != 0)
        return -1;
    log_notice("reclone: GTID position %s (the backup's); replicating from %s (%s:%d)", g,
               c->d->name, c->d->host, c->d->port);
    int64_t end = mono_ms() + RECLONE_REPLICATE_MS;
    db_probe_t p;
    for (;;) {
        if (db_probe(db, &p, err, errlen) != 0) return -1;
        if (p.io_running && p.sql_running) return 0;
        if (p.last_sql_error[0] || (p.last_io_errno && !p.io_connecting && !p.io_running)) {
            snprintf(err, errlen, "replication from %s does not run: %s", c->d->name,
                     p.last_sql_error[0] ? p.last_sql_error : p.last_io_error);
            return -1;
        }
        if (mono_ms() > end) {
            snprintf(err, errlen, "replication from %s did not start within %d s (IO %s, SQL "
                     "%s)%s%s", c->d->name, RECLONE_REPLICATE_MS / 1000,
                     p.io_running ? "running" : "not running",
                     p.sql_running ? "running" : "not running", p.last_io_error[0] ? ": " : "",
                     p.last_io_error);
            return -1;
        }
        sleep_ms(200);
    }
}

/* After the swap failed: the new copy aside, the old datadir back, mysqld started on it. */
static void roll_back(rc_ctx_t *c, bool had_old)
{
    const config_t *cfg = c->a->cfg;
    char err[512], failed[4300];
    snprintf(failed, sizeof(failed), "%s.failed", c->newdir);
    run_command("mysqld_stop", cfg->mysqld_stop, RECLONE_STOP_MS, c->scratch, err, sizeof(err));
    rm_tree(failed);
    if (rename(cfg->datadir, failed) != 0 && errno != ENOENT)
        log_error("reclone: cannot move the new copy aside to %s: %s", failed, strerror(errno));
    if (had_old && rename(c->olddir, cfg->datadir) != 0) {
        log_error("reclone: cannot put the old datadir %s back: %s", c->olddir, strerror(errno));
        return;
    }
    if (!had_old) return;
    if (run_command("mysqld_start", cfg->mysqld_start, RECLONE_START_MS, c->scratch, err,
                    sizeof(err)) != 0)
        log_error("reclone: mysqld on the old datadir does not start again: %s", err);
    else
        log_notice("reclone: the old datadir is back in place (the new copy is kept in %s)",
                   failed);
}

static int reclone_do(rc_ctx_t *c, db_conn_t *db, const char *from, bool keep_old, char *err,
                      size_t errlen, bool *swapped)
{
    agent_t *a = c->a;
    const config_t *cfg = a->cfg;
    node_state_t *nodes = calloc(RECLONE_MAX_NODES, sizeof(*nodes));
    if (!nodes) abort();
    size_t n = 0;
    bool prim = false;
    char why[400];
    int idx = -1;
    if (read_nodes(a, c->s, nodes, &n, err, errlen) == 0) {
        idx = reclone_pick_donor(nodes, n, cfg->node_name, c->d->name, from, &prim, why,
                                 sizeof(why));
        if (idx < 0) snprintf(err, errlen, "%s", why);
    }
    if (idx < 0) {
        free(nodes);
        return -1;
    }
    snprintf(c->donor, sizeof(c->donor), "%s", nodes[idx].name);
    free(nodes);
    log_notice("reclone: donor %s%s", c->donor,
               prim ? (from && from[0] ? " (the primary, as --from asked)"
                                       : " (the primary: no healthy replica to copy from)")
                    : "");
    (void)db;

    /* Where the copy goes: beside the datadir, so that the swap is two renames. */
    snprintf(c->newdir, sizeof(c->newdir), "%s.reclone", cfg->datadir);
    snprintf(c->scratch, sizeof(c->scratch), "%s/.reclone-%s", cfg->archive_dir, cfg->node_name);
    mkdir(cfg->archive_dir, 0700);
    if (rm_tree(c->newdir) != 0 || mkdir(c->newdir, 0700) != 0) {
        snprintf(err, errlen, "cannot make %s: %s", c->newdir, strerror(errno));
        return -1;
    }
    int port = 0;
    int lfd = listen_on(cfg->node_host, &port, err, errlen);
    if (lfd < 0) return -1;
    random_token(c->token);
    char dir[ZK_PATH_MAX];
    zk_cluster_path(cfg, dir, sizeof(dir), "/clone");
    zk_cluster_path(cfg, c->req_path, sizeof(c->req_path), "/clone/%s", c->donor);
    zk_ensure_path(c->s->zh, cfg, dir);
    json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:I}", "receiver", cfg->node_name, "host",
                          cfg->node_host, "port", port, "token", c->token, "at",
                          (json_int_t)wall_ms());
    char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!txt) abort();
    zoo_delete(c->s->zh, c->req_path, -1); /* a request of ours that failed earlier */
    int zrc = zoo_create(c->s->zh, c->req_path, txt, (int)strlen(txt), zk_acl(cfg),
                         ZOO_EPHEMERAL, NULL, 0);
    free(txt);
    if (zrc != ZOK) {
        snprintf(err, errlen, "cannot ask donor %s (%s): %s", c->donor, c->req_path,
                 zrc == ZNODEEXISTS ? "another node is re-cloned from it" : zerror(zrc));
        close(lfd);
        return -1;
    }
    char t[300];
    snprintf(t, sizeof(t), "waiting for donor %s's agent to stream a backup", c->donor);
    progress(c->R, a, c->s, c->d, t);
    int rc = receive(c, lfd, err, errlen);
    close(lfd);
    zoo_delete(c->s->zh, c->req_path, -1);
    if (rc != 0) return -1;
    reclone_progress_format(c->bytes, 0, c->copy_ms, t, sizeof(t));
    log_notice("reclone: received %s from %s in %lld ms (the donor estimated ~%.1f MiB); "
               "preparing", t, c->donor, (long long)c->copy_ms,
               (double)c->estimate / 1048576.0);
    progress(c->R, a, c->s, c->d, "preparing the copy (mariadb-backup --prepare)");
    char target[4300], out[4300];
    snprintf(target, sizeof(target), "--target-dir=%s", c->newdir);
    snprintf(out, sizeof(out), "%s.prepare.out", c->scratch);
    char *argv[] = {"mariadb-backup", "--prepare", target, NULL};
    rc = repair_run_tool(argv, NULL, out, RECLONE_PREPARE_MS, err, errlen);
    unlink(out);
    if (rc != 0) return -1;
    /* The position the copy ends at. */
    char info[GTID_POS_STRLEN + 600] = "", p1[4300], p2[4300], bfile[512];
    snprintf(p1, sizeof(p1), "%s/mariadb_backup_binlog_info", c->newdir);
    snprintf(p2, sizeof(p2), "%s/xtrabackup_binlog_info", c->newdir); /* 10.11's name */
    if (read_small(p1, info, sizeof(info)) != 0 && read_small(p2, info, sizeof(info)) != 0) {
        snprintf(err, errlen, "the backup has no binlog info (%s): is log_bin on on donor %s?",
                 p2, c->donor);
        return -1;
    }
    uint64_t bpos;
    gtid_pos_t pos;
    if (reclone_binlog_info_parse(info, bfile, sizeof(bfile), &bpos, &pos, err, errlen) != 0)
        return -1;
    if (chown_like(c->newdir, cfg->datadir, err, errlen) != 0) return -1;

    /* The swap: mysqld stopped, the old datadir aside, the copy in its place, mysqld started. */
    progress(c->R, a, c->s, c->d, "stopping mysqld to swap the datadir");
    log_notice("reclone: stopping mysqld ([node] mysqld_stop)");
    if (run_command("mysqld_stop", cfg->mysqld_stop, RECLONE_STOP_MS, c->scratch, err,
                    errlen) != 0)
        return -1;
    db_conn_t *nd = NULL;
    if (wait_mysqld(a, false, RECLONE_STOP_MS, &nd, err, errlen) != 0) return -1;
    struct stat st;
    bool had_old = stat(cfg->datadir, &st) == 0;
    char ts[32];
    time_t now = time(NULL);
    strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", gmtime(&now));
    snprintf(c->olddir, sizeof(c->olddir), "%s.old-%s", cfg->datadir, ts);
    if (had_old && rename(cfg->datadir, c->olddir) != 0) {
        snprintf(err, errlen, "cannot move %s aside: %s", cfg->datadir, strerror(errno));
        run_command("mysqld_start", cfg->mysqld_start, RECLONE_START_MS, c->scratch, why,
                    sizeof(why));
        return -1;
    }
    *swapped = true;
    if (rename(c->newdir, cfg->datadir) != 0) {
        snprintf(err, errlen, "cannot move the copy to %s: %s", cfg->datadir, strerror(errno));
        roll_back(c, had_old);
        return -1;
    }
    if (had_old) log_notice("reclone: old datadir kept in %s until the copy replicates", c->olddir);
    log_notice("reclone: starting mysqld on the copy ([node] mysqld_start)");
    progress(c->R, a, c->s, c->d, "starting mysqld on the copy");
    if (run_command("mysqld_start", cfg->mysqld_start, RECLONE_START_MS, c->scratch, err,
                    errlen) != 0 ||
        wait_mysqld(a, true, RECLONE_START_MS, &nd, err, errlen) != 0 ||
        start_replica(c, nd, &pos, err, errlen) != 0) {
        db_close(nd);
        roll_back(c, had_old);
        return -1;
    }
    db_close(nd);
    if (!had_old) {
        c->olddir[0] = 0; /* there was none (a lost datadir) */
        return 0;
    }
    if (keep_old) {
        log_notice("reclone: the old datadir stays in %s: mysqld was down or the primary out of "
                   "reach, so whether it held transactions nobody has could not be checked "
                   "(remove it once you know)", c->olddir);
    } else if (rm_tree(c->olddir) != 0) {
        log_warn("reclone: cannot remove the old datadir %s: %s", c->olddir, strerror(errno));
    } else {
        log_notice("reclone: old datadir %s removed", c->olddir);
        c->olddir[0] = 0;
    }
    return 0;
}

rejoin_action_t reclone_run(repair_t *R, agent_t *a, zsess_t *s, db_conn_t *db,
                            const primary_rec_t *d, const char *from, bool keep_old,
                            bool requested, int64_t t0)
{
    rc_ctx_t *c = calloc(1, sizeof(*c));
    if (!c) abort();
    *c = (rc_ctx_t){.R = R, .a = a, .s = s, .d = d};
    char err[1024] = "";
    bool swapped = false;
    log_notice("reclone: replacing this node's datadir %s with a fresh copy, then replicating "
               "from %s%s%s", a->cfg->datadir, d->name, R->archive[0] ? "; errant transactions "
               "archived in " : "", R->archive);
    int rc = reclone_do(c, db, from, keep_old, err, sizeof(err), &swapped);
    int64_t took = mono_ms() - t0;
    R->republish = true;
    rejoin_action_t act = REJOIN_KEEP_DIVERGED;
    if (rc != 0) {
        R->failed = true;
        char msg[1400];
        snprintf(msg, sizeof(msg), "reclone failed: %s; %s", err,
                 swapped ? "the old datadir is back, mysqld read-only"
                         : "nothing was changed, mysqld read-only");
        log_error("%s", msg);
        rm_tree(c->newdir);
        repair_say(R, a, s, REPAIR_STATE_FAILED, msg, d, requested, took);
        snprintf(R->said, sizeof(R->said), "%s", msg);
    } else {
        char msg[1400];
        snprintf(msg, sizeof(msg), "re-cloned from %s in %lld ms (%.1f MiB copied in %lld ms); "
                 "replicating from %s%s%s%s%s", c->donor, (long long)took,
                 (double)c->bytes / 1048576.0, (long long)c->copy_ms, d->name,
                 R->archive[0] ? "; errant transactions archived in " : "", R->archive,
                 c->olddir[0] ? "; old datadir kept in " : "", c->olddir);
        log_notice("reclone: done: %s", msg);
        repair_say(R, a, s, REPAIR_STATE_REJOINED, msg, d, requested, took);
        if (R->diverged) {
            R->noted_count = (uint64_t)-1;
            repair_note_history(a, s, R, "recloned", took);
        }
        R->noted_count = (uint64_t)-1;
        R->diverged = false;
        R->failed = false;
        R->scanned = false;
        R->archive_current = false;
        R->refusal[0] = 0;
        R->said[0] = 0;
    }
    free(c);
    return act;
}
