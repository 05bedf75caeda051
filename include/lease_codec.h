/* lease_codec.h -- the lease file's one line (pure: no I/O), read and written by lease.c.
 *
 * "BOOT_ID DEADLINE_MS[ SESSION_HEX PASSWD_HEX]\n"
 *
 * DEADLINE_MS is on CLOCK_MONOTONIC, which every process of one boot shares, so a line from
 * another boot means nothing and is rejected. SESSION_HEX (16 hex digits, not 0) and PASSWD_HEX
 * (32 hex digits: ZooKeeper's 16-byte session password) name the ZooKeeper session the agent
 * holds; its next process resumes that session instead of opening a new one, so its registration
 * never vanishes while its mysqld may be writable (failoverd-protocol(7), G12). The password
 * makes the file a secret: lease.c creates it with mode 0600. */
#ifndef FO_LEASE_CODEC_H
#define FO_LEASE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEASE_PASSWD_LEN 16

typedef struct lease {
    int64_t deadline_ms;
    int64_t session_id; /* 0: no session recorded */
    char passwd[LEASE_PASSWD_LEN];
} lease_t;

/* Writes the line into buf; returns its length, or -1 when the boot id is empty, too long or
 * would break the line, or buf is too small. A session id of 0 writes no session. */
int lease_format(char *buf, size_t len, const char *boot_id, const lease_t *l);

/* Accepts only a well-formed line whose boot id equals boot_id (a torn or hostile line is
 * rejected as a whole) and fills *out (session_id 0 when the line has none). */
bool lease_parse(const char *text, const char *boot_id, lease_t *out);

#endif
