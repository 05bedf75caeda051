/* common.c -- what every failoverctl command shares: one-line failures, the ZooKeeper session,
 * a snapshot of the cluster, guarded writes of /control, history records and formatting. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clockutil.h"
#include "ctl.h"
#include "exitcodes.h"
#include "gtid.h"
#include "zkutil.h"

int ctl_fail(const ctl_t *c, int code, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "failoverctl%s%s: ", c && c->cmd ? " " : "", c && c->cmd ? c->cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

void ctl_quiet_zk(void)
{
    /* The client library logs every failed connection attempt on stderr, ten times a second;
     * failoverctl reports a failure in one line of its own instead. */
    static FILE *devnull;
    if (!devnull) devnull = fopen("/dev/null", "w");
    if (devnull) zoo_set_log_stream(devnull);
}

int ctl_connect(ctl_t *c)
{
    char err[512], path[ZK_PATH_MAX];
    const config_t *cfg = c->cfg;
    ctl_quiet_zk();
    c->zh = zk_connect_wait(cfg, cfg->zk_session_timeout_ms, err, sizeof(err));
    if (!c->zh)
        return ctl_fail(c, EXIT_ZK, "%s; check zk_hosts and that ZooKeeper runs there", err);
    zk_cluster_path(cfg, path, sizeof(path), "%s", "");
    struct Stat st;
    int rc = zoo_exists(c->zh, path, 0, &st);
    if (rc == ZOK) {
        /* exists needs no right: a read tells a digest ACL (zk_auth_file) we lack at once. */
        char b[1];
        int bl = sizeof(b);
        rc = zoo_get(c->zh, path, 0, b, &bl, NULL);
        if (rc != ZNOAUTH) return EXIT_OK;
        return ctl_fail(c, EXIT_ZK, "ZooKeeper refuses to let %s read %s (a digest ACL); give "
                        "-c FILE whose [cluster] zk_auth_file is the agents' auth file",
                        config_zk_auth(cfg) ? "this zk_auth_file's identity"
                                            : "a client without zk_auth_file", path);
    }
    if (rc != ZNONODE)
        return ctl_fail(c, EXIT_ZK, "cannot read %s on ZooKeeper %s: %s", path, cfg->zk_hosts,
                        zerror(rc));
    /* Name the clusters that do exist: a typo is the likely cause. */
    char known[512] = "";
    struct String_vector kids = {0, NULL};
    if (zoo_get_children(c->zh, cfg->zk_root, 0, &kids) == ZOK) {
        size_t pos = 0;
        for (int i = 0; i < kids.count && pos < sizeof(known) - 1; i++) {
            int w = snprintf(known + pos, sizeof(known) - pos, "%s%s", i ? ", " : "", kids.data[i]);
            if (w < 0) break;
            pos += (size_t)w;
        }
        deallocate_String_vector(&kids);
    }
    return ctl_fail(c, EXIT_NOT_FOUND,
                    "cluster \"%s\" not found: no %s on ZooKeeper %s (clusters there: %s); check "
                    "[cluster] name and zk_root, or start the agents first",
                    cfg->cluster_name, path, cfg->zk_hosts, known[0] ? known : "none");
}

void ctl_disconnect(ctl_t *c)
{
    if (c->zh) zookeeper_close(c->zh);
    c->zh = NULL;
}

cluster_view_t *ctl_view_alloc(void)
{
    cluster_view_t *v = malloc(sizeof(*v));
    if (!v) abort();
    memset(v, 0, sizeof(*v));
    return v;
}

int ctl_read_view(zhandle_t *zh, const config_t *cfg, cluster_view_t *v, char *err, size_t errlen)
{
    return ctl_read_view_watch(zh, cfg, v, false, err, errlen);
}

int ctl_read_view_watch(zhandle_t *zh, const config_t *cfg, cluster_view_t *v, bool watch,
                        char *err, size_t errlen)
{
    char path[ZK_PATH_MAX], perr[256];
    char *buf;
    int len, rc;
    memset(v, 0, sizeof(*v));

    struct Stat st;
    zk_cluster_path(cfg, path, sizeof(path), "/primary");
    rc = zk_get_alloc(zh, path, watch, &buf, &len, &st);
    if (rc == ZOK) {
        v->primary_mtime = st.mtime;
        if (primary_rec_from_json(&v->primary, buf, (size_t)len, perr, sizeof(perr)) == 0)
            v->have_primary = true;
        else
            snprintf(v->bad[v->nbad++], sizeof(v->bad[0]), "/primary: %s", perr);
        free(buf);
    } else if (rc != ZNONODE) {
        snprintf(err, errlen, "cannot read %s: %s", path, zerror(rc));
        return EXIT_ZK;
    }
    zk_cluster_path(cfg, path, sizeof(path), "/control");
    rc = zk_get_alloc(zh, path, watch, &buf, &len, &st);
    if (rc == ZNONODE && watch) zoo_exists(zh, path, 1, NULL);
    if (rc == ZOK) {
        v->have_control = true;
        v->control_mtime = st.mtime;
        if (control_rec_from_json(&v->control, buf, (size_t)len, perr, sizeof(perr)) != 0) {
            snprintf(v->bad[v->nbad++], sizeof(v->bad[0]),
                     "/control: %s (the coordinator treats the cluster as paused)", perr);
            memset(&v->control, 0, sizeof(v->control));
            v->control.paused = true;
        }
        free(buf);
    } else if (rc != ZNONODE) {
        snprintf(err, errlen, "cannot read %s: %s", path, zerror(rc));
        return EXIT_ZK;
    }

    struct String_vector kids = {0, NULL};
    zk_cluster_path(cfg, path, sizeof(path), "/election");
    if (zoo_get_children(zh, path, 0, &kids) == ZOK) {
        long best = -1;
        for (int i = 0; i < kids.count; i++) {
            long seq = zk_seq_of(kids.data[i]);
            if (seq < 0 || (best >= 0 && seq >= best)) continue;
            char p[ZK_PATH_MAX];
            snprintf(p, sizeof(p), "%s/%s", path, kids.data[i]);
            if (zk_get_alloc(zh, p, false, &buf, &len, NULL) == ZOK) {
                if (name_is_valid(buf)) {
                    best = seq;
                    snprintf(v->coordinator, sizeof(v->coordinator), "%s", buf);
                }
                free(buf);
            }
        }
        deallocate_String_vector(&kids);
    }

    zk_cluster_path(cfg, path, sizeof(path), "/nodes");
    rc = zoo_get_children(zh, path, watch ? 1 : 0, &kids);
    if (rc == ZNONODE) return EXIT_OK;
    if (rc != ZOK) {
        snprintf(err, errlen, "cannot list %s: %s", path, zerror(rc));
        return EXIT_ZK;
    }
    for (int i = 0; i < kids.count && v->n < CTL_MAX_NODES; i++) {
        char p[ZK_PATH_MAX];
        node_state_t ns;
        snprintf(p, sizeof(p), "%s/%s", path, kids.data[i]);
        int grc = zk_get_alloc(zh, p, watch, &buf, &len, &st);
        if (grc != ZNONODE && v->nlisted < CTL_MAX_NODES)
            snprintf(v->listed[v->nlisted++], sizeof(v->listed[0]), "%s", kids.data[i]);
        if (grc != ZOK) continue;
        if (node_state_from_json(&ns, buf, (size_t)len, perr, sizeof(perr)) != 0) {
            if (v->nbad < CTL_MAX_NODES)
                snprintf(v->bad[v->nbad++], sizeof(v->bad[0]), "nodes/%.64s: %s", kids.data[i],
                         perr);
        } else if (strcmp(ns.name, kids.data[i]) != 0) {
            /* The coordinator ignores such a registration; so do we. */
            if (v->nbad < CTL_MAX_NODES)
                snprintf(v->bad[v->nbad++], sizeof(v->bad[0]), "nodes/%.64s: names itself \"%s\"",
                         kids.data[i], ns.name);
        } else {
            /* Insert in name order, keeping each node's mtime beside it. */
            size_t at = v->n;
            while (at > 0 && strcmp(v->nodes[at - 1].name, ns.name) > 0) {
                v->nodes[at] = v->nodes[at - 1];
                v->node_mtime[at] = v->node_mtime[at - 1];
                at--;
            }
            v->nodes[at] = ns;
            v->node_mtime[at] = st.mtime;
            v->n++;
        }
        free(buf);
    }
    deallocate_String_vector(&kids);
    for (size_t i = 0; i < v->n; i++) { /* unreadable or malformed: shown as none */
        int ver;
        if (repair_rec_load(zh, cfg, v->nodes[i].name, &v->repair[i], &ver, perr, sizeof(perr)))
            memset(&v->repair[i], 0, sizeof(v->repair[i]));
    }
    return EXIT_OK;
}

const node_state_t *ctl_view_node(const cluster_view_t *v, const char *name)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->nodes[i].name, name) == 0) return &v->nodes[i];
    return NULL;
}

bool ctl_view_listed(const cluster_view_t *v, const char *name)
{
    for (size_t i = 0; i < v->nlisted; i++)
        if (strcmp(v->listed[i], name) == 0) return true;
    return false;
}

const node_state_t *ctl_view_node_at(const cluster_view_t *v, const char *host, int port)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->nodes[i].port == port && strcmp(v->nodes[i].host, host) == 0) return &v->nodes[i];
    return NULL;
}

void ctl_view_names(const cluster_view_t *v, char *buf, size_t len)
{
    size_t pos = 0;
    buf[0] = 0;
    for (size_t i = 0; i < v->n && pos < len - 1; i++) {
        int w = snprintf(buf + pos, len - pos, "%s%s", i ? ", " : "", v->nodes[i].name);
        if (w < 0) break;
        pos += (size_t)w;
    }
    if (v->n == 0) snprintf(buf, len, "none registered");
}

int ctl_control_update(ctl_t *c, ctl_control_edit_fn edit, void *arg, int64_t *mtime)
{
    char path[ZK_PATH_MAX], perr[256];
    zk_cluster_path(c->cfg, path, sizeof(path), "/control");
    for (int attempt = 0; attempt < 10; attempt++) {
        control_rec_t rec;
        memset(&rec, 0, sizeof(rec));
        char *buf = NULL;
        int len = 0, version = -1;
        struct Stat st;
        bool malformed = false;
        int rc = zk_get_alloc(c->zh, path, false, &buf, &len, &st);
        if (rc == ZOK) {
            version = st.version;
            if (control_rec_from_json(&rec, buf, (size_t)len, perr, sizeof(perr)) != 0) {
                malformed = true;
                memset(&rec, 0, sizeof(rec));
            }
            free(buf);
        } else if (rc != ZNONODE) {
            return ctl_fail(c, EXIT_ZK, "cannot read %s: %s", path, zerror(rc));
        }
        int e = edit(c, &rec, malformed, arg);
        if (e != EXIT_OK) return e;
        char *json = control_rec_to_json(&rec);
        if (!json) abort();
        struct Stat ws;
        memset(&ws, 0, sizeof(ws));
        if (version < 0)
            rc = zoo_create2(c->zh, path, json, (int)strlen(json), zk_acl(c->cfg), 0, NULL, 0, &ws);
        else
            rc = zoo_set2(c->zh, path, json, (int)strlen(json), version, &ws);
        free(json);
        if (rc == ZOK) {
            if (mtime) *mtime = ws.mtime;
            return EXIT_OK;
        }
        if (rc != ZBADVERSION && rc != ZNODEEXISTS)
            return ctl_fail(c, EXIT_ZK, "cannot write %s: %s%s", path, zerror(rc),
                            rc == ZNOAUTH ? " (check [cluster] zk_auth_file)" : "");
        /* Someone (the coordinator, another failoverctl) wrote in between: look again. */
    }
    return ctl_fail(c, EXIT_ZK, "%s keeps changing under us; try again", path);
}

/* ---- history ------------------------------------------------------------------------------ */

static int cmp_seq_desc(const void *x, const void *y)
{
    long a = ((const ctl_hist_t *)x)->seq, b = ((const ctl_hist_t *)y)->seq;
    return a < b ? 1 : a > b ? -1 : 0;
}

long ctl_hist_last_seq(zhandle_t *zh, const config_t *cfg)
{
    char path[ZK_PATH_MAX];
    struct String_vector kids = {0, NULL};
    zk_cluster_path(cfg, path, sizeof(path), "/history");
    if (zoo_get_children(zh, path, 0, &kids) != ZOK) return -1;
    long best = -1;
    for (int i = 0; i < kids.count; i++) {
        long s = zk_seq_of(kids.data[i]);
        if (s > best) best = s;
    }
    deallocate_String_vector(&kids);
    return best;
}

long ctl_hist_load(zhandle_t *zh, const config_t *cfg, long after_seq, size_t max, bool watch,
                   ctl_hist_t **out, size_t *total, char *err, size_t errlen)
{
    char dir[ZK_PATH_MAX];
    struct String_vector kids = {0, NULL};
    *out = NULL;
    if (total) *total = 0;
    zk_cluster_path(cfg, dir, sizeof(dir), "/history");
    int rc = zoo_get_children(zh, dir, watch ? 1 : 0, &kids);
    if (rc == ZNONODE) return 0;
    if (rc != ZOK) {
        snprintf(err, errlen, "cannot list %s: %s", dir, zerror(rc));
        return -1;
    }
    ctl_hist_t *h = calloc((size_t)kids.count + 1, sizeof(*h));
    if (!h) abort();
    size_t n = 0;
    for (int i = 0; i < kids.count; i++) {
        long s = zk_seq_of(kids.data[i]);
        if (s < 0 || s <= after_seq) continue;
        h[n].seq = s;
        snprintf(h[n].id, sizeof(h[n].id), "%.31s", kids.data[i]);
        n++;
    }
    deallocate_String_vector(&kids);
    if (total) *total = n;
    qsort(h, n, sizeof(*h), cmp_seq_desc);
    if (max && n > max) n = max;
    for (size_t i = 0; i < n; i++) {
        char p[ZK_PATH_MAX];
        int len = 0;
        snprintf(p, sizeof(p), "%s/%s", dir, h[i].id);
        rc = zk_get_alloc(zh, p, false, &h[i].json, &len, NULL);
        if (rc != ZOK) {
            snprintf(h[i].error, sizeof(h[i].error), "cannot read: %s", zerror(rc));
            continue;
        }
        json_error_t je;
        json_t *o = json_loadb(h[i].json, (size_t)len, JSON_REJECT_DUPLICATES, &je);
        if (!o || !json_is_object(o)) {
            snprintf(h[i].error, sizeof(h[i].error), "not a JSON object: %s",
                     o ? "wrong type" : je.text);
            json_decref(o);
            continue;
        }
        h[i].obj = o;
    }
    *out = h;
    return (long)n;
}

void ctl_hist_free(ctl_hist_t *h, long n)
{
    if (!h) return;
    for (long i = 0; i < n; i++) {
        free(h[i].json);
        json_decref(h[i].obj);
    }
    free(h);
}

/* ---- formatting --------------------------------------------------------------------------- */

void ctl_fmt_ms(int64_t ms, char *buf, size_t len)
{
    if (ms < 0) ms = 0;
    if (ms < 1000)
        snprintf(buf, len, "%lld ms", (long long)ms);
    else if (ms < 60000)
        snprintf(buf, len, "%.2f s", (double)ms / 1000.0);
    else if (ms < 3600000)
        snprintf(buf, len, "%lld min %lld s", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
    else
        snprintf(buf, len, "%lld h %lld min", (long long)(ms / 3600000),
                 (long long)(ms / 60000 % 60));
}

void ctl_fmt_time(int64_t wall, char *buf, size_t len)
{
    if (wall <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    time_t t = (time_t)(wall / 1000);
    struct tm tm;
    char s[32];
    localtime_r(&t, &tm);
    strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03d", s, (int)(wall % 1000));
}

db_target_t ctl_target(const config_t *cfg, const char *host, int port, const char *socket)
{
    db_target_t t = {.host = host, .port = port, .socket = socket, .user = cfg->mysql_user,
                     .password = config_mysql_password(cfg),
                     .connect_timeout_ms = cfg->connect_timeout_ms,
                     .read_timeout_ms = cfg->read_timeout_ms, .cfg = cfg};
    return t;
}
