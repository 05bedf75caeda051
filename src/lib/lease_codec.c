/* lease_codec.c -- the lease file's line (lease_codec.h). */
#include "lease_codec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEASE_BOOT_ID_MAX 64

int lease_format(char *buf, size_t len, const char *boot_id, const lease_t *l)
{
    if (!buf || !l || !boot_id || !boot_id[0] || strlen(boot_id) > LEASE_BOOT_ID_MAX ||
        strpbrk(boot_id, " \t\n"))
        return -1;
    char sess[2 + 16 + 1 + 2 * LEASE_PASSWD_LEN + 1] = "";
    if (l->session_id != 0) {
        int k = snprintf(sess, sizeof(sess), " %016llx ", (unsigned long long)l->session_id);
        for (int i = 0; i < LEASE_PASSWD_LEN; i++)
            k += snprintf(sess + k, sizeof(sess) - (size_t)k, "%02x", (unsigned char)l->passwd[i]);
    }
    int n = snprintf(buf, len, "%s %lld%s\n", boot_id, (long long)l->deadline_ms, sess);
    return n < 0 || (size_t)n >= len ? -1 : n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Exactly n lowercase hex digits at p. */
static bool hex_run(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hexval(p[i]) < 0) return false;
    return true;
}

static bool line_end(const char *p)
{
    return *p == '\0' || (*p == '\n' && p[1] == '\0');
}

bool lease_parse(const char *text, const char *boot_id, lease_t *out)
{
    if (!text || !boot_id || !boot_id[0] || !out) return false;
    size_t bl = strlen(boot_id);
    if (strncmp(text, boot_id, bl) != 0 || text[bl] != ' ') return false;
    const char *p = text + bl + 1;
    if (*p < '0' || *p > '9') return false;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(p, &end, 10);
    if (errno != 0 || end == p) return false;
    lease_t l = {.deadline_ms = v};
    if (*end == ' ') {
        p = end + 1;
        if (!hex_run(p, 16) || p[16] != ' ' || !hex_run(p + 17, 2 * LEASE_PASSWD_LEN)) return false;
        unsigned long long id = 0;
        for (int i = 0; i < 16; i++) id = id << 4 | (unsigned)hexval(p[i]);
        if (id == 0) return false;
        l.session_id = (int64_t)id;
        p += 17;
        for (int i = 0; i < LEASE_PASSWD_LEN; i++)
            l.passwd[i] = (char)(hexval(p[2 * i]) << 4 | hexval(p[2 * i + 1]));
        end = (char *)p + 2 * LEASE_PASSWD_LEN;
    }
    if (!line_end(end)) return false;
    *out = l;
    return true;
}
