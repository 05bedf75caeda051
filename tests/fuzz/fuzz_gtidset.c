/* fuzz_gtidset.c -- libFuzzer target: MySQL GTID sets (gtidset.h) as a server, or a hostile node
 * znode, could present them. Whatever parses must format and parse back to the same set; split
 * at the first '|', the input is also two sets whose union, difference and comparison must agree
 * with each other. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gtidset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gtidset_t *parse_part(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char err[512] = "";
    gtidset_t *set = gtidset_alloc();
    if (s == NULL || set == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    if (gtidset_parse(set, s, err, sizeof err) != 0) {
        if (err[0] == '\0' || strchr(err, '\n') != NULL || !gtidset_is_empty(set))
            abort(); /* a refusal says why on one line, and leaves the set alone */
        gtidset_free(set);
        set = NULL;
    }
    free(s);
    return set;
}

static void round_trip(const gtidset_t *s)
{
    char *text = gtidset_to_string(s);
    gtidset_t *back = gtidset_alloc();
    char err[512];
    if (text == NULL || back == NULL || gtidset_parse(back, text, err, sizeof err) != 0 ||
        !gtidset_equal(s, back) || gtidset_count(s) != gtidset_count(back) ||
        gtidset_is_empty(s) != (gtidset_count(s) == 0))
        abort();
    free(text);
    gtidset_free(back);
}

/* u = a | b, d = a - b; then d | b == u, d inside a, (u - b) == d, compare matches subset. */
static void algebra(const gtidset_t *a, const gtidset_t *b)
{
    gtidset_t *u = gtidset_alloc(), *d = gtidset_alloc(), *x = gtidset_alloc();
    char err[512];
    if (gtidset_copy(u, a) != 0 || gtidset_copy(d, a) != 0)
        abort();
    if (gtidset_union(u, b, err, sizeof err) == 0 && gtidset_subtract(d, b, err, sizeof err) == 0) {
        if (!gtidset_is_subset(a, u) || !gtidset_is_subset(b, u) || !gtidset_is_subset(d, a))
            abort();
        if (gtidset_copy(x, d) != 0 || gtidset_union(x, b, err, sizeof err) != 0 ||
            !gtidset_equal(x, u))
            abort();
        if (gtidset_copy(x, u) != 0 || gtidset_subtract(x, b, err, sizeof err) != 0 ||
            !gtidset_equal(x, d))
            abort();
        bool ab = gtidset_is_subset(a, b), ba = gtidset_is_subset(b, a);
        gtid_cmp_t c = gtidset_compare(a, b);
        if ((c == GTID_CMP_EQUAL) != (ab && ba) || (c == GTID_CMP_BEHIND) != (ab && !ba) ||
            (c == GTID_CMP_AHEAD) != (ba && !ab) || gtidset_is_empty(d) != ab)
            abort();
        round_trip(u);
        round_trip(d);
    }
    gtidset_free(u);
    gtidset_free(d);
    gtidset_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gtidset_t *whole = parse_part(data, size);
    if (whole != NULL) {
        round_trip(whole);
        gtidset_free(whole);
    }
    const uint8_t *bar = memchr(data, '|', size);
    if (bar == NULL)
        return 0;
    size_t na = (size_t)(bar - data);
    gtidset_t *a = parse_part(data, na), *b = parse_part(bar + 1, size - na - 1);
    if (a != NULL && b != NULL)
        algebra(a, b);
    gtidset_free(a);
    gtidset_free(b);
    return 0;
}
