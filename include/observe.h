/* observe.h -- turning a probe of a mysqld into the observations decide.h ranks and judges, so
 * the coordinator and failoverctl explain see the cluster through exactly the same lens.
 * Defined in src/lib/observe.c. */
#ifndef FO_OBSERVE_H
#define FO_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "decide.h"
#include "nodestate.h"

/* Fill o for a candidate: received = gtid_slave_pos merged with Gtid_IO_Pos, applied =
 * gtid_slave_pos, binlog = gtid_binlog_pos. MySQL: received = Retrieved_Gtid_Set union
 * gtid_executed, applied = binlog = gtid_executed, authored = the part of gtid_executed with the
 * server's own server_uuid (what errant detection looks at). p == NULL: unreachable. Returns 0, or -1 with a
 * message when the server answered an unparsable position (o is then marked unreachable).
 * o->name points at name: keep it alive as long as o. */
int observe_candidate(candidate_obs_t *o, const char *name, promotion_t promotion,
                      const db_probe_t *p, char *err, size_t errlen);

/* The same from a node's registration as its agent published it (node_state_t): what
 * failoverctl judges and ranks with, and an agent's own errant-transaction count (its snapshot
 * against the primary's registration). o->name points at n->name. 0, or -1 with a message when
 * a published position or server_uuid cannot be parsed (o is then marked unreachable). */
int observe_published(candidate_obs_t *o, const node_state_t *n, char *err, size_t errlen);

/* Does this replica's IO thread stream from host:port right now? (holistic detection) */
bool observe_streams_from(const db_probe_t *p, const char *host, int port);

#endif
