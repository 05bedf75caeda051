/* sqlrows.c -- read-only queries whose rows db.c does not hand out (SHOW GRANTS, the session list,
 * a few server variables), for check-config and explain. A stopgap until db.c grows a row API:
 * it connects exactly like db_connect (same timeouts and TLS settings) and never writes. */
#include <mysql.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

int ctl_sql_rows(const db_target_t *t, const char *sql, ctl_row_fn fn, void *arg, char *err,
                 size_t errlen)
{
    char addr[300];
    if (t->socket && t->socket[0])
        snprintf(addr, sizeof(addr), "%s", t->socket);
    else
        snprintf(addr, sizeof(addr), "%s:%d", t->host, t->port);
    MYSQL *my = mysql_init(NULL);
    if (!my) {
        snprintf(err, errlen, "%s: out of memory", addr);
        return -1;
    }
    unsigned int cto = t->connect_timeout_ms <= 0 ? 1 : (unsigned)(t->connect_timeout_ms + 999) / 1000;
    unsigned int rto = t->read_timeout_ms <= 0 ? 1 : (unsigned)(t->read_timeout_ms + 999) / 1000;
    mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &cto);
    mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &rto);
    mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &rto);
    const config_t *cfg = t->cfg;
    if (cfg && cfg->ssl_mode && strcmp(cfg->ssl_mode, "disabled") != 0 &&
        strcmp(cfg->ssl_mode, "preferred") != 0) {
        my_bool yes = 1;
        mysql_ssl_set(my, cfg->ssl_key, cfg->ssl_cert, cfg->ssl_ca, NULL, NULL);
        mysql_options(my, MYSQL_OPT_SSL_ENFORCE, &yes);
        my_bool verify = strcmp(cfg->ssl_mode, "verify_ca") == 0 ||
                         strcmp(cfg->ssl_mode, "verify_identity") == 0;
        mysql_options(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    }
    const char *sock = (t->socket && t->socket[0]) ? t->socket : NULL;
    int rc = -1;
    if (!mysql_real_connect(my, sock ? NULL : t->host, t->user, t->password, NULL,
                            sock ? 0 : (unsigned int)t->port, sock, 0)) {
        snprintf(err, errlen, "%s: connect: %s (errno %u)", addr, mysql_error(my), mysql_errno(my));
        goto out;
    }
    if (mysql_query(my, sql) != 0) {
        snprintf(err, errlen, "%s: %s: %s (errno %u)", addr, sql, mysql_error(my), mysql_errno(my));
        goto out;
    }
    MYSQL_RES *r = mysql_store_result(my);
    if (!r) {
        snprintf(err, errlen, "%s: %s: no result: %s", addr, sql, mysql_error(my));
        goto out;
    }
    unsigned ncols = mysql_num_fields(r);
    MYSQL_ROW row;
    rc = 0;
    while ((row = mysql_fetch_row(r)))
        if (fn(row, ncols, arg) != 0) break;
    mysql_free_result(r);
out:
    mysql_close(my);
    return rc;
}
