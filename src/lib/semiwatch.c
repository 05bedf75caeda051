/* semiwatch.c -- see include/semiwatch.h. */
#include "semiwatch.h"

semi_action_t semi_watch_step(semi_watch_t *w, const semi_sample_t *s, int64_t now, int timeout_ms)
{
    if (s->timeout_ms != SEMI_MYSQLD_TIMEOUT_MS || !s->wait_no_slave) return SEMI_CONFIGURE;
    if (w->fell_back) {
        if (s->enabled) { /* turned on by someone else: watch it again */
            semi_watch_done(w, false);
            w->last_yes_tx = s->yes_tx;
            return SEMI_KEEP;
        }
        return s->clients > 0 ? SEMI_RESUME : SEMI_KEEP;
    }
    if (!s->enabled) { /* not ours to time (the role code turns it on) */
        w->stalled_since = 0;
        return SEMI_KEEP;
    }
    bool acked = s->yes_tx != w->last_yes_tx;
    w->last_yes_tx = s->yes_tx;
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

void semi_watch_done(semi_watch_t *w, bool fell_back)
{
    w->fell_back = fell_back;
    w->stalled_since = 0;
}
