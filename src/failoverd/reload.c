/* reload.c -- SIGHUP: the configuration file read again, checked whole, and either applied or
 * refused whole (never half), with every change logged. What a running agent can take: timeouts,
 * lag limits, hooks, promotion, fence and semi-sync settings, log level, passwords, the HTTP
 * socket (bound anew before the swap). What it cannot (restart_keys: its ZooKeeper session, its
 * identity, the failsafe thread) refuses the reload and names the key; `systemctl restart`
 * applies those without a write cut on the primary (the restarted agent resumes its session:
 * lease_file, SIGUSR2).
 *
 * Threads read a->cfg when they need a value; the new configuration replaces the pointer in one
 * store, and the old one is kept (not freed) until the agent exits, so a thread still reading it
 * never reads freed memory. A reload costs a few kilobytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "httpbind.h"
#include "log.h"

/* "section.key" that need a restart. */
static const char *const restart_keys[] = {
    "cluster.name",   "cluster.zk_hosts", "cluster.zk_root",   "cluster.zk_session_timeout_ms",
    "cluster.zk_auth_file", "node.name",  "node.host",         "node.port",
    "node.socket",    "agent.pid_file",   "agent.lease_file",
    "failover.failsafe",
};

static config_t **retired;
static size_t n_retired;

typedef struct diff_state {
    char refused[512]; /* the first restart key that changed, as "[section] key (old -> new)" */
    int n;
} diff_state_t;

static bool needs_restart(const char *section, const char *key)
{
    char name[128];
    snprintf(name, sizeof(name), "%s.%s", section, key);
    for (size_t i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++)
        if (strcmp(restart_keys[i], name) == 0) return true;
    return false;
}

static void check_one(const char *section, const char *key, const char *old_value,
                      const char *new_value, void *arg)
{
    diff_state_t *d = arg;
    if (!d->refused[0] && needs_restart(section, key))
        snprintf(d->refused, sizeof(d->refused), "[%s] %s (\"%s\" -> \"%s\")", section, key,
                 old_value, new_value);
}

static void log_one(const char *section, const char *key, const char *old_value,
                    const char *new_value, void *arg)
{
    diff_state_t *d = arg;
    d->n++;
    log_notice("reload: [%s] %s: \"%s\" -> \"%s\"%s", section, key, old_value, new_value,
               config_key_is_cluster_wide(section, key)
                   ? " (must be equal on every node: reload the others too; until then the "
                     "coordinator refuses to act on a mismatched node)"
                   : "");
}

static bool same(const char *x, const char *y)
{
    return strcmp(x ? x : "", y ? y : "") == 0;
}

int agent_reload(agent_t *a, const char *path)
{
    char err[1024];
    config_t *old = a->cfg, *cfg = config_alloc();
    sd_notify(0, "RELOADING=1");
    log_notice("SIGHUP: reading %s again", path);
    if (config_load(cfg, path, err, sizeof(err)) != 0 ||
        config_validate(cfg, true, err, sizeof(err)) != 0) {
        log_error("reload refused, nothing changed: %s", err);
        config_free(cfg);
        sd_notify(0, "READY=1");
        return -1;
    }
    diff_state_t d = {.n = 0};
    config_diff(old, cfg, check_one, &d);
    if (d.refused[0]) {
        log_error("reload refused, nothing changed: %s needs a restart (systemctl restart keeps "
                  "the ZooKeeper session, so a primary keeps taking writes)", d.refused);
        config_free(cfg);
        sd_notify(0, "READY=1");
        return -1;
    }
    /* The HTTP socket first: the one change that can fail once validated (a port taken). */
    if (!same(old->http_listen, cfg->http_listen) &&
        http_rebind(a, cfg->http_listen, err, sizeof(err)) != 0) {
        log_error("reload refused, nothing changed: %s", err);
        config_free(cfg);
        sd_notify(0, "READY=1");
        return -1;
    }
    config_diff(old, cfg, log_one, &d);
    bool pw = !same(config_mysql_password(old), config_mysql_password(cfg)),
         rpw = !same(config_repl_password(old), config_repl_password(cfg));
    if (pw) log_notice("reload: the mysql password changed");
    if (rpw) log_notice("reload: the replication password changed");
    if (d.n == 0 && !pw && !rpw) {
        log_notice("reload: %s has no changes", path);
        config_free(cfg);
        sd_notify(0, "READY=1");
        return 0;
    }
    config_t **r = realloc(retired, (n_retired + 1) * sizeof(*r));
    if (!r) abort();
    retired = r;
    retired[n_retired++] = old;
    log_level_t lvl = log_level_from_string(cfg->log_level);
    log_set_level(lvl == LOG_LVL_INVALID ? LOG_LVL_INFO : lvl);
    __atomic_store_n(&a->cfg, cfg, __ATOMIC_RELEASE);
    /* Everything that reads the configuration runs again now (a new check interval, lag limit or
     * promotion is published at once). */
    pthread_mutex_lock(&a->mu);
    a->kick_local = a->kick_coord = true;
    a->local_dirty |= DIRTY_ALL;
    a->coord_dirty |= DIRTY_ALL;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    log_notice("reload: %d change(s) applied from %s", d.n + pw + rpw, path);
    sd_notify(0, "READY=1");
    return 0;
}

void reload_free_retired(void)
{
    for (size_t i = 0; i < n_retired; i++) config_free(retired[i]);
    free(retired);
    retired = NULL;
    n_retired = 0;
}
