/* history.c -- failoverctl history: the coordinator's records (/history/e_*), newest first, with
 * phase timings and the data-loss accounting; --json passes the records through, stably wrapped. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "exitcodes.h"

const char *ctl_json_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static bool json_ms(const json_t *o, const char *key, long long *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) return false;
    *out = (long long)json_integer_value(v);
    return true;
}

void ctl_hist_phases(const json_t *rec, char *buf, size_t len)
{
    static const struct {
        const char *key, *label;
    } ph[] = {{"detect", "detect"},   {"fence", "fence"},     {"catchup", "catch-up"},
              {"promote", "promote"}, {"repoint", "repoint"}, {"total", "total"}};
    const json_t *p = json_object_get(rec, "phases_ms");
    size_t pos = 0;
    buf[0] = 0;
    if (!json_is_object(p)) return;
    for (size_t i = 0; i < sizeof(ph) / sizeof(ph[0]) && pos < len - 1; i++) {
        long long ms;
        char d[32];
        if (!json_ms(p, ph[i].key, &ms)) continue;
        ctl_fmt_ms(ms, d, sizeof(d));
        int w = snprintf(buf + pos, len - pos, "%s%s %s", pos ? ", " : "", ph[i].label, d);
        if (w < 0) break;
        pos += (size_t)w;
    }
}

/* What the returning old primary's agent found in its binlog (issue 11): the count is exact,
 * with commit times, the archive and the repair. */
static void hist_loss_exact(const json_t *rec, char *buf, size_t len)
{
    long long first = 0, last = 0, est = 0, ms = 0;
    if (!json_is_true(json_object_get(rec, "lost_exact"))) return;
    size_t o = strlen(buf);
    char a[64], b[64], took[32];
    json_ms(rec, "lost_first_at", &first);
    json_ms(rec, "lost_last_at", &last);
    ctl_fmt_time(first, a, sizeof(a));
    ctl_fmt_time(last, b, sizeof(b));
    char estimate[64] = "";
    if (json_ms(rec, "lost_estimate", &est))
        snprintf(estimate, sizeof(estimate), " (the coordinator's estimate: %lld)", est);
    snprintf(buf + o, len - o, "; exact, from %s's binlog%s, committed %s .. %s",
             ctl_json_str(rec, "old"), estimate, a, b);
    o = strlen(buf);
    if (ctl_json_str(rec, "archive")[0])
        snprintf(buf + o, len - o, "; archived in %s", ctl_json_str(rec, "archive"));
    o = strlen(buf);
    if (ctl_json_str(rec, "repair")[0] && json_ms(rec, "repair_ms", &ms)) {
        ctl_fmt_ms(ms, took, sizeof(took));
        snprintf(buf + o, len - o, "; %s in %s", ctl_json_str(rec, "repair"), took);
    }
}

void ctl_hist_loss(const json_t *rec, char *buf, size_t len)
{
    long long lost = 0;
    buf[0] = 0;
    if (!json_object_get(rec, "old_primary_gtid")) return;
    const char *oldp = ctl_json_str(rec, "old_primary_gtid");
    const char *newp = ctl_json_str(rec, "new_primary_gtid");
    json_ms(rec, "lost_count", &lost);
    if (!oldp[0])
        snprintf(buf, len, "the old primary %s's last position was not known to the coordinator: "
                 "lost transactions cannot be counted (%s promoted at %s)",
                 ctl_json_str(rec, "old"), ctl_json_str(rec, "new"), newp[0] ? newp : "nothing");
    else if (lost == 0)
        snprintf(buf, len, "no transaction lost (old primary %s at %s, %s promoted at %s)",
                 ctl_json_str(rec, "old"), oldp[0] ? oldp : "nothing", ctl_json_str(rec, "new"),
                 newp[0] ? newp : "nothing");
    else
        snprintf(buf, len, "LOST %lld transaction(s) the old primary %s had: %s (old primary at "
                 "%s, %s promoted at %s)", lost, ctl_json_str(rec, "old"),
                 ctl_json_str(rec, "lost_gtids"), oldp, ctl_json_str(rec, "new"), newp);
    hist_loss_exact(rec, buf, len);
}

void ctl_hist_print(FILE *f, const ctl_hist_t *h)
{
    char at[64], line[1024];
    long long ms;
    if (!h->obj) {
        fprintf(f, "#%ld  (%s: %s)\n", h->seq, h->id, h->error);
        return;
    }
    const json_t *r = h->obj;
    ctl_fmt_time(json_ms(r, "at", &ms) ? ms : 0, at, sizeof(at));
    const char *type = ctl_json_str(r, "type");
    if (strcmp(type, "pause") == 0 || strcmp(type, "resume") == 0) {
        /* An operator's pause or resume: who, why, until when. */
        char until[64] = "failoverctl resume";
        if (json_ms(r, "until", &ms)) ctl_fmt_time(ms, until, sizeof(until));
        fprintf(f, "#%ld  %s  %-15s by %s", h->seq, at, type, ctl_json_str(r, "by"));
        if (strcmp(type, "pause") == 0)
            fprintf(f, ", until %s\n    reason: %s\n", until,
                    ctl_json_str(r, "reason")[0] ? ctl_json_str(r, "reason") : "(none given)");
        else
            fprintf(f, " (paused by %s)\n",
                    ctl_json_str(r, "detail")[0] ? ctl_json_str(r, "detail") : "(unknown)");
        return;
    }
    const char *old = ctl_json_str(r, "old"), *new_ = ctl_json_str(r, "new");
    long long epoch = json_ms(r, "epoch", &ms) ? ms : -1;
    fprintf(f, "#%ld  %s  %-15s %s -> %s  epoch %lld  %s\n", h->seq, at, ctl_json_str(r, "type"),
            old[0] ? old : "-", new_[0] ? new_ : "-", epoch, ctl_json_str(r, "outcome"));
    if (json_ms(r, "request_at", &ms)) {
        ctl_fmt_time(ms, at, sizeof(at));
        fprintf(f, "    requested: %s\n", at);
    }
    if (ctl_json_str(r, "reason")[0]) fprintf(f, "    reason: %s\n", ctl_json_str(r, "reason"));
    if (ctl_json_str(r, "detail")[0]) fprintf(f, "    detail: %s\n", ctl_json_str(r, "detail"));
    ctl_hist_phases(r, line, sizeof(line));
    if (line[0]) fprintf(f, "    phases: %s\n", line);
    ctl_hist_loss(r, line, sizeof(line));
    if (line[0]) fprintf(f, "    data: %s\n", line);
    ctl_hist_candidates(f, "    ", json_object_get(r, "candidates"));
}

void ctl_hist_candidates(FILE *f, const char *indent, const json_t *cands)
{
    /* Best rank first, then the ones that were not eligible, in the record's order. */
    size_t n = json_array_size(cands);
    for (long long want = 1; want <= (long long)n + 1; want++) {
        size_t i;
        json_t *c;
        json_array_foreach(cands, i, c)
        {
            long long rank = 0;
            json_ms(c, "rank", &rank);
            bool ok = json_is_true(json_object_get(c, "eligible")) && rank > 0;
            if (want <= (long long)n ? !ok || rank != want : ok) continue;
            if (ok)
                fprintf(f, "%scandidate %s: #%lld, %s\n", indent, ctl_json_str(c, "name"), rank,
                        ctl_json_str(c, "reason"));
            else
                fprintf(f, "%scandidate %s: not eligible: %s\n", indent, ctl_json_str(c, "name"),
                        ctl_json_str(c, "reason"));
        }
    }
}

int ctl_history(ctl_t *c, const ctl_opts_t *o)
{
    int rc = ctl_connect(c);
    if (rc != EXIT_OK) return rc;
    ctl_hist_t *h = NULL;
    size_t total = 0;
    char err[512];
    long n = ctl_hist_load(c->zh, c->cfg, -1, (size_t)o->count, false, &h, &total, err, sizeof(err));
    if (n < 0) return ctl_fail(c, EXIT_ZK, "%s", err);
    if (o->json) {
        json_t *recs = json_array(), *bad = json_array();
        for (long i = 0; i < n; i++) {
            if (!h[i].obj) {
                json_array_append_new(bad, json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)h[i].seq,
                                                     "id", h[i].id, "error", h[i].error));
                continue;
            }
            json_t *r = json_deep_copy(h[i].obj);
            json_object_set_new(r, "seq", json_integer(h[i].seq));
            json_object_set_new(r, "id", json_string(h[i].id));
            json_array_append_new(recs, r);
        }
        json_t *out = json_pack("{s:s, s:I, s:o, s:o}", "cluster", c->cfg->cluster_name, "total",
                                (json_int_t)total, "records", recs, "problems", bad);
        char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
        printf("%s\n", s);
        free(s);
        json_decref(out);
    } else if (n == 0) {
        printf("cluster %s: no history records yet (the first is written when the coordinator "
               "adopts the topology)\n", c->cfg->cluster_name);
    } else {
        printf("cluster %s: %ld of %zu record(s), newest first\n", c->cfg->cluster_name, n, total);
        for (long i = 0; i < n; i++) {
            if (i) putchar('\n');
            ctl_hist_print(stdout, &h[i]);
        }
        if ((size_t)n < total) printf("\n(%zu older record(s) not shown: -n 0 for all)\n", total - (size_t)n);
    }
    ctl_hist_free(h, n);
    return EXIT_OK;
}
