/* status.c -- failoverctl status: one snapshot of the cluster from ZooKeeper, as an aligned table
 * for people or as stable JSON (documented in failoverctl(8)) for scripts. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clockutil.h"
#include "ctl.h"
#include "exitcodes.h"
#include "zkutil.h"

static int cmp_node(const void *x, const void *y)
{
    return strcmp(((const node_state_t *)x)->name, ((const node_state_t *)y)->name);
}

int ctl_read_view(zhandle_t *zh, const config_t *cfg, cluster_view_t *v, char *err, size_t errlen)
{
    char path[ZK_PATH_MAX], perr[256];
    char *buf;
    int len, rc;
    memset(v, 0, sizeof(*v));

    zk_cluster_path(cfg, path, sizeof(path), "/primary");
    rc = zk_get_alloc(zh, path, false, &buf, &len, NULL);
    if (rc == ZOK) {
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
    if (zk_get_alloc(zh, path, false, &buf, &len, NULL) == ZOK) {
        if (control_rec_from_json(&v->control, buf, (size_t)len, perr, sizeof(perr)) != 0)
            snprintf(v->bad[v->nbad++], sizeof(v->bad[0]), "/control: %s", perr);
        free(buf);
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
            struct Stat est;
            if (zk_get_alloc(zh, p, false, &buf, &len, &est) == ZOK) {
                /* Same rule as the agents' election: only live (ephemeral) candidates count. */
                if (name_is_valid(buf) && est.ephemeralOwner != 0) {
                    best = seq;
                    snprintf(v->coordinator, sizeof(v->coordinator), "%s", buf);
                }
                free(buf);
            }
        }
        deallocate_String_vector(&kids);
    }

    zk_cluster_path(cfg, path, sizeof(path), "/nodes");
    rc = zoo_get_children(zh, path, 0, &kids);
    if (rc == ZNONODE) return EXIT_OK;
    if (rc != ZOK) {
        snprintf(err, errlen, "cannot list %s: %s", path, zerror(rc));
        return EXIT_ZK;
    }
    for (int i = 0; i < kids.count && v->n < CTL_MAX_NODES; i++) {
        char p[ZK_PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", path, kids.data[i]);
        if (zk_get_alloc(zh, p, false, &buf, &len, NULL) != ZOK) continue;
        if (node_state_from_json(&v->nodes[v->n], buf, (size_t)len, perr, sizeof(perr)) != 0) {
            /* perr says why */
        } else if (strcmp(v->nodes[v->n].name, kids.data[i]) != 0) {
            snprintf(perr, sizeof(perr), "names itself \"%s\"", v->nodes[v->n].name);
        } else {
            v->n++;
            perr[0] = 0;
        }
        if (perr[0] && v->nbad < CTL_MAX_NODES)
            snprintf(v->bad[v->nbad++], sizeof(v->bad[0]), "nodes/%.64s: %s", kids.data[i], perr);
        free(buf);
    }
    deallocate_String_vector(&kids);
    qsort(v->nodes, v->n, sizeof(v->nodes[0]), cmp_node);
    return EXIT_OK;
}

static const char *node_state_word(const cluster_view_t *v, const node_state_t *n)
{
    if (!n->healthy) return "down";
    if (n->diverged) return "diverged";
    bool desired = v->have_primary && strcmp(v->primary.name, n->name) == 0;
    if (desired) return n->read_only ? "fenced" : "writable";
    if (n->role == ROLE_REPLICA) {
        if (n->io_running && n->sql_running) return "streaming";
        return n->error[0] ? "broken" : "stopped";
    }
    return n->read_only ? "read-only" : "WRITABLE!";
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
        json_array_append_new(nodes, o);
    }
    json_t *bad = json_array();
    for (size_t i = 0; i < v->nbad; i++) json_array_append_new(bad, json_string(v->bad[i]));
    return json_pack("{s:s, s:o, s:I, s:o, s:b, s:o, s:o}", "cluster", cfg->cluster_name,
                     "primary", v->have_primary ? json_string(v->primary.name) : json_null(),
                     "epoch", (json_int_t)(v->have_primary ? v->primary.epoch : 0),
                     "coordinator", v->coordinator[0] ? json_string(v->coordinator) : json_null(),
                     "paused", v->control.paused, "nodes", nodes, "problems", bad);
}

static void print_table(const config_t *cfg, const cluster_view_t *v)
{
    printf("Cluster: %s   Primary: %s   Epoch: %llu   Coordinator: %s%s\n", cfg->cluster_name,
           v->have_primary ? v->primary.name : "(none yet)",
           (unsigned long long)(v->have_primary ? v->primary.epoch : 0),
           v->coordinator[0] ? v->coordinator : "(none)",
           v->control.paused ? "   *** PAUSED: no automatic failover ***" : "");
    printf("%-2s %-12s %-8s %-10s %-3s %-22s %-22s %-6s %s\n", "", "NODE", "ROLE", "STATE", "RO",
           "RECEIVED", "APPLIED", "LAG", "SOURCE");
    for (size_t i = 0; i < v->n; i++) {
        const node_state_t *n = &v->nodes[i];
        char lag[16], src[HOST_MAX_LEN + 16];
        if (n->lag_s < 0)
            snprintf(lag, sizeof(lag), "-");
        else
            snprintf(lag, sizeof(lag), "%.0fs", n->lag_s);
        if (n->source_host[0])
            snprintf(src, sizeof(src), "%s:%d", n->source_host, n->source_port);
        else
            snprintf(src, sizeof(src), "-");
        printf("%-2s %-12s %-8s %-10s %-3s %-22s %-22s %-6s %s\n",
               strcmp(n->name, v->coordinator) == 0 ? "*" : "", n->name, role_name(n->role),
               node_state_word(v, n), n->read_only ? "on" : "off",
               n->gtid_received[0] ? n->gtid_received : "-",
               n->gtid_applied[0] ? n->gtid_applied : "-", lag, src);
    }
    if (v->have_primary) {
        bool seen = false;
        for (size_t i = 0; i < v->n; i++) seen |= strcmp(v->nodes[i].name, v->primary.name) == 0;
        if (!seen) printf("   %-12s (no agent registered: host or agent down?)\n", v->primary.name);
    }
    for (size_t i = 0; i < v->nbad; i++) printf("warning: ignored malformed %s\n", v->bad[i]);
    printf("(* = coordinator)\n");
}

int ctl_status(const config_t *cfg, bool json, bool watch)
{
    char err[512];
    zhandle_t *zh = zk_connect_wait(cfg, cfg->zk_session_timeout_ms, err, sizeof(err));
    if (!zh) {
        fprintf(stderr, "failoverctl: %s; check zk_hosts and that ZooKeeper runs\n", err);
        return EXIT_ZK;
    }
    cluster_view_t *v = malloc(sizeof(*v));
    if (!v) abort();
    int rc;
    do {
        rc = ctl_read_view(zh, cfg, v, err, sizeof(err));
        if (rc != EXIT_OK) {
            fprintf(stderr, "failoverctl: %s\n", err);
            break;
        }
        if (json) {
            json_t *o = view_json(cfg, v);
            char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
            printf("%s\n", s);
            free(s);
            json_decref(o);
        } else {
            if (watch) printf("\033[H\033[J");
            print_table(cfg, v);
        }
        fflush(stdout);
        if (watch) sleep(1);
    } while (watch);
    free(v);
    zookeeper_close(zh);
    return rc;
}
