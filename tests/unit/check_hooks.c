/* check_hooks.c -- unit tests for src/failoverd/hooks.c: hook_run is pure process handling, so it
 * is tested with real shell scripts and no servers: exit statuses, the time limit on the child
 * itself (not on its output), the whole process group killed, and what the child inherits. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../src/failoverd/agent.h"
#include "clockutil.h"

/* How much later than its deadline a killed hook may come back on a loaded 2-core machine:
 * the SIGTERM grace (250 ms) plus scheduling slack. */
#define LATE_MS 900

static char dir[64];
static char logpath[128];
static int saved_stderr = -1;

/* Each test runs in a process of its own (fork mode): a scratch directory, the log captured
 * (log.c writes to stderr), and this process made the reaper of the hooks' orphans, so a test
 * can see a killed process group really go away even when PID 1 does not reap. */
static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/check_hooks.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(logpath, sizeof logpath, "%s/log", dir);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert_int_ge(fd, 0);
    saved_stderr = dup(2);
    dup2(fd, 2);
    close(fd);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static void teardown(void)
{
    char cmd[128];
    if (saved_stderr >= 0) dup2(saved_stderr, 2);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

/* A hook script in the scratch directory; "@D" in body stands for that directory. */
static const char *script(const char *name, const char *body)
{
    static char path[128];
    char text[2048];
    size_t o = 0;
    o += (size_t)snprintf(text + o, sizeof text - o, "#!/bin/sh\n");
    for (const char *p = body; *p && o < sizeof text - 64; p++) {
        if (p[0] == '@' && p[1] == 'D') {
            o += (size_t)snprintf(text + o, sizeof text - o, "%s", dir);
            p++;
        } else {
            text[o++] = *p;
        }
    }
    text[o] = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0755);
    return path;
}

typedef struct run {
    int rc;
    int64_t ms;
} run_t;

static run_t run_hook(const char *path, int timeout_ms)
{
    config_t *cfg = config_alloc();
    cfg->cluster_name = strdup("main");
    cfg->node_name = strdup("db1");
    cfg->hook_timeout_ms = timeout_ms;
    hook_env_t e = {.old_primary = "db1", .old_host = "10.0.0.1", .old_port = 3307,
                    .new_primary = "db2", .new_host = "10.0.0.2", .new_port = 3306, .epoch = 7,
                    .reason = "failover"};
    int64_t t0 = mono_ms();
    run_t r = {.rc = hook_run(cfg, "test", path, &e)};
    r.ms = mono_ms() - t0;
    config_free(cfg);
    return r;
}

/* The whole captured log (static buffer). */
static const char *log_text(void)
{
    static char buf[16384];
    buf[0] = 0;
    FILE *f = fopen(logpath, "r");
    if (!f) return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

#define LOG_HAS(s) ck_assert_msg(strstr(log_text(), s) != NULL, "log: expected \"%s\", saw:\n%s", \
                                 s, log_text())

/* A pid a hook wrote into DIR/name, waited for up to 2 s. */
static pid_t pid_from(const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(path, "r");
        long v = 0;
        if (f) {
            int got = fscanf(f, "%ld", &v);
            fclose(f);
            if (got == 1 && v > 0) return (pid_t)v;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    ck_abort_msg("expected a pid in %s, saw none after 2 s", path);
    return -1;
}

/* True when process group pg has no process left within ms (orphans reaped as they die). */
static bool group_gone_within(pid_t pg, int ms)
{
    int64_t end = mono_ms() + ms;
    do {
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        if (kill(-pg, 0) != 0 && errno == ESRCH) return true;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    } while (mono_ms() < end);
    return false;
}

static const char *file_text(const char *name)
{
    static char buf[4096];
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* ---- exit statuses are kept ------------------------------------------------------------- */

START_TEST(test_exit_0_and_output)
{
    run_t r = run_hook(script("ok", "echo hello\necho oops >&2\nexit 0\n"), 5000);
    ck_assert_msg(r.rc == 0, "hook exit 0: expected 0, saw %d", r.rc);
    ck_assert_msg(r.ms < 2000, "hook exit 0: expected back at once, took %lld ms", (long long)r.ms);
    LOG_HAS("hook test: hello");
    LOG_HAS("hook test: oops");
    LOG_HAS("exit 0 after");
}
END_TEST

START_TEST(test_exit_3)
{
    run_t r = run_hook(script("no", "echo not allowed yet\nexit 3\n"), 5000);
    ck_assert_msg(r.rc == 3, "hook exit 3: expected 3, saw %d", r.rc);
    LOG_HAS("hook test: not allowed yet");
    LOG_HAS("exit 3 after");
}
END_TEST

START_TEST(test_empty_path_and_missing)
{
    run_t r = run_hook("", 5000);
    ck_assert_int_eq(r.rc, 0);
    char path[160];
    snprintf(path, sizeof path, "%s/does-not-exist", dir);
    r = run_hook(path, 5000);
    ck_assert_msg(r.rc == 127, "missing hook: expected 127, saw %d", r.rc);
    LOG_HAS("could not be executed");
}
END_TEST

/* ---- the time limit is on the child, not on its output ---------------------------------- */

/* The reproduction from issue 10: a hook that closes its output and keeps running returned 0
 * after 3 s under a 500 ms limit. */
START_TEST(test_closed_stdout_then_sleeps_is_killed)
{
    const char *p = script("hang", "echo $$ >@D/pid\necho going quiet\nexec >&- 2>&-\nsleep 3\n");
    run_t r = run_hook(p, 500);
    pid_t pg = pid_from("pid");
    ck_assert_msg(r.rc == -1, "hung hook: expected -1 (killed), saw %d after %lld ms", r.rc,
                  (long long)r.ms);
    ck_assert_msg(r.ms >= 500 && r.ms < 500 + LATE_MS,
                  "hung hook: expected back within 500..%d ms, took %lld ms", 500 + LATE_MS,
                  (long long)r.ms);
    ck_assert_msg(group_gone_within(pg, 1000), "hung hook: expected its process group %d gone, "
                  "some process of it still exists", (int)pg);
    LOG_HAS("hook test timed out after 500 ms (hook_timeout_ms)");
    LOG_HAS("hook test: going quiet");
}
END_TEST

/* SIGTERM first; a hook that ignores it still gets SIGKILL after the grace. */
START_TEST(test_sigterm_ignored_gets_sigkill)
{
    const char *p = script("stubborn", "trap '' TERM\necho $$ >@D/pid\nwhile :; do sleep 1; done\n");
    run_t r = run_hook(p, 300);
    pid_t pg = pid_from("pid");
    ck_assert_msg(r.rc == -1, "stubborn hook: expected -1, saw %d", r.rc);
    ck_assert_msg(r.ms >= 300 && r.ms < 300 + LATE_MS,
                  "stubborn hook: expected back within 300..%d ms, took %lld ms", 300 + LATE_MS,
                  (long long)r.ms);
    ck_assert_msg(group_gone_within(pg, 1000), "stubborn hook: expected its process group %d gone",
                  (int)pg);
    LOG_HAS("timed out after 300 ms (hook_timeout_ms)");
}
END_TEST

/* A trap on SIGTERM runs: the grace lets a hook undo a half-done step. */
START_TEST(test_sigterm_trap_runs)
{
    const char *p = script("tidy", "trap 'echo undone >@D/trap; exit 1' TERM\n"
                                   "sleep 5 &\nwait\n");
    run_t r = run_hook(p, 300);
    ck_assert_msg(r.rc == -1, "trapping hook: expected -1, saw %d", r.rc);
    ck_assert_msg(strcmp(file_text("trap"), "undone\n") == 0,
                  "trapping hook: expected its TERM trap to write \"undone\", saw \"%s\"",
                  file_text("trap"));
}
END_TEST

/* A hook that exits at once but leaves a process holding its output: back at once with the
 * hook's own status (the old code waited for the end of the output, then killed it). */
START_TEST(test_grandchild_holding_stdout)
{
    const char *p = script("bg", "sleep 3 &\necho $! >@D/bgpid\necho started\nexit 0\n");
    run_t r = run_hook(p, 2000);
    pid_t bg = pid_from("bgpid");
    ck_assert_msg(r.rc == 0, "hook with a background child: expected 0, saw %d after %lld ms", r.rc,
                  (long long)r.ms);
    ck_assert_msg(r.ms < 1000, "hook with a background child: expected back at once, took %lld ms",
                  (long long)r.ms);
    LOG_HAS("hook test: started");
    LOG_HAS("still holds its output");
    kill(bg, SIGKILL);
}
END_TEST

START_TEST(test_grandchild_holding_stdout_exit_3)
{
    const char *p = script("bg3", "sleep 3 &\necho $! >@D/bgpid\nexit 3\n");
    run_t r = run_hook(p, 2000);
    kill(pid_from("bgpid"), SIGKILL);
    ck_assert_msg(r.rc == 3, "hook with a background child: expected 3, saw %d after %lld ms", r.rc,
                  (long long)r.ms);
    ck_assert_msg(r.ms < 1000, "expected back at once, took %lld ms", (long long)r.ms);
}
END_TEST

/* ---- what the child inherits ------------------------------------------------------------ */

/* Ignored and blocked signals survive execve: the hook must start with neither. Descriptors the
 * agent left open without O_CLOEXEC must not reach it. Only the FAILOVER_* environment. */
START_TEST(test_child_inherits_nothing)
{
    signal(SIGTERM, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, NULL);
    int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: a library's careless open */
    ck_assert_int_ge(dup2(leak, 57), 0);
    setenv("FAILOVERD_SECRET", "x", 1);
    const char *p = script("env", "env | sort >@D/env\n"
                                  "[ -e /proc/$$/fd/57 ] && echo open >@D/fd || echo closed >@D/fd\n"
                                  "exec grep -E '^Sig(Blk|Ign)' /proc/self/status >@D/sig\n");
    run_t r = run_hook(p, 5000);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_msg(strcmp(file_text("fd"), "closed\n") == 0,
                  "descriptor 57: expected closed in the hook, saw %s", file_text("fd"));
    ck_assert_msg(strcmp(file_text("sig"), "SigBlk:\t0000000000000000\n"
                                            "SigIgn:\t0000000000000000\n") == 0,
                  "hook's signals: expected none blocked or ignored, saw:\n%s", file_text("sig"));
    const char *env = file_text("env");
    ck_assert_msg(strstr(env, "FAILOVER_NEW_PRIMARY=db2\n") && strstr(env, "FAILOVER_EPOCH=7\n") &&
                      strstr(env, "FAILOVER_HOOK=test\n") && strstr(env, "FAILOVER_CLUSTER=main\n") &&
                      strstr(env, "FAILOVER_OLD_PRIMARY=db1\n") &&
                      strstr(env, "FAILOVER_OLD_PRIMARY_HOST=10.0.0.1\n") &&
                      strstr(env, "FAILOVER_OLD_PRIMARY_PORT=3307\n") &&
                      strstr(env, "FAILOVER_NEW_PRIMARY_HOST=10.0.0.2\n") &&
                      strstr(env, "FAILOVER_NEW_PRIMARY_PORT=3306\n"),
                  "hook environment: expected the FAILOVER_* variables, saw:\n%s", env);
    ck_assert_msg(!strstr(env, "FAILOVERD_SECRET"), "hook environment: inherited the agent's:\n%s",
                  env);
}
END_TEST

/* PR_SET_PDEATHSIG: a hook whose agent dies (kill -9) is killed too, not left running. */
START_TEST(test_hook_dies_with_agent)
{
    const char *p = script("orphan", "echo $$ >@D/pid\nexec sleep 30\n");
    pid_t agent = fork();
    ck_assert_int_ge(agent, 0);
    if (agent == 0) {
        run_hook(p, 60000);
        _exit(0);
    }
    pid_t hook = pid_from("pid");
    kill(agent, SIGKILL);
    waitpid(agent, NULL, 0);
    ck_assert_msg(group_gone_within(hook, 2000),
                  "hook %d: expected killed when its agent died, still there", (int)hook);
}
END_TEST

static Suite *hooks_suite(void)
{
    Suite *s = suite_create("hooks");
    TCase *tc = tcase_create("run");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_exit_0_and_output);
    tcase_add_test(tc, test_exit_3);
    tcase_add_test(tc, test_empty_path_and_missing);
    tcase_add_test(tc, test_closed_stdout_then_sleeps_is_killed);
    tcase_add_test(tc, test_sigterm_ignored_gets_sigkill);
    tcase_add_test(tc, test_sigterm_trap_runs);
    tcase_add_test(tc, test_grandchild_holding_stdout);
    tcase_add_test(tc, test_grandchild_holding_stdout_exit_3);
    tcase_add_test(tc, test_child_inherits_nothing);
    tcase_add_test(tc, test_hook_dies_with_agent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hooks_suite());
    int failed;
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
