/* reclone.h -- the pure half of re-cloning a node with mariadb-backup (issue 11 point 4): the
 * backup's binlog position file, the donor's framed stream, progress and ETA, the choice of a
 * donor, and the mysqld_start / mysqld_stop command lines. Defined in src/lib/reclone.c. No I/O:
 * the agent's src/failoverd/reclone.c runs the tools, the sockets and ZooKeeper. */
#ifndef FO_RECLONE_H
#define FO_RECLONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtid.h"
#include "nodestate.h"

/* ---- the backup's binlog position ---------------------------------------------------------- */

/* MariaDB 10.11's mariadb-backup writes xtrabackup_binlog_info (11.x: mariadb_backup_binlog_info):
 * "binlog.000001\t1954\t0-1-9\n": the file, the position and the GTID position of the last
 * change in the copy (one line; several domains are comma-separated). Parses it; -1 with a
 * one-line message when the text is not that, or names no GTID (log_bin off on the donor). */
int reclone_binlog_info_parse(const char *text, char *file, size_t filelen, uint64_t *pos,
                              gtid_pos_t *gtid, char *err, size_t errlen);

/* ---- the donor's stream -------------------------------------------------------------------- */

/* The donor's agent connects to the receiver and first sends one line,
 * "FAILOVERD-CLONE 1 TOKEN ESTIMATE\n" (TOKEN: the receiver's request, 32 hex digits; ESTIMATE:
 * bytes of the donor's datadir the backup will copy, for the ETA), then frames: a 4-byte
 * big-endian length and that many bytes of mariadb-backup's xbstream output; a zero length ends
 * the stream and is followed by 4 bytes, big-endian: mariadb-backup's exit status (0 = complete;
 * 0x100 + N: killed by signal N). A stream that ends without that trailer is incomplete. */
#define RECLONE_TOKEN_LEN 32
#define RECLONE_HEADER_MAX 128
#define RECLONE_FRAME_MAX (1u << 20)

int reclone_header_format(const char *token, uint64_t estimate, char *buf, size_t len);
/* One header line (without or with its '\n'): 0, or -1 with a message. */
int reclone_header_parse(const char *line, char *token, size_t toklen, uint64_t *estimate,
                         char *err, size_t errlen);

typedef enum {
    RECLONE_FR_LEN = 0, /* reading a length */
    RECLONE_FR_DATA,    /* passing data through */
    RECLONE_FR_STATUS,  /* reading the exit status */
    RECLONE_FR_DONE,    /* trailer read: status holds the donor's exit status */
    RECLONE_FR_BAD,     /* a length over RECLONE_FRAME_MAX, or bytes after the trailer */
} reclone_fr_state_t;

typedef struct reclone_frames {
    reclone_fr_state_t state;
    uint8_t hdr[4];
    unsigned have; /* bytes of hdr read */
    uint32_t left; /* data bytes left in this frame */
    uint32_t status;
    uint64_t payload; /* data bytes passed so far */
} reclone_frames_t;

/* Feed n received bytes. The payload among them is compacted to the front of buf (in place)
 * and its length returned; after the call, f->state says whether the stream is done or bad. */
size_t reclone_frames_feed(reclone_frames_t *f, uint8_t *buf, size_t n);

/* ---- progress ------------------------------------------------------------------------------ */

/* "12.3 MiB of ~40.0 MiB (30%), 8.1 MiB/s, ETA 4 s": copied bytes, the donor's estimate (0 =
 * unknown: no percentage, no ETA), elapsed ms. Past the estimate: "ETA soon (past the
 * estimate)". */
void reclone_progress_format(uint64_t bytes, uint64_t estimate, int64_t elapsed_ms, char *buf,
                             size_t len);
/* Seconds left at the average rate so far; -1 when unknown (no estimate, nothing copied yet,
 * or already past the estimate). */
int64_t reclone_eta_s(uint64_t bytes, uint64_t estimate, int64_t elapsed_ms);

/* ---- choosing the donor -------------------------------------------------------------------- */

/* The donor for self: with from set, that node (registered, healthy, not self, not diverged);
 * else the healthy, non-diverged replica other than self that is replicating (IO and SQL
 * threads running) and has applied the most (gtid_applied), never the primary unless it is the
 * only healthy node left. Returns the index in nodes[], or -1 with why set. *is_primary says the
 * primary was chosen (the caller says so). */
int reclone_pick_donor(const node_state_t *nodes, size_t n, const char *self, const char *primary,
                       const char *from, bool *is_primary, char *why, size_t whylen);

/* ---- mysqld_start / mysqld_stop ------------------------------------------------------------ */

#define RECLONE_ARGV_MAX 32

/* Split a command line on blanks (no quoting, no shell) into argv (NULL-terminated), in place
 * in buf (a copy of the text): the first word must be an absolute path. 0, or -1 with why. */
int reclone_split_argv(char *buf, char *argv[RECLONE_ARGV_MAX + 1], char *why, size_t whylen);

#endif
