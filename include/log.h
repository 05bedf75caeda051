/* log.h -- leveled logging to stderr (foreground/systemd) or syslog.
 * Defined in src/lib/log.c. Thread-safe: each message is one write(2). */
#ifndef FO_LOG_H
#define FO_LOG_H

typedef enum {
    LOG_LVL_INVALID = 0,
    LOG_LVL_DEBUG,
    LOG_LVL_INFO,
    LOG_LVL_NOTICE,
    LOG_LVL_WARNING,
    LOG_LVL_ERROR,
} log_level_t;

/* Set the minimum level and a tag ("failoverd[node1]") printed on every line. */
void log_setup(log_level_t min, const char *tag, int use_syslog);
/* The lowest level logged from now on (a reload). */
void log_set_level(log_level_t min);
log_level_t log_level_from_string(const char *s);
void log_msg(log_level_t lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...) do { log_msg(LOG_LVL_INFO, __VA_ARGS__); } while (0)
#define log_notice(...) do { log_msg(LOG_LVL_NOTICE, __VA_ARGS__); } while (0)
#define log_warn(...) do { log_msg(LOG_LVL_WARNING, __VA_ARGS__); } while (0)
#define log_error(...) do { log_msg(LOG_LVL_ERROR, __VA_ARGS__); } while (0)

#endif
