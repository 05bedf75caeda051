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

/* Sequence number suffix of an election/history child ("n_node1_0000000012" -> 12), -1 if none. */
long zk_seq_of(const char *child);

#endif
