/* explain.c -- failoverctl explain: probe every mysqld directly, rank the candidates with the
 * coordinator's own function and inputs, and print the statements a failover would run. Read-only:
 * it only connects, SELECTs and SHOWs. */
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clockutil.h"
#include "ctl.h"
#include "exitcodes.h"
#include "observe.h"
#include "gtid.h"

typedef struct ex_node {
    char name[NAME_MAX_LEN + 1];
    char host[HOST_MAX_LEN + 1];
    int port;
    const node_state_t *st; /* its agent's registration, NULL when none */
    bool reachable;
    char err[512];
    db_probe_t probe;
    flavor_info_t flavor; /* zero (MariaDB's statements) when unreachable */
} ex_node_t;

typedef struct ex {
    ctl_t *c;
    cluster_view_t *v;
    ex_node_t nodes[CTL_MAX_NODES + 1];
    size_t n;
    ex_node_t *prim;
    gtid_pos_t old_pos;
    char old_pos_text[GTID_POS_STRLEN];
    const char *old_pos_from; /* "live" | "published" | "unknown" */
    detect_t detect;
    /* ranking */
    candidate_obs_t obs[CTL_MAX_NODES];
    ex_node_t *who[CTL_MAX_NODES];
    candidate_verdict_t verdict[CTL_MAX_NODES];
    size_t order[CTL_MAX_NODES];
    size_t ncand, eligible;
    ex_node_t *best;
    size_t best_i;
    ex_node_t *donor; /* best must first fetch from it (the coordinator's candidate_plan) */
    size_t donor_i;
    const char *target; /* switchover --dry-run --to NODE: plan for NODE (NULL: the best) */
    const char *kind;   /* "failover" | "switchover": the wording of the plan */
} ex_t;

static void probe(const config_t *cfg, ex_node_t *e)
{
    db_target_t t = ctl_target(cfg, e->host, e->port, NULL);
    db_conn_t *db = db_connect(&t, e->err, sizeof(e->err));
    if (!db) return;
    e->flavor = *db_flavor_info(db);
    e->reachable = db_probe(db, &e->probe, e->err, sizeof(e->err)) == 0;
    db_close(db);
}

/* The coordinator's detection, fed with our own probes of the primary and the replicas. */
static detect_t detect_now(ex_t *x)
{
    const config_t *cfg = x->c->cfg;
    primary_obs_t o = {.primary_reachable = x->prim->reachable,
                       .consecutive_failures = x->prim->reachable ? 0 : cfg->failure_threshold,
                       .agent_gone = !x->prim->st};
    for (size_t i = 0; i < x->n; i++) {
        ex_node_t *r = &x->nodes[i];
        if (r == x->prim || !r->st) continue;
        o.replicas_known++;
        if (!r->reachable) continue;
        o.replicas_reachable++;
        if (observe_streams_from(&r->probe, x->prim->host, x->prim->port)) o.replicas_io_connected++;
    }
    return detect_primary_loss(&o, cfg->failure_threshold);
}

static void rank(ex_t *x)
{
    char err[300];
    for (size_t i = 0; i < x->n; i++) {
        ex_node_t *e = &x->nodes[i];
        if (e == x->prim || !e->st) continue; /* the coordinator ranks registered agents only */
        candidate_obs_t *o = &x->obs[x->ncand];
        if (observe_candidate(o, e->name, e->st->promotion, e->reachable ? &e->probe : NULL, err,
                              sizeof(err)) != 0)
            snprintf(e->err, sizeof(e->err), "answered a bad GTID position: %s", err);
        x->who[x->ncand++] = e;
    }
    x->eligible = candidate_rank(x->obs, x->ncand, &x->old_pos, x->verdict, x->order);
    if (x->eligible) {
        /* Exactly the coordinator's choice (coord.c move_steps). */
        candidate_plan_t plan;
        candidate_plan(x->obs, x->ncand, &x->old_pos, x->order, x->eligible, x->target, &plan);
        x->best_i = plan.want != CANDIDATE_NONE ? plan.want : x->order[0];
        x->best = x->who[x->best_i];
        if (plan.fetch) {
            x->donor_i = plan.donor;
            x->donor = x->who[plan.donor];
        }
    }
}

/* ---- the statements ----------------------------------------------------------------------- */

typedef struct stmts {
    json_t *arr; /* of strings */
} stmts_t;

static void add(json_t *arr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(json_t *arr, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_array_append_new(arr, json_string(buf));
}

/* "A; B; C" from db.c's *_sql helpers, one statement per entry. */
static void add_split(json_t *arr, const char *sql)
{
    const char *p = sql;
    while (*p) {
        const char *e = strstr(p, "; ");
        size_t l = e ? (size_t)(e - p) : strlen(p);
        add(arr, "%.*s", (int)l, p);
        p += l + (e ? 2 : 0);
    }
}

static const char *read_only_sql(const flavor_info_t *f, bool on)
{
    return flavor_sql(f, on ? FLAVOR_FENCE : FLAVOR_LIFT); /* as db_set_read_only runs them */
}

static const char *gtid_wait_fn(const flavor_info_t *f)
{
    return flavor_gtid_wait_name(f);
}

typedef struct sess_arg {
    const char *keep_user;
    json_t *arr;
    int n;
} sess_arg_t;

/* The sessions db_kill_client_sessions would cut: not our account, not replication or system. */
static int session_row(char **row, unsigned ncols, void *arg)
{
    static const char *const keep[] = {"Binlog Dump", "Binlog Dump GTID", "Daemon", "Slave_IO",
                                       "Slave_SQL", "Slave_worker", "Connect"};
    sess_arg_t *s = arg;
    if (ncols < 4 || !row[0]) return 0;
    const char *user = row[1] ? row[1] : "", *cmd = row[2];
    if (strcmp(user, s->keep_user) == 0 || strcmp(user, "system user") == 0 ||
        strcmp(user, "event_scheduler") == 0 || !cmd)
        return 0;
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        if (strcmp(cmd, keep[i]) == 0) return 0;
    add(s->arr, "KILL CONNECTION %s  -- %s@%s", row[0], user, row[3] ? row[3] : "?");
    s->n++;
    return 0;
}

static json_t *plan_old_primary(ex_t *x)
{
    const config_t *cfg = x->c->cfg;
    ex_node_t *p = x->prim;
    json_t *a = json_array();
    char sql[2048], err[512];
    /* The agent's order (local.c fence_local): kill, read_only, kill again. */
    if (p->reachable) {
        db_target_t t = ctl_target(cfg, p->host, p->port, NULL);
        sess_arg_t s = {.keep_user = cfg->mysql_user, .arr = a};
        if (ctl_sql_rows(&t,
                         "SELECT ID, USER, COMMAND, HOST FROM information_schema.PROCESSLIST "
                         "WHERE ID <> CONNECTION_ID()",
                         session_row, &s, err, sizeof(err)) != 0)
            add(a, "-- KILL CONNECTION for every client session (cannot list them now: %s)", err);
        else if (s.n == 0)
            add(a, "-- no client session to KILL right now");
    } else {
        add(a, "-- KILL CONNECTION for every client session (when its mysqld answers again)");
    }
    add(a, "%s", read_only_sql(&p->flavor, true));
    add(a, "-- KILL CONNECTION again for any client session that connected in between");
    if (x->best && db_repoint_sql(cfg, &p->flavor, x->best->host, x->best->port, cfg->repl_user,
                                  true, replication_heartbeat_ms(cfg->zk_session_timeout_ms), sql,
                                  sizeof(sql)) == 0) {
        add(a, "-- rejoin, once %s is primary and everything %s has is on it:", x->best->name,
            p->name);
        add_split(a, sql);
    }
    return a;
}

static json_t *plan_candidate(ex_t *x)
{
    const config_t *cfg = x->c->cfg;
    ex_node_t *b = x->best;
    json_t *a = json_array();
    char pos[GTID_POS_STRLEN], sql[1024];
    if (x->donor) {
        ex_node_t *d = x->donor;
        gtid_pos_format(&x->obs[x->donor_i].received, pos, sizeof(pos));
        add(a, "-- by the coordinator: %s has received less than %s, so it fetches the rest first:",
            b->name, d->name);
        add(a, "-- on %s: SELECT %s('%s', 1.000)  (until it applied all it received)", d->name,
            gtid_wait_fn(&d->flavor), pos);
        if (db_repoint_sql(cfg, &b->flavor, d->host, d->port, cfg->repl_user, false,
                           replication_heartbeat_ms(cfg->zk_session_timeout_ms), sql,
                           sizeof(sql)) == 0)
            add_split(a, sql);
    } else {
        gtid_pos_format(&x->obs[x->best_i].received, pos, sizeof(pos));
    }
    add(a, "-- by the coordinator: apply everything received, 1 s per call, at most %d ms:",
        cfg->catchup_timeout_ms);
    add(a, "SELECT %s('%s', 1.000)", gtid_wait_fn(&b->flavor), pos);
    add(a, "-- by %s's agent, once /primary names it: stop receiving, apply all it received, "
        "detach:", b->name);
    if (cfg->semi_sync)
        add(a, "KILL <its IO thread's connection>  (semi-sync only: so the stop below does not "
            "wait 2 s for a source that is cut off)");
    if (db_stop_io_sql(&b->flavor, sql, sizeof(sql)) == 0) add(a, "%s", sql);
    add(a, "SELECT %s('<%s once stopped; now %s>', 1.000)", gtid_wait_fn(&b->flavor),
        flavor_column(&b->flavor, FLAVOR_COL_RECEIVED_GTID),
        b->probe.gtid_io_pos[0] ? b->probe.gtid_io_pos : b->probe.gtid_slave_pos);
    if (db_detach_sql(&b->flavor, sql, sizeof(sql)) == 0) add_split(a, sql);
    add(a, "%s", read_only_sql(&b->flavor, false));
    return a;
}

static json_t *plan_replica(ex_t *x, ex_node_t *e)
{
    json_t *a = json_array();
    char sql[2048];
    const flavor_info_t *f = e->reachable ? &e->flavor : &FLAVOR_INFO_MARIADB;
    if (e->reachable && e->probe.is_replica && strcmp(e->probe.source_host, x->best->host) == 0 &&
        e->probe.source_port == x->best->port) {
        add(a, "-- nothing: it already replicates from %s", x->best->name);
        return a;
    }
    if (db_repoint_sql(x->c->cfg, f, x->best->host, x->best->port, x->c->cfg->repl_user, false,
                       replication_heartbeat_ms(x->c->cfg->zk_session_timeout_ms), sql,
                       sizeof(sql)) == 0)
        add_split(a, sql);
    if (!e->reachable) add(a, "-- (unreachable now: its agent runs these when mysqld answers)");
    return a;
}

/* ---- output ------------------------------------------------------------------------------- */

static const char *detect_text(detect_t d)
{
    switch (d) {
    case DETECT_HEALTHY: return "the primary answers: no failover would start now";
    case DETECT_SUSPECT: return "the primary does not answer: suspect, looking again";
    case DETECT_REPLICAS_DISAGREE:
        return "the primary does not answer here, but a replica's IO thread is still connected to "
               "it: no failover (not confirmed)";
    case DETECT_NO_WITNESS:
        return "the primary does not answer and no replica can be reached to confirm: no failover";
    case DETECT_CONFIRMED_DEAD:
        return "the primary does not answer and no replica is connected to it: loss confirmed, "
               "a failover would start";
    default: return "unknown";
    }
}

/* What keeps a confirmed loss from starting an automatic failover now: "paused", "anti-flap",
 * or NULL (nothing: it would start). */
static const char *failover_blocker(const ex_t *x)
{
    const control_rec_t *c = &x->v->control;
    int64_t now = wall_ms();
    if (control_pause_active(c, now)) return "paused";
    if (control_hold_end(c, x->c->cfg->anti_flap_s, now)) return "anti-flap";
    return NULL;
}

static void print_detection(const ex_t *x)
{
    const char *blocker = failover_blocker(x);
    const control_rec_t *c = &x->v->control;
    if (x->detect != DETECT_CONFIRMED_DEAD || !blocker) {
        printf("Detection now: %s (%s)\n", detect_text(x->detect), detect_name(x->detect));
        return;
    }
    if (strcmp(blocker, "paused") == 0)
        printf("Detection now: the primary does not answer and no replica is connected to it: "
               "loss confirmed, but the cluster is paused (by %s: %s), so no automatic failover "
               "would start; failoverctl failover --to NODE would (%s)\n",
               c->paused_by[0] ? c->paused_by : "(unknown)",
               c->pause_reason[0] ? c->pause_reason : "no reason given", detect_name(x->detect));
    else
        printf("Detection now: the primary does not answer and no replica is connected to it: "
               "loss confirmed, but the anti-flap hold keeps an automatic failover from starting; "
               "failoverctl failover --to NODE would (%s)\n", detect_name(x->detect));
}

static json_t *candidates_json(ex_t *x)
{
    json_t *arr = json_array();
    for (size_t k = 0; k < x->ncand; k++) {
        ex_node_t *e = x->who[k];
        candidate_obs_t *o = &x->obs[k];
        char rec[GTID_POS_STRLEN];
        gtid_pos_format(&o->received, rec, sizeof(rec));
        json_t *j = json_pack("{s:s, s:b, s:b, s:i, s:s, s:s}", "name", e->name, "reachable",
                              o->reachable, "eligible", x->verdict[k].eligible, "rank",
                              x->verdict[k].rank, "reason", x->verdict[k].reason, "promotion",
                              promotion_name(o->promotion));
        json_object_set_new(j, "received", e->reachable ? json_string(rec) : json_null());
        json_object_set_new(j, "applied",
                            e->reachable ? json_string(e->probe.gtid_slave_pos) : json_null());
        json_object_set_new(j, "binlog",
                            e->reachable ? json_string(e->probe.gtid_binlog_pos) : json_null());
        json_object_set_new(j, "lag_s", o->lag_s < 0 ? json_null() : json_real(o->lag_s));
        json_object_set_new(j, "error", e->reachable ? json_null() : json_string(e->err));
        json_array_append_new(arr, j);
    }
    return arr;
}

static json_t *plan_json(ex_t *x)
{
    json_t *plan = json_array();
    if (!x->best) return plan;
    json_array_append_new(plan, json_pack("{s:s, s:s, s:o}", "node", x->prim->name, "role",
                                          "old-primary", "sql", plan_old_primary(x)));
    json_array_append_new(plan, json_pack("{s:s, s:s, s:o}", "node", x->best->name, "role",
                                          "candidate", "sql", plan_candidate(x)));
    for (size_t i = 0; i < x->n; i++) {
        ex_node_t *e = &x->nodes[i];
        if (e == x->prim || e == x->best) continue;
        json_array_append_new(plan, json_pack("{s:s, s:s, s:o}", "node", e->name, "role",
                                              "replica", "sql", plan_replica(x, e)));
    }
    return plan;
}

static void print_text(ex_t *x, json_t *cands, json_t *plan)
{
    const cluster_view_t *v = x->v;
    const config_t *cfg = x->c->cfg;
    printf("Cluster %s: primary %s at epoch %llu, coordinator %s%s\n", cfg->cluster_name,
           x->prim->name, (unsigned long long)v->primary.epoch,
           v->coordinator[0] ? v->coordinator : "(none)",
           control_pause_active(&v->control, wall_ms()) ? "; PAUSED: no automatic failover" : "");
    printf("Primary %s (%s:%d): %s\n", x->prim->name, x->prim->host, x->prim->port,
           x->prim->reachable ? "mysqld answers" : x->prim->err);
    print_detection(x);
    if (x->prim->reachable && x->prim->probe.read_only && !x->prim->st)
        printf("Stranded: the primary answers read-only and has no registered agent: once that "
               "lasts zk_session_timeout_ms (%d ms), the coordinator moves the primary as a "
               "switchover would\n", cfg->zk_session_timeout_ms);
    int64_t hold = control_hold_end(&v->control, cfg->anti_flap_s, wall_ms());
    if (hold)
        printf("Anti-flap: the last failover was less than anti_flap_s=%lld ago: an automatic one "
               "would wait (failoverctl failover --to NODE does not)\n",
               (long long)((hold - v->control.last_failover_ms) / 1000));
    printf("Old primary position used for ranking: %s (%s)\n",
           x->old_pos_text[0] ? x->old_pos_text : "none", x->old_pos_from);
    printf("\nCandidates, ranked as the coordinator ranks them (never promotion=never, no errant "
           "GTIDs,\nmost received, then promotion=prefer, then least apply backlog, then lag, then "
           "name):\n");

    /* An aligned table. */
    const char *title[] = {"RANK", "NODE", "PROMOTION", "RECEIVED", "APPLIED", "BINLOG", "LAG",
                           "VERDICT"};
    enum { NC = 8 };
    size_t nr = json_array_size(cands);
    char(*cell)[NC][GTID_POS_STRLEN] = calloc(nr + 1, sizeof(*cell));
    if (!cell) abort();
    size_t w[NC];
    for (int c = 0; c < NC; c++) {
        snprintf(cell[0][c], GTID_POS_STRLEN, "%s", title[c]);
        w[c] = strlen(title[c]);
    }
    /* rows in rank order, then the ineligible */
    size_t row = 1;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < (pass ? x->ncand : x->eligible); k++) {
            size_t i = pass ? k : x->order[k];
            if (pass && x->verdict[i].eligible) continue;
            json_t *j = json_array_get(cands, i);
            json_t *lag = json_object_get(j, "lag_s");
            if (x->verdict[i].eligible)
                snprintf(cell[row][0], GTID_POS_STRLEN, "%d", x->verdict[i].rank);
            else
                snprintf(cell[row][0], GTID_POS_STRLEN, "-");
            snprintf(cell[row][1], GTID_POS_STRLEN, "%s", x->who[i]->name);
            snprintf(cell[row][2], GTID_POS_STRLEN, "%s", ctl_json_str(j, "promotion"));
            snprintf(cell[row][3], GTID_POS_STRLEN, "%s",
                     x->who[i]->reachable ? ctl_json_str(j, "received") : "-");
            snprintf(cell[row][4], GTID_POS_STRLEN, "%s",
                     x->who[i]->reachable ? ctl_json_str(j, "applied") : "-");
            snprintf(cell[row][5], GTID_POS_STRLEN, "%s",
                     x->who[i]->reachable ? ctl_json_str(j, "binlog") : "-");
            if (json_is_number(lag))
                snprintf(cell[row][6], GTID_POS_STRLEN, "%.0fs", json_number_value(lag));
            else
                snprintf(cell[row][6], GTID_POS_STRLEN, "-");
            snprintf(cell[row][7], GTID_POS_STRLEN, "%s%s",
                     x->verdict[i].eligible ? "eligible: " : "NOT eligible: ", x->verdict[i].reason);
            row++;
        }
    }
    for (size_t r = 1; r < row; r++)
        for (int c = 0; c < NC; c++)
            if (strlen(cell[r][c]) > w[c]) w[c] = strlen(cell[r][c]);
    for (size_t r = 0; r < row; r++) {
        printf("  ");
        for (int c = 0; c < NC - 1; c++) printf("%-*s  ", (int)w[c], cell[r][c]);
        printf("%s\n", cell[r][NC - 1]);
    }
    free(cell);
    for (size_t k = 0; k < x->ncand; k++)
        if (!x->who[k]->reachable)
            printf("  (%s unreachable: %s)\n", x->who[k]->name, x->who[k]->err);
    for (size_t i = 0; i < x->n; i++)
        if (!x->nodes[i].st && &x->nodes[i] != x->prim)
            printf("  (%s has no registered agent: not a candidate)\n", x->nodes[i].name);

    if (!x->best) {
        printf("\nNo replica is eligible: a failover now would promote nobody (outcome "
               "no-candidate) and the cluster would stay without a writable primary.\n");
        return;
    }
    printf("\nA %s now would promote %s (epoch %llu -> %llu)", x->kind, x->best->name,
           (unsigned long long)v->primary.epoch, (unsigned long long)v->primary.epoch + 1);
    if (x->donor)
        printf(", after it fetches what it lacks from %s (the most advanced replica)",
               x->donor->name);
    printf(".\n");
    printf("A switchover would also wait for %s to apply the old primary's last position "
           "(%s).\n", x->best->name, x->old_pos_text[0] ? x->old_pos_text : "none");
    printf("\nStatements it would run (passwords shown as ***):\n");
    size_t i;
    json_t *p;
    json_array_foreach(plan, i, p)
    {
        const char *role = ctl_json_str(p, "role");
        printf("\n  on %s (%s%s):\n", ctl_json_str(p, "node"), role,
               strcmp(role, "old-primary") == 0 ? ", fenced by its own agent first" : "");
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(p, "sql"), k, s)
        {
            const char *t = json_string_value(s);
            const char *note = strstr(t, "  -- ");
            if (strncmp(t, "--", 2) == 0)
                printf("    %s\n", t);
            else if (note) /* the statement, then its annotation */
                printf("    %.*s;%s\n", (int)(note - t), t, note);
            else
                printf("    %s;\n", t);
        }
    }
}

/* explain, or switchover --dry-run (kind "switchover", target its --to or NULL). */
static int explain_run(ctl_t *c, const ctl_opts_t *o, const char *kind, const char *target)
{
    int rc = c->zh ? EXIT_OK : ctl_connect(c); /* switchover --dry-run is connected */
    if (rc != EXIT_OK) return rc;
    ex_t *x = calloc(1, sizeof(*x));
    if (!x) abort();
    x->c = c;
    x->kind = kind;
    x->target = target;
    x->v = ctl_view_alloc();
    char err[512];
    rc = ctl_read_view(c->zh, c->cfg, x->v, err, sizeof(err));
    if (rc != EXIT_OK) {
        ctl_fail(c, rc, "%s", err);
        goto out;
    }
    const cluster_view_t *v = x->v;
    if (!v->have_primary) {
        rc = ctl_fail(c, EXIT_REFUSED, "no primary is recorded yet (bootstrap pending): there is "
                      "nothing to fail over; see failoverctl status");
        goto out;
    }
    for (size_t i = 0; i < v->n; i++) {
        ex_node_t *e = &x->nodes[x->n++];
        snprintf(e->name, sizeof(e->name), "%s", v->nodes[i].name);
        snprintf(e->host, sizeof(e->host), "%s", v->nodes[i].host);
        e->port = v->nodes[i].port;
        e->st = &v->nodes[i];
    }
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->nodes[i].name, v->primary.name) == 0) x->prim = &x->nodes[i];
    if (!x->prim) { /* no agent on the primary: probe it at its /primary address */
        x->prim = &x->nodes[x->n++];
        snprintf(x->prim->name, sizeof(x->prim->name), "%s", v->primary.name);
        snprintf(x->prim->host, sizeof(x->prim->host), "%s", v->primary.host);
        x->prim->port = v->primary.port;
    }
    for (size_t i = 0; i < x->n; i++) probe(c->cfg, &x->nodes[i]);

    /* The old primary's position, as move_primary takes it: live when it answers, else the
     * last its agent published. */
    x->old_pos_from = "unknown";
    if (x->prim->reachable) {
        snprintf(x->old_pos_text, sizeof(x->old_pos_text), "%s", x->prim->probe.gtid_binlog_pos);
        x->old_pos_from = "live, from its mysqld";
    } else if (x->prim->st) {
        snprintf(x->old_pos_text, sizeof(x->old_pos_text), "%s", x->prim->st->gtid_binlog);
        x->old_pos_from = "last published by its agent";
    }
    if (gtid_pos_parse(&x->old_pos, x->old_pos_text, err, sizeof(err)) != 0)
        memset(&x->old_pos, 0, sizeof(x->old_pos));
    x->detect = detect_now(x);
    rank(x);

    json_t *cands = candidates_json(x);
    json_t *plan = plan_json(x);
    if (o->json) {
        json_t *j = json_pack("{s:s, s:s, s:I, s:b, s:s, s:s, s:s}", "cluster", c->cfg->cluster_name,
                              "primary", x->prim->name, "epoch", (json_int_t)v->primary.epoch,
                              "paused", control_pause_active(&v->control, wall_ms()),
                              "detection", detect_name(x->detect),
                              "old_primary_gtid", x->old_pos_text, "old_primary_gtid_from",
                              x->old_pos_from);
        json_object_set_new(j, "primary_reachable", json_boolean(x->prim->reachable));
        const char *blocker = failover_blocker(x);
        json_object_set_new(j, "automatic_failover",
                            json_boolean(x->detect == DETECT_CONFIRMED_DEAD && !blocker));
        json_object_set_new(j, "held_by", blocker ? json_string(blocker) : json_null());
        json_object_set_new(j, "primary_stranded",
                            json_boolean(x->prim->reachable && x->prim->probe.read_only &&
                                         !x->prim->st));
        json_object_set_new(j, "candidate", x->best ? json_string(x->best->name) : json_null());
        json_object_set_new(j, "fetch_from", x->donor ? json_string(x->donor->name) : json_null());
        json_object_set(j, "candidates", cands);
        json_object_set(j, "statements", plan);
        char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        printf("%s\n", s);
        free(s);
        json_decref(j);
    } else {
        print_text(x, cands, plan);
    }
    json_decref(cands);
    json_decref(plan);
    rc = EXIT_OK;
out:
    free(x->v);
    free(x);
    return rc;
}

int ctl_explain(ctl_t *c, const ctl_opts_t *o)
{
    return explain_run(c, o, "failover", NULL);
}

int ctl_explain_switchover(ctl_t *c, const char *target)
{
    ctl_opts_t o = {0};
    return explain_run(c, &o, "switchover", target);
}
