/* ctl.h -- failoverctl's internal interface: main.c parses the command line and calls one of
 * these; each returns an exit code from exitcodes.h and prints its own one-line failure. */
#ifndef FO_CTL_H
#define FO_CTL_H

#include <stdbool.h>

#include "config.h"
#include "nodestate.h"
#include <zookeeper/zookeeper.h>

#define CTL_MAX_NODES 64

/* A snapshot of one cluster as ZooKeeper holds it. */
typedef struct cluster_view {
    bool have_primary;
    primary_rec_t primary;
    control_rec_t control;
    char coordinator[NAME_MAX_LEN + 1];
    size_t n;
    node_state_t nodes[CTL_MAX_NODES];
    char bad[CTL_MAX_NODES][300]; /* malformed registrations, reported not fatal */
    size_t nbad;
} cluster_view_t;

/* status.c */
int ctl_read_view(zhandle_t *zh, const config_t *cfg, cluster_view_t *v, char *err, size_t errlen);
int ctl_status(const config_t *cfg, bool json, bool watch);

#endif
