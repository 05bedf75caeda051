/* main.c -- failoverctl: parses the command line and hands each subcommand to its implementation.
 * Nothing here decides anything; exit codes are in exitcodes.h and documented in failoverctl(8). */
#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "exitcodes.h"

#define DEFAULT_CONFIG "/etc/failoverd/failoverd.conf"
#define CONFIG_DIR "/etc/failoverd"
#define PAUSE_MAX_S (30L * 86400) /* pause --for: a month at most; longer is "until resume" */

/* Without -c: /etc/failoverd/failoverd.conf, or else the only *.conf in /etc/failoverd (the
 * systemd unit failoverd@NAME reads /etc/failoverd/NAME.conf, so a host usually has one). */
static const char *default_config(void)
{
    static char only[512];
    if (access(DEFAULT_CONFIG, F_OK) == 0) return DEFAULT_CONFIG;
    DIR *d = opendir(CONFIG_DIR);
    if (!d) return DEFAULT_CONFIG;
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".conf") == 0 && e->d_name[0] != '.') {
            if (found++ == 0) snprintf(only, sizeof(only), "%s/%s", CONFIG_DIR, e->d_name);
        }
    }
    closedir(d);
    return found == 1 ? only : DEFAULT_CONFIG;
}

enum {
    CMD_CLUSTER = 1 << 0,   /* needs -c FILE or --zk/--cluster */
    CMD_CONFIG_FILE = 1 << 1, /* needs the [mysql] account of a config file */
    CMD_OWN_CONFIG = 1 << 2,  /* loads the config itself (check-config) */
};

typedef struct command {
    const char *name;
    const char *args;    /* synopsis after the name */
    const char *summary; /* one line for the command list */
    const char *help;    /* the options, for COMMAND --help */
    const char *shorts;  /* getopt short options */
    const struct option *longs;
    int max_positional;
    unsigned flags;
    int (*run)(ctl_t *c, const ctl_opts_t *o);
} command_t;

#define OPT_HELP {"help", no_argument, NULL, 'h'}
#define OPT_END {NULL, 0, NULL, 0}

static const struct option status_opts[] = {
    {"json", no_argument, NULL, 'j'}, {"watch", no_argument, NULL, 'w'}, OPT_HELP, OPT_END};
static const struct option switchover_opts[] = {{"to", required_argument, NULL, 't'},
                                                {"timeout", required_argument, NULL, 'T'},
                                                {"primary", required_argument, NULL, 'P'},
                                                {"dry-run", no_argument, NULL, 'd'},
                                                {"yes", no_argument, NULL, 'y'},
                                                {"force", no_argument, NULL, 'f'},
                                                OPT_HELP, OPT_END};
static const struct option pause_opts[] = {{"reason", required_argument, NULL, 'R'},
                                           {"for", required_argument, NULL, 'D'}, OPT_HELP,
                                           OPT_END};
static const struct option failover_opts[] = {{"to", required_argument, NULL, 't'},
                                              {"force", no_argument, NULL, 'f'},
                                              {"timeout", required_argument, NULL, 'T'},
                                              OPT_HELP, OPT_END};
static const struct option plain_opts[] = {OPT_HELP, OPT_END};
static const struct option history_opts[] = {
    {"json", no_argument, NULL, 'j'}, {"count", required_argument, NULL, 'n'}, OPT_HELP, OPT_END};
static const struct option explain_opts[] = {{"json", no_argument, NULL, 'j'}, OPT_HELP, OPT_END};
static const struct option rejoin_opts[] = {{"timeout", required_argument, NULL, 'T'}, OPT_HELP,
                                            OPT_END};
static const struct option reinit_opts[] = {{"from", required_argument, NULL, 't'},
                                            {"timeout", required_argument, NULL, 'T'}, OPT_HELP,
                                            OPT_END};
static const struct option acl_opts[] = {{"fix", no_argument, NULL, 'F'}, OPT_HELP, OPT_END};

static const command_t commands[] = {
    {"status", "[--json] [--watch]", "cluster, primary, epoch, pause state and every node",
     "  --json    one JSON object (stable fields, see failoverctl(8))\n"
     "  --watch   redraw every second until Ctrl-C (with --json: one object per line)\n",
     "jwh", status_opts, 0, CMD_CLUSTER, ctl_status},
    {"switchover", "[--to NODE] [--primary NODE] [--dry-run] [--yes] [--force] [--timeout S]",
     "planned move of the primary: fence, catch up, promote, repoint; no loss",
     "  --to NODE       the replica to promote (default: the best ranked, see explain)\n"
     "  --primary NODE  refuse unless NODE is the primary now (guards a stale runbook)\n"
     "  --dry-run       print the plan and the statements it would run; change nothing\n"
     "  --yes           do not ask for confirmation (needed when stdin is not a terminal)\n"
     "  --force         go on despite transactions open longer than switchover_max_trx_s\n"
     "  --timeout S     how long the candidate may take to apply everything (default: the\n"
     "                  config's catchup_timeout_ms); a candidate further behind is refused\n",
     "t:T:P:dyfh", switchover_opts, 0, CMD_CLUSTER, ctl_switchover},
    {"failover", "--to NODE [--force] [--timeout S]",
     "manual failover to NODE when the primary is dead",
     "  --to NODE     the replica to promote (required)\n"
     "  --force       skip the holistic check that the primary is down, and the check that\n"
     "                NODE received as much as every other replica; fencing is never skipped\n"
     "  --timeout S   how long NODE may take to apply what it received\n",
     "t:fT:h", failover_opts, 0, CMD_CLUSTER, ctl_failover},
    {"pause", "[--reason TEXT] [--for DURATION]",
     "maintenance: no automatic failover until resume (or until DURATION has passed)",
     "  --reason TEXT    why, shown by status and kept in the history with who paused\n"
     "  --for DURATION   expire by itself after DURATION: 90s, 30m, 2h, 1d (1 s .. 30 d);\n"
     "                   default: until failoverctl resume\n"
     "  (agents keep publishing and fencing; switchover is refused, failover --to still works)\n",
     "R:D:h", pause_opts, 0, CMD_CLUSTER, ctl_pause},
    {"resume", "", "end maintenance: automatic failover again", "", "h", plain_opts, 0,
     CMD_CLUSTER, ctl_resume},
    {"history", "[--json] [-n N]", "failover records, newest first, with timings and data loss",
     "  --json             one JSON object with the records (see failoverctl(8))\n"
     "  -n, --count N      the newest N records (default 20; 0 = all)\n",
     "jn:h", history_opts, 0, CMD_CLUSTER, ctl_history},
    {"rejoin", "NODE [--timeout S]",
     "a diverged node: archive its errant transactions, undo them, replicate again",
     "  NODE          the diverged node (its agent does the work, on its own host)\n"
     "  --timeout S   how long to wait for its agent's answer (default 300)\n",
     "T:h", rejoin_opts, 1, CMD_CLUSTER, ctl_rejoin},
    {"reinit", "NODE [--from NODE] [--timeout S]",
     "re-clone NODE with mariadb-backup from another node; replicate again",
     "  NODE          the node to rebuild (its agent does the work, on its own host; its errant\n"
     "                transactions, if any, are archived first)\n"
     "  --from NODE   the donor (default: the most caught-up replicating replica; the primary\n"
     "                only when no replica can serve)\n"
     "  --timeout S   how long to wait for its agent's answer (default 3600)\n",
     "t:T:h", reinit_opts, 1, CMD_CLUSTER, ctl_reinit},
    {"explain", "[--json]",
     "what a failover would do now: ranked candidates and the exact SQL; changes nothing",
     "  --json    the same as one JSON object\n"
     "  (needs -c FILE: it probes every mysqld with the config's [mysql] account)\n",
     "jh", explain_opts, 0, CMD_CLUSTER | CMD_CONFIG_FILE, ctl_explain},
    {"acl", "[--fix]", "znodes of the cluster anyone may change (made before zk_auth_file)",
     "  --fix     give them the digest ACL of [cluster] zk_auth_file (run it once every agent\n"
     "            and failoverctl has zk_auth_file: the others lose access)\n",
     "Fh", acl_opts, 0, CMD_CLUSTER, ctl_acl},
    {"check-config", "[FILE]",
     "validate a config file, then reach ZooKeeper and the local mysqld with it",
     "  FILE      the config to check (default: -c FILE, else " DEFAULT_CONFIG ",\n"
     "            or the only *.conf in " CONFIG_DIR ")\n", "h",
     plain_opts, 1, CMD_OWN_CONFIG, ctl_check_config},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: failoverctl [-c FILE | --zk HOSTS --cluster NAME [--zk-root PATH] "
               "[--zk-auth-file FILE]] COMMAND "
               "[ARGS]\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char syn[160];
        snprintf(syn, sizeof(syn), "%s %s", commands[i].name, commands[i].args);
        if (strlen(syn) > 36) /* a long synopsis gets a line of its own */
            fprintf(f, "  %s\n  %-36s %s\n", syn, "", commands[i].summary);
        else
            fprintf(f, "  %-36s %s\n", syn, commands[i].summary);
    }
    fprintf(f,
            "options:\n"
            "  -c, --config FILE   read ZooKeeper, cluster and [mysql] settings from FILE\n"
            "                      (default %s, or the only *.conf in " CONFIG_DIR ")\n"
            "  --zk HOSTS          ZooKeeper hosts, e.g. 127.0.0.1:2181 (instead of -c)\n"
            "  --cluster NAME      cluster name (with --zk)\n"
            "  --zk-root PATH      ZooKeeper root (default /mysql-failover)\n"
            "  --zk-auth-file FILE the agents' zk_auth_file (with --zk), for a cluster with ACLs\n"
            "  -V, --version       print the version\n"
            "  -h, --help          this text; COMMAND --help for a command's own\n"
            "exit status: 0 ok, 1 failed, 2 usage, 3 config, 4 ZooKeeper, 5 mysqld, 6 refused "
            "(nothing changed),\n  7 unknown node or cluster, 8 timed out (see failoverctl(8));\n"
            "  status: 0 healthy, 1 degraded, 2 no writable primary, 3 no ZooKeeper\n",
            DEFAULT_CONFIG);
}

static void command_help(const command_t *cmd)
{
    printf("usage: failoverctl [-c FILE | --zk HOSTS --cluster NAME] %s %s\n%s\n%s", cmd->name,
           cmd->args, cmd->summary, cmd->help);
    printf("  -h, --help    this text\n");
}

static void list_options(const command_t *cmd, char *buf, size_t len)
{
    size_t pos = 0;
    buf[0] = 0;
    for (const struct option *o = cmd->longs; o->name && pos < len - 1; o++) {
        const char *meta = strcmp(o->name, "to") == 0 || strcmp(o->name, "primary") == 0 ? " NODE"
                           : strcmp(o->name, "timeout") == 0 ? " S"
                           : strcmp(o->name, "count") == 0   ? " N"
                           : strcmp(o->name, "reason") == 0  ? " TEXT"
                           : strcmp(o->name, "for") == 0     ? " DURATION"
                                                             : "";
        int w = snprintf(buf + pos, len - pos, "%s--%s%s", pos ? ", " : "", o->name, meta);
        if (w < 0) break;
        pos += (size_t)w;
    }
}

/* The option getopt just rejected, as the user typed it: "--to" for --to (never the internal
 * short letter, which no help text shows), "-n" for -n. */
static const char *bad_option(char **argv, int opt)
{
    static char s[64];
    const char *typed = optind > 0 ? argv[optind - 1] : "";
    if (strncmp(typed, "--", 2) == 0) {
        snprintf(s, sizeof(s), "%.*s", (int)strcspn(typed, "="), typed);
        return s;
    }
    if (opt > 0 && opt < 128) {
        snprintf(s, sizeof(s), "-%c", opt);
        return s;
    }
    return typed;
}

/* An option's name for a message: the long name, unless the user typed the short form. */
static const char *opt_name(const command_t *cmd, int c, int longindex)
{
    static char s[64];
    if (longindex >= 0) {
        snprintf(s, sizeof(s), "--%s", cmd->longs[longindex].name);
        return s;
    }
    snprintf(s, sizeof(s), "-%c", c);
    return s;
}

/* A duration: whole seconds, or a number with s, m, h or d. -1 when it is not one. */
static long parse_duration_s(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v <= 0 || !isdigit((unsigned char)s[0])) return -1;
    long mul = *end == 0 || strcmp(end, "s") == 0 ? 1
               : strcmp(end, "m") == 0            ? 60
               : strcmp(end, "h") == 0            ? 3600
               : strcmp(end, "d") == 0            ? 86400
                                                  : 0;
    if (!mul || v > PAUSE_MAX_S / mul) return -1;
    return v * mul;
}

static bool is_global_option(const char *a)
{
    static const char *const g[] = {"-c", "--config", "--zk", "--cluster", "--zk-root",
                                    "--zk-auth-file"};
    for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
        size_t l = strlen(g[i]);
        if (strncmp(a, g[i], l) == 0 && (a[l] == 0 || a[l] == '=' || (l == 2 && a[1] == 'c')))
            return true;
    }
    return false;
}

static int parse_int(const char *cmd, const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "failoverctl %s: %s \"%s\": allowed: a whole number %d..%d\n", cmd, opt, s,
                lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Returns -1 to go on, or an exit code (help printed, or a usage error reported). */
static int parse_command(const command_t *cmd, int argc, char **argv, ctl_opts_t *o)
{
    char allowed[256];
    int c;
    optind = 0; /* 0, not 1: glibc re-reads the ordering, so options may follow NODE (the global
                 * parse stopped at the command with "+") */
    opterr = 0;
    char shorts[48];
    snprintf(shorts, sizeof(shorts), ":%s", cmd->shorts);
    int li = -1;
    while ((c = getopt_long(argc, argv, shorts, cmd->longs, &li)) != -1) {
        const char *oname = opt_name(cmd, c, li);
        li = -1;
        switch (c) {
        case 'j': o->json = true; break;
        case 'w': o->watch = true; break;
        case 'f': o->force = true; break;
        case 'F': o->fix = true; break;
        case 't': o->to = optarg; break;
        case 'T':
            if (parse_int(cmd->name, oname, optarg, 1, 86400, &o->timeout_s) != 0)
                return EXIT_USAGE;
            break;
        case 'n':
            if (parse_int(cmd->name, oname, optarg, 0, 1000000, &o->count) != 0) return EXIT_USAGE;
            break;
        case 'P': o->primary = optarg; break;
        case 'd': o->dry_run = true; break;
        case 'y': o->yes = true; break;
        case 'R': o->reason = optarg; break;
        case 'D': {
            long secs = parse_duration_s(optarg);
            if (secs < 0) {
                fprintf(stderr, "failoverctl %s: %s \"%s\": allowed: a duration such as 90s, 30m, "
                        "2h or 1d (1 s .. 30 d)\n", cmd->name, oname, optarg);
                return EXIT_USAGE;
            }
            o->for_s = secs;
            break;
        }
        case 'h': command_help(cmd); return EXIT_OK;
        case ':':
            fprintf(stderr, "failoverctl %s: %s needs a value; see failoverctl %s --help\n",
                    cmd->name, bad_option(argv, optopt), cmd->name);
            return EXIT_USAGE;
        default: {
            const char *bad = bad_option(argv, optopt);
            list_options(cmd, allowed, sizeof(allowed));
            if (is_global_option(bad))
                fprintf(stderr, "failoverctl %s: %s is a global option: put it before the "
                        "command (failoverctl %s ... %s)\n", cmd->name, bad, bad, cmd->name);
            else
                fprintf(stderr, "failoverctl %s: unknown option \"%s\"; allowed: %s\n", cmd->name,
                        bad, allowed);
            return EXIT_USAGE;
        }
        }
    }
    int npos = argc - optind;
    if (npos > cmd->max_positional) {
        fprintf(stderr, "failoverctl %s: unexpected argument \"%s\"; usage: failoverctl %s %s\n",
                cmd->name, argv[optind + cmd->max_positional], cmd->name, cmd->args);
        return EXIT_USAGE;
    }
    if (npos == 1) o->file = argv[optind];
    return -1;
}

static bool has_control_chars(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == ';' || *s == '#') return true;
    return false;
}

/* --zk/--cluster/--zk-root/--zk-auth-file go through the config parser, so they are checked like
 * the file (and the auth file like the agents' one: mode 0600, "user:password"). */
static int config_from_flags(config_t *cfg, const char *zk, const char *cluster, const char *root,
                             const char *auth)
{
    char text[2048], err[1024];
    if (has_control_chars(zk) || has_control_chars(cluster) || (root && has_control_chars(root)) ||
        (auth && has_control_chars(auth))) {
        fprintf(stderr, "failoverctl: --zk, --cluster, --zk-root and --zk-auth-file must not hold "
                "control characters, ';' or '#'\n");
        return EXIT_USAGE;
    }
    int n = snprintf(text, sizeof(text), "[cluster]\nname = %s\nzk_hosts = %s\n%s%s%s%s%s%s",
                     cluster, zk, root ? "zk_root = " : "", root ? root : "", root ? "\n" : "",
                     auth ? "zk_auth_file = " : "", auth ? auth : "", auth ? "\n" : "");
    if (n < 0 || (size_t)n >= sizeof(text)) {
        fprintf(stderr, "failoverctl: --zk, --cluster or --zk-root too long\n");
        return EXIT_USAGE;
    }
    if (config_load_string(cfg, "command line", text, err, sizeof(err)) != 0) {
        /* "command line:2: [cluster] name: ..." -> "--cluster: ..." */
        static const struct {
            const char *key, *opt;
        } map[] = {{"[cluster] name:", "--cluster"},
                   {"[cluster] zk_hosts:", "--zk"},
                   {"[cluster] zk_root:", "--zk-root"},
                   {"[cluster] zk_auth_file:", "--zk-auth-file"}};
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
            const char *at = strstr(err, map[i].key);
            if (at) {
                fprintf(stderr, "failoverctl: %s%s\n", map[i].opt, at + strlen(map[i].key) - 1);
                return EXIT_USAGE;
            }
        }
        fprintf(stderr, "failoverctl: %s\n", err);
        return EXIT_USAGE;
    }
    if (config_load_zk_auth(cfg, err, sizeof(err)) != 0) {
        const char *at = strstr(err, "[cluster] zk_auth_file:");
        fprintf(stderr, "failoverctl: --zk-auth-file%s\n",
                at ? at + strlen("[cluster] zk_auth_file") : err);
        return EXIT_CONFIG;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *cfg_path = NULL, *zk = NULL, *cluster = NULL, *root = NULL, *auth = NULL;
    static const struct option o[] = {{"config", required_argument, NULL, 'c'},
                                      {"zk", required_argument, NULL, 'z'},
                                      {"cluster", required_argument, NULL, 'n'},
                                      {"zk-root", required_argument, NULL, 'r'},
                                      {"zk-auth-file", required_argument, NULL, 'a'},
                                      {"version", no_argument, NULL, 'V'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    /* "+": stop at the command name so each command parses its own options. */
    while ((c = getopt_long(argc, argv, "+:c:Vh", o, NULL)) != -1) {
        switch (c) {
        case 'c': cfg_path = optarg; break;
        case 'z': zk = optarg; break;
        case 'n': cluster = optarg; break;
        case 'r': root = optarg; break;
        case 'a': auth = optarg; break;
        case 'V': printf("failoverctl %s\n", FO_VERSION); return EXIT_OK;
        case 'h': usage(stdout); return EXIT_OK;
        case ':':
            fprintf(stderr, "failoverctl: %s needs a value; see failoverctl --help\n",
                    bad_option(argv, optopt));
            return EXIT_USAGE;
        default:
            fprintf(stderr, "failoverctl: unknown option \"%s\"; allowed before the command: -c "
                    "FILE, --zk HOSTS, --cluster NAME, --zk-root PATH, --zk-auth-file FILE, "
                    "--help, --version\n",
                    bad_option(argv, optopt));
            return EXIT_USAGE;
        }
    }
    char names[256] = "";
    for (size_t i = 0, pos = 0; i < NCOMMANDS; i++)
        pos += (size_t)snprintf(names + pos, sizeof(names) - pos, "%s%s", i ? ", " : "",
                                commands[i].name);
    if (optind >= argc) {
        fprintf(stderr, "failoverctl: no command given; allowed: %s (see failoverctl --help)\n",
                names);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        for (size_t i = 0; optind + 1 < argc && i < NCOMMANDS; i++)
            if (strcmp(argv[optind + 1], commands[i].name) == 0) {
                command_help(&commands[i]);
                return EXIT_OK;
            }
        if (optind + 1 < argc) {
            fprintf(stderr, "failoverctl: help: unknown command \"%s\"; allowed: %s\n",
                    argv[optind + 1], names);
            return EXIT_USAGE;
        }
        usage(stdout);
        return EXIT_OK;
    }
    const command_t *cmd = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0) cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "failoverctl: unknown command \"%s\"; allowed: %s\n", name, names);
        return EXIT_USAGE;
    }
    ctl_opts_t opts = {.count = 20};
    int rc = parse_command(cmd, argc - optind, argv + optind, &opts);
    if (rc >= 0) return rc;

    if (auth && !zk) {
        fprintf(stderr, "failoverctl: --zk-auth-file goes with --zk and --cluster; with -c FILE "
                "set [cluster] zk_auth_file in FILE\n");
        return EXIT_USAGE;
    }
    if ((zk || cluster) && (!zk || !cluster || cfg_path)) {
        fprintf(stderr, "failoverctl: use either -c FILE, or both --zk HOSTS and --cluster NAME\n");
        return EXIT_USAGE;
    }
    ctl_t ctl = {.cmd = cmd->name, .cfg_path = cfg_path};
    if (cmd->flags & CMD_OWN_CONFIG) {
        if (!opts.file) opts.file = cfg_path ? cfg_path : default_config();
        return cmd->run(&ctl, &opts);
    }
    if ((cmd->flags & CMD_CONFIG_FILE) && zk) {
        fprintf(stderr, "failoverctl %s: needs a config file: it connects to every mysqld with its "
                "[mysql] account; use -c FILE instead of --zk/--cluster\n", cmd->name);
        return EXIT_USAGE;
    }

    char err[1024];
    ctl.cfg = config_alloc();
    if (zk) {
        rc = config_from_flags(ctl.cfg, zk, cluster, root, auth);
        if (rc != EXIT_OK) {
            config_free(ctl.cfg);
            return rc;
        }
    } else {
        bool defaulted = !cfg_path;
        if (defaulted) cfg_path = default_config();
        ctl.cfg_path = cfg_path;
        /* config_validate also loads password and zk_auth files, which the commands need. */
        if (config_load(ctl.cfg, cfg_path, err, sizeof(err)) != 0 ||
            config_validate(ctl.cfg, false, err, sizeof(err)) != 0) {
            fprintf(stderr, "failoverctl: %s%s\n", err,
                    defaulted ? " (give -c FILE, or --zk HOSTS --cluster NAME)" : "");
            config_free(ctl.cfg);
            return EXIT_CONFIG;
        }
        if (root) {
            if (root[0] != '/' || (root[1] && root[strlen(root) - 1] == '/')) {
                fprintf(stderr, "failoverctl: --zk-root \"%s\": allowed: an absolute ZooKeeper "
                        "path without a trailing '/'\n", root);
                config_free(ctl.cfg);
                return EXIT_USAGE;
            }
            free(ctl.cfg->zk_root);
            ctl.cfg->zk_root = strdup(root);
        }
    }
    rc = cmd->run(&ctl, &opts);
    ctl_disconnect(&ctl);
    config_free(ctl.cfg);
    return rc;
}
