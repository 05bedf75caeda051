/* observe.c -- from a mysqld probe to decide.h's observations: one mapping shared by the
 * coordinator and failoverctl explain, so explain's ranking is the coordinator's ranking. */
#include "observe.h"

#include <stdio.h>
#include <string.h>

int observe_candidate(candidate_obs_t *o, const char *name, promotion_t promotion,
                      const db_probe_t *p, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    o->name = name;
    o->promotion = promotion;
    o->lag_s = -1;
    o->semi_sync_ack = -1;
    o->reachable = p != NULL;
    if (!p) return 0;
    gtid_pos_t io;
    o->is_replica = p->is_replica;
    o->lag_s = p->lag_s;
    o->sql_delay_s = p->sql_delay_s;
    o->semi_sync_ack = p->semi_sync_replica;
    if (gtid_pos_parse(&o->applied, p->gtid_slave_pos, err, errlen) != 0 ||
        gtid_pos_parse(&io, p->gtid_io_pos, err, errlen) != 0 ||
        gtid_pos_parse(&o->binlog, p->gtid_binlog_pos, err, errlen) != 0) {
        o->reachable = false;
        return -1;
    }
    o->received = o->applied;
    gtid_pos_merge_max(&o->received, &io);
    /* MySQL: gtid_executed is applied and binlog alike; what it wrote itself may be errant */
    if (o->binlog.mysql && p->server_uuid[0] &&
        gtid_pos_from_source(&o->authored, &o->binlog, p->server_uuid, err, errlen) != 0) {
        o->reachable = false;
        return -1;
    }
    return 0;
}

bool observe_streams_from(const db_probe_t *p, const char *host, int port)
{
    return p->is_replica && p->io_running && p->source_port == port &&
           strcmp(p->source_host, host) == 0;
}

int observe_published(candidate_obs_t *o, const node_state_t *n, char *err, size_t errlen)
{
    char perr[256];
    gtid_pos_t io;
    memset(o, 0, sizeof(*o));
    o->name = n->name;
    o->promotion = n->promotion;
    o->reachable = n->healthy;
    o->is_replica = n->role == ROLE_REPLICA;
    o->lag_s = n->lag_s;
    o->sql_delay_s = n->sql_delay_s;
    o->semi_sync_ack = -1; /* not published: count it as possibly acknowledging */
    if (gtid_pos_parse(&o->applied, n->gtid_applied, perr, sizeof(perr)) != 0 ||
        gtid_pos_parse(&io, n->gtid_received, perr, sizeof(perr)) != 0 ||
        gtid_pos_parse(&o->binlog, n->gtid_binlog, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "%s publishes an unusable GTID position: %s", n->name, perr);
        o->reachable = false;
        return -1;
    }
    o->received = o->applied;
    gtid_pos_merge_max(&o->received, &io);
    /* MySQL: what it wrote itself, for errant GTIDs, as observe_candidate does from a probe
     * (an agent older than the server_uuid field publishes none: nothing counted errant) */
    if (o->binlog.mysql && n->server_uuid[0] &&
        gtid_pos_from_source(&o->authored, &o->binlog, n->server_uuid, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "%s publishes an unusable server_uuid: %s", n->name, perr);
        o->reachable = false;
        return -1;
    }
    return 0;
}
