/* ctl.h -- failoverctl's internal interface: main.c parses the command line and calls one of
 * these; each returns an exit code from exitcodes.h and prints its own one-line failure. */
#ifndef FO_CTL_H
#define FO_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <stdio.h>
#include <zookeeper/zookeeper.h>

#include "config.h"
#include "db.h"
#include "decide.h"
#include "nodestate.h"
#include "repairrec.h"

#define CTL_MAX_NODES 64

/* What one run of failoverctl works with: the settings, where they came from, and the session. */
typedef struct ctl {
    config_t *cfg;
    const char *cfg_path; /* NULL when the cluster was named with --zk/--cluster */
    const char *cmd;      /* the command's name, for messages ("failoverctl switchover: ...") */
    zhandle_t *zh;        /* set by ctl_connect */
} ctl_t;

/* Options of every command, filled by main.c; each command reads the ones it declared. */
typedef struct ctl_opts {
    bool json, watch, force;
    const char *to;  /* switchover/failover --to NODE */
    int timeout_s;   /* --timeout S; 0 = the config's catchup_timeout_ms */
    int count;       /* history -n N; 0 = all */
    const char *file; /* check-config FILE */
    const char *primary; /* switchover --primary NODE: refuse unless NODE is the primary */
    bool dry_run, yes;   /* switchover --dry-run, --yes */
    const char *reason;  /* pause --reason TEXT */
    long for_s;          /* pause --for DURATION, in seconds; 0 = until resume */
    bool fix;         /* acl --fix */
} ctl_opts_t;

/* A snapshot of one cluster as ZooKeeper holds it. */
typedef struct cluster_view {
    bool have_primary;
    primary_rec_t primary;
    bool have_control;   /* the /control znode exists (else control holds the defaults) */
    control_rec_t control;
    char coordinator[NAME_MAX_LEN + 1];
    size_t n;
    node_state_t nodes[CTL_MAX_NODES]; /* sorted by name */
    /* When ZooKeeper last changed each (its own clock, ms): true event times, whenever we look. */
    int64_t primary_mtime, control_mtime;
    int64_t node_mtime[CTL_MAX_NODES];
    char bad[CTL_MAX_NODES][300]; /* malformed registrations, reported not fatal */
    size_t nbad;
    /* Every nodes/ child that a read did not find gone, readable or not: an unreadable
     * registration is no absence (the coordinator does not take it for a fence either). */
    char listed[CTL_MAX_NODES][NAME_MAX_LEN + 1];
    size_t nlisted;
    /* /repair/<name> of each of nodes[] (issue 11): errant transactions and the repair; state
     * REPAIR_STATE_NONE when there is none */
    repair_rec_t repair[CTL_MAX_NODES];
} cluster_view_t;

/* ---- common.c: messages, the ZooKeeper session, the view, /control, formatting ------------ */

/* "failoverctl CMD: MESSAGE" on stderr, one line; returns code. */
int ctl_fail(const ctl_t *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Connect (bounded by the session timeout) and check the cluster exists: EXIT_OK, EXIT_ZK or
 * EXIT_NOT_FOUND, message printed. */
int ctl_connect(ctl_t *c);
/* Keep the ZooKeeper client library's own log off stderr. */
void ctl_quiet_zk(void);
void ctl_disconnect(ctl_t *c);

int ctl_read_view(zhandle_t *zh, const config_t *cfg, cluster_view_t *v, char *err, size_t errlen);
/* The same, leaving data watches on what it read (the handle's default watcher gets them). */
int ctl_read_view_watch(zhandle_t *zh, const config_t *cfg, cluster_view_t *v, bool watch,
                        char *err, size_t errlen);
cluster_view_t *ctl_view_alloc(void);
const node_state_t *ctl_view_node(const cluster_view_t *v, const char *name);
/* nodes/NAME may exist (listed, not found gone), whether or not it could be read. */
bool ctl_view_listed(const cluster_view_t *v, const char *name);
/* The registered node whose address is host:port, or NULL. */
const node_state_t *ctl_view_node_at(const cluster_view_t *v, const char *host, int port);
/* "node1, node2, node3" (or "none registered") for messages. */
void ctl_view_names(const cluster_view_t *v, char *buf, size_t len);

/* Read-modify-write of /control guarded by its version; creates it when missing. edit returns
 * EXIT_OK to write, or an exit code (with its message already printed) to stop. mtime (may be
 * NULL) gets ZooKeeper's time of the write. */
typedef int (*ctl_control_edit_fn)(const ctl_t *c, control_rec_t *ctl, bool malformed, void *arg);
int ctl_control_update(ctl_t *c, ctl_control_edit_fn edit, void *arg, int64_t *mtime);

/* History records: children of /history, newest first, parsed. */
typedef struct ctl_hist {
    long seq;
    char id[32];
    char *json;   /* raw, malloc'd */
    json_t *obj;  /* NULL when malformed (error says why) */
    char error[200];
} ctl_hist_t;
/* Load up to max (0 = all) records with seq > after_seq, newest first. Returns how many, or -1
 * with a message. *total gets how many exist. watch: leave a child watch on /history.
 * Free with ctl_hist_free. */
long ctl_hist_load(zhandle_t *zh, const config_t *cfg, long after_seq, size_t max, bool watch,
                   ctl_hist_t **out, size_t *total, char *err, size_t errlen);
void ctl_hist_free(ctl_hist_t *h, long n);
long ctl_hist_last_seq(zhandle_t *zh, const config_t *cfg);

/* "41 ms", "1.25 s", "3 min 20 s". */
void ctl_fmt_ms(int64_t ms, char *buf, size_t len);
/* Local time "2026-05-01 12:00:03.120" of a wall-clock ms value ("-" for 0). */
void ctl_fmt_time(int64_t wall_ms, char *buf, size_t len);
/* A db_target_t for a node address with the config's [mysql] account. */
db_target_t ctl_target(const config_t *cfg, const char *host, int port, const char *socket);

/* ---- sqlrows.c: one read-only query over a short-lived connection ------------------------- */

typedef int (*ctl_row_fn)(char **row, unsigned ncols, void *arg);
/* Connect to t, run one read-only query, call fn per row. 0, or -1 with a message. */
int ctl_sql_rows(const db_target_t *t, const char *sql, ctl_row_fn fn, void *arg, char *err,
                 size_t errlen);

/* ---- status.c ----------------------------------------------------------------------------- */
int ctl_status(ctl_t *c, const ctl_opts_t *o);

/* ---- control.c: pause, resume --------------------------------------------------------------- */
/* acl.c */
int ctl_acl(ctl_t *c, const ctl_opts_t *o);

int ctl_pause(ctl_t *c, const ctl_opts_t *o);
int ctl_resume(ctl_t *c, const ctl_opts_t *o);

/* ---- move.c: switchover, failover --------------------------------------------------------- */
int ctl_switchover(ctl_t *c, const ctl_opts_t *o);
int ctl_failover(ctl_t *c, const ctl_opts_t *o);

/* ---- history.c ---------------------------------------------------------------------------- */
int ctl_history(ctl_t *c, const ctl_opts_t *o);
/* One record as the human block history prints (also the end of a switchover). */
void ctl_hist_print(FILE *f, const ctl_hist_t *h);
/* A record's candidates, best rank first, then the ineligible with their reason. */
void ctl_hist_candidates(FILE *f, const char *indent, const json_t *cands);
/* "fence 15 ms, catch-up 2 ms, ..., total 388 ms", or "" when the record has no timings. */
void ctl_hist_phases(const json_t *rec, char *buf, size_t len);
/* "no transaction lost" or "LOST 3 transaction(s): 0-1-55..0-1-57", or "" without accounting. */
void ctl_hist_loss(const json_t *rec, char *buf, size_t len);
/* A string member, or "" when absent or not a string. */
const char *ctl_json_str(const json_t *o, const char *key);

/* ---- rejoin.c: a diverged node's repair (/repair/NODE) --------------------------------------- */
int ctl_rejoin(ctl_t *c, const ctl_opts_t *o);
int ctl_reinit(ctl_t *c, const ctl_opts_t *o); /* rejoin.c */
/* "3 transaction(s) 0-1-5..0-1-7 the primary node2 never had (...); refused: ..." */
void ctl_repair_summary(const repair_rec_t *r, char *buf, size_t len);

/* ---- explain.c ---------------------------------------------------------------------------- */
int ctl_explain(ctl_t *c, const ctl_opts_t *o);
/* switchover --dry-run: the same plan for a switchover to target (NULL: the best ranked). */
int ctl_explain_switchover(ctl_t *c, const char *target);

/* ---- checkconfig.c ------------------------------------------------------------------------ */
int ctl_check_config(ctl_t *c, const ctl_opts_t *o);

#endif
