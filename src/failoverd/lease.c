/* lease.c -- the agent's fencing deadline, kept in a small file for its next process, so an agent
 * that crashes and is restarted does not promise more than its predecessor did. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "decide.h"
#include "log.h"

/* Why: the previous process's session may expire at its last answered sync + T, and a new primary
 * be promoted then, while mysqld is still writable (nobody fenced it if the process died). The
 * old process had promised to fence by its deadline (that sync + T/2); a new process that started
 * its own T/2 from now could be writable long after the session expired. It inherits the old
 * deadline instead, and with ZooKeeper reachable a restart still costs nothing: its first answered
 * sync moves the deadline on, as always. */

#define LEASE_DEFAULT_DIR "/run/failoverd"

static void read_boot_id(agent_t *a)
{
    a->boot_id[0] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f) return;
    if (!fgets(a->boot_id, sizeof(a->boot_id), f)) a->boot_id[0] = '\0';
    fclose(f);
    a->boot_id[strcspn(a->boot_id, " \t\n")] = '\0';
}

static void lease_path(agent_t *a)
{
    const config_t *cfg = a->cfg;
    if (cfg->lease_file && cfg->lease_file[0])
        snprintf(a->lease_path, sizeof(a->lease_path), "%s", cfg->lease_file);
    else
        snprintf(a->lease_path, sizeof(a->lease_path), "%s/%s.%s.lease", LEASE_DEFAULT_DIR,
                 cfg->cluster_name, cfg->node_name);
}

/* The saved deadline, if the file holds one from this boot. */
static bool lease_read(agent_t *a, int64_t *deadline)
{
    char buf[160];
    int fd = open(a->lease_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return false;
    buf[n] = '\0';
    return lease_parse(buf, a->boot_id, deadline);
}

int64_t lease_start_deadline(agent_t *a, int64_t now_ms)
{
    a->lease_fd = -1;
    read_boot_id(a);
    lease_path(a);
    int T = a->cfg->zk_session_timeout_ms;
    int64_t saved = 0;
    bool have = a->boot_id[0] && lease_read(a, &saved);
    int64_t d = start_deadline_ms(now_ms, T, have, saved);
    if (have && d <= now_ms)
        log_warn("lease: the previous agent's fencing deadline (in %s) passed %lld ms ago: "
                 "fencing now unless a ZooKeeper session is live first",
                 a->lease_path, (long long)(now_ms - d));
    else if (have && d < fence_deadline_ms(now_ms, T))
        log_notice("lease: keeping the previous agent's fencing deadline, %lld ms from now (%s)",
                   (long long)(d - now_ms), a->lease_path);
    if (!a->boot_id[0]) {
        log_warn("lease: cannot read the boot id: a restarted agent will not inherit the fencing "
                 "deadline");
        return d;
    }
    if (strncmp(a->lease_path, LEASE_DEFAULT_DIR "/", sizeof(LEASE_DEFAULT_DIR)) == 0)
        (void)mkdir(LEASE_DEFAULT_DIR, 0755);
    a->lease_fd = open(a->lease_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (a->lease_fd < 0)
        log_warn("lease: cannot open %s (%s): a restarted agent will not inherit the fencing "
                 "deadline; set [agent] lease_file to a writable path",
                 a->lease_path, strerror(errno));
    else
        lease_record(a, d);
    return d;
}

/* One short pwrite at offset 0, then truncate: a reader that sees a torn line rejects it
 * (lease_parse) and starts with a fresh T/2, as if there were no file. */
void lease_record(agent_t *a, int64_t deadline_ms)
{
    if (a->lease_fd < 0) return;
    char buf[160];
    int n = lease_format(buf, sizeof(buf), a->boot_id, deadline_ms);
    if (n < 0) return;
    if (pwrite(a->lease_fd, buf, (size_t)n, 0) != n || ftruncate(a->lease_fd, n) != 0) {
        log_warn("lease: cannot write %s: %s; no longer recording the fencing deadline",
                 a->lease_path, strerror(errno));
        close(a->lease_fd);
        a->lease_fd = -1;
    }
}

/* A clean stop either fenced mysqld or, while paused, left it writable on purpose (the operator's
 * procedure for an agent upgrade, G1): neither needs the lease, so it goes. */
void lease_close(agent_t *a, bool remove)
{
    if (a->lease_fd >= 0) close(a->lease_fd);
    a->lease_fd = -1;
    if (remove && a->lease_path[0]) unlink(a->lease_path);
}
