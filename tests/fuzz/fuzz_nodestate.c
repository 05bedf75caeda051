/* fuzz_nodestate.c -- libFuzzer target: the JSON payloads read from ZooKeeper (nodes/<name>,
 * primary, control). Anyone able to write a znode controls these bytes. Whatever decodes must
 * encode again and decode to the same record. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nodestate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal carries a message, on one line. */
static void check_err(int rc, const char *err)
{
    if (rc != 0 && (err[0] == '\0' || strchr(err, '\n') != NULL))
        abort();
}

static void node_round_trip(const node_state_t *s)
{
    char *js = node_state_to_json(s);
    if (js == NULL)
        abort();
    node_state_t *back = calloc(1, sizeof *back);
    char err[512] = "";
    if (back == NULL || node_state_from_json(back, js, strlen(js), err, sizeof err) != 0)
        abort(); /* what we wrote we must read back */
    char *again = node_state_to_json(back);
    if (again == NULL || strcmp(js, again) != 0)
        abort();
    free(again);
    free(back);
    free(js);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    char err[512] = "";

    node_state_t *ns = calloc(1, sizeof *ns);
    if (ns == NULL)
        return 0;
    int rc = node_state_from_json(ns, buf, size, err, sizeof err);
    check_err(rc, err);
    if (rc == 0)
        node_round_trip(ns);
    free(ns);

    primary_rec_t p;
    err[0] = '\0';
    rc = primary_rec_from_json(&p, buf, size, err, sizeof err);
    check_err(rc, err);
    if (rc == 0) {
        char *js = primary_rec_to_json(&p);
        primary_rec_t q;
        if (js == NULL || primary_rec_from_json(&q, js, strlen(js), err, sizeof err) != 0)
            abort();
        free(js);
    }

    control_rec_t c;
    err[0] = '\0';
    rc = control_rec_from_json(&c, buf, size, err, sizeof err);
    check_err(rc, err);
    if (rc == 0) {
        char *js = control_rec_to_json(&c);
        control_rec_t d;
        if (js == NULL || control_rec_from_json(&d, js, strlen(js), err, sizeof err) != 0)
            abort();
        free(js);
    }
    return 0;
}
