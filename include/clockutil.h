/* clockutil.h -- monotonic and wall-clock milliseconds. Deadlines always use the monotonic clock
 * so a jumping wall clock can never stretch or shrink a fencing deadline. */
#ifndef FO_CLOCKUTIL_H
#define FO_CLOCKUTIL_H

#include <stdint.h>
#include <pthread.h>
#include <time.h>

static inline int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An absolute CLOCK_MONOTONIC time ms from now, for pthread_cond_timedwait on a condition
 * variable made by cond_init_monotonic(): a wall-clock step (NTP, a person with `date`) must
 * neither end a wait early by an hour nor stretch it by one. */
static inline struct timespec cond_deadline(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* A condition variable whose timed waits count CLOCK_MONOTONIC (see cond_deadline). */
static inline void cond_init_monotonic(pthread_cond_t *cv)
{
    pthread_condattr_t at;
    pthread_condattr_init(&at);
    pthread_condattr_setclock(&at, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &at);
    pthread_condattr_destroy(&at);
}

#endif
