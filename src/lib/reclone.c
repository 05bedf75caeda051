/* reclone.c -- the pure half of re-cloning a node (see reclone.h): parsing the backup's binlog
 * position, the donor's framed stream, progress and ETA, the donor choice, command lines. */
#include "reclone.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- the backup's binlog position ---------------------------------------------------------- */

int reclone_binlog_info_parse(const char *text, char *file, size_t filelen, uint64_t *pos,
                              gtid_pos_t *gtid, char *err, size_t errlen)
{
    if (!text) {
        set_err(err, errlen, "no binlog info given");
        return -1;
    }
    char line[GTID_POS_STRLEN + 600];
    size_t n = strcspn(text, "\n");
    if (n >= sizeof(line)) {
        set_err(err, errlen, "binlog info line too long (%zu bytes)", n);
        return -1;
    }
    memcpy(line, text, n);
    line[n] = 0;
    if (n > 0 && line[n - 1] == '\r') line[--n] = 0;
    char *f1 = line, *t1 = strchr(f1, '\t');
    char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t1 || t1 == f1) {
        set_err(err, errlen, "binlog info \"%.100s\": expected FILE<TAB>POSITION<TAB>GTID", line);
        return -1;
    }
    *t1 = 0;
    if (t2) *t2 = 0;
    char *end = NULL;
    const char *p = t1 + 1;
    unsigned long long v = strtoull(p, &end, 10);
    if (!*p || *end || *p == '-') {
        set_err(err, errlen, "binlog info: position \"%.40s\" is not a number", p);
        return -1;
    }
    const char *g = t2 ? t2 + 1 : "";
    while (*g == ' ') g++;
    if (!*g) {
        set_err(err, errlen, "binlog info names no GTID position (file %.100s, position %llu): "
                "the donor must run with log_bin and GTIDs", f1, v);
        return -1;
    }
    char e[200];
    if (gtid_pos_parse(gtid, g, e, sizeof(e)) != 0 || gtid->n == 0) {
        set_err(err, errlen, "binlog info GTID \"%.100s\": %s", g, gtid->n ? e : "empty");
        return -1;
    }
    if (strlen(f1) >= filelen) {
        set_err(err, errlen, "binlog info: file name too long");
        return -1;
    }
    snprintf(file, filelen, "%s", f1);
    *pos = v;
    return 0;
}

/* ---- the donor's stream -------------------------------------------------------------------- */

static bool is_token(const char *t)
{
    if (strlen(t) != RECLONE_TOKEN_LEN) return false;
    for (; *t; t++)
        if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f'))) return false;
    return true;
}

int reclone_header_format(const char *token, uint64_t estimate, char *buf, size_t len)
{
    if (!is_token(token)) return -1;
    int w = snprintf(buf, len, "FAILOVERD-CLONE 1 %s %" PRIu64 "\n", token, estimate);
    return w < 0 || (size_t)w >= len ? -1 : 0;
}

int reclone_header_parse(const char *line, char *token, size_t toklen, uint64_t *estimate,
                         char *err, size_t errlen)
{
    char tok[80], extra[8];
    unsigned long long est;
    int ver;
    int k = sscanf(line, "FAILOVERD-CLONE %d %79s %llu %7s", &ver, tok, &est, extra);
    if (k != 3 || ver != 1 || !is_token(tok) || toklen <= RECLONE_TOKEN_LEN) {
        set_err(err, errlen, "not a failoverd clone stream (first line \"%.60s\"; expected "
                "FAILOVERD-CLONE 1 TOKEN BYTES)", line);
        return -1;
    }
    snprintf(token, toklen, "%s", tok);
    *estimate = est;
    return 0;
}

size_t reclone_frames_feed(reclone_frames_t *f, uint8_t *buf, size_t n)
{
    size_t out = 0, i = 0;
    while (i < n && f->state != RECLONE_FR_BAD) {
        switch (f->state) {
        case RECLONE_FR_LEN:
        case RECLONE_FR_STATUS:
            f->hdr[f->have++] = buf[i++];
            if (f->have == 4) {
                uint32_t v = (uint32_t)f->hdr[0] << 24 | (uint32_t)f->hdr[1] << 16 |
                             (uint32_t)f->hdr[2] << 8 | f->hdr[3];
                f->have = 0;
                if (f->state == RECLONE_FR_STATUS) {
                    f->status = v;
                    f->state = RECLONE_FR_DONE;
                } else if (v == 0) {
                    f->state = RECLONE_FR_STATUS;
                } else if (v > RECLONE_FRAME_MAX) {
                    f->state = RECLONE_FR_BAD;
                } else {
                    f->left = v;
                    f->state = RECLONE_FR_DATA;
                }
            }
            break;
        case RECLONE_FR_DATA: {
            size_t take = n - i < f->left ? n - i : f->left;
            memmove(buf + out, buf + i, take);
            out += take;
            i += take;
            f->left -= (uint32_t)take;
            f->payload += take;
            if (f->left == 0) f->state = RECLONE_FR_LEN;
            break;
        }
        case RECLONE_FR_DONE: /* nothing may follow the trailer */
        default:
            f->state = RECLONE_FR_BAD;
            break;
        }
    }
    return out;
}

/* ---- progress ------------------------------------------------------------------------------ */

int64_t reclone_eta_s(uint64_t bytes, uint64_t estimate, int64_t elapsed_ms)
{
    if (estimate == 0 || bytes == 0 || elapsed_ms <= 0 || bytes >= estimate) return -1;
    double rate = (double)bytes / ((double)elapsed_ms / 1000.0); /* bytes per second */
    double left = (double)(estimate - bytes) / rate;
    return (int64_t)(left + 0.999);
}

void reclone_progress_format(uint64_t bytes, uint64_t estimate, int64_t elapsed_ms, char *buf,
                             size_t len)
{
    const double mib = 1024.0 * 1024.0;
    double rate = elapsed_ms > 0 ? (double)bytes / mib / ((double)elapsed_ms / 1000.0) : 0;
    if (estimate == 0) {
        snprintf(buf, len, "%.1f MiB, %.1f MiB/s", (double)bytes / mib, rate);
        return;
    }
    int64_t eta = reclone_eta_s(bytes, estimate, elapsed_ms);
    unsigned pct = bytes >= estimate ? 100 : (unsigned)((double)bytes * 100.0 / (double)estimate);
    char e[48];
    if (eta >= 0)
        snprintf(e, sizeof(e), "ETA %" PRId64 " s", eta);
    else
        snprintf(e, sizeof(e), "%s", bytes >= estimate ? "ETA soon (past the estimate)"
                                                       : "ETA unknown");
    snprintf(buf, len, "%.1f MiB of ~%.1f MiB (%u%%), %.1f MiB/s, %s", (double)bytes / mib,
             (double)estimate / mib, pct > 100 ? 100 : pct, rate, e);
}

/* ---- choosing the donor -------------------------------------------------------------------- */

static bool usable(const node_state_t *s, const char *self)
{
    return s->healthy && !s->diverged && strcmp(s->name, self) != 0;
}

int reclone_pick_donor(const node_state_t *nodes, size_t n, const char *self, const char *primary,
                       const char *from, bool *is_primary, char *why, size_t whylen)
{
    *is_primary = false;
    if (from && from[0]) {
        if (strcmp(from, self) == 0) {
            set_err(why, whylen, "--from %s: a node cannot be re-cloned from itself", from);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            if (strcmp(nodes[i].name, from) != 0) continue;
            if (!nodes[i].healthy) {
                set_err(why, whylen, "donor %s is not healthy (%s)", from,
                        nodes[i].error[0] ? nodes[i].error : "its agent cannot reach its mysqld");
                return -1;
            }
            if (nodes[i].diverged) {
                set_err(why, whylen, "donor %s is diverged itself: choose another", from);
                return -1;
            }
            *is_primary = primary && strcmp(primary, from) == 0;
            return (int)i;
        }
        set_err(why, whylen, "donor %s is not registered (its agent must run: it takes the "
                "backup)", from);
        return -1;
    }
    int best = -1, prim = -1;
    gtid_pos_t bp = {0};
    for (size_t i = 0; i < n; i++) {
        const node_state_t *s = &nodes[i];
        if (!usable(s, self)) continue;
        if (primary && strcmp(s->name, primary) == 0) {
            prim = (int)i;
            continue;
        }
        if (s->role != ROLE_REPLICA || !s->io_running || !s->sql_running) continue;
        gtid_pos_t p;
        char e[100];
        if (gtid_pos_parse(&p, s->gtid_applied, e, sizeof(e)) != 0) continue;
        gtid_cmp_t c = best < 0 ? GTID_CMP_AHEAD : gtid_pos_compare(&p, &bp);
        bool more = c == GTID_CMP_AHEAD ||
                    (c == GTID_CMP_DIVERGED &&
                     gtid_pos_missing_count(&bp, &p) > gtid_pos_missing_count(&p, &bp));
        if (more) {
            best = (int)i;
            bp = p;
        }
    }
    if (best >= 0) return best;
    if (prim >= 0) {
        *is_primary = true;
        return prim;
    }
    set_err(why, whylen, "no healthy node to copy from (a replicating replica, or else the "
            "primary)");
    return -1;
}

/* ---- mysqld_start / mysqld_stop ------------------------------------------------------------ */

int reclone_split_argv(char *buf, char *argv[RECLONE_ARGV_MAX + 1], char *why, size_t whylen)
{
    size_t n = 0;
    char *save = NULL;
    for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (n == RECLONE_ARGV_MAX) {
            set_err(why, whylen, "more than %d words", RECLONE_ARGV_MAX);
            return -1;
        }
        argv[n++] = w;
    }
    argv[n] = NULL;
    if (n == 0) {
        set_err(why, whylen, "empty command");
        return -1;
    }
    if (argv[0][0] != '/') {
        set_err(why, whylen, "\"%.100s\" is not an absolute path (the command is run without a "
                "shell or PATH)", argv[0]);
        return -1;
    }
    return 0;
}
