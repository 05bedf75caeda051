/* repairrec.c -- the codec of /<cluster>/repair/<node> (see repairrec.h): written by the node's
 * agent and by failoverctl rejoin, read by both and by failoverctl status. */
#include "repairrec.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkutil.h"

static const char *const state_names[] = {"", "diverged", "rewinding", "rejoined", "refused",
                                          "failed", "recloning"};

const char *repair_state_name(repair_state_t s)
{
    if ((unsigned)s < sizeof(state_names) / sizeof(state_names[0])) return state_names[s];
    return "";
}

repair_state_t repair_state_from_string(const char *s)
{
    for (size_t i = 1; s && i < sizeof(state_names) / sizeof(state_names[0]); i++)
        if (strcmp(s, state_names[i]) == 0) return (repair_state_t)i;
    return REPAIR_STATE_NONE;
}

char *repair_rec_to_json(const repair_rec_t *r)
{
    json_t *o = json_pack(
        "{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:s, s:I, s:I}",
        "node", r->node, "request_at", (json_int_t)r->request_at_ms, "requested_by",
        r->requested_by, "state", repair_state_name(r->state), "detail", r->detail,
        "answered_at", (json_int_t)r->answered_at_ms, "epoch", (json_int_t)r->epoch, "primary",
        r->primary, "errant_count", (json_int_t)r->errant_count, "errant_gtids", r->errant_gtids,
        "errant_first_at", (json_int_t)r->errant_first_ms, "errant_last_at",
        (json_int_t)r->errant_last_ms, "row_events", (json_int_t)r->row_events, "archive",
        r->archive, "took_ms", (json_int_t)r->took_ms, "updated_at", (json_int_t)r->updated_ms);
    if (!o) return NULL;
    if (r->request_kind[0]) json_object_set_new(o, "request_kind", json_string(r->request_kind));
    if (r->request_from[0]) json_object_set_new(o, "request_from", json_string(r->request_from));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

static int get_str(json_t *o, const char *key, char *out, size_t size, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v) return 0;
    if (!json_is_string(v) || json_string_length(v) >= size) {
        snprintf(err, errlen, "repair record: \"%s\" must be a string of at most %zu bytes", key,
                 size - 1);
        return -1;
    }
    snprintf(out, size, "%s", json_string_value(v));
    return 0;
}

static int get_int(json_t *o, const char *key, int64_t *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    if (!v) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        snprintf(err, errlen, "repair record: \"%s\" must be a non-negative integer", key);
        return -1;
    }
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int repair_rec_from_json(repair_rec_t *r, const char *buf, size_t len, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    json_error_t je;
    json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o)) {
        snprintf(err, errlen, "repair record: not a JSON object (%s)", o ? "other type" : je.text);
        json_decref(o);
        return -1;
    }
    char state[32] = "";
    int64_t epoch = 0, count = 0, rows = 0;
    int rc = get_str(o, "node", r->node, sizeof(r->node), err, errlen) |
             get_int(o, "request_at", &r->request_at_ms, err, errlen) |
             get_str(o, "requested_by", r->requested_by, sizeof(r->requested_by), err, errlen) |
             get_str(o, "request_kind", r->request_kind, sizeof(r->request_kind), err, errlen) |
             get_str(o, "request_from", r->request_from, sizeof(r->request_from), err, errlen) |
             get_str(o, "state", state, sizeof(state), err, errlen) |
             get_str(o, "detail", r->detail, sizeof(r->detail), err, errlen) |
             get_int(o, "answered_at", &r->answered_at_ms, err, errlen) |
             get_int(o, "epoch", &epoch, err, errlen) |
             get_str(o, "primary", r->primary, sizeof(r->primary), err, errlen) |
             get_int(o, "errant_count", &count, err, errlen) |
             get_str(o, "errant_gtids", r->errant_gtids, sizeof(r->errant_gtids), err, errlen) |
             get_int(o, "errant_first_at", &r->errant_first_ms, err, errlen) |
             get_int(o, "errant_last_at", &r->errant_last_ms, err, errlen) |
             get_int(o, "row_events", &rows, err, errlen) |
             get_str(o, "archive", r->archive, sizeof(r->archive), err, errlen) |
             get_int(o, "took_ms", &r->took_ms, err, errlen) |
             get_int(o, "updated_at", &r->updated_ms, err, errlen);
    json_decref(o);
    if (rc != 0) return -1;
    if (state[0] && repair_state_from_string(state) == REPAIR_STATE_NONE) {
        snprintf(err, errlen, "repair record: unknown state \"%.20s\"; allowed: diverged, "
                 "rewinding, rejoined, refused, failed, recloning", state);
        return -1;
    }
    r->state = repair_state_from_string(state);
    r->epoch = (uint64_t)epoch;
    r->errant_count = (uint64_t)count;
    r->row_events = (uint64_t)rows;
    return 0;
}

int repair_rec_load(zhandle_t *zh, const config_t *cfg, const char *node, repair_rec_t *r,
                    int *version, char *err, size_t errlen)
{
    char path[ZK_PATH_MAX], *buf = NULL;
    int len = 0;
    struct Stat st;
    memset(r, 0, sizeof(*r));
    *version = -1;
    zk_cluster_path(cfg, path, sizeof(path), "/repair/%s", node);
    int rc = zk_get_alloc(zh, path, false, &buf, &len, &st);
    if (rc == ZOK) {
        *version = st.version;
        char perr[300];
        if (repair_rec_from_json(r, buf, (size_t)len, perr, sizeof(perr)) != 0) {
            snprintf(err, errlen, "%s: %s", path, perr);
            memset(r, 0, sizeof(*r));
            rc = -1;
        }
    } else if (rc != ZNONODE) {
        snprintf(err, errlen, "cannot read %s: %s", path, zerror(rc));
    }
    free(buf);
    snprintf(r->node, sizeof(r->node), "%s", node);
    return rc;
}

int repair_rec_update(zhandle_t *zh, const config_t *cfg, const char *node, repair_edit_fn edit,
                      void *arg, char *err, size_t errlen)
{
    char path[ZK_PATH_MAX], dir[ZK_PATH_MAX];
    zk_cluster_path(cfg, dir, sizeof(dir), "/repair");
    zk_cluster_path(cfg, path, sizeof(path), "/repair/%s", node);
    zk_ensure_path(zh, cfg, dir);
    int rc = ZOK;
    for (int attempt = 0; attempt < 5; attempt++) {
        repair_rec_t r;
        int version;
        rc = repair_rec_load(zh, cfg, node, &r, &version, err, errlen);
        if (rc != ZOK && rc != ZNONODE && rc != -1) return rc; /* malformed: rewritten */
        edit(&r, arg);
        char *json = repair_rec_to_json(&r);
        if (!json) abort();
        rc = version < 0 ? zoo_create(zh, path, json, (int)strlen(json), zk_acl(cfg), 0, NULL, 0)
                         : zoo_set(zh, path, json, (int)strlen(json), version);
        free(json);
        if (rc == ZOK) return ZOK;
        if (rc != ZBADVERSION && rc != ZNODEEXISTS) break;
    }
    snprintf(err, errlen, "cannot write %s: %s", path,
             rc == ZBADVERSION || rc == ZNODEEXISTS ? "it kept changing under us" : zerror(rc));
    return rc;
}
