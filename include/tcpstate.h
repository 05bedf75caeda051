/* tcpstate.h -- the TCP sockets of this host's network namespace, as the kernel lists them in
 * /proc/net/tcp and /proc/net/tcp6: which ones are connecting (SYN_SENT) to a given peer. Used to
 * see a local mysqld start a connection (db_stop_io_thread_now) instead of guessing how long it
 * takes. Pure parsing plus one reader; no state. */
#ifndef FAILOVERD_TCPSTATE_H
#define FAILOVERD_TCPSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_STATE_ESTABLISHED 1
#define TCP_STATE_SYN_SENT 2

typedef struct tcp_entry {
    bool v6;               /* from /proc/net/tcp6 (IPv4 peers appear there as ::ffff:a.b.c.d) */
    uint8_t rem_addr[16];  /* the peer's address in network byte order (first 4 bytes for IPv4) */
    int rem_port;
    int state;             /* TCP_STATE_* (the kernel's numbering) */
    unsigned long inode;   /* the socket's inode: tells one socket from another */
} tcp_entry_t;

/* One line of /proc/net/tcp (v6 = false) or /proc/net/tcp6 (v6 = true), the header excepted.
 * 0 and *out filled, or -1 for a line that is not a socket entry. */
int tcp_parse_line(const char *line, bool v6, tcp_entry_t *out);

/* Does entry E's peer equal ADDR (4 bytes IPv4 or 16 bytes IPv6, network order), PORT? An IPv4
 * address also matches its v4-mapped IPv6 form. */
bool tcp_peer_is(const tcp_entry_t *e, const uint8_t *addr, size_t addrlen, int port);

/* Inodes of the sockets in STATE whose peer is one of the NADDR addresses (each ADDRLEN[i] bytes;
 * NADDR 0: any address) at PORT: up to MAX into INODES. Returns how many were found (possibly more than MAX), or -1
 * when neither /proc/net/tcp nor /proc/net/tcp6 can be read. */
int tcp_find(int state, const uint8_t (*addrs)[16], const size_t *addrlen, int naddr, int port,
             unsigned long *inodes, int max);

#endif
