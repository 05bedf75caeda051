/* exitcodes.h -- every exit status failoverd and failoverctl use, in one place.
 * Documented in failoverctl(8) and failoverd(8); never renumber. */
#ifndef FO_EXITCODES_H
#define FO_EXITCODES_H

enum {
    EXIT_OK = 0,
    EXIT_FAILURE_GENERIC = 1, /* the operation was tried and failed */
    EXIT_USAGE = 2,           /* bad command line */
    EXIT_CONFIG = 3,          /* bad or unreadable config file */
    EXIT_ZK = 4,              /* ZooKeeper unreachable or refused */
    EXIT_MYSQL = 5,           /* mysqld unreachable or refused */
    EXIT_REFUSED = 6,         /* unsafe: refused by a safety check, nothing changed */
    EXIT_NOT_FOUND = 7,       /* unknown node or cluster */
    EXIT_TIMEOUT = 8,         /* did not finish in time; state is consistent */
};

/* failoverctl status answers like a monitoring check (DESIGN.md): the cluster's health. */
enum {
    STATUS_HEALTHY = 0,     /* no problem */
    STATUS_DEGRADED = 1,    /* a writable primary, and at least one problem to act on */
    STATUS_NO_PRIMARY = 2,  /* no writable primary (none named, down, fenced, unknown) */
    STATUS_NO_ZK = 3,       /* ZooKeeper unreachable or refused a read */
};

#endif
