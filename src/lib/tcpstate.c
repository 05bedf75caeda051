/* tcpstate.c -- see include/tcpstate.h. */
#include "tcpstate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* N hex digits (exactly) at *s into *out; advances *s. The kernel prints each 32-bit word of an
 * address as %08X of its in-memory value, so the word is stored back in native order. */
static int hex_word(const char **s, int ndigits, unsigned long *out)
{
    unsigned long v = 0;
    for (int i = 0; i < ndigits; i++) {
        char ch = (*s)[i];
        int d;
        if (ch >= '0' && ch <= '9') d = ch - '0';
        else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
        else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
        else return -1;
        v = v << 4 | (unsigned long)d;
    }
    *s += ndigits;
    *out = v;
    return 0;
}

/* "ADDR:PORT" in the kernel's hex form, ADDR 8 (v4) or 32 (v6) digits. */
static int parse_endpoint(const char **s, bool v6, uint8_t addr[16], int *port)
{
    unsigned long w, p;
    memset(addr, 0, 16);
    for (int i = 0; i < (v6 ? 4 : 1); i++) {
        if (hex_word(s, 8, &w) != 0) return -1;
        uint32_t word = (uint32_t)w;
        memcpy(addr + 4 * i, &word, 4);
    }
    if (**s != ':') return -1;
    (*s)++;
    if (hex_word(s, 4, &p) != 0) return -1;
    *port = (int)p;
    return 0;
}

static void skip_blanks(const char **s)
{
    while (**s == ' ' || **s == '\t') (*s)++;
}

/* A blank-separated field: skipped. */
static int skip_field(const char **s)
{
    skip_blanks(s);
    if (!**s || **s == '\n') return -1;
    while (**s && **s != ' ' && **s != '\t' && **s != '\n') (*s)++;
    return 0;
}

int tcp_parse_line(const char *line, bool v6, tcp_entry_t *out)
{
    const char *s = line;
    uint8_t local[16];
    int lport;
    unsigned long st;
    memset(out, 0, sizeof(*out));
    out->v6 = v6;
    skip_blanks(&s);
    /* "sl:" */
    char *end;
    errno = 0;
    (void)strtoul(s, &end, 10);
    if (end == s || *end != ':') return -1;
    s = end + 1;
    skip_blanks(&s);
    if (parse_endpoint(&s, v6, local, &lport) != 0) return -1;
    skip_blanks(&s);
    if (parse_endpoint(&s, v6, out->rem_addr, &out->rem_port) != 0) return -1;
    skip_blanks(&s);
    if (hex_word(&s, 2, &st) != 0 || (*s != ' ' && *s != '\t')) return -1;
    out->state = (int)st;
    /* tx:rx queues, tr:when, retrnsmt, uid, timeout, then the inode */
    for (int i = 0; i < 5; i++)
        if (skip_field(&s) != 0) return -1;
    skip_blanks(&s);
    errno = 0;
    unsigned long ino = strtoul(s, &end, 10);
    if (end == s || errno || (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\0'))
        return -1;
    out->inode = ino;
    return 0;
}

bool tcp_peer_is(const tcp_entry_t *e, const uint8_t *addr, size_t addrlen, int port)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (e->rem_port != port) return false;
    if (addrlen == 4)
        return e->v6 ? memcmp(e->rem_addr, mapped, 12) == 0 && memcmp(e->rem_addr + 12, addr, 4) == 0
                     : memcmp(e->rem_addr, addr, 4) == 0;
    return addrlen == 16 && e->v6 && memcmp(e->rem_addr, addr, 16) == 0;
}

int tcp_find(int state, const uint8_t (*addrs)[16], const size_t *addrlen, int naddr, int port,
             unsigned long *inodes, int max)
{
    static const struct { const char *path; bool v6; } files[] = {
        {"/proc/net/tcp", false}, {"/proc/net/tcp6", true}};
    int found = 0, opened = 0;
    char line[512];
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        FILE *fp = fopen(files[f].path, "re");
        if (!fp) continue;
        opened++;
        while (fgets(line, sizeof(line), fp)) {
            tcp_entry_t e;
            if (tcp_parse_line(line, files[f].v6, &e) != 0 || e.state != state) continue;
            bool match = naddr == 0 && e.rem_port == port;
            for (int i = 0; i < naddr && !match; i++)
                match = tcp_peer_is(&e, addrs[i], addrlen[i], port);
            if (!match) continue;
            if (found < max) inodes[found] = e.inode;
            found++;
        }
        fclose(fp);
    }
    return opened ? found : -1;
}
