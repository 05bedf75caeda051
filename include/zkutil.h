/* zkutil.h -- ZooKeeper paths and synchronous helpers shared by failoverd and failoverctl.
 * Defined in src/lib/zkutil.c. Synchronous calls block: never call them on an event loop. */
#ifndef FO_ZKUTIL_H
#define FO_ZKUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <zookeeper/zookeeper.h>

#include "config.h"

#define ZK_PATH_MAX 512
#define ZK_DATA_MAX (1024 * 1024)

/* <zk_root>/<cluster><suffix>, e.g. zk_cluster_path(cfg, buf, len, "/nodes/%s", name). */
int zk_cluster_path(const config_t *cfg, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The ACL every znode is created with: digest identity from zk_auth_file, else open. */
struct ACL_vector *zk_acl(const config_t *cfg);

/* Add digest auth from cfg->zk_auth_file (if set). 0 ok, -1 with message. */
int zk_add_auth(zhandle_t *zh, const config_t *cfg, char *err, size_t errlen);

/* Create every missing persistent znode along path (and path itself). 0 or a ZK error code. */
int zk_ensure_path(zhandle_t *zh, const config_t *cfg, const char *path);

/* Read a znode into a malloc'd NUL-terminated buffer (caller frees). watch: set a data watch.
 * Returns ZOK, ZNONODE, or another ZK error code. stat may be NULL. */
int zk_get_alloc(zhandle_t *zh, const char *path, bool watch, char **out, int *outlen,
                 struct Stat *stat);

/* Handle settings every session of ours gets: the C client otherwise re-resolves zk_hosts
 * (getaddrinfo, a netlink round trip) every time it polls its socket, i.e. around every request;
 * with this it does so at most every ZK_RESOLVE_DELAY_MS (and always after a connection loss
 * or zoo_set_servers()), which still follows a DNS change of a server within that window. */
#define ZK_RESOLVE_DELAY_MS 30000
void zk_tune_handle(zhandle_t *zh);

/* Connect and wait (up to timeout_ms) for the session to be established; for failoverctl.
 * NULL with a message on failure. */
zhandle_t *zk_connect_wait(const config_t *cfg, int timeout_ms, char *err, size_t errlen);

/* A sync of path, waited for up to timeout_ms: what the server answers after this has been
 * ordered by the leader, so a follower that lags (or was cut off from the leader) cannot serve a
 * stale read. ZOK, ZOPERATIONTIMEOUT, or the sync's error code. */
int zk_sync_wait(zhandle_t *zh, const char *path, int timeout_ms);

/* ZooKeeper's clock: the leader's wall-clock time (ms since the epoch) at which it applied a write
 * to the cluster's /clock znode (created when missing), i.e. that write's mtime. For times other
 * hosts wrote and this host must judge (the anti-flap hold), so that a host whose clock was
 * stepped does not misjudge them. One write. ZOK with *now_ms set, or a ZK error code. */
int zk_clock_ms(zhandle_t *zh, const config_t *cfg, int64_t *now_ms);

/* ACLs: a cluster whose znodes were made before zk_auth_file was set keeps their open ACL
 * (world:anyone, all rights) until `failoverctl acl --fix` gives them the digest one. */
typedef struct zk_acl_walk {
    int depth; /* levels below and including the cluster's znode; 0 = all */
    bool fix;  /* give every open znode the digest ACL of zk_auth_file (zk_acl()) */
    void (*visit)(const char *path, const char *state, void *arg); /* each znode, may be NULL */
    void *arg;
} zk_acl_walk_t;

typedef struct zk_acl_audit {
    int checked;
    int open;    /* anyone may change them */
    int fixed;   /* of those, given the digest ACL */
    int refused; /* not readable: an ACL for another identity */
    char first_open[ZK_PATH_MAX], first_refused[ZK_PATH_MAX];
    int rc;      /* the first other ZooKeeper error, ZOK when none */
} zk_acl_audit_t;

/* Walk the cluster's znodes (zk_root/cluster and below) and classify each ACL; ZOK or out->rc. */
int zk_acl_audit(zhandle_t *zh, const config_t *cfg, const zk_acl_walk_t *w, zk_acl_audit_t *out);

/* For the agent, once per session: true with a one-line warning in msg when the cluster's top
 * znodes are open although zk_auth_file is set, or carry an ACL this identity cannot read. */
bool zk_acl_advice(zhandle_t *zh, const config_t *cfg, char *msg, size_t len);

/* Sequence number suffix of an election/history child ("n_node1_0000000012" -> 12), -1 if none. */
long zk_seq_of(const char *child);

#endif
