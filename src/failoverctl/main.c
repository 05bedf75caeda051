/* main.c -- failoverctl: parses the command line and hands each subcommand to its implementation.
 * Nothing here decides anything; exit codes are in exitcodes.h and documented in failoverctl(8). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "exitcodes.h"

#define DEFAULT_CONFIG "/etc/failoverd/failoverd.conf"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: failoverctl [-c FILE | --zk HOSTS --cluster NAME [--zk-root PATH]] COMMAND [ARGS]\n"
            "commands:\n"
            "  status [--json] [--watch]   cluster, primary, epoch, coordinator and every node\n"
            "options:\n"
            "  -c, --config FILE   read ZooKeeper and cluster settings from FILE (default %s)\n"
            "  --zk HOSTS          ZooKeeper hosts, e.g. 127.0.0.1:2181 (instead of -c)\n"
            "  --cluster NAME      cluster name (with --zk)\n"
            "  --zk-root PATH      ZooKeeper root (default /mysql-failover)\n"
            "  -h, --help          this text; COMMAND --help for a command's own\n",
            DEFAULT_CONFIG);
}

static int cmd_status(const config_t *cfg, int argc, char **argv)
{
    bool json = false, watch = false;
    static const struct option o[] = {{"json", no_argument, NULL, 'j'},
                                      {"watch", no_argument, NULL, 'w'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jwh", o, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'w': watch = true; break;
        case 'h':
            printf("usage: failoverctl status [--json] [--watch]\n");
            return EXIT_OK;
        default:
            fprintf(stderr, "failoverctl status: allowed options: --json, --watch\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "failoverctl status: unexpected argument \"%s\"\n", argv[optind]);
        return EXIT_USAGE;
    }
    return ctl_status(cfg, json, watch);
}

typedef struct command {
    const char *name;
    int (*run)(const config_t *cfg, int argc, char **argv);
} command_t;

static const command_t commands[] = {
    {"status", cmd_status},
};

int main(int argc, char **argv)
{
    const char *cfg_path = NULL, *zk = NULL, *cluster = NULL, *root = NULL;
    static const struct option o[] = {{"config", required_argument, NULL, 'c'},
                                      {"zk", required_argument, NULL, 'z'},
                                      {"cluster", required_argument, NULL, 'n'},
                                      {"zk-root", required_argument, NULL, 'r'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    int c;
    /* "+": stop at the command name so each command parses its own options. */
    while ((c = getopt_long(argc, argv, "+c:h", o, NULL)) != -1) {
        switch (c) {
        case 'c': cfg_path = optarg; break;
        case 'z': zk = optarg; break;
        case 'n': cluster = optarg; break;
        case 'r': root = optarg; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "failoverctl: no command given; allowed: status (see failoverctl --help)\n");
        return EXIT_USAGE;
    }
    const command_t *cmd = NULL;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[optind], commands[i].name) == 0) cmd = &commands[i];
    if (!cmd) {
        fprintf(stderr, "failoverctl: unknown command \"%s\"; allowed: status\n", argv[optind]);
        return EXIT_USAGE;
    }

    char err[1024];
    config_t *cfg = config_alloc();
    if (zk || cluster) {
        if (!zk || !cluster || cfg_path) {
            fprintf(stderr, "failoverctl: use either -c FILE or both --zk and --cluster\n");
            config_free(cfg);
            return EXIT_USAGE;
        }
        free(cfg->zk_hosts);
        cfg->zk_hosts = strdup(zk);
        free(cfg->cluster_name);
        cfg->cluster_name = strdup(cluster);
        if (!name_is_valid(cluster)) {
            fprintf(stderr, "failoverctl: bad cluster name \"%s\"; allowed: [A-Za-z0-9_.-]{1,64}\n", cluster);
            config_free(cfg);
            return EXIT_USAGE;
        }
    } else {
        if (!cfg_path) cfg_path = DEFAULT_CONFIG;
        if (config_load(cfg, cfg_path, err, sizeof(err)) != 0) {
            fprintf(stderr, "failoverctl: %s\n", err);
            config_free(cfg);
            return EXIT_CONFIG;
        }
        if (!cfg->cluster_name || !cfg->zk_hosts) {
            fprintf(stderr, "failoverctl: %s: [cluster] name and zk_hosts are required\n", cfg_path);
            config_free(cfg);
            return EXIT_CONFIG;
        }
    }
    if (root) {
        free(cfg->zk_root);
        cfg->zk_root = strdup(root);
    }
    int argc2 = argc - optind;
    int rc = cmd->run(cfg, argc2, argv + optind);
    config_free(cfg);
    return rc;
}
