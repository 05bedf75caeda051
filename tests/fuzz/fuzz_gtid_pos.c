/* fuzz_gtid_pos.c -- libFuzzer target: MariaDB GTID positions as a server prints them (or as a
 * hostile node znode carries them). Parsed positions must format, parse back to the same text,
 * and compare consistently with another position cut from the same input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gtid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse_part(gtid_pos_t *p, const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char err[512] = "";
    if (s == NULL)
        return -1;
    memcpy(s, data, size);
    s[size] = '\0';
    int rc = gtid_pos_parse(p, s, err, sizeof err);
    if (rc != 0 && (err[0] == '\0' || strchr(err, '\n') != NULL))
        abort();
    free(s);
    return rc;
}

static void round_trip(const gtid_pos_t *p)
{
    char buf[GTID_POS_STRLEN], again[GTID_POS_STRLEN], err[256];
    gtid_pos_t q;
    if (gtid_pos_format(p, buf, sizeof buf) != 0 || gtid_pos_parse(&q, buf, err, sizeof err) != 0 ||
        gtid_pos_format(&q, again, sizeof again) != 0 || strcmp(buf, again) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The whole input is one position; split at the first '|' it is also two to compare. */
    gtid_pos_t a, b;
    if (parse_part(&a, data, size) == 0)
        round_trip(&a);
    const uint8_t *bar = memchr(data, '|', size);
    if (bar == NULL)
        return 0;
    size_t na = (size_t)(bar - data);
    if (parse_part(&a, data, na) != 0 || parse_part(&b, bar + 1, size - na - 1) != 0)
        return 0;
    gtid_cmp_t ab = gtid_pos_compare(&a, &b), ba = gtid_pos_compare(&b, &a);
    bool a_has_b = gtid_pos_contains(&a, &b);
    if ((ab == GTID_CMP_EQUAL) != (ba == GTID_CMP_EQUAL) ||
        (ab == GTID_CMP_AHEAD) != (ba == GTID_CMP_BEHIND) || (a_has_b != (gtid_pos_missing_count(&a, &b) == 0)))
        abort();
    char miss[GTID_POS_STRLEN * 2];
    (void)gtid_pos_missing_format(&a, &b, miss, sizeof miss);
    gtid_pos_merge_max(&a, &b);
    if (!gtid_pos_contains(&a, &b))
        abort();
    return 0;
}
