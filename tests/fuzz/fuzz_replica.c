/* fuzz_replica.c -- libFuzzer target: the replica status row as the agent reads it
 * (flavor_detect() on the server's version, then flavor_replica_pick_row() and
 * flavor_replica_parse(), include/flavor.h), from what a server that answers garbage might send.
 * Input: a first line with the version string, then "Column: value" lines as SHOW SLAVE STATUS\G
 * prints them (a line without ": " is a column whose value is NULL). Whatever comes in, the
 * result stays inside its documented ranges and its strings are terminated. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flavor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_COLS 128

static void check_str(const char *s, size_t cap)
{
    if (memchr(s, '\0', cap) == NULL) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    flavor_info_t f;
    char err[256];
    if (line == NULL || flavor_detect(line, NULL, &f, err, sizeof err) != 0) {
        /* refused with a message, never crashed: and the message is one terminated line */
        check_str(err, sizeof err);
        f = FLAVOR_INFO_MARIADB;
    }
    const char *names[MAX_COLS], *values[MAX_COLS];
    unsigned n = 0;
    while (n < MAX_COLS && (line = strtok_r(NULL, "\n", &save)) != NULL) {
        while (*line == ' ') line++;
        char *sep = strstr(line, ": ");
        if (sep) {
            *sep = '\0';
            values[n] = sep + 2;
        } else {
            values[n] = NULL;
        }
        names[n++] = line;
    }
    const char *const *rows[1] = {values};
    int row = flavor_replica_pick_row(&f, n, names, 1, rows);
    if (row < -1 || row > 0) abort();
    flavor_replica_t r;
    memset(&r, 0x5a, sizeof r);
    flavor_replica_parse(&f, n, names, values, &r);
    check_str(r.source_host, sizeof r.source_host);
    check_str(r.last_io_error, sizeof r.last_io_error);
    check_str(r.last_sql_error, sizeof r.last_sql_error);
    check_str(r.received_gtid, sizeof r.received_gtid);
    check_str(r.executed_gtid, sizeof r.executed_gtid);
    check_str(r.relay_log_file, sizeof r.relay_log_file);
    if (r.source_port < 0 || r.source_port > 65535 || r.sql_delay_s < 0 || r.heartbeats < -1 ||
        r.heartbeat_period_ms < 0 || r.relay_log_pos < -1 || (r.lag_s < 0 && r.lag_s != -1))
        abort();
    free(text);
    return 0;
}
