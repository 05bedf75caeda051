/* fuzz_lease.c -- libFuzzer target: the lease file's line (lease_codec.h). The file survives
 * restarts and may be torn or tampered with; a line that parses must format back to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lease_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOOT_ID "3f2c1a9e-4b7d-4e8a-9c51-0d6b2e7f8a13"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    lease_t l;
    if (lease_parse(text, BOOT_ID, &l)) {
        char line[256];
        int n = lease_format(line, sizeof line, BOOT_ID, &l);
        lease_t back;
        if (n < 0 || !lease_parse(line, BOOT_ID, &back) || back.deadline_ms != l.deadline_ms ||
            back.session_id != l.session_id || memcmp(back.passwd, l.passwd, sizeof l.passwd) != 0)
            abort();
    }
    free(text);
    return 0;
}
