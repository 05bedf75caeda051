/* wallshift.c -- an LD_PRELOAD shim for tests: moves one process's wall clock (CLOCK_REALTIME,
 * gettimeofday, time) by an offset read from a file, as an NTP step would; CLOCK_MONOTONIC and
 * every timed wait stay true. libfaketime does the same but also wraps pthread_cond_timedwait and
 * breaks waits on monotonic condition variables (every ZooKeeper sync of the agent timed out).
 *
 * WALLSHIFT_FILE names the file; it holds "[+-]N[smhd]" ("+1h", "-3600s", "+0") and is re-read at
 * most every 100 ms. Build: cc -shared -fPIC -o wallshift.so wallshift.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);

static clock_gettime_fn real_clock_gettime(void)
{
    static clock_gettime_fn fn;
    if (!fn) fn = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
    return fn;
}

static int64_t mono_ms_true(void)
{
    struct timespec ts;
    real_clock_gettime()(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The offset in ns, re-read from the file at most every 100 ms; 0 when unset or malformed. */
static int64_t offset_ns(void)
{
    static int64_t cached, read_at = -1000;
    int64_t now = mono_ms_true();
    if (now - read_at < 100) return __atomic_load_n(&cached, __ATOMIC_RELAXED);
    read_at = now;
    const char *path = getenv("WALLSHIFT_FILE");
    FILE *f = path ? fopen(path, "re") : NULL;
    int64_t off = 0;
    if (f) {
        long long n = 0;
        char unit = 's';
        if (fscanf(f, "%lld%c", &n, &unit) >= 1) {
            int64_t mul = unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 1;
            off = (int64_t)n * mul * 1000000000LL;
        }
        fclose(f);
    }
    __atomic_store_n(&cached, off, __ATOMIC_RELAXED);
    return off;
}

static void shift(struct timespec *ts)
{
    int64_t ns = (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec + offset_ns();
    ts->tv_sec = ns / 1000000000LL;
    ts->tv_nsec = ns % 1000000000LL;
    if (ts->tv_nsec < 0) {
        ts->tv_nsec += 1000000000LL;
        ts->tv_sec--;
    }
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
    int rc = real_clock_gettime()(clk, ts);
    if (rc == 0 && (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE)) shift(ts);
    return rc;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    if (rc == 0) {
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    return rc;
}

time_t time(time_t *t)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (t) *t = ts.tv_sec;
    return ts.tv_sec;
}
