/* status.c -- failoverctl status: one snapshot of the cluster from ZooKeeper, as an aligned table
 * for people (redrawn in place with --watch) or as stable JSON (failoverctl(8)) for scripts. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clockutil.h"
#include "ctl.h"
#include "exitcodes.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static bool is_desired(const cluster_view_t *v, const node_state_t *n)
{
    return v->have_primary && strcmp(v->primary.name, n->name) == 0;
}

static const char *node_state_word(const cluster_view_t *v, const node_state_t *n)
{
    if (!n->healthy) return "down";
    if (n->diverged) return "diverged";
    if (is_desired(v, n)) {
        if (v->primary.fencing && !n->read_only) return "fencing";
        return n->read_only ? "fenced" : "writable";
    }
    if (n->role == ROLE_REPLICA) {
        if (n->io_running && n->source_silent) return "silent";
        if (n->io_running && n->sql_running) return "streaming";
        return n->error[0] ? "broken" : "stopped";
    }
    return n->read_only ? "read-only" : "WRITABLE!";
}

/* The digest the others are held to: the coordinator's (it is the one that acts), else the one
 * most nodes publish. NULL when no node publishes one. */
static const node_state_t *digest_reference(const cluster_view_t *v)
{
    const node_state_t *ref = v->coordinator[0] ? ctl_view_node(v, v->coordinator) : NULL;
    if (ref && ref->config_digest[0]) return ref;
    size_t best = 0;
    ref = NULL;
    for (size_t i = 0; i < v->n; i++) {
        size_t same = 0;
        for (size_t j = 0; j < v->n; j++)
            same += v->nodes[i].config_digest[0] &&
                    strcmp(v->nodes[i].config_digest, v->nodes[j].config_digest) == 0;
        if (same > best) {
            best = same;
            ref = &v->nodes[i];
        }
    }
    return ref;
}

/* One problem per node whose keys that must match on every node (failoverd.conf(5)) differ from
 * the reference's: the coordinator starts no move until they match. Agents of another version
 * may digest other keys and are not compared (neither does the coordinator). */
static size_t config_problems(const cluster_view_t *v, char (*out)[400], size_t max)
{
    const node_state_t *ref = digest_reference(v);
    size_t k = 0;
    for (size_t i = 0; ref && i < v->n && k < max; i++) {
        const node_state_t *n = &v->nodes[i];
        if (!n->config_digest[0] || strcmp(n->agent_version, ref->agent_version) != 0 ||
            strcmp(n->config_digest, ref->config_digest) == 0)
            continue;
        snprintf(out[k++], sizeof(out[0]), "config mismatch: %s's keys that must match on every "
                 "node differ from %s's%s (config_digest %s, %s): no failover or switchover "
                 "until they match", n->name, ref->name,
                 strcmp(ref->name, v->coordinator) == 0 ? " (the coordinator)" : "",
                 n->config_digest, ref->config_digest);
    }
    return k;
}

static json_t *request_json(const cluster_view_t *v)
{
    const control_rec_t *c = &v->control;
    if (!c->request[0]) return json_null();
    return json_pack("{s:s, s:s, s:b, s:i, s:I}", "type", c->request, "to",
                     c->request_to[0] ? c->request_to : "*", "force", c->request_force,
                     "timeout_s", c->request_timeout_s, "at", (json_int_t)c->request_at_ms);
}

static json_t *view_json(const config_t *cfg, const cluster_view_t *v)
{
    json_t *nodes = json_array();
    for (size_t i = 0; i < v->n; i++) {
        const node_state_t *n = &v->nodes[i];
        char src[HOST_MAX_LEN + 16];
        snprintf(src, sizeof(src), "%s:%d", n->source_host, n->source_port);
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:i, s:b, s:b, s:s, s:s, s:o, s:o, s:s, s:s, s:b, s:b, s:I, s:I}",
            "name", n->name, "role", role_name(n->role), "host", n->host, "port", n->port,
            "healthy", n->healthy, "read_only", n->read_only, "gtid_received", n->gtid_received,
            "gtid_applied", n->gtid_applied, "lag_s", n->lag_s < 0 ? json_null() : json_real(n->lag_s),
            "source", n->source_host[0] ? json_string(src) : json_null(), "state",
            node_state_word(v, n), "promotion", promotion_name(n->promotion), "fenced", n->fenced,
            "diverged", n->diverged, "epoch", (json_int_t)n->epoch, "updated_at",
            (json_int_t)n->updated_ms);
        json_object_set_new(o, "replicas_connected", json_integer(n->replicas_connected));
        json_object_set_new(o, "fence_ack", json_boolean(n->fence_ack));
        json_object_set_new(o, "gtid_binlog", json_string(n->gtid_binlog));
        json_object_set_new(o, "io_running", json_boolean(n->io_running));
        json_object_set_new(o, "sql_running", json_boolean(n->sql_running));
        json_object_set_new(o, "source_silent", json_boolean(n->source_silent));
        json_object_set_new(o, "server_id", json_integer(n->server_id));
        json_object_set_new(o, "version", json_string(n->version));
        json_object_set_new(o, "agent_version", json_string(n->agent_version));
        json_object_set_new(o, "config_digest",
                            n->config_digest[0] ? json_string(n->config_digest) : json_null());
        json_object_set_new(o, "error", n->error[0] ? json_string(n->error) : json_null());
        json_object_set_new(o, "coordinator", json_boolean(strcmp(n->name, v->coordinator) == 0));
        json_array_append_new(nodes, o);
    }
    json_t *bad = json_array();
    for (size_t i = 0; i < v->nbad; i++) json_array_append_new(bad, json_string(v->bad[i]));
    char cfgbad[CTL_MAX_NODES][400];
    size_t ncfg = config_problems(v, cfgbad, CTL_MAX_NODES);
    for (size_t i = 0; i < ncfg; i++) json_array_append_new(bad, json_string(cfgbad[i]));
    json_t *o = json_pack("{s:s, s:o, s:I, s:o, s:b, s:o, s:o}", "cluster", cfg->cluster_name,
                          "primary", v->have_primary ? json_string(v->primary.name) : json_null(),
                          "epoch", (json_int_t)(v->have_primary ? v->primary.epoch : 0),
                          "coordinator",
                          v->coordinator[0] ? json_string(v->coordinator) : json_null(), "paused",
                          v->control.paused, "nodes", nodes, "problems", bad);
    json_object_set_new(o, "fencing", json_boolean(v->have_primary && v->primary.fencing));
    json_object_set_new(o, "request", request_json(v));
    json_object_set_new(o, "primary_since",
                        v->have_primary ? json_integer(v->primary.since_ms) : json_null());
    json_object_set_new(o, "primary_reason",
                        v->have_primary ? json_string(v->primary.reason) : json_null());
    json_object_set_new(o, "last_failover_at",
                        v->control.last_failover_ms ? json_integer(v->control.last_failover_ms)
                                                    : json_null());
    return o;
}

/* ---- the table ---------------------------------------------------------------------------- */

enum { COL_MARK, COL_NODE, COL_ROLE, COL_STATE, COL_RO, COL_RECV, COL_APPL, COL_LAG, COL_SRC, NCOL };
static const char *const col_title[NCOL] = {"", "NODE", "ROLE", "STATE", "RO", "RECEIVED",
                                            "APPLIED", "LAG", "SOURCE"};

typedef struct cell_row {
    char c[NCOL][GTID_POS_STRLEN];
} cell_row_t;

static void node_cells(const cluster_view_t *v, const node_state_t *n, cell_row_t *r)
{
    snprintf(r->c[COL_MARK], sizeof(r->c[0]), "%s", strcmp(n->name, v->coordinator) == 0 ? "*" : "");
    snprintf(r->c[COL_NODE], sizeof(r->c[0]), "%s", n->name);
    snprintf(r->c[COL_ROLE], sizeof(r->c[0]), "%s", role_name(n->role));
    snprintf(r->c[COL_STATE], sizeof(r->c[0]), "%s", node_state_word(v, n));
    snprintf(r->c[COL_RO], sizeof(r->c[0]), "%s", n->healthy ? (n->read_only ? "on" : "off") : "-");
    snprintf(r->c[COL_RECV], sizeof(r->c[0]), "%s", n->gtid_received[0] ? n->gtid_received : "-");
    snprintf(r->c[COL_APPL], sizeof(r->c[0]), "%s", n->gtid_applied[0] ? n->gtid_applied : "-");
    if (n->role != ROLE_REPLICA || n->lag_s < 0)
        snprintf(r->c[COL_LAG], sizeof(r->c[0]), "-");
    else
        snprintf(r->c[COL_LAG], sizeof(r->c[0]), "%.0fs", n->lag_s);
    if (n->source_host[0]) {
        const node_state_t *s = ctl_view_node_at(v, n->source_host, n->source_port);
        if (s)
            snprintf(r->c[COL_SRC], sizeof(r->c[0]), "%s%s", s->name,
                     n->io_running ? "" : " (not connected)");
        else
            snprintf(r->c[COL_SRC], sizeof(r->c[0]), "%s:%d%s", n->source_host, n->source_port,
                     n->io_running ? "" : " (not connected)");
    } else {
        snprintf(r->c[COL_SRC], sizeof(r->c[0]), "-");
    }
}

static void print_header(FILE *f, const config_t *cfg, const cluster_view_t *v, int64_t now)
{
    char since[64], ago[32];
    if (v->have_primary) {
        ctl_fmt_time(v->primary.since_ms, since, sizeof(since));
        fprintf(f, "Cluster: %s   Primary: %s   Epoch: %llu   Coordinator: %s\n", cfg->cluster_name,
                v->primary.name, (unsigned long long)v->primary.epoch,
                v->coordinator[0] ? v->coordinator : "(none: no agent running?)");
        fprintf(f, "Primary since %s (%s)\n", since,
                v->primary.reason[0] ? v->primary.reason : "-");
    } else {
        fprintf(f, "Cluster: %s   Primary: (none yet: bootstrap pending)   Coordinator: %s\n",
                cfg->cluster_name, v->coordinator[0] ? v->coordinator : "(none: no agent running?)");
    }
    if (v->control.paused)
        fprintf(f, "*** PAUSED: no automatic failover until `failoverctl resume` "
                   "(agents still publish and fence) ***\n");
    if (v->have_primary && v->primary.fencing)
        fprintf(f, "*** FENCING %s: the coordinator is moving the primary away; it must stay "
                   "read-only ***\n", v->primary.name);
    if (v->control.request[0]) {
        ctl_fmt_ms(now - v->control.request_at_ms, ago, sizeof(ago));
        fprintf(f, "Pending request: %s%s to %s, requested %s ago\n", v->control.request,
                v->control.request_force ? " --force" : "",
                v->control.request_to[0] && strcmp(v->control.request_to, "*") != 0
                    ? v->control.request_to
                    : "the best candidate",
                ago);
    }
}

static void print_table(FILE *f, const config_t *cfg, const cluster_view_t *v)
{
    int64_t now = wall_ms();
    print_header(f, cfg, v, now);
    fputc('\n', f);

    cell_row_t *rows = calloc(v->n + 1, sizeof(*rows));
    if (!rows) abort();
    size_t w[NCOL];
    for (int c = 0; c < NCOL; c++) {
        snprintf(rows[0].c[c], sizeof(rows[0].c[0]), "%s", col_title[c]);
        w[c] = strlen(col_title[c]);
    }
    for (size_t i = 0; i < v->n; i++) {
        node_cells(v, &v->nodes[i], &rows[i + 1]);
        for (int c = 0; c < NCOL; c++) {
            size_t l = strlen(rows[i + 1].c[c]);
            if (l > w[c]) w[c] = l;
        }
    }
    for (size_t i = 0; i <= v->n; i++) {
        for (int c = 0; c < NCOL; c++) {
            if (c == NCOL - 1)
                fprintf(f, "%s", rows[i].c[c]);
            else
                fprintf(f, "%-*s  ", (int)w[c], rows[i].c[c]);
        }
        fputc('\n', f);
    }
    free(rows);

    /* Notes: what the table cannot say in one word. */
    if (v->have_primary && !ctl_view_node(v, v->primary.name))
        fprintf(f, "note: primary %s (%s:%d) has no registered agent: host or agent down?\n",
                v->primary.name, v->primary.host, v->primary.port);
    for (size_t i = 0; i < v->n; i++) {
        const node_state_t *n = &v->nodes[i];
        if (n->error[0]) fprintf(f, "note: %s: %s\n", n->name, n->error);
        if (n->diverged)
            fprintf(f, "note: %s has transactions the primary never had: kept read-only; rebuild "
                       "it or remove them by hand\n", n->name);
        if (n->promotion == PROMOTION_NEVER && n->role == ROLE_REPLICA)
            fprintf(f, "note: %s has promotion=never\n", n->name);
    }
    for (size_t i = 0; i < v->nbad; i++) fprintf(f, "warning: ignored malformed %s\n", v->bad[i]);
    char cfgbad[CTL_MAX_NODES][400];
    size_t ncfg = config_problems(v, cfgbad, CTL_MAX_NODES);
    for (size_t i = 0; i < ncfg; i++) fprintf(f, "problem: %s\n", cfgbad[i]);
    if (v->coordinator[0]) fprintf(f, "(* = coordinator)\n");
}

/* Draw a frame over the previous one: home, each line cleared to its end, the rest erased. */
static void redraw(const char *frame, size_t len)
{
    fputs("\033[H", stdout);
    const char *p = frame, *end = frame + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        fwrite(p, 1, l, stdout);
        fputs("\033[K\n", stdout);
        p += l + 1;
    }
    fputs("\033[J", stdout);
}

int ctl_status(ctl_t *c, const ctl_opts_t *o)
{
    int rc = ctl_connect(c);
    if (rc != EXIT_OK) return rc;
    if (o->watch) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    bool tty = isatty(STDOUT_FILENO);
    if (o->watch && tty && !o->json) fputs("\033[H\033[2J", stdout);
    cluster_view_t *v = ctl_view_alloc();
    char err[512];
    do {
        rc = ctl_read_view(c->zh, c->cfg, v, err, sizeof(err));
        if (rc != EXIT_OK && !o->watch) {
            ctl_fail(c, rc, "%s", err);
            break;
        }
        char *frame = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&frame, &len);
        if (!f) abort();
        if (rc != EXIT_OK) {
            fprintf(f, "%s (retrying every second)\n", err);
        } else if (o->json) {
            json_t *j = view_json(c->cfg, v);
            char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
            fprintf(f, "%s\n", s);
            free(s);
            json_decref(j);
        } else {
            print_table(f, c->cfg, v);
            if (o->watch) {
                char now[64];
                ctl_fmt_time(wall_ms(), now, sizeof(now));
                fprintf(f, "\n%s; every 1 s, Ctrl-C to stop\n", now);
            }
        }
        fclose(f);
        if (o->watch && tty && !o->json)
            redraw(frame, len);
        else if (o->watch && !o->json)
            printf("%s\n", frame); /* not a terminal: one snapshot after another */
        else
            fputs(frame, stdout);
        free(frame);
        fflush(stdout);
        /* Sleep in slices so Ctrl-C ends the watch at once. */
        for (int i = 0; o->watch && i < 10 && !interrupted; i++) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    } while (o->watch && !interrupted);
    free(v);
    return o->watch ? EXIT_OK : rc;
}
