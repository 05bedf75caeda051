/* control.c -- failoverctl pause / resume: the maintenance flag in /control, with who paused,
 * why and until when. Agents keep publishing and fencing while paused; only the coordinator's
 * automatic failover stops, and an expired pause counts as none. Both are recorded in history. */
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clockutil.h"
#include "ctl.h"
#include "exitcodes.h"
#include "zkutil.h"

typedef struct pause_arg {
    bool want;
    bool was;         /* paused (and not expired) before */
    bool malformed;
    control_rec_t before;
    const char *reason, *by;
    int64_t now_ms;   /* ZooKeeper's clock */
    long for_s;
} pause_arg_t;

static int edit_paused(const ctl_t *c, control_rec_t *rec, bool malformed, void *arg)
{
    (void)c;
    pause_arg_t *p = arg;
    /* a malformed /control counts as paused (coordinator) */
    p->was = malformed || control_pause_active(rec, p->now_ms);
    p->malformed = malformed;
    p->before = *rec;
    rec->paused = p->want;
    if (p->want) {
        snprintf(rec->pause_reason, sizeof(rec->pause_reason), "%s", p->reason ? p->reason : "");
        snprintf(rec->paused_by, sizeof(rec->paused_by), "%s", p->by);
        rec->paused_at_ms = p->now_ms;
        rec->pause_until_ms = p->for_s ? p->now_ms + (int64_t)p->for_s * 1000 : 0;
    } else {
        rec->pause_reason[0] = rec->paused_by[0] = 0;
        rec->paused_at_ms = rec->pause_until_ms = 0;
    }
    return EXIT_OK;
}

/* "user@host" of whoever runs this; under sudo, the user who ran sudo. */
static void whoami(char *buf, size_t len)
{
    char host[256] = "?";
    const char *user = getenv("SUDO_USER");
    struct passwd *pw = getpwuid(getuid());
    if (!user || !user[0]) user = pw ? pw->pw_name : "?";
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = 0;
    snprintf(buf, len, "%.60s@%.60s", user, host);
}

/* A reason goes into JSON and onto one status line: printable, and short enough for /control. */
static int check_reason(const ctl_t *c, const char *r)
{
    if (!r) return EXIT_OK;
    if (strlen(r) >= sizeof(((control_rec_t *)0)->pause_reason))
        return ctl_fail(c, EXIT_USAGE, "--reason is %zu bytes long: allowed: at most %zu",
                        strlen(r), sizeof(((control_rec_t *)0)->pause_reason) - 1);
    for (const char *p = r; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return ctl_fail(c, EXIT_USAGE, "--reason holds a control character (a newline?): "
                            "allowed: one line of printable text");
    return EXIT_OK;
}

/* One history record for the pause or resume: who, why, until when. A cluster without a
 * history yet (before bootstrap) gets none. */
static void record_pause(ctl_t *c, const pause_arg_t *p)
{
    char path[ZK_PATH_MAX];
    json_t *h = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s}", "type",
                          p->want ? "pause" : "resume", "by", p->by, "at", (json_int_t)p->now_ms,
                          "outcome", p->want ? "paused" : "resumed", "old", "", "new", "",
                          "reason", p->want && p->reason ? p->reason : "");
    if (p->want)
        json_object_set_new(h, "until", p->for_s ? json_integer(p->now_ms + p->for_s * 1000)
                                                 : json_null());
    else
        json_object_set_new(h, "detail", json_string(p->before.paused_by[0] ? p->before.paused_by
                                                                            : ""));
    char *s = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    if (!s) abort();
    zk_cluster_path(c->cfg, path, sizeof(path), "/history/e_");
    int rc = zoo_create(c->zh, path, s, (int)strlen(s), zk_acl(c->cfg), ZOO_SEQUENCE, NULL, 0);
    free(s);
    if (rc != ZOK && rc != ZNONODE)
        fprintf(stderr, "failoverctl %s: warning: the history record was not written: %s\n",
                c->cmd, zerror(rc));
}

static int set_paused(ctl_t *c, bool want, const ctl_opts_t *o)
{
    int rc = check_reason(c, o->reason);
    if (rc != EXIT_OK) return rc;
    rc = ctl_connect(c);
    if (rc != EXIT_OK) return rc;
    char by[128], until[64], at[64];
    whoami(by, sizeof(by));
    pause_arg_t p = {.want = want, .reason = o->reason, .by = by, .for_s = o->for_s};
    /* The expiry is on ZooKeeper's clock, the one the coordinator judges it by. */
    rc = zk_clock_ms(c->zh, c->cfg, &p.now_ms);
    if (rc != ZOK)
        return ctl_fail(c, EXIT_ZK, "cannot read ZooKeeper's clock (a write to /clock): %s%s",
                        zerror(rc), rc == ZNOAUTH ? " (check [cluster] zk_auth_file)" : "");
    rc = ctl_control_update(c, edit_paused, &p, NULL);
    if (rc != EXIT_OK) return rc;
    if (p.malformed)
        printf("note: /control was malformed and has been rewritten (any pending request there "
               "was dropped)\n");
    if (want || p.was) record_pause(c, &p);
    if (want) {
        ctl_fmt_time(p.now_ms + p.for_s * 1000, until, sizeof(until));
        printf("cluster %s %s by %s%s%s: the coordinator will not fail over automatically %s%s; "
               "agents still publish and fence. Undo with failoverctl resume.\n",
               c->cfg->cluster_name, p.was ? "was already paused; pause renewed" : "paused", by,
               o->reason ? ": " : "", o->reason ? o->reason : "",
               p.for_s ? "until " : "until failoverctl resume", p.for_s ? until : "");
    } else if (p.was) {
        printf("cluster %s resumed by %s (paused by %s): automatic failover is on again (a "
               "primary already lost is failed over now)\n", c->cfg->cluster_name, by,
               p.before.paused_by[0] ? p.before.paused_by : "(unknown)");
    } else if (p.before.paused || p.before.pause_until_ms) { /* expired */
        ctl_fmt_time(p.before.pause_until_ms, at, sizeof(at));
        printf("cluster %s was not paused: the pause by %s expired at %s; automatic failover is "
               "on\n", c->cfg->cluster_name,
               p.before.paused_by[0] ? p.before.paused_by : "(unknown)", at);
    } else {
        printf("cluster %s was not paused: automatic failover is on\n", c->cfg->cluster_name);
    }
    return EXIT_OK;
}

int ctl_pause(ctl_t *c, const ctl_opts_t *o)
{
    return set_paused(c, true, o);
}

int ctl_resume(ctl_t *c, const ctl_opts_t *o)
{
    return set_paused(c, false, o);
}
