/* semiwatch.c -- see include/semiwatch.h. */
#include "semiwatch.h"

/* How long after a fallback semi-sync is tried again: timeout_ms, doubled for every try in a
 * row that saw no acknowledgement, at most SEMI_RETRY_MAX_MS. */
static int64_t retry_after(const semi_watch_t *w, int timeout_ms)
{
    int64_t d = timeout_ms > 0 ? timeout_ms : 1000;
    for (int i = 0; i < w->failed_tries && d < SEMI_RETRY_MAX_MS; i++) d *= 2;
    return d < SEMI_RETRY_MAX_MS ? d : SEMI_RETRY_MAX_MS;
}

int64_t semi_watch_retry_ms(const semi_watch_t *w, int timeout_ms)
{
    return retry_after(w, timeout_ms);
}

semi_action_t semi_watch_step(semi_watch_t *w, const semi_sample_t *s, int64_t now, int timeout_ms)
{
    if (s->timeout_ms != SEMI_MYSQLD_TIMEOUT_MS || !s->wait_no_slave) return SEMI_CONFIGURE;
    if (w->fell_back) {
        if (s->enabled) { /* turned on by someone else: watch it again */
            w->fell_back = false;
            w->stalled_since = 0;
            w->last_yes_tx = s->yes_tx;
            return SEMI_KEEP;
        }
        return s->clients > 0 && s->caught_up > 0 &&
                       now - w->fell_back_at >= retry_after(w, timeout_ms)
                   ? SEMI_RESUME
                   : SEMI_KEEP;
    }
    if (!s->enabled) { /* not ours to time (the role code turns it on) */
        w->stalled_since = 0;
        return SEMI_KEEP;
    }
    bool acked = s->yes_tx != w->last_yes_tx;
    w->last_yes_tx = s->yes_tx;
    if (acked) {
        w->trying = false; /* a replica acknowledges: the next fallback waits timeout_ms again */
        w->failed_tries = 0;
    }
    if (s->wait_sessions <= 0 || acked) {
        w->stalled_since = 0;
        return SEMI_KEEP;
    }
    if (w->stalled_since == 0) {
        w->stalled_since = now > 0 ? now : 1;
        return SEMI_KEEP;
    }
    return timeout_ms > 0 && now - w->stalled_since >= timeout_ms ? SEMI_FALL_BACK : SEMI_KEEP;
}

void semi_watch_done(semi_watch_t *w, semi_action_t done, int64_t now)
{
    w->stalled_since = 0;
    if (done == SEMI_FALL_BACK) {
        if (w->trying) w->failed_tries++; /* turned on again, and still no acknowledgement */
        w->trying = false;
        w->fell_back = true;
        w->fell_back_at = now;
    } else if (done == SEMI_RESUME) {
        w->fell_back = false;
        w->trying = true;
    }
}
