/* rejoin.c -- failoverctl rejoin NODE: asks NODE's agent (through /repair/NODE) to archive and
 * rewind its errant transactions; failoverctl reinit NODE [--from DONOR]: to archive them and
 * re-clone the node with mariadb-backup. Both wait for the answer; the agents do the work. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clockutil.h"
#include "ctl.h"
#include "exitcodes.h"
#include "repairrec.h"
#include "zkutil.h"

/* How long rejoin waits for the agent by default: a rewind reads the binlog tail twice and
 * applies its undo, seconds for thousands of rows; --timeout S for longer tails. */
#define REJOIN_DEFAULT_TIMEOUT_S 300
#define REJOIN_POLL_MS 200
/* A re-clone copies the whole datadir: an hour by default, --timeout S for more. */
#define REINIT_DEFAULT_TIMEOUT_S 3600
#define REINIT_PRINT_MS 5000

void ctl_repair_summary(const repair_rec_t *r, char *buf, size_t len)
{
    char first[64], last[64];
    if (r->errant_count == 0 && !r->errant_gtids[0]) { /* its binlog could not be read */
        snprintf(buf, len, "transactions the primary %s never had (not counted); %s: %s",
                 r->primary, repair_state_name(r->state), r->detail);
        return;
    }
    ctl_fmt_time(r->errant_first_ms, first, sizeof(first));
    ctl_fmt_time(r->errant_last_ms, last, sizeof(last));
    snprintf(buf, len, "%llu transaction(s) %s the primary %s never had (committed %s .. %s, "
             "%llu row events)%s%s; %s: %s", (unsigned long long)r->errant_count,
             r->errant_gtids, r->primary, first, last, (unsigned long long)r->row_events,
             r->archive[0] ? ", archived in " : "", r->archive, repair_state_name(r->state),
             r->detail);
}

static void who(char *buf, size_t len)
{
    struct passwd *pw = getpwuid(getuid());
    char host[256] = "?";
    gethostname(host, sizeof(host) - 1);
    snprintf(buf, len, "%s@%s", pw ? pw->pw_name : "?", host);
}

typedef struct req {
    const char *kind, *from;
    int64_t at;
} req_t;

static void edit_request(repair_rec_t *r, void *arg)
{
    req_t *q = arg;
    r->request_at_ms = wall_ms();
    if (r->request_at_ms <= r->answered_at_ms) r->request_at_ms = r->answered_at_ms + 1;
    who(r->requested_by, sizeof(r->requested_by));
    snprintf(r->request_kind, sizeof(r->request_kind), "%s", q->kind);
    snprintf(r->request_from, sizeof(r->request_from), "%s", q->from ? q->from : "");
    q->at = r->request_at_ms;
}

static int request(ctl_t *c, const char *node, const char *kind, const char *from, int64_t *at)
{
    char err[512];
    req_t q = {.kind = kind, .from = from};
    if (repair_rec_update(c->zh, c->cfg, node, edit_request, &q, err, sizeof(err)) != ZOK)
        return ctl_fail(c, EXIT_ZK, "%s", err);
    *at = q.at;
    return EXIT_OK;
}

/* Wait for the agent to answer request `at`. */
static int await(ctl_t *c, const char *node, int64_t at, int timeout_s, bool reinit)
{
    int64_t printed = 0;
    char phase[64] = "";
    int64_t end = mono_ms() + (int64_t)timeout_s * 1000;
    repair_rec_t r = {0};
    char err[512], line[2400] = "";
    repair_state_t said = REPAIR_STATE_NONE;
    while (mono_ms() < end) {
        int version;
        int rc = repair_rec_load(c->zh, c->cfg, node, &r, &version, err, sizeof(err));
        if (rc != ZOK && rc != ZNONODE) return ctl_fail(c, EXIT_ZK, "%s", err);
        if (r.state == REPAIR_STATE_REWINDING && said != r.state) {
            printf("%s: rewinding (%llu transaction(s) %s)\n", node,
                   (unsigned long long)r.errant_count, r.errant_gtids);
            fflush(stdout);
            said = r.state;
        }
        /* Re-clone progress: each new step at once, the copy's bytes, rate and ETA every few
         * seconds. */
        if (r.state == REPAIR_STATE_RECLONING) {
            char ph[64];
            snprintf(ph, sizeof(ph), "%.*s", (int)strcspn(r.detail, ":"), r.detail);
            if (strcmp(ph, phase) != 0 || mono_ms() - printed >= REINIT_PRINT_MS) {
                if (strcmp(ph, phase) != 0 || strcmp(r.detail, line) != 0) {
                    printf("%s: %s\n", node, r.detail);
                    fflush(stdout);
                }
                snprintf(phase, sizeof(phase), "%s", ph);
                snprintf(line, sizeof(line), "%s", r.detail);
                printed = mono_ms();
            }
        }
        if (r.answered_at_ms == at) {
            ctl_repair_summary(&r, line, sizeof(line));
            if (r.state == REPAIR_STATE_REJOINED) {
                printf("%s %s: %s\n", node, reinit ? "re-cloned" : "rejoined", r.detail);
                return EXIT_OK;
            }
            if (reinit)
                return ctl_fail(c, r.state == REPAIR_STATE_FAILED ? EXIT_FAILURE_GENERIC
                                                                  : EXIT_REFUSED,
                                "%s not re-cloned: %s", node, r.detail);
            return ctl_fail(c, r.state == REPAIR_STATE_FAILED ? EXIT_FAILURE_GENERIC : EXIT_REFUSED,
                            "%s not rejoined: %s", node, line);
        }
        struct timespec ts = {0, REJOIN_POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    return ctl_fail(c, EXIT_TIMEOUT, "timed out after %d s waiting for %s's agent to answer the "
                    "%s request (last state: %s%s%s); is its agent running? --timeout S "
                    "waits longer", timeout_s, node, reinit ? "reinit" : "rejoin",
                    r.state ? repair_state_name(r.state) : "none",
                    r.detail[0] ? ": " : "", r.detail);
}

int ctl_rejoin(ctl_t *c, const ctl_opts_t *o)
{
    const char *node = o->file; /* the positional argument */
    if (!node || !name_is_valid(node)) {
        fprintf(stderr, "failoverctl rejoin: %s%s%s; usage: failoverctl rejoin NODE (a node name, "
                "[A-Za-z0-9_.-]{1,64})\n", node ? "bad node name \"" : "no NODE given",
                node ? node : "", node ? "\"" : "");
        return EXIT_USAGE;
    }
    int rc = ctl_connect(c);
    if (rc != EXIT_OK) return rc;
    cluster_view_t *v = ctl_view_alloc();
    char err[512], names[1024];
    if (ctl_read_view(c->zh, c->cfg, v, err, sizeof(err)) != EXIT_OK) {
        free(v);
        return ctl_fail(c, EXIT_ZK, "%s", err);
    }
    const node_state_t *n = ctl_view_node(v, node);
    ctl_view_names(v, names, sizeof(names));
    bool primary = v->have_primary && strcmp(v->primary.name, node) == 0;
    bool paused = v->control.paused;
    bool diverged = n && n->diverged;
    free(v);
    if (!n)
        return ctl_fail(c, EXIT_NOT_FOUND, "unknown node \"%s\": its agent is not registered "
                        "(registered: %s); the agent does the rewind, so it must run", node, names);
    if (primary)
        return ctl_fail(c, EXIT_REFUSED, "%s is the primary: only a diverged replica or old "
                        "primary is rejoined", node);
    if (paused)
        return ctl_fail(c, EXIT_REFUSED, "the cluster is paused: no repair runs while paused "
                        "(failoverctl resume first)");
    if (!diverged) {
        printf("%s is not diverged: nothing to rejoin (its agent repoints it by itself)\n", node);
        return EXIT_OK;
    }
    int64_t at = 0;
    rc = request(c, node, "rejoin", NULL, &at);
    if (rc != EXIT_OK) return rc;
    printf("asked %s's agent to archive and rewind its errant transactions\n", node);
    fflush(stdout);
    return await(c, node, at, o->timeout_s > 0 ? o->timeout_s : REJOIN_DEFAULT_TIMEOUT_S, false);
}

int ctl_reinit(ctl_t *c, const ctl_opts_t *o)
{
    const char *node = o->file, *from = o->to; /* NODE, --from NODE */
    const char *bad = !node ? "" : !name_is_valid(node) ? node : from && !name_is_valid(from) ? from
                                                                                            : NULL;
    if (bad) {
        fprintf(stderr, "failoverctl reinit: %s%s%s; usage: failoverctl reinit NODE [--from NODE] "
                "[--timeout S] (node names: [A-Za-z0-9_.-]{1,64})\n",
                node ? "bad node name \"" : "no NODE given", bad, node ? "\"" : "");
        return EXIT_USAGE;
    }
    if (from && strcmp(from, node) == 0) {
        fprintf(stderr, "failoverctl reinit: --from %s names the node to re-clone; allowed: "
                "another node, healthy, whose agent runs\n", from);
        return EXIT_USAGE;
    }
    int rc = ctl_connect(c);
    if (rc != EXIT_OK) return rc;
    cluster_view_t *v = ctl_view_alloc();
    char err[512], names[1024];
    if (ctl_read_view(c->zh, c->cfg, v, err, sizeof(err)) != EXIT_OK) {
        free(v);
        return ctl_fail(c, EXIT_ZK, "%s", err);
    }
    const node_state_t *n = ctl_view_node(v, node), *f = from ? ctl_view_node(v, from) : NULL;
    ctl_view_names(v, names, sizeof(names));
    bool primary = v->have_primary && strcmp(v->primary.name, node) == 0;
    bool have_primary = v->have_primary;
    bool paused = v->control.paused;
    bool from_ok = f && f->healthy && !f->diverged;
    char from_why[300] = "";
    if (f && !from_ok)
        snprintf(from_why, sizeof(from_why), "%s", f->diverged ? "it is diverged itself"
                 : f->error[0] ? f->error : "its agent cannot reach its mysqld");
    free(v);
    if (!n)
        return ctl_fail(c, EXIT_NOT_FOUND, "unknown node \"%s\": its agent is not registered "
                        "(registered: %s); the agent does the re-clone, so it must run", node,
                        names);
    if (from && !f)
        return ctl_fail(c, EXIT_NOT_FOUND, "unknown donor \"%s\": its agent is not registered "
                        "(registered: %s); the donor's agent takes the backup", from, names);
    if (!have_primary)
        return ctl_fail(c, EXIT_REFUSED, "no primary yet: a re-cloned node replicates from it");
    if (primary)
        return ctl_fail(c, EXIT_REFUSED, "%s is the primary: it is never re-cloned (switch over "
                        "first)", node);
    if (paused)
        return ctl_fail(c, EXIT_REFUSED, "the cluster is paused: no repair runs while paused "
                        "(failoverctl resume first)");
    if (f && !from_ok)
        return ctl_fail(c, EXIT_REFUSED, "donor %s cannot be copied from: %s", from, from_why);
    int64_t at = 0;
    rc = request(c, node, "reinit", from, &at);
    if (rc != EXIT_OK) return rc;
    printf("asked %s's agent to re-clone it from %s (errant transactions, if any, are archived "
           "first)\n", node, from ? from : "the most caught-up replica");
    fflush(stdout);
    return await(c, node, at, o->timeout_s > 0 ? o->timeout_s : REINIT_DEFAULT_TIMEOUT_S, true);
}
