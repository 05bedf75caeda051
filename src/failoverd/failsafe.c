/* failsafe.c -- failsafe = on: a primary whose ZooKeeper is in doubt stays writable only on
 * fresh round-trip evidence: it asks every replica's agent, and each vouches (or not). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"
#include "clockutil.h"
#include "decide.h"
#include "log.h"

/* Wait until fd is ready for events, or the deadline (monotonic ms). 0 ready, -1 not. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) return -1;
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int r = poll(&p, 1, (int)left);
        if (r > 0) return 0;
        if (r < 0 && errno != EINTR) return -1;
    }
}

static int connect_within(const char *hostport, int64_t deadline, char *err, size_t errlen)
{
    char host[HOST_MAX_LEN + 1];
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport) {
        snprintf(err, errlen, "no HTTP address published");
        return -1;
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", hostport, gai_strerror(gai));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = fd < 0 ? -1 : connect(fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    if (fd >= 0 && rc != 0 && errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 0) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        rc = soerr == 0 ? 0 : -1;
        errno = soerr ? soerr : ETIMEDOUT;
    } else if (rc != 0 && errno == EINPROGRESS) {
        errno = ETIMEDOUT;
    }
    if (rc != 0) {
        snprintf(err, errlen, "connect to %s: %s", hostport, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

/* GET path from hostport within deadline; the HTTP status, or -1 with a message. The body (a
 * short JSON line) goes to body. */
static int http_get(const char *hostport, const char *path, int64_t deadline, char *body,
                    size_t len, char *err, size_t errlen)
{
    int fd = connect_within(hostport, deadline, err, errlen);
    if (fd < 0) return -1;
    char req[512], buf[2048];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, hostport);
    size_t got = 0;
    int status = -1;
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        snprintf(err, errlen, "send to %s: %s", hostport, strerror(errno));
        goto out;
    }
    while (got < sizeof(buf) - 1) {
        if (wait_fd(fd, POLLIN, deadline) != 0) {
            snprintf(err, errlen, "no answer from %s within the round's deadline", hostport);
            goto out;
        }
        ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* HTTP/1.0: the server closes after the body */
        got += (size_t)r;
    }
    buf[got] = 0;
    if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1) {
        snprintf(err, errlen, "%s answered something that is not HTTP", hostport);
        status = -1;
        goto out;
    }
    const char *b = strstr(buf, "\r\n\r\n");
    snprintf(body, len, "%s", b ? b + 4 : "");
    body[strcspn(body, "\r\n")] = 0;
out:
    close(fd);
    return status;
}

/* One round: ask every peer; the evidence is the SEND time, and only if all of them vouch. */
static void failsafe_round(agent_t *a)
{
    const config_t *cfg = a->cfg;
    pthread_mutex_lock(&a->mu);
    int n = a->npeers;
    failsafe_peer_t peers[FAILSAFE_MAX_PEERS] = {0};
    memcpy(peers, a->peers, sizeof(peers[0]) * (size_t)n);
    bool known = a->peers_known;
    uint64_t epoch = a->desired_epoch;
    pthread_mutex_unlock(&a->mu);
    int64_t sent = mono_ms();
    /* All answers within one check interval, or the round proves nothing. */
    int64_t deadline = sent + cfg->check_interval_ms;
    char path[256];
    snprintf(path, sizeof(path), "/failsafe?primary=%s&epoch=%llu", cfg->node_name,
             (unsigned long long)epoch);
    int yes = 0;
    for (int i = 0; i < n && known; i++) {
        char body[512] = "", err[256] = "";
        int st = http_get(peers[i].http, path, deadline, body, sizeof(body), err, sizeof(err));
        if (st == 200) {
            yes++;
            continue;
        }
        log_warn("failsafe: %s did not vouch: %s", peers[i].name, st < 0 ? err : body);
        break; /* one refusal ends the evidence: no need to ask the rest */
    }
    pthread_mutex_lock(&a->mu);
    a->replicas_expected = n;
    a->replicas_connected = yes;
    if (known && n > 0 && yes == n) a->evidence_at_ms = sent;
    pthread_mutex_unlock(&a->mu);
    if (!known || n == 0)
        log_warn("failsafe: no replica to ask (peers %s): no evidence",
                 known ? "none registered" : "unknown in this session");
}

void *failsafe_main(void *arg)
{
    agent_t *a = arg;
    const config_t *cfg = a->cfg;
    bool was_doubt = false;
    for (;;) {
        int64_t started = mono_ms();
        pthread_mutex_lock(&a->mu);
        bool stop = a->stopping;
        bool doubt = zk_in_doubt(a->zk_connected, a->last_ack_sent_ms, started,
                                 agent_session_timeout(a));
        bool primary = a->is_desired_primary && !a->episode_fenced;
        pthread_mutex_unlock(&a->mu);
        if (stop) break;
        if (doubt && primary) {
            if (!was_doubt) log_notice("failsafe: ZooKeeper in doubt: asking every replica to vouch");
            failsafe_round(a);
        }
        was_doubt = doubt && primary;
        /* Rounds every half interval: evidence lives two intervals, so one slow round is no gap. */
        int64_t wait = cfg->check_interval_ms / 2 - (mono_ms() - started);
        struct timespec ts = cond_deadline(wait > 10 ? (int)wait : 10);
        pthread_mutex_lock(&a->mu);
        if (!a->stopping) pthread_cond_timedwait(&a->cv, &a->mu, &ts);
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

unsigned failsafe_answer(agent_t *a, const char *asker, const char *epoch, char *body, size_t len)
{
    const config_t *cfg = a->cfg;
    char *end = NULL;
    unsigned long long e = epoch ? strtoull(epoch, &end, 10) : 0;
    if (!asker || !name_is_valid(asker) || !epoch || !*epoch || *end) {
        snprintf(body, len, "{\"vouch\":false,\"why\":\"needs ?primary=NAME&epoch=N\"}\n");
        return 400;
    }
    int64_t now = mono_ms();
    pthread_mutex_lock(&a->mu);
    const node_state_t *sn = &a->snap;
    vouch_obs_t o = {
        .zk_in_doubt = zk_in_doubt(a->zk_connected, a->last_ack_sent_ms, now,
                                   agent_session_timeout(a)),
        .asker = asker, .asker_epoch = e,
        .desired_name = a->desired.name, .desired_host = a->desired.host,
        .desired_port = a->desired.port, .desired_epoch = a->desired.epoch,
        .probe_ok = a->snap_valid && sn->healthy, .probe_age_ms = now - a->snap_at_ms,
        .is_replica = sn->role == ROLE_REPLICA, .io_running = sn->io_running,
        .source_silent = sn->source_silent, .source_host = sn->source_host,
        .source_port = sn->source_port,
    };
    const char *why = "";
    bool yes = failsafe_vouch(&o, cfg->check_interval_ms, &why);
    if (yes) {
        /* The asker stays writable for up to the evidence ttl on this answer: we may not be. */
        int T = agent_session_timeout(a);
        int64_t until = now + failsafe_lapse_wait_ms(cfg->check_interval_ms,
                                                     fence_budget_ms(cfg->fence_timeout_ms, T));
        if (until > a->vouched_until_ms) a->vouched_until_ms = until;
    }
    pthread_mutex_unlock(&a->mu);
    snprintf(body, len, "{\"node\":\"%s\",\"vouch\":%s,\"why\":\"%s\"}\n", cfg->node_name,
             yes ? "true" : "false", why);
    return yes ? 200 : 409;
}
