/* main.c -- failoverd: command line, config, logging, signals and the libev loop that owns the
 * ZooKeeper session; the work itself happens in local.c (this mysqld) and coord.c (coordinator). */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "agent.h"
#include "clockutil.h"
#include "exitcodes.h"
#include "log.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: failoverd -c FILE [-f] [-t]\n"
            "  -c, --config FILE   configuration file (see failoverd.conf(5))\n"
            "  -f, --foreground    stay in the foreground, log to stderr (systemd uses this)\n"
            "  -t, --test-config   check the configuration and exit\n"
            "  -V, --version       print the version\n"
            "  -h, --help          this text\n");
}

static const char *cfg_path;

/* SIGUSR2: a restart (systemctl restart, the init script's restart). The process exits at once
 * without fencing and without closing its ZooKeeper session, keeping the lease file: the next
 * process resumes the session (lease_file) and its mysqld never leaves the state it is in, so a
 * primary keeps taking writes. For the cluster this is the same as a kill -9 of the agent (the
 * next agent inherits the fencing deadline), which is why nothing else is done on the way out. */
static ev_signal sig_usr2;

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)revents;
    agent_t *a = w->data;
    if (w->signum == SIGHUP) {
        agent_reload(a, cfg_path);
        return;
    }
    if (w->signum == SIGUSR2) {
        log_notice("signal %d: restart: exiting without fencing, keeping the ZooKeeper session and "
                   "the lease for the next agent (start it within zk_session_timeout_ms)",
                   w->signum);
        sd_notify(0, "STOPPING=1");
        if (a->cfg->pid_file && a->cfg->pid_file[0]) unlink(a->cfg->pid_file);
        fflush(NULL);
        _exit(EXIT_OK);
    }
    log_notice("signal %d: stopping", w->signum);
    ev_break(loop, EVBREAK_ALL);
}

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    /* The loop is alive if this runs; the workers are bounded by their MySQL/ZK timeouts. */
    sd_notify(0, "WATCHDOG=1");
}

/* ---- last words: an agent that dies says where ------------------------------------------ */

/* An agent vanished once in the tests without a word in its log; a core dump is rarely set up
 * where it runs. So a fatal signal, or an exit() from anywhere but the end of main(), leaves a
 * backtrace on stderr (the journal under systemd), as redis's crash report does. */
static volatile sig_atomic_t normal_exit;

static void say_backtrace(const char *what, int sig)
{
    char line[96];
    int n = snprintf(line, sizeof(line), "failoverd: FATAL: %s %d (pid %ld); backtrace:\n", what,
                     sig, (long)getpid());
    if (n > 0) (void)!write(STDERR_FILENO, line, (size_t)n);
    void *frames[64];
    int depth = backtrace(frames, 64);
    backtrace_symbols_fd(frames, depth, STDERR_FILENO);
}

static void on_fatal_signal(int sig)
{
    say_backtrace("signal", sig);
    signal(sig, SIG_DFL); /* SA_RESETHAND did it too; the default action then ends us */
    raise(sig);
}

static void on_exit_unexpected(void)
{
    if (!normal_exit) say_backtrace("exit() called outside the normal stop, status unknown; code", 0);
}

#if defined(__SANITIZE_ADDRESS__)
#define FO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FO_ASAN 1
#endif
#endif

static void install_last_words(void)
{
#ifdef FO_ASAN
    return; /* AddressSanitizer's own report is better, and it owns these signals */
#endif
    static char altstack[64 * 1024]; /* a stack overflow still gets its report */
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    (void)sigaltstack(&ss, NULL);
    void *warm[1];
    (void)backtrace(warm, 1); /* loads libgcc now: not from inside a signal handler */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) sigaction(fatal[i], &sa, NULL);
    atexit(on_exit_unexpected);
}

static int write_pid_file(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "%ld\n", (long)getpid());
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return rename(tmp, path);
}

int main(int argc, char **argv)
{
    /* Before any password is read (password_file, repl_password_file): no core dump of this
     * process, and no ptrace or /proc/PID/mem, environ, fd... for anyone but root (they become
     * root's). Hooks and tools it runs start dumpable again: execve resets the flag. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        fprintf(stderr, "failoverd: prctl(PR_SET_DUMPABLE, 0): %s (core dumps stay possible)\n",
                strerror(errno));
    bool foreground = false, test_only = false;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"foreground", no_argument, NULL, 'f'},
        {"test-config", no_argument, NULL, 't'},  {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:ftVh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cfg_path = optarg; break;
        case 'f': foreground = true; break;
        case 't': test_only = true; break;
        case 'V': printf("failoverd %s\n", FO_VERSION); return EXIT_OK;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "failoverd: unexpected argument \"%s\"; see failoverd --help\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (!cfg_path) {
        fprintf(stderr, "failoverd: no configuration file: use -c FILE (e.g. /etc/failoverd/failoverd.conf)\n");
        return EXIT_USAGE;
    }
    char err[1024];
    config_t *cfg = config_alloc();
    if (config_load(cfg, cfg_path, err, sizeof(err)) != 0 ||
        config_validate(cfg, true, err, sizeof(err)) != 0) {
        fprintf(stderr, "failoverd: %s\n", err);
        config_free(cfg);
        return EXIT_CONFIG;
    }
    if (test_only) {
        printf("failoverd: %s is valid\n", cfg_path);
        config_free(cfg);
        return EXIT_OK;
    }
    char tag[128];
    snprintf(tag, sizeof(tag), "failoverd[%s]", cfg->node_name);
    log_level_t lvl = log_level_from_string(cfg->log_level);
    log_setup(lvl == LOG_LVL_INVALID ? LOG_LVL_INFO : lvl, tag, !foreground);

    if (!foreground) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "failoverd: fork: %s\n", strerror(errno));
            return EXIT_FAILURE_GENERIC;
        }
        if (pid > 0) return EXIT_OK;
        setsid();
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            if (fd > 2) close(fd);
        }
    }
    if (cfg->pid_file && cfg->pid_file[0] && write_pid_file(cfg->pid_file) != 0)
        log_warn("cannot write pid file %s: %s", cfg->pid_file, strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    install_last_words();
    zoo_set_debug_level(lvl == LOG_LVL_DEBUG ? ZOO_LOG_LEVEL_WARN : ZOO_LOG_LEVEL_ERROR);

    agent_t *a = calloc(1, sizeof(*a));
    if (!a) abort();
    a->cfg = cfg;
    /* Not the default loop: libev's default loop reaps every child on SIGCHLD (waitpid(-1)), and
     * would steal the exit status of a hook that run_hook() waits for. */
    a->loop = ev_loop_new(EVFLAG_AUTO);
    if (!a->loop) {
        log_error("cannot create the event loop");
        normal_exit = 1;
        return EXIT_FAILURE_GENERIC;
    }
    pthread_mutex_init(&a->qmu, NULL);
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->ro_mu, NULL);
    cond_init_monotonic(&a->cv);

    ev_signal_init(&a->sig_int, on_signal, SIGINT);
    ev_signal_init(&a->sig_term, on_signal, SIGTERM);
    ev_signal_init(&a->sig_hup, on_signal, SIGHUP);
    a->sig_int.data = a->sig_term.data = a->sig_hup.data = a;
    ev_signal_start(a->loop, &a->sig_int);
    ev_signal_start(a->loop, &a->sig_term);
    ev_signal_start(a->loop, &a->sig_hup);
    ev_signal_init(&sig_usr2, on_signal, SIGUSR2);
    sig_usr2.data = a;
    ev_signal_start(a->loop, &sig_usr2);

    uint64_t wd_usec = 0;
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
        ev_timer_init(&a->watchdog, on_watchdog, 0., (double)wd_usec / 2e6);
        ev_timer_start(a->loop, &a->watchdog);
    }

    log_notice("starting: node %s (%s:%d), cluster %s, ZooKeeper %s", cfg->node_name,
               cfg->node_host, cfg->node_port, cfg->cluster_name, cfg->zk_hosts);
    if (lease_open(a, err, sizeof(err)) != 0) {
        log_error("%s", err);
        normal_exit = 1;
        return EXIT_FAILURE_GENERIC;
    }
    session_start(a);
    pthread_create(&a->t_local, NULL, local_main, a);
    pthread_create(&a->t_coord, NULL, coord_main, a);
    pthread_create(&a->t_fencer, NULL, fencer_main, a);
    if (cfg->failsafe) pthread_create(&a->t_failsafe, NULL, failsafe_main, a);
    a->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (a->stop_fd < 0)
        log_warn("eventfd: %s: no crash watch (a crash is found by the next probe)", strerror(errno));
    else
        pthread_create(&a->t_crashwatch, NULL, crashwatch_main, a);
    void *http = http_start(a);
    sd_notify(0, "READY=1");

    ev_run(a->loop, 0);

    sd_notify(0, "STOPPING=1");
    a->quit = true;
    pthread_mutex_lock(&a->mu);
    a->stopping = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    if (a->stop_fd >= 0) {
        uint64_t one = 1;
        if (write(a->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
            log_warn("eventfd write: %s", strerror(errno));
        pthread_join(a->t_crashwatch, NULL);
    }
    pthread_join(a->t_local, NULL);
    pthread_join(a->t_coord, NULL);
    pthread_join(a->t_fencer, NULL);
    if (cfg->failsafe) pthread_join(a->t_failsafe, NULL);
    local_fence_on_stop(a);
    http_stop(http);
    session_stop(a);
    ev_loop_destroy(a->loop);
    log_notice("stopped");
    if (cfg->pid_file && cfg->pid_file[0]) unlink(cfg->pid_file); /* a restart key: as loaded */
    config_free(a->cfg); /* the last one loaded; cfg is either it or retired */
    reload_free_retired();
    free(a);
    normal_exit = 1;
    return EXIT_OK;
}
