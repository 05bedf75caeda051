/* log.c -- leveled log lines for failoverd and failoverctl, to stderr (journald keeps them when
 * run by systemd) or to syslog. One write(2) per line, so threads never interleave mid-line. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096
#define LOG_TAG_MAX 64

/* The level is atomic so a reload may lower it while other threads log; the tag and the syslog
 * choice are set once at startup, before any thread exists. */
static atomic_int log_min = LOG_LVL_INFO;
static char log_tag[LOG_TAG_MAX] = "failover";
static int log_to_syslog;

static const char *log_level_name(log_level_t lvl)
{
    switch (lvl) {
    case LOG_LVL_DEBUG:
        return "DEBUG";
    case LOG_LVL_INFO:
        return "INFO";
    case LOG_LVL_NOTICE:
        return "NOTICE";
    case LOG_LVL_WARNING:
        return "WARNING";
    case LOG_LVL_ERROR:
        return "ERROR";
    case LOG_LVL_INVALID:
        break;
    }
    return "INVALID";
}

static int log_syslog_priority(log_level_t lvl)
{
    switch (lvl) {
    case LOG_LVL_DEBUG:
        return LOG_DEBUG;
    case LOG_LVL_INFO:
        return LOG_INFO;
    case LOG_LVL_NOTICE:
        return LOG_NOTICE;
    case LOG_LVL_WARNING:
        return LOG_WARNING;
    case LOG_LVL_ERROR:
    case LOG_LVL_INVALID:
        break;
    }
    return LOG_ERR;
}

void log_setup(log_level_t min, const char *tag, int use_syslog)
{
    if (min >= LOG_LVL_DEBUG && min <= LOG_LVL_ERROR)
        atomic_store(&log_min, (int)min);
    if (tag != NULL)
        snprintf(log_tag, sizeof log_tag, "%s", tag);
    if (use_syslog && !log_to_syslog)
        openlog(log_tag, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    else if (!use_syslog && log_to_syslog)
        closelog();
    log_to_syslog = use_syslog;
}

void log_set_level(log_level_t min)
{
    if (min >= LOG_LVL_DEBUG && min <= LOG_LVL_ERROR)
        atomic_store(&log_min, (int)min);
}

log_level_t log_level_from_string(const char *s)
{
    static const struct {
        const char *name;
        log_level_t lvl;
    } names[] = {
        {"debug", LOG_LVL_DEBUG},     {"info", LOG_LVL_INFO},   {"notice", LOG_LVL_NOTICE},
        {"warning", LOG_LVL_WARNING}, {"error", LOG_LVL_ERROR},
    };
    if (s == NULL)
        return LOG_LVL_INVALID;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(s, names[i].name) == 0)
            return names[i].lvl;
    return LOG_LVL_INVALID;
}

void log_msg(log_level_t lvl, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    char *msg;
    size_t off = 0, cap;
    va_list ap;
    int saved_errno = errno; /* callers log and then look at errno */
    int n;

    if ((int)lvl < atomic_load(&log_min))
        return;

    if (!log_to_syslog) {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        off = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
        n = snprintf(line + off, sizeof line - off, ".%03ldZ %s %s: ", ts.tv_nsec / 1000000L,
                     log_level_name(lvl), log_tag);
        if (n > 0)
            off += (size_t)n;
        if (off >= sizeof line)
            off = sizeof line - 1;
    }
    msg = line + off;
    cap = sizeof line - off - 1; /* keep room for the newline */

    va_start(ap, fmt);
    n = vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    if (n < 0) {
        errno = saved_errno;
        return;
    }
    if ((size_t)n >= cap && cap > 4)
        memcpy(msg + cap - 4, "...", 4); /* show that the message was cut */

    /* A server error or a znode may hold a newline; one event must stay one line. */
    for (char *c = msg; *c != '\0'; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';

    if (log_to_syslog) {
        syslog(log_syslog_priority(lvl), "%s", msg);
    } else {
        size_t len = strlen(line), done = 0;
        line[len++] = '\n';
        while (done < len) {
            ssize_t w = write(STDERR_FILENO, line + done, len - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break; /* nowhere left to complain to */
            done += (size_t)w;
        }
    }
    errno = saved_errno;
}
