/* zkpoke.c -- a minimal ZooKeeper client for the ACL tests: one operation, with or without a
 * digest identity, printing the result code's name. Exit 0 on ZOK, 3 on ZNOAUTH, 1 otherwise.
 *   zkpoke HOSTS [-a user:password] set PATH DATA | create PATH DATA | delete PATH | get PATH |
 *          acl PATH
 * Built by the test that uses it: cc -DTHREADED -o zkpoke zkpoke.c -lzookeeper_mt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

static volatile int connected;

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh, (void)path, (void)ctx;
    if (type == ZOO_SESSION_EVENT && state == ZOO_CONNECTED_STATE) connected = 1;
}

static int done(int rc)
{
    printf("%s\n", rc == ZOK ? "ok" : rc == ZNOAUTH ? "noauth" : zerror(rc));
    return rc == ZOK ? 0 : rc == ZNOAUTH ? 3 : 1;
}

int main(int argc, char **argv)
{
    const char *auth = NULL, *hosts = argc > 1 ? argv[1] : "";
    if (argc >= 4 && strcmp(argv[2], "-a") == 0) {
        auth = argv[3];
        argv += 2;
        argc -= 2;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: zkpoke HOSTS [-a user:pw] set|create|delete|get|acl PATH [DATA]\n");
        return 2;
    }
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    zhandle_t *zh = zookeeper_init(hosts, watcher, 4000, NULL, NULL, 0);
    for (int i = 0; zh && !connected && i < 100; i++) usleep(50000);
    if (!zh || !connected) {
        fprintf(stderr, "zkpoke: no ZooKeeper session with %s within 5 s\n", hosts);
        return 1;
    }
    if (auth) zoo_add_auth(zh, "digest", auth, (int)strlen(auth), NULL, NULL);
    const char *op = argv[2], *path = argv[3], *data = argc > 4 ? argv[4] : "";
    int rc;
    if (strcmp(op, "set") == 0) {
        rc = zoo_set(zh, path, data, (int)strlen(data), -1);
    } else if (strcmp(op, "create") == 0) {
        rc = zoo_create(zh, path, data, (int)strlen(data), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    } else if (strcmp(op, "delete") == 0) {
        rc = zoo_delete(zh, path, -1);
    } else if (strcmp(op, "get") == 0) {
        char buf[4096];
        int len = sizeof(buf) - 1;
        rc = zoo_get(zh, path, 0, buf, &len, NULL);
        if (rc == ZOK) printf("%.*s\n", len < 0 ? 0 : len, buf);
    } else if (strcmp(op, "acl") == 0) {
        struct ACL_vector acl;
        struct Stat st;
        rc = zoo_get_acl(zh, path, &acl, &st);
        for (int i = 0; rc == ZOK && i < acl.count; i++)
            printf("%s:%s:%d\n", acl.data[i].id.scheme, acl.data[i].id.id, acl.data[i].perms);
        if (rc == ZOK) deallocate_ACL_vector(&acl);
    } else {
        fprintf(stderr, "zkpoke: unknown operation %s\n", op);
        return 2;
    }
    int code = done(rc);
    zookeeper_close(zh);
    return code;
}
