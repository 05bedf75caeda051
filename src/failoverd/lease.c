/* lease.c -- what an agent promised, kept in a small file for its next process: the fencing
 * deadline, and the ZooKeeper session it holds, so an agent that crashes and is restarted
 * neither promises more than its predecessor did nor lets its registration vanish. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "decide.h"
#include "log.h"

/* Why the deadline: the previous process's session may expire at its last answered sync + T, and
 * a new primary be promoted then, while mysqld is still writable (nobody fenced it if the process
 * died). The old process had promised to fence by its deadline (that sync + T/2); a new process
 * that started its own T/2 from now could be writable long after the session expired. It inherits
 * the old deadline instead, and with ZooKeeper reachable a restart still costs nothing: its first
 * answered sync moves the deadline on, as always.
 *
 * Why the session: the coordinator takes a missing registration (nodes/NAME) for a fenced node
 * (failoverd-protocol(7), G12). A new process that opened a new session would have to delete the
 * registration its predecessor's session still holds and create its own: in between, nothing is
 * registered while mysqld may be writable. Resuming the predecessor's session (its id and
 * password) keeps the very same registration and election node; if the server has expired that
 * session meanwhile, the ephemerals are gone with it, the client is told so, and the agent fences
 * and starts afresh like any agent whose session expired. */

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

int lease_open(agent_t *a, char *err, size_t errlen)
{
    a->lease_fd = -1;
    a->have_saved = false;
    read_boot_id(a);
    lease_path(a);
    if (!a->boot_id[0]) {
        log_warn("lease: cannot read the boot id: a restarted agent will not inherit the fencing "
                 "deadline or the ZooKeeper session");
        return 0;
    }
    if (strncmp(a->lease_path, LEASE_DEFAULT_DIR "/", sizeof(LEASE_DEFAULT_DIR)) == 0)
        (void)mkdir(LEASE_DEFAULT_DIR, 0755);
    /* 0600: the line holds the session password, with which anyone could act as this agent. */
    int fd = open(a->lease_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        log_warn("lease: cannot open %s (%s): a restarted agent will not inherit the fencing "
                 "deadline or the ZooKeeper session; set [agent] lease_file to a writable path",
                 a->lease_path, strerror(errno));
        return 0;
    }
    /* One agent per lease: two processes of one node on one host would take turns holding one
     * ZooKeeper session. The lock goes with the process, however it ends. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK) {
            snprintf(err, errlen, "another failoverd for node %s is running (it holds the lock on "
                     "%s): stop it first", a->cfg->node_name, a->lease_path);
            return -1;
        }
        log_warn("lease: cannot lock %s (%s): not using it", a->lease_path, strerror(e));
        return 0;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) && fchmod(fd, 0600) != 0)
        log_warn("lease: cannot make %s private (chmod 600): %s", a->lease_path, strerror(errno));
    char buf[256];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n > 0) {
        buf[n] = '\0';
        a->have_saved = lease_parse(buf, a->boot_id, &a->saved);
    }
    a->lease_fd = fd;
    return 0;
}

int64_t lease_start_deadline(agent_t *a, int64_t now_ms)
{
    int T = a->cfg->zk_session_timeout_ms;
    bool have = a->have_saved;
    int64_t d = start_deadline_ms(now_ms, T, have, a->saved.deadline_ms);
    if (have && d <= now_ms)
        log_warn("lease: the previous agent's fencing deadline (in %s) passed %lld ms ago: "
                 "fencing now unless a ZooKeeper session is live first",
                 a->lease_path, (long long)(now_ms - d));
    else if (have && d < fence_deadline_ms(now_ms, T))
        log_notice("lease: keeping the previous agent's fencing deadline, %lld ms from now (%s)",
                   (long long)(d - now_ms), a->lease_path);
    /* Until our first session is known the file keeps the saved one: a crash before then must
     * not forget it. */
    a->lease = (lease_t){.deadline_ms = d};
    if (have) {
        a->lease.session_id = a->saved.session_id;
        memcpy(a->lease.passwd, a->saved.passwd, sizeof(a->lease.passwd));
    }
    lease_record(a, d);
    return d;
}

const clientid_t *lease_resume(agent_t *a, clientid_t *buf)
{
    if (!a->have_saved || a->saved.session_id == 0) return NULL;
    a->have_saved = false; /* once: after an expiry the next session is a new one */
    buf->client_id = a->saved.session_id;
    memcpy(buf->passwd, a->saved.passwd, sizeof(buf->passwd));
    return buf;
}

/* One short pwrite at offset 0, then truncate: a reader that sees a torn line rejects it
 * (lease_parse) and starts with a fresh T/2 and a new session, as if there were no file. */
static void lease_write(agent_t *a)
{
    if (a->lease_fd < 0) return;
    char buf[256];
    int n = lease_format(buf, sizeof(buf), a->boot_id, &a->lease);
    if (n < 0) return;
    if (pwrite(a->lease_fd, buf, (size_t)n, 0) != n || ftruncate(a->lease_fd, n) != 0) {
        log_warn("lease: cannot write %s: %s; no longer recording the fencing deadline",
                 a->lease_path, strerror(errno));
        close(a->lease_fd);
        a->lease_fd = -1;
    }
}

void lease_record(agent_t *a, int64_t deadline_ms)
{
    a->lease.deadline_ms = deadline_ms;
    lease_write(a);
}

void lease_session(agent_t *a, const clientid_t *cid)
{
    a->lease.session_id = cid ? cid->client_id : 0;
    if (cid) memcpy(a->lease.passwd, cid->passwd, sizeof(a->lease.passwd));
    else memset(a->lease.passwd, 0, sizeof(a->lease.passwd));
    lease_write(a);
}

/* A clean stop either fenced mysqld or, while paused, left it writable on purpose (the operator's
 * procedure for an agent upgrade, G1), and it closes its session: nothing is left to inherit, so
 * the file goes (before the lock is released with the descriptor). */
void lease_close(agent_t *a, bool remove)
{
    if (remove && a->lease_path[0] && a->lease_fd >= 0) unlink(a->lease_path);
    if (a->lease_fd >= 0) close(a->lease_fd);
    a->lease_fd = -1;
}
