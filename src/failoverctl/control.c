/* control.c -- failoverctl pause / resume: the maintenance flag in /control. Agents keep
 * publishing and fencing while paused; only the coordinator's automatic failover stops. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "exitcodes.h"

typedef struct pause_arg {
    bool want;
    bool was;
    bool malformed;
} pause_arg_t;

static int edit_paused(const ctl_t *c, control_rec_t *rec, bool malformed, void *arg)
{
    (void)c;
    pause_arg_t *p = arg;
    p->was = malformed || rec->paused; /* a malformed /control counts as paused (coordinator) */
    p->malformed = malformed;
    rec->paused = p->want;
    return EXIT_OK;
}

static int set_paused(ctl_t *c, bool want)
{
    int rc = ctl_connect(c);
    if (rc != EXIT_OK) return rc;
    pause_arg_t p = {.want = want};
    rc = ctl_control_update(c, edit_paused, &p, NULL);
    if (rc != EXIT_OK) return rc;
    if (p.malformed)
        printf("note: /control was malformed and has been rewritten (any pending request there "
               "was dropped)\n");
    if (want)
        printf("cluster %s %s: the coordinator will not fail over automatically; agents still "
               "publish and fence. Undo with failoverctl resume.\n", c->cfg->cluster_name,
               p.was ? "was already paused" : "paused");
    else if (p.was)
        printf("cluster %s resumed: automatic failover is on again (a primary already lost is "
               "failed over now)\n", c->cfg->cluster_name);
    else
        printf("cluster %s was not paused: automatic failover is on\n", c->cfg->cluster_name);
    return EXIT_OK;
}

int ctl_pause(ctl_t *c, const ctl_opts_t *o)
{
    (void)o;
    return set_paused(c, true);
}

int ctl_resume(ctl_t *c, const ctl_opts_t *o)
{
    (void)o;
    return set_paused(c, false);
}
