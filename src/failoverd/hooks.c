/* hooks.c -- runs the user's hooks (VIP moves, proxy updates, paging) so that a stuck or noisy
 * hook can never wedge the agent: execve without a shell, own process group, bounded time. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "clockutil.h"
#include "log.h"

#define HOOK_ENV_MAX 12

static void log_output(const char *which, char *buf, size_t len)
{
    buf[len] = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        log_info("hook %s: %s", which, line);
}

int hook_run(const config_t *cfg, const char *which, const char *path, const hook_env_t *e)
{
    if (!path || !path[0]) return 0;
    /* Everything the child needs is built before fork: after it, only async-signal-safe calls. */
    char env_buf[HOOK_ENV_MAX][HOST_MAX_LEN + 64];
    char *envp[HOOK_ENV_MAX + 1];
    int n = 0;
    snprintf(env_buf[n++], sizeof(env_buf[0]), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_HOOK=%s", which);
    snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_CLUSTER=%s", cfg->cluster_name);
    snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_NODE=%s", cfg->node_name);
    snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_OLD_PRIMARY=%s", e->old_primary ? e->old_primary : "");
    snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_NEW_PRIMARY=%s", e->new_primary ? e->new_primary : "");
    snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_NEW_PRIMARY_HOST=%s", e->new_host ? e->new_host : "");
    snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_NEW_PRIMARY_PORT=%d", e->new_port);
    snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_EPOCH=%llu", (unsigned long long)e->epoch);
    snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_REASON=%s", e->reason ? e->reason : "");
    if (e->role) snprintf(env_buf[n++], sizeof(env_buf[0]), "FAILOVER_ROLE=%s", e->role);
    for (int i = 0; i < n; i++) envp[i] = env_buf[i];
    envp[n] = NULL;
    char *argv[] = {(char *)path, (char *)which, NULL};

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        log_error("hook %s (%s): pipe: %s", which, path, strerror(errno));
        return -1;
    }
    int64_t t0 = mono_ms();
    pid_t pid = fork();
    if (pid < 0) {
        log_error("hook %s (%s): fork: %s", which, path, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        /* Child: own process group (so a timeout kills its children too), default signals. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        closefrom(3);
        execve(path, argv, envp);
        _exit(127);
    }
    close(fds[1]);
    setpgid(pid, pid); /* also from here: no race with the child's own call */

    char out[4096];
    size_t used = 0;
    bool timed_out = false;
    for (;;) {
        int left = (int)(t0 + cfg->hook_timeout_ms - mono_ms());
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        char tmp[1024];
        ssize_t got = read(fds[0], tmp, sizeof(tmp));
        if (got <= 0) break; /* EOF: the hook (and whatever it spawned) closed its output */
        size_t take = (size_t)got < sizeof(out) - 1 - used ? (size_t)got : sizeof(out) - 1 - used;
        memcpy(out + used, tmp, take);
        used += take;
    }
    close(fds[0]);
    if (timed_out) kill(-pid, SIGKILL);
    int status = 0;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    int wait_errno = w < 0 ? errno : 0;
    if (used) log_output(which, out, used);
    int64_t ms = mono_ms() - t0;
    if (timed_out) {
        log_error("hook %s (%s): killed after hook_timeout_ms=%d", which, path, cfg->hook_timeout_ms);
        return -1;
    }
    if (w < 0) {
        /* Never report success we did not see: a pre hook's "no" must hold. */
        log_error("hook %s (%s): exit status lost (waitpid: %s); counted as failed", which, path,
                  strerror(wait_errno));
        return -1;
    }
    if (WIFEXITED(status)) {
        int rc = WEXITSTATUS(status);
        if (rc == 127)
            log_error("hook %s (%s): could not be executed (exit 127: missing or not executable?)",
                      which, path);
        else if (rc)
            log_warn("hook %s (%s): exit %d after %lld ms", which, path, rc, (long long)ms);
        else
            log_info("hook %s (%s): exit 0 after %lld ms", which, path, (long long)ms);
        return rc;
    }
    log_error("hook %s (%s): killed by signal %d", which, path, WTERMSIG(status));
    return -1;
}
