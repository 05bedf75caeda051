/* proc.c -- this host's mysqld as a process: find it (pid file, or the owner of its listening
 * socket), SIGKILL it and see it gone. Fencing's last resort: a stalled mysqld cannot be asked. */
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clockutil.h"

/* A process's state letter from /proc/PID/stat ('R', 'S', 'T', 'Z', ...); 0 when it is gone. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *rp = strrchr(buf, ')'); /* comm may hold blanks and parentheses */
    return rp && rp[1] == ' ' ? rp[2] : 0;
}

bool proc_alive(pid_t pid)
{
    if (pid <= 0) return false;
    char st = proc_state(pid);
    return st != 0 && st != 'Z' && st != 'X' && st != 'x';
}

bool proc_is_mysqld(pid_t pid)
{
    char path[64], comm[64] = "";
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    if (!fgets(comm, sizeof(comm), f)) comm[0] = 0;
    fclose(f);
    comm[strcspn(comm, "\n")] = 0;
    return strcmp(comm, "mariadbd") == 0 || strcmp(comm, "mysqld") == 0;
}

pid_t proc_pid_from_file(const char *path)
{
    if (!path || !path[0]) return 0;
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    long v = 0;
    int ok = fscanf(f, "%ld", &v);
    fclose(f);
    if (ok != 1 || v <= 1 || v > 0x3fffffffL) return 0;
    pid_t pid = (pid_t)v;
    return proc_alive(pid) && proc_is_mysqld(pid) ? pid : 0;
}

/* The inode of a listening unix socket bound to path (/proc/net/unix), or 0. */
static unsigned long unix_listen_inode(const char *path)
{
    FILE *f = fopen("/proc/net/unix", "r");
    if (!f) return 0;
    char line[1024];
    unsigned long found = 0;
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned long flags, type, st, inode;
        int off = 0;
        if (sscanf(line, "%*s %*s %*s %lx %lx %lx %lu %n", &flags, &type, &st, &inode, &off) < 4 ||
            off == 0)
            continue;
        char *p = line + off;
        p[strcspn(p, "\n")] = 0;
        if ((flags & 0x10000UL) && strcmp(p, path) == 0) found = inode; /* __SO_ACCEPTCON */
    }
    fclose(f);
    return found;
}

/* The inode of a TCP socket listening on port, from /proc/net/tcp or tcp6, or 0. */
static unsigned long tcp_listen_inode(int port)
{
    static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        FILE *f = fopen(files[i], "r");
        if (!f) continue;
        char line[512];
        unsigned long found = 0;
        while (!found && fgets(line, sizeof(line), f)) {
            char local[128];
            unsigned st, lport;
            unsigned long inode;
            if (sscanf(line, " %*s %127s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3)
                continue;
            const char *colon = strrchr(local, ':');
            if (colon && sscanf(colon + 1, "%x", &lport) == 1 && (int)lport == port && st == 0x0A)
                found = inode;
        }
        fclose(f);
        if (found) return found;
    }
    return 0;
}

/* Whether one of pid's descriptors is socket:[inode]. */
static bool holds_socket(pid_t pid, unsigned long inode)
{
    char dir[64], want[64];
    snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
    snprintf(want, sizeof(want), "socket:[%lu]", inode);
    DIR *d = opendir(dir);
    if (!d) return false;
    bool yes = false;
    struct dirent *e;
    while (!yes && (e = readdir(d))) {
        char p[320], target[64];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        ssize_t n = readlink(p, target, sizeof(target) - 1);
        if (n <= 0) continue;
        target[n] = 0;
        yes = strcmp(target, want) == 0;
    }
    closedir(d);
    return yes;
}

pid_t proc_mysqld_listening(const char *sock_path, int port)
{
    unsigned long inode = sock_path && sock_path[0] ? unix_listen_inode(sock_path)
                                                    : tcp_listen_inode(port);
    if (!inode) return 0;
    DIR *d = opendir("/proc");
    if (!d) return 0;
    pid_t found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        char *end;
        long v = strtol(e->d_name, &end, 10);
        if (*end || v <= 1) continue;
        if (proc_is_mysqld((pid_t)v) && holds_socket((pid_t)v, inode)) found = (pid_t)v;
    }
    closedir(d);
    return found;
}

int proc_kill_wait(pid_t pid, int wait_ms, char *err, size_t errlen)
{
    if (pid <= 1) {
        snprintf(err, errlen, "no mysqld process id known");
        return -1;
    }
    if (kill(pid, SIGKILL) != 0 && errno != ESRCH) {
        snprintf(err, errlen, "kill -KILL %d: %s (the agent needs the right to signal mysqld: "
                 "run it as mysqld's user or as root)", (int)pid, strerror(errno));
        return -1;
    }
    int64_t end = mono_ms() + wait_ms;
    while (proc_alive(pid)) {
        if (mono_ms() >= end) {
            snprintf(err, errlen, "mysqld (pid %d) still running %d ms after SIGKILL", (int)pid,
                     wait_ms);
            return -1;
        }
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

int proc_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    if (pid <= 0) {
        errno = ESRCH;
        return -1;
    }
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

bool proc_mysqld_gone(pid_t pid, const char *sock_path, int port)
{
    if (pid > 0 && proc_alive(pid) && proc_is_mysqld(pid)) return false;
    return proc_mysqld_listening(sock_path, port) == 0;
}
