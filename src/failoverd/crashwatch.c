/* crashwatch.c -- notices this node's mysqld exiting the moment it happens. A pidfd of the
 * mysqld process (pidfd_open(2), Linux 5.3+) becomes readable when the process ends, however it
 * ends (SIGKILL, a crash, OOM): the local worker is kicked to probe at once, publishes the node
 * down (mysqld_down: no mysqld process left), and the coordinator acts on that at once instead
 * of at its next probe (issue 8). Nothing here decides anything: it only makes the next probe
 * come sooner. Without pidfd support, or before the pid is known, the probes every
 * check_interval_ms find the crash as before. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "proc.h"

/* How often the pid is looked at again (a restarted mysqld has a new one; its agent learns it at
 * its next connect), and how long a stop may wait for this thread at most. */
#define CRASHWATCH_RECHECK_MS 1000

void *crashwatch_main(void *arg)
{
    agent_t *a = arg;
    pid_t watched = 0, gone = 0;
    int pfd = -1;
    bool warned = false;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        bool stop = a->stopping;
        pid_t pid = a->mysqld_pid;
        pthread_mutex_unlock(&a->mu);
        if (stop) break;
        if (pid != watched && pid != gone) {
            if (pfd >= 0) close(pfd);
            pfd = pid > 0 ? proc_pidfd(pid) : -1;
            watched = pid;
            if (pfd < 0 && pid > 0 && !warned) {
                warned = true;
                log_info("crashwatch: cannot watch mysqld (pid %d) for its exit: %s; its crash is "
                         "found by the next probe instead", (int)pid, strerror(errno));
            }
        }
        struct pollfd fds[2] = {{.fd = a->stop_fd, .events = POLLIN}, {.fd = pfd, .events = POLLIN}};
        int n = poll(fds, pfd >= 0 ? 2 : 1, CRASHWATCH_RECHECK_MS);
        if (n > 0 && pfd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            log_notice("crashwatch: mysqld (pid %d) has exited: probing it now", (int)watched);
            close(pfd);
            pfd = -1;
            gone = watched;
            watched = 0;
            pthread_mutex_lock(&a->mu);
            a->kick_local = true; /* a probe, not a ZooKeeper re-read: no DIRTY_* bit */
            pthread_cond_broadcast(&a->cv);
            pthread_mutex_unlock(&a->mu);
        }
    }
    if (pfd >= 0) close(pfd);
    return NULL;
}
