/* proc.h -- this host's mysqld as a process: find its PID, kill it, see it gone. The last resort
 * of fencing, when SQL cannot make mysqld read-only in time (stalled, blocked behind a lock).
 * Defined in src/failoverd/proc.c. Linux /proc only; no ev.h, zookeeper.h or mysql.h. */
#ifndef FO_PROC_H
#define FO_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The PID in a mysqld pid file, when that process exists and is a mysqld (its comm is mysqld
 * or mariadbd); 0 otherwise. */
pid_t proc_pid_from_file(const char *path);

/* The mysqld holding a listening unix socket at path, or a TCP listener on port (in this
 * network namespace) when path is NULL or empty; 0 when none is found. For a mysqld that no
 * longer answers SQL, so its pid file cannot be asked for. */
pid_t proc_mysqld_listening(const char *sock_path, int port);

/* Whether pid's comm is mysqld or mariadbd (a remembered pid may have been reused since). */
bool proc_is_mysqld(pid_t pid);

/* Whether pid exists and is not a zombie (a zombie runs nothing: it cannot commit). */
bool proc_alive(pid_t pid);

/* SIGKILL pid and wait up to wait_ms for it to be gone (or a zombie). 0 when gone, -1 with a
 * message (no permission, or still there at the deadline). */
int proc_kill_wait(pid_t pid, int wait_ms, char *err, size_t errlen);

/* A pidfd of pid (pidfd_open(2)): readable once the process has ended. -1 with errno when the
 * process is gone already or the kernel lacks pidfds. */
int proc_pidfd(pid_t pid);

/* Whether no mysqld runs for this node: the remembered pid is not a live mysqld and nothing
 * listens on the socket (or, without one, the port). The local probe's failure means "down"
 * rather than "busy" only then. */
bool proc_mysqld_gone(pid_t pid, const char *sock_path, int port);

#endif
