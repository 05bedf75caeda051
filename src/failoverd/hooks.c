/* hooks.c -- runs the user's hooks (VIP moves, proxy updates, paging) so that a stuck or noisy
 * hook can never wedge the agent: execve without a shell, own process group, bounded time. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "clockutil.h"
#include "log.h"

#define HOOK_ENV_MAX 14
#define HOOK_OUT_MAX 4096 /* what of a hook's output is logged */
/* Once the hook has exited, what is still in its pipe is read (and at most this much, since a
 * process it left behind may keep writing), then the pipe is closed. */
#define HOOK_DRAIN_MAX (64 * 1024)
/* At the deadline the process group gets SIGTERM, and SIGKILL once the hook has exited or this
 * long after, whichever is first. SIGTERM first because a hook that moves a VIP or edits a proxy
 * may need to undo a half-done step (a shell trap) rather than leave it; the grace is short
 * because a pre_failover hook's overrun delays the failover itself. */
#define HOOK_KILL_GRACE_MS 250
/* After SIGKILL the hook is reaped at once unless it sits in an uninterruptible sleep (a hung
 * NFS mount): then give up after this long rather than stall the thread, and say so. */
#define HOOK_REAP_MS 1000
/* Without a pidfd (kernels before 5.3) the wait looks at the child this often. */
#define HOOK_POLL_MS 20

/* One running hook, as the parent sees it. */
typedef struct hook_proc {
    const char *which, *path;
    pid_t pid;       /* also its process group */
    int out;         /* read end of its stdout+stderr; -1 once closed */
    int pidfd;       /* readable once it has exited; -1 when the kernel has none */
    bool reaped;     /* its exit status is in status (or lost: wait_errno) */
    int status, wait_errno;
    char buf[HOOK_OUT_MAX];
    size_t used;
    size_t drained;  /* bytes read after it exited */
    bool held_open;  /* after it exited, something it started still held its output */
} hook_proc_t;

typedef struct hook_exec {
    char env_buf[HOOK_ENV_MAX][HOST_MAX_LEN + 64];
    char *envp[HOOK_ENV_MAX + 1];
    char *argv[3];
} hook_exec_t;

static void log_output(const char *which, char *buf, size_t len)
{
    buf[len] = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        log_info("hook %s: %s", which, line);
}

/* Everything the child needs is built before fork: after it, only async-signal-safe calls. */
static void hook_exec_build(hook_exec_t *x, const config_t *cfg, const char *which,
                            const char *path, const hook_env_t *e)
{
    const size_t sz = sizeof(x->env_buf[0]);
    int n = 0;
    snprintf(x->env_buf[n++], sz, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    snprintf(x->env_buf[n++], sz, "FAILOVER_HOOK=%s", which);
    snprintf(x->env_buf[n++], sz, "FAILOVER_CLUSTER=%s", cfg->cluster_name);
    snprintf(x->env_buf[n++], sz, "FAILOVER_NODE=%s", cfg->node_name);
    snprintf(x->env_buf[n++], sz, "FAILOVER_OLD_PRIMARY=%s", e->old_primary ? e->old_primary : "");
    snprintf(x->env_buf[n++], sz, "FAILOVER_OLD_PRIMARY_HOST=%s", e->old_host ? e->old_host : "");
    if (e->old_port > 0)
        snprintf(x->env_buf[n++], sz, "FAILOVER_OLD_PRIMARY_PORT=%d", e->old_port);
    else
        snprintf(x->env_buf[n++], sz, "FAILOVER_OLD_PRIMARY_PORT=");
    snprintf(x->env_buf[n++], sz, "FAILOVER_NEW_PRIMARY=%s", e->new_primary ? e->new_primary : "");
    snprintf(x->env_buf[n++], sz, "FAILOVER_NEW_PRIMARY_HOST=%s", e->new_host ? e->new_host : "");
    snprintf(x->env_buf[n++], sz, "FAILOVER_NEW_PRIMARY_PORT=%d", e->new_port);
    snprintf(x->env_buf[n++], sz, "FAILOVER_EPOCH=%llu", (unsigned long long)e->epoch);
    snprintf(x->env_buf[n++], sz, "FAILOVER_REASON=%s", e->reason ? e->reason : "");
    if (e->role) snprintf(x->env_buf[n++], sz, "FAILOVER_ROLE=%s", e->role);
    for (int i = 0; i < n; i++) x->envp[i] = x->env_buf[i];
    x->envp[n] = NULL;
    x->argv[0] = (char *)path;
    x->argv[1] = (char *)which;
    x->argv[2] = NULL;
}

/* The child, between fork and execve (async-signal-safe calls only). Own process group, so the
 * deadline kills whatever it spawned; killed if the agent dies (PR_SET_PDEATHSIG: it fires when
 * the forking thread ends, and hook_run's thread waits for the hook); signals as a fresh process
 * has them (an ignored or blocked signal would survive execve); no descriptor but 0, 1, 2. */
static void hook_child(const hook_exec_t *x, int out_fd, pid_t agent)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != agent) _exit(127); /* the agent died before prctl */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL); /* KILL, STOP: EINVAL */
    /* glibc refuses the signals it keeps for itself (32, 33: below SIGRTMIN), but an ignored one
     * is inherited from whoever started the agent and survives execve: ask the kernel. */
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long mask;
    } kdfl = {0};
    for (int sig = 32; sig < SIGRTMIN; sig++)
        syscall(SYS_rt_sigaction, sig, &kdfl, NULL, sizeof(kdfl.mask));
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    closefrom(3);
    execve(x->argv[0], x->argv, x->envp);
    _exit(127);
}

/* Read what the hook wrote so far, keeping the first HOOK_OUT_MAX - 1 bytes. While it runs, at
 * most a slice per call, so a hook that floods its output still meets its deadline. Once it has
 * exited, to the end of the pipe, or HOOK_DRAIN_MAX more when a process it left behind keeps
 * writing (held_open). Closes the pipe at its end. */
static void hook_read(hook_proc_t *h)
{
    for (int i = 0; h->out >= 0 && (h->reaped || i < 16); i++) {
        char tmp[1024];
        ssize_t got = read(h->out, tmp, sizeof(tmp));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && errno == EAGAIN) {
            h->held_open = h->reaped;
            return;
        }
        if (got > 0) {
            size_t room = sizeof(h->buf) - 1 - h->used;
            size_t take = (size_t)got < room ? (size_t)got : room;
            memcpy(h->buf + h->used, tmp, take);
            h->used += take;
            if (h->reaped) h->drained += (size_t)got;
            if (h->drained < HOOK_DRAIN_MAX) continue;
            h->held_open = true;
        }
        close(h->out); /* its end, an error, or enough after the hook's end */
        h->out = -1;
    }
}

/* Has the hook exited? With reap, collect its status; without, leave it a zombie, which keeps
 * its pid, and so its process group's id, from being reused until the group has been killed. */
static bool hook_exited(hook_proc_t *h, bool reap)
{
    if (h->reaped) return true;
    for (;;) {
        if (!reap) {
            siginfo_t si;
            memset(&si, 0, sizeof(si));
            int r = waitid(P_PID, (id_t)h->pid, &si, WEXITED | WNOHANG | WNOWAIT);
            if (r < 0 && errno == EINTR) continue;
            if (r == 0 && si.si_pid == 0) return false;
            if (r == 0) return true;
        } else {
            pid_t w = waitpid(h->pid, &h->status, WNOHANG);
            if (w < 0 && errno == EINTR) continue;
            if (w == 0) return false;
            if (w == h->pid) {
                h->reaped = true;
                return true;
            }
        }
        /* Someone else reaped it (a waitpid(-1) elsewhere): its status is lost, not 0. */
        h->wait_errno = errno;
        h->reaped = true;
        return true;
    }
}

/* Wait until the hook has exited or until `until` (mono ms), reading its output meanwhile. The
 * child itself is timed (its pidfd, or a short poll): the end of its output is not its end. */
static bool hook_wait_until(hook_proc_t *h, int64_t until, bool reap)
{
    for (;;) {
        if (hook_exited(h, reap)) return true;
        int64_t left = until - mono_ms();
        if (left <= 0) return false;
        struct pollfd p[2];
        nfds_t n = 0;
        if (h->out >= 0) p[n++] = (struct pollfd){.fd = h->out, .events = POLLIN};
        if (h->pidfd >= 0) p[n++] = (struct pollfd){.fd = h->pidfd, .events = POLLIN};
        int slice = h->pidfd >= 0 ? (int)left : (int)(left < HOOK_POLL_MS ? left : HOOK_POLL_MS);
        int r = poll(p, n, slice);
        if (r < 0 && errno != EINTR) {
            struct timespec ts = {0, HOOK_POLL_MS * 1000000L}; /* never spin */
            nanosleep(&ts, NULL);
        }
        if (r > 0 && h->out >= 0 && p[0].revents) hook_read(h);
    }
}

/* The deadline passed: SIGTERM to the whole group, SIGKILL after the grace (or as soon as the
 * hook itself has gone, for whatever it left), then reap. */
static void hook_kill(hook_proc_t *h)
{
    kill(-h->pid, SIGTERM);
    hook_wait_until(h, mono_ms() + HOOK_KILL_GRACE_MS, false);
    kill(-h->pid, SIGKILL);
    if (!hook_wait_until(h, mono_ms() + HOOK_REAP_MS, true))
        log_error("hook %s (%s): pid %d still there %d ms after SIGKILL (uninterruptible sleep?); "
                  "not waiting for it", h->which, h->path, (int)h->pid, HOOK_REAP_MS);
}

static int hook_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0); /* close-on-exec by design */
#else
    (void)pid;
    return -1;
#endif
}

/* Start the hook: fills h, returns 0, or -1 (logged). */
static int hook_start(hook_proc_t *h, const hook_exec_t *x)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        log_error("hook %s (%s): pipe: %s", h->which, h->path, strerror(errno));
        return -1;
    }
    /* Only our end is non-blocking: the hook's stdout must stay an ordinary blocking one. */
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    pid_t agent = getpid();
    h->pid = fork();
    if (h->pid < 0) {
        log_error("hook %s (%s): fork: %s", h->which, h->path, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (h->pid == 0) hook_child(x, fds[1], agent);
    close(fds[1]);
    setpgid(h->pid, h->pid); /* also from here: no race with the child's own call */
    h->out = fds[0];
    h->pidfd = hook_pidfd(h->pid);
    return 0;
}

/* Log how it ended; the return value of hook_run. */
static int hook_report(hook_proc_t *h, int64_t ms)
{
    if (h->wait_errno) {
        /* Never report success we did not see: a pre hook's "no" must hold. */
        log_error("hook %s (%s): exit status lost (waitpid: %s); counted as failed", h->which,
                  h->path, strerror(h->wait_errno));
        return -1;
    }
    if (!WIFEXITED(h->status)) {
        log_error("hook %s (%s): killed by signal %d", h->which, h->path, WTERMSIG(h->status));
        return -1;
    }
    int rc = WEXITSTATUS(h->status);
    const char *left = h->held_open ? "; a process it started still holds its output (not "
                                      "waited for)" : "";
    if (rc == 127)
        log_error("hook %s (%s): could not be executed (exit 127: missing or not executable?)",
                  h->which, h->path);
    else if (rc)
        log_warn("hook %s (%s): exit %d after %lld ms%s", h->which, h->path, rc, (long long)ms,
                 left);
    else
        log_info("hook %s (%s): exit 0 after %lld ms%s", h->which, h->path, (long long)ms, left);
    return rc;
}

int hook_run(const config_t *cfg, const char *which, const char *path, const hook_env_t *e)
{
    if (!path || !path[0]) return 0;
    hook_exec_t *x = calloc(1, sizeof(*x));
    hook_proc_t *h = calloc(1, sizeof(*h));
    if (!x || !h) abort();
    hook_exec_build(x, cfg, which, path, e);
    h->which = which;
    h->path = path;
    h->out = h->pidfd = -1;
    int64_t t0 = mono_ms();
    int rc = -1;
    if (hook_start(h, x) != 0) goto out;
    bool in_time = hook_wait_until(h, t0 + cfg->hook_timeout_ms, true);
    if (!in_time) hook_kill(h);
    hook_read(h); /* what is left in the pipe; a leftover process may hold it open */
    if (h->used) log_output(which, h->buf, h->used);
    if (!in_time) {
        log_error("hook %s timed out after %d ms (hook_timeout_ms): %s killed with its process "
                  "group", which, cfg->hook_timeout_ms, path);
        goto out;
    }
    rc = hook_report(h, mono_ms() - t0);
out:
    if (h->out >= 0) close(h->out);
    if (h->pidfd >= 0) close(h->pidfd);
    free(h);
    free(x);
    return rc;
}
