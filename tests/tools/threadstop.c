/* threadstop.c -- a test tool: stop ONE thread of a running process for a while, the others
 * running on, as a thread blocked in a log write to a stalled journald or a slow disk would be.
 * SIGSTOP cannot do that (it stops every thread); ptrace can: PTRACE_SEIZE attaches to a single
 * thread, PTRACE_INTERRUPT stops it, PTRACE_DETACH lets it go. If this tool dies, the kernel
 * detaches it and the thread runs again.
 *
 *   threadstop TID MS     stop thread TID (the main thread's TID is the PID) for MS milliseconds
 *
 * Prints "stopped TID" once the thread is seen stopped and "resumed TID after N ms" at the end.
 * Needs CAP_SYS_PTRACE (root). Build: cc -o threadstop threadstop.c */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long parse(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *s == '\0' || *end != '\0' || v <= 0) {
        fprintf(stderr, "threadstop: %s must be a positive integer, not '%s'\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: threadstop TID MS (stop one thread for MS milliseconds)\n");
        return 2;
    }
    pid_t tid = (pid_t)parse(argv[1], "TID");
    long ms = parse(argv[2], "MS");
    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
        fprintf(stderr, "threadstop: PTRACE_SEIZE %d: %s\n", (int)tid, strerror(errno));
        return 1;
    }
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0) {
        fprintf(stderr, "threadstop: PTRACE_INTERRUPT %d: %s\n", (int)tid, strerror(errno));
        return 1;
    }
    int st;
    if (waitpid(tid, &st, __WALL) != tid || !WIFSTOPPED(st)) {
        fprintf(stderr, "threadstop: thread %d did not stop (%s)\n", (int)tid, strerror(errno));
        return 1;
    }
    long long t0 = mono_ms();
    printf("stopped %d\n", (int)tid);
    fflush(stdout);
    /* A signal sent to the process meanwhile goes to one of its running threads. */
    struct timespec left = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
    if (ptrace(PTRACE_DETACH, tid, NULL, NULL) != 0) {
        fprintf(stderr, "threadstop: PTRACE_DETACH %d: %s\n", (int)tid, strerror(errno));
        return 1;
    }
    printf("resumed %d after %lld ms\n", (int)tid, mono_ms() - t0);
    return 0;
}
