/* acl.c -- failoverctl acl: which of the cluster's znodes anyone may change (made before
 * zk_auth_file was set), and with --fix, give them the digest ACL of zk_auth_file. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "exitcodes.h"
#include "zkutil.h"

static void print_one(const char *path, const char *state, void *arg)
{
    (void)arg;
    printf("%-60s %s\n", path, state);
}

int ctl_acl(ctl_t *c, const ctl_opts_t *o)
{
    if (o->fix && !config_zk_auth(c->cfg))
        return ctl_fail(c, EXIT_CONFIG, "--fix needs [cluster] zk_auth_file (the identity the "
                        "znodes are given to); use -c FILE with zk_auth_file set");
    int rc = ctl_connect(c);
    if (rc != EXIT_OK) return rc;
    zk_acl_walk_t w = {.depth = 0, .fix = o->fix, .visit = print_one};
    zk_acl_audit_t a;
    int zrc = zk_acl_audit(c->zh, c->cfg, &w, &a);
    printf("%d znodes: %d open (anyone may change them), %d not readable with this identity\n",
           a.checked, a.open, a.refused);
    if (o->fix) printf("%d given the digest ACL of %s\n", a.fixed, c->cfg->zk_auth_file);
    if (zrc != ZOK)
        return ctl_fail(c, EXIT_ZK, "walking the cluster's znodes: %s", zerror(zrc));
    if (a.refused > 0)
        return ctl_fail(c, EXIT_FAILURE_GENERIC, "%s (and %d more) carry an ACL for another "
                        "identity: check [cluster] zk_auth_file", a.first_refused, a.refused - 1);
    if (a.open > a.fixed)
        return ctl_fail(c, EXIT_FAILURE_GENERIC, "%d znode%s open, e.g. %s%s", a.open - a.fixed,
                        a.open - a.fixed == 1 ? " is" : "s are", a.first_open,
                        o->fix ? "" : c->cfg->zk_auth_file ? "; run: failoverctl acl --fix"
                                                           : "; set [cluster] zk_auth_file on "
                                                             "every agent, then acl --fix");
    return EXIT_OK;
}
