/* sqlrows.c -- one read-only query on a node over a short-lived connection, for check-config and
 * explain (SHOW GRANTS, the session list, a few server variables). The SQL lives in db.c. */
#include "ctl.h"

int ctl_sql_rows(const db_target_t *t, const char *sql, ctl_row_fn fn, void *arg, char *err,
                 size_t errlen)
{
    db_conn_t *c = db_connect(t, err, errlen);
    if (!c) return -1;
    int rc = db_query_rows(c, sql, fn, arg, err, errlen);
    db_close(c);
    return rc;
}
