/* zkutil.c -- ZooKeeper paths, ACLs and blocking helpers shared by failoverd and failoverctl.
 * Only synchronous API calls here; the agent runs them on worker threads, never on its loop. */
#include "zkutil.h"

#include "clockutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int zk_cluster_path(const config_t *cfg, char *buf, size_t len, const char *fmt, ...)
{
    int n = snprintf(buf, len, "%s/%s", cfg->zk_root, cfg->cluster_name);
    if (n < 0 || (size_t)n >= len) return -1;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    return (m < 0 || (size_t)(n + m) >= len) ? -1 : 0;
}

struct ACL_vector *zk_acl(const config_t *cfg)
{
    return (cfg->zk_auth_file && cfg->zk_auth_file[0]) ? &ZOO_CREATOR_ALL_ACL
                                                        : &ZOO_OPEN_ACL_UNSAFE;
}

/* zk_root and the znodes above it are shared by every cluster under that root, which may
 * authenticate as other identities: all rights for ours (the "auth" scheme names the identity
 * the session added), and for anyone the right to list and to create a cluster of its own. No
 * one else may delete or change them, nor touch anything below its cluster's znode. */
static struct ACL shared_acl_entries[] = {
    {0, {(char *)"auth", (char *)""}},
    {0, {(char *)"world", (char *)"anyone"}},
};
static struct ACL_vector shared_acl = {2, shared_acl_entries};
static pthread_once_t shared_acl_once = PTHREAD_ONCE_INIT;

static void shared_acl_init(void)
{
    /* The client library's ZOO_PERM_* are extern constants, not constant expressions. */
    shared_acl_entries[0].perms = ZOO_PERM_ALL;
    shared_acl_entries[1].perms = ZOO_PERM_READ | ZOO_PERM_CREATE;
}

static struct ACL_vector *acl_for(const config_t *cfg, const char *path)
{
    if (zk_acl(cfg) == &ZOO_OPEN_ACL_UNSAFE) return &ZOO_OPEN_ACL_UNSAFE;
    if (strlen(path) > strlen(cfg->zk_root)) return zk_acl(cfg);
    pthread_once(&shared_acl_once, shared_acl_init);
    return &shared_acl;
}

int zk_add_auth(zhandle_t *zh, const config_t *cfg, char *err, size_t errlen)
{
    const char *ident = config_zk_auth(cfg); /* "user:password", read and checked by config.c */
    if (!ident || !ident[0]) return 0;
    int rc = zoo_add_auth(zh, "digest", ident, (int)strlen(ident), NULL, NULL);
    if (rc != ZOK) {
        snprintf(err, errlen, "zoo_add_auth: %s", zerror(rc));
        return -1;
    }
    return 0;
}

int zk_ensure_path(zhandle_t *zh, const config_t *cfg, const char *path)
{
    char buf[ZK_PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char saved = *p;
            *p = 0;
            int rc = zoo_create(zh, buf, NULL, -1, acl_for(cfg, buf), 0, NULL, 0);
            if (rc != ZOK && rc != ZNODEEXISTS) return rc;
            *p = saved;
            if (saved == 0) break;
        }
    }
    return ZOK;
}

int zk_get_alloc(zhandle_t *zh, const char *path, bool watch, char **out, int *outlen,
                 struct Stat *stat)
{
    struct Stat st;
    int cap = 4096;
    for (;;) {
        char *buf = malloc((size_t)cap + 1);
        if (!buf) abort();
        int len = cap;
        int rc = zoo_get(zh, path, watch ? 1 : 0, buf, &len, &st);
        if (rc != ZOK) {
            free(buf);
            return rc;
        }
        if (st.dataLength > cap && cap < ZK_DATA_MAX) {
            /* Grew since we sized the buffer: read again with room for all of it. */
            free(buf);
            cap = st.dataLength > ZK_DATA_MAX ? ZK_DATA_MAX : st.dataLength;
            continue;
        }
        if (len < 0) len = 0;
        buf[len] = 0;
        *out = buf;
        if (outlen) *outlen = len;
        if (stat) *stat = st;
        return ZOK;
    }
}

typedef struct connect_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int state;
} connect_wait_t;

static void connect_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    (void)path;
    connect_wait_t *w = ctx;
    if (type != ZOO_SESSION_EVENT) return;
    pthread_mutex_lock(&w->mu);
    w->state = state;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void zk_tune_handle(zhandle_t *zh)
{
    if (zh) zoo_set_servers_resolution_delay(zh, ZK_RESOLVE_DELAY_MS);
}

zhandle_t *zk_connect_wait(const config_t *cfg, int timeout_ms, char *err, size_t errlen)
{
    /* Leaked on purpose: the client may call the watcher until zookeeper_close, which the caller
     * does later; one small struct per process. */
    connect_wait_t *w = calloc(1, sizeof(*w));
    if (!w) abort();
    pthread_mutex_init(&w->mu, NULL);
    cond_init_monotonic(&w->cv);
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *zh = zookeeper_init(cfg->zk_hosts, connect_watcher, cfg->zk_session_timeout_ms,
                                   NULL, w, 0);
    if (!zh) {
        snprintf(err, errlen, "zookeeper_init(%s): %s", cfg->zk_hosts, strerror(errno));
        return NULL;
    }
    zk_tune_handle(zh);
    struct timespec deadline = cond_deadline(timeout_ms);
    pthread_mutex_lock(&w->mu);
    while (w->state != ZOO_CONNECTED_STATE && w->state != ZOO_EXPIRED_SESSION_STATE &&
           w->state != ZOO_AUTH_FAILED_STATE) {
        if (pthread_cond_timedwait(&w->cv, &w->mu, &deadline) != 0) break;
    }
    int st = w->state;
    pthread_mutex_unlock(&w->mu);
    if (st != ZOO_CONNECTED_STATE) {
        snprintf(err, errlen, "cannot reach ZooKeeper at %s within %d ms", cfg->zk_hosts,
                 timeout_ms);
        zookeeper_close(zh);
        return NULL;
    }
    if (zk_add_auth(zh, cfg, err, errlen) != 0) {
        zookeeper_close(zh);
        return NULL;
    }
    return zh;
}

long zk_seq_of(const char *child)
{
    size_t l = strlen(child);
    if (l < 10) return -1;
    const char *s = child + l - 10;
    long v = 0;
    for (int i = 0; i < 10; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The waiter and the ZooKeeper thread share this; whoever finishes last frees it. */
typedef struct sync_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done, abandoned;
    int rc;
} sync_wait_t;

static void on_sync(int rc, const char *value, const void *data)
{
    (void)value;
    sync_wait_t *w = (sync_wait_t *)data;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    w->rc = rc;
    bool free_it = w->abandoned;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (free_it) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
    }
}

int zk_clock_ms(zhandle_t *zh, const config_t *cfg, int64_t *now_ms)
{
    char path[ZK_PATH_MAX];
    if (zk_cluster_path(cfg, path, sizeof(path), "/clock") != 0) return ZBADARGUMENTS;
    struct Stat st;
    int rc = zoo_set2(zh, path, "", 0, -1, &st);
    if (rc == ZNONODE) {
        rc = zoo_create2(zh, path, "", 0, zk_acl(cfg), 0, NULL, 0, &st);
        if (rc == ZNODEEXISTS) rc = zoo_set2(zh, path, "", 0, -1, &st);
    }
    if (rc == ZOK) *now_ms = st.mtime;
    return rc;
}

int zk_sync_wait(zhandle_t *zh, const char *path, int timeout_ms)
{
    sync_wait_t *w = calloc(1, sizeof(*w));
    if (!w) abort();
    pthread_mutex_init(&w->mu, NULL);
    cond_init_monotonic(&w->cv);
    int rc = zoo_async(zh, path, on_sync, w);
    if (rc != ZOK) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return rc;
    }
    struct timespec ts = cond_deadline(timeout_ms);
    pthread_mutex_lock(&w->mu);
    while (!w->done)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0) break;
    bool done = w->done;
    rc = done ? w->rc : ZOPERATIONTIMEOUT;
    if (!done) w->abandoned = true; /* the completion frees it when it comes */
    pthread_mutex_unlock(&w->mu);
    if (done) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
    }
    return rc;
}

/* ---- ACLs of a cluster made before zk_auth_file was set --------------------------------- */

/* Anyone may change it: the world:anyone entry a znode gets when no identity was set. */
static bool acl_is_open(const struct ACL_vector *acl)
{
    for (int i = 0; i < acl->count; i++) {
        const struct ACL *e = &acl->data[i];
        if (e->id.scheme && strcmp(e->id.scheme, "world") == 0 && (e->perms & ~ZOO_PERM_READ))
            return true;
    }
    return false;
}

static void audit_note(char *first, const char *path, int *count)
{
    if ((*count)++ == 0) snprintf(first, ZK_PATH_MAX, "%s", path);
}

static void audit_one(zhandle_t *zh, const config_t *cfg, const char *path, int level,
                      const zk_acl_walk_t *w, zk_acl_audit_t *out)
{
    struct ACL_vector acl = {0, NULL};
    struct Stat st;
    const char *state = "ok";
    int rc = zoo_get_acl(zh, path, &acl, &st);
    if (rc == ZNONODE) return; /* gone while we walked: an ephemeral, a deleted record */
    out->checked++;
    if (rc == ZNOAUTH) {
        state = "not authorized (another identity's)";
        audit_note(out->first_refused, path, &out->refused);
    } else if (rc != ZOK) {
        if (out->rc == ZOK) out->rc = rc;
        state = zerror(rc);
    } else if (acl_is_open(&acl)) {
        state = "open";
        audit_note(out->first_open, path, &out->open);
        /* A fix that fails leaves the znode counted open (the caller reports it); only the
         * walk's own reads decide out->rc. */
        int src = w->fix ? zoo_set_acl(zh, path, st.aversion, zk_acl(cfg)) : ZOK;
        if (w->fix && src == ZOK) {
            out->fixed++;
            state = "open: fixed";
        } else if (src != ZOK) {
            state = src == ZBADVERSION ? "open: changed meanwhile, run again" : zerror(src);
        }
    }
    deallocate_ACL_vector(&acl);
    if (w->visit) w->visit(path, state, w->arg);
    if (rc != ZOK || (w->depth > 0 && level >= w->depth) || st.numChildren == 0) return;
    struct String_vector kids = {0, NULL};
    rc = zoo_get_children(zh, path, 0, &kids);
    if (rc != ZOK) {
        if (rc != ZNONODE && out->rc == ZOK) out->rc = rc;
        return;
    }
    for (int i = 0; i < kids.count; i++) {
        char child[ZK_PATH_MAX];
        int n = snprintf(child, sizeof(child), "%s/%s", path, kids.data[i]);
        if (n > 0 && (size_t)n < sizeof(child)) audit_one(zh, cfg, child, level + 1, w, out);
    }
    deallocate_String_vector(&kids);
}

int zk_acl_audit(zhandle_t *zh, const config_t *cfg, const zk_acl_walk_t *w, zk_acl_audit_t *out)
{
    char path[ZK_PATH_MAX];
    memset(out, 0, sizeof(*out));
    if (zk_cluster_path(cfg, path, sizeof(path), "%s", "") != 0) return ZBADARGUMENTS;
    audit_one(zh, cfg, path, 1, w, out);
    return out->rc;
}

bool zk_acl_advice(zhandle_t *zh, const config_t *cfg, char *msg, size_t len)
{
    zk_acl_walk_t w = {.depth = 2};
    zk_acl_audit_t a;
    zk_acl_audit(zh, cfg, &w, &a);
    bool have_id = config_zk_auth(cfg) != NULL;
    if (have_id && a.open > 0) {
        snprintf(msg, len, "%d znode%s of this cluster (%s%s) %s no ACL, from before zk_auth_file "
                 "was set: anyone who can reach ZooKeeper can change them; once every agent and "
                 "failoverctl has zk_auth_file, run: failoverctl -c CONFIG acl --fix",
                 a.open, a.open == 1 ? "" : "s", a.first_open, a.open == 1 ? "" : ", ...",
                 a.open == 1 ? "has" : "have");
        return true;
    }
    if (a.refused > 0) {
        snprintf(msg, len, "%s is not readable with %s: its ACL names %s; set [cluster] "
                 "zk_auth_file to the file the other agents use", a.first_refused,
                 have_id ? "this zk_auth_file's identity" : "no identity (zk_auth_file unset)",
                 have_id ? "another identity" : "an identity");
        return true;
    }
    return false;
}
