/* fuzz_config.c -- libFuzzer target: failoverd.conf text through the INI parser, the key table's
 * validation and the cluster digest. Any input must yield 0 or -1 with a one-line message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* config_validate opens the *_file keys; a fuzzer must not read arbitrary paths of this host. */
static void drop_file_keys(config_t *cfg)
{
    char **keys[] = {&cfg->mysql_password_file, &cfg->repl_password_file, &cfg->zk_auth_file};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        free(*keys[i]);
        *keys[i] = NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    config_t *cfg = config_alloc();
    char err[1024];
    err[0] = '\0';
    if (config_load_string(cfg, "fuzz.conf", text, err, sizeof err) == 0) {
        char digest[CONFIG_DIGEST_HEX + 1];
        drop_file_keys(cfg);
        err[0] = '\0';
        (void)config_validate(cfg, true, err, sizeof err);
        config_digest(cfg, digest, sizeof digest);
        if (strlen(digest) != CONFIG_DIGEST_HEX)
            abort();
    } else if (err[0] == '\0' || strchr(err, '\n') != NULL) {
        abort(); /* a refusal must say why, on one line */
    }
    config_free(cfg);
    free(text);
    return 0;
}
