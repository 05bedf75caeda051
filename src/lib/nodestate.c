/* nodestate.c -- JSON for the znodes agents share (nodes/<name>, primary, control). Each record
 * is a table of fields read by one strict decoder, so a hostile znode is refused, never trusted. */
#include "nodestate.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_INPUT_MAX (1024 * 1024) /* ZooKeeper's own znode limit; anything bigger is not ours */
#define NS_ECHO_MAX 40

typedef enum {
    NF_STR,       /* char[size]; too long is refused, not truncated */
    NF_NAME,      /* char[NAME_MAX_LEN + 1] holding a valid name */
    NF_TARGET,    /* like NF_NAME, or "*" (any candidate); "" <-> null */
    NF_INT,       /* int in [min, max] */
    NF_U32,       /* uint32_t in [min, max] */
    NF_U64,       /* uint64_t in [0, INT64_MAX]: JSON integers here are 64-bit signed */
    NF_I64,       /* int64_t in [min, max] */
    NF_BOOL,
    NF_ROLE,      /* role_t as "primary" | "replica" | "unknown" */
    NF_PROMOTION, /* promotion_t as "prefer" | "neutral" | "never" */
    NF_LAG,       /* double; < 0 <-> null */
    NF_SOURCE,    /* source_host + source_port as "host:port"; "" <-> null */
    NF_DIGEST,    /* char[CONFIG_DIGEST_HEX + 1] of lowercase hex digits; "" <-> null */
} ns_kind_t;

enum {
    NS_REQUIRED = 1 << 0,
    NS_NULLABLE = 1 << 1, /* NF_STR: "" is written as null, and null read as "" */
    NS_HOST = 1 << 2,     /* NF_STR: non-empty, no blanks or control characters */
    NS_OMIT_EMPTY = 1 << 3, /* NF_STR: "" is not written (absent reads as "") */
};

typedef struct ns_field {
    const char *json;
    ns_kind_t kind;
    size_t off;
    size_t size;        /* NF_STR: buffer size, NUL included */
    long long min, max; /* integer kinds */
    unsigned flags;
} ns_field_t;

#define F_STR(j, T, f, fl) {j, NF_STR, offsetof(T, f), sizeof(((T *)0)->f), 0, 0, fl}
#define F_INT(j, k, T, f, lo, hi, fl) {j, k, offsetof(T, f), 0, lo, hi, fl}
#define F_OF(j, k, T, f, fl) {j, k, offsetof(T, f), 0, 0, 0, fl}

static const ns_field_t node_fields[] = {
    F_OF("name", NF_NAME, node_state_t, name, NS_REQUIRED),
    F_STR("host", node_state_t, host, NS_REQUIRED | NS_HOST),
    F_INT("port", NF_INT, node_state_t, port, 1, 65535, NS_REQUIRED),
    F_OF("promotion", NF_PROMOTION, node_state_t, promotion, 0),
    F_OF("healthy", NF_BOOL, node_state_t, healthy, NS_REQUIRED),
    F_OF("mysqld_down", NF_BOOL, node_state_t, mysqld_down, 0),
    F_OF("role", NF_ROLE, node_state_t, role, NS_REQUIRED),
    F_OF("read_only", NF_BOOL, node_state_t, read_only, NS_REQUIRED),
    F_INT("server_id", NF_U32, node_state_t, server_id, 0, UINT32_MAX, 0),
    F_STR("version", node_state_t, version, 0),
    F_STR("gtid_received", node_state_t, gtid_received, 0),
    F_STR("gtid_applied", node_state_t, gtid_applied, 0),
    F_STR("gtid_binlog", node_state_t, gtid_binlog, 0),
    F_STR("server_uuid", node_state_t, server_uuid, NS_OMIT_EMPTY), /* MySQL only */
    F_OF("lag_s", NF_LAG, node_state_t, lag_s, 0),
    F_INT("sql_delay_s", NF_INT, node_state_t, sql_delay_s, 0, INT_MAX, 0),
    F_OF("source", NF_SOURCE, node_state_t, source_host, 0),
    F_OF("io_running", NF_BOOL, node_state_t, io_running, 0),
    F_OF("sql_running", NF_BOOL, node_state_t, sql_running, 0),
    F_OF("source_silent", NF_BOOL, node_state_t, source_silent, 0),
    F_INT("replicas_connected", NF_INT, node_state_t, replicas_connected, 0, INT_MAX, 0),
    F_INT("epoch", NF_U64, node_state_t, epoch, 0, INT64_MAX, 0),
    F_OF("fenced", NF_BOOL, node_state_t, fenced, 0),
    F_OF("fence_ack", NF_BOOL, node_state_t, fence_ack, 0),
    F_INT("fence_version", NF_INT, node_state_t, fence_version, -1, INT_MAX, 0),
    F_STR("fence_how", node_state_t, fence_how, 0),
    F_STR("fence_killed", node_state_t, fence_killed, 0),
    F_OF("diverged", NF_BOOL, node_state_t, diverged, 0),
    F_INT("events_enabled", NF_INT, node_state_t, events_enabled, 0, INT_MAX, 0),
    F_STR("http", node_state_t, http, 0),
    F_STR("agent_version", node_state_t, agent_version, 0),
    F_OF("config_digest", NF_DIGEST, node_state_t, config_digest, 0), /* optional: older agents */
    F_INT("updated_at", NF_I64, node_state_t, updated_ms, 0, INT64_MAX, 0),
    F_STR("error", node_state_t, error, NS_NULLABLE),
};

static const ns_field_t primary_fields[] = {
    F_OF("name", NF_NAME, primary_rec_t, name, NS_REQUIRED),
    F_STR("host", primary_rec_t, host, NS_REQUIRED | NS_HOST),
    F_INT("port", NF_INT, primary_rec_t, port, 1, 65535, NS_REQUIRED),
    F_INT("epoch", NF_U64, primary_rec_t, epoch, 0, INT64_MAX, NS_REQUIRED),
    F_INT("since", NF_I64, primary_rec_t, since_ms, 0, INT64_MAX, 0),
    F_STR("reason", primary_rec_t, reason, 0),
    F_OF("fencing", NF_BOOL, primary_rec_t, fencing, 0),
};

static const ns_field_t control_fields[] = {
    F_OF("paused", NF_BOOL, control_rec_t, paused, 0),
    F_STR("request", control_rec_t, request, 0),
    F_OF("request_to", NF_TARGET, control_rec_t, request_to, 0),
    F_OF("request_force", NF_BOOL, control_rec_t, request_force, 0),
    F_INT("request_timeout_s", NF_INT, control_rec_t, request_timeout_s, 0, 86400, 0),
    F_INT("request_at", NF_I64, control_rec_t, request_at_ms, 0, INT64_MAX, 0),
    F_INT("last_failover_at", NF_I64, control_rec_t, last_failover_ms, 0, INT64_MAX, 0),
    F_INT("anti_flap_until", NF_I64, control_rec_t, anti_flap_until_ms, 0, INT64_MAX, 0),
    F_STR("pause_reason", control_rec_t, pause_reason, NS_NULLABLE),
    F_STR("paused_by", control_rec_t, paused_by, NS_NULLABLE),
    F_INT("paused_at", NF_I64, control_rec_t, paused_at_ms, 0, INT64_MAX, 0),
    F_INT("pause_until", NF_I64, control_rec_t, pause_until_ms, 0, INT64_MAX, 0),
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- names ----------------------------------------------------------------------------------- */

const char *role_name(role_t r)
{
    switch (r) {
    case ROLE_PRIMARY:
        return "primary";
    case ROLE_REPLICA:
        return "replica";
    case ROLE_UNKNOWN:
        break;
    }
    return "unknown";
}

role_t role_from_string(const char *s)
{
    if (s != NULL && strcmp(s, "primary") == 0)
        return ROLE_PRIMARY;
    if (s != NULL && strcmp(s, "replica") == 0)
        return ROLE_REPLICA;
    return ROLE_UNKNOWN;
}

bool name_is_valid(const char *s)
{
    return config_name_is_valid(s); /* one rule for config and znodes */
}

/* ---- encoding -------------------------------------------------------------------------------- */

static bool utf8_valid(const unsigned char *s, size_t n, size_t *seq)
{
    unsigned char c = s[0];
    size_t need;
    unsigned cp;
    if (c < 0x80) {
        *seq = 1;
        return true;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
    } else {
        return false;
    }
    if (need >= n)
        return false;
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return false;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
        return false;
    *seq = need + 1;
    return true;
}

/* A JSON string from a fixed buffer. Text from mysqld (version, errors) may not be UTF-8, and
 * jansson refuses such strings, so bad bytes become '?' rather than losing the whole record. */
static json_t *ns_string(const char *s, size_t size)
{
    size_t n = strnlen(s, size);
    char *copy = malloc(n + 1);
    json_t *j;
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t seq;
        if (utf8_valid((const unsigned char *)s + i, n - i, &seq)) {
            memcpy(copy + i, s + i, seq);
            i += seq;
        } else {
            copy[i++] = '?';
        }
    }
    copy[n] = '\0';
    j = json_stringn(copy, n);
    free(copy);
    return j;
}

static json_t *ns_encode_field(const void *rec, const ns_field_t *f)
{
    const char *p = (const char *)rec + f->off;
    switch (f->kind) {
    case NF_STR:
    case NF_NAME:
    case NF_TARGET: {
        size_t size = f->kind == NF_STR ? f->size : NAME_MAX_LEN + 1;
        if (p[0] == '\0' && (f->kind == NF_TARGET || (f->flags & NS_NULLABLE)))
            return json_null();
        return ns_string(p, size);
    }
    case NF_INT:
        return json_integer(*(const int *)(const void *)p);
    case NF_U32:
        return json_integer(*(const uint32_t *)(const void *)p);
    case NF_U64: {
        uint64_t v = *(const uint64_t *)(const void *)p;
        return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
    }
    case NF_I64:
        return json_integer(*(const int64_t *)(const void *)p);
    case NF_BOOL:
        return json_boolean(*(const bool *)(const void *)p);
    case NF_ROLE:
        return json_string(role_name(*(const role_t *)(const void *)p));
    case NF_PROMOTION: {
        promotion_t pr = *(const promotion_t *)(const void *)p;
        return json_string(promotion_name(pr == PROMOTION_INVALID ? PROMOTION_NEUTRAL : pr));
    }
    case NF_LAG: {
        double d = *(const double *)(const void *)p;
        if (!isfinite(d) || d < 0)
            return json_null();
        return json_real(d);
    }
    case NF_SOURCE: {
        const node_state_t *s = rec;
        char buf[HOST_MAX_LEN + 16];
        size_t hl = strnlen(s->source_host, sizeof s->source_host);
        if (hl == 0)
            return json_null();
        /* An IPv6 address gets brackets so the last ':' still separates the port. */
        if (memchr(s->source_host, ':', hl) != NULL)
            snprintf(buf, sizeof buf, "[%.*s]:%d", (int)hl, s->source_host, s->source_port);
        else
            snprintf(buf, sizeof buf, "%.*s:%d", (int)hl, s->source_host, s->source_port);
        return ns_string(buf, sizeof buf);
    }
    case NF_DIGEST:
        if (p[0] == '\0')
            return json_null();
        return ns_string(p, CONFIG_DIGEST_HEX + 1);
    }
    return NULL;
}

static char *ns_encode(const void *rec, const ns_field_t *fields, size_t n)
{
    json_t *obj = json_object();
    char *out = NULL;
    if (obj == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if ((fields[i].flags & NS_OMIT_EMPTY) && ((const char *)rec + fields[i].off)[0] == '\0')
            continue;
        json_t *v = ns_encode_field(rec, &fields[i]);
        if (v == NULL || json_object_set_new(obj, fields[i].json, v) != 0)
            goto out; /* set_new frees v on failure */
    }
    out = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(9));
out:
    json_decref(obj);
    return out;
}

char *node_state_to_json(const node_state_t *s)
{
    return ns_encode(s, node_fields, NFIELDS(node_fields));
}

char *node_state_decision_json(const node_state_t *s, int max_lag_s)
{
    node_state_t v = *s;
    v.gtid_received[0] = v.gtid_applied[0] = v.gtid_binlog[0] = '\0';
    v.updated_ms = 0;
    v.lag_s = v.lag_s < 0 ? -1 : v.lag_s > max_lag_s ? 1 : 0; /* unknown / lagging / within */
    return node_state_to_json(&v);
}

char *primary_rec_to_json(const primary_rec_t *p)
{
    return ns_encode(p, primary_fields, NFIELDS(primary_fields));
}

char *control_rec_to_json(const control_rec_t *c)
{
    return ns_encode(c, control_fields, NFIELDS(control_fields));
}

/* ---- decoding -------------------------------------------------------------------------------- */

/* Show what was found, short and on one line: the value may come from anyone who can write ZK. */
static void ns_echo(const json_t *v, char *buf, size_t len)
{
    char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
    if (d == NULL) {
        snprintf(buf, len, "?");
        return;
    }
    if (strlen(d) > NS_ECHO_MAX)
        snprintf(buf, len, "%.*s...", NS_ECHO_MAX, d);
    else
        snprintf(buf, len, "%s", d);
    free(d);
}

static int ns_bad(const ns_field_t *f, const json_t *v, const char *expected, char *err,
                  size_t errlen)
{
    char got[NS_ECHO_MAX + 8];
    ns_echo(v, got, sizeof got);
    snprintf(err, errlen, "field \"%s\": expected %s, got %s", f->json, expected, got);
    return -1;
}

/* Copy a JSON string into a fixed buffer; refused when it does not fit. */
static int ns_copy_string(const ns_field_t *f, const json_t *v, char *dst, size_t size,
                          char *err, size_t errlen)
{
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n >= size) {
        snprintf(err, errlen, "field \"%s\": expected a string of at most %zu bytes, got %zu bytes",
                 f->json, size - 1, n);
        return -1;
    }
    if (memchr(s, '\0', n) != NULL) /* only with JSON_ALLOW_NUL, but a C string can't hold it */
        return ns_bad(f, v, "a string without NUL", err, errlen);
    memcpy(dst, s, n + 1);
    return 0;
}

static bool host_ok(const char *s)
{
    if (s[0] == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
            return false;
    return true;
}

static int ns_decode_int(const ns_field_t *f, const json_t *v, long long *out, char *err,
                         size_t errlen)
{
    char expected[64];
    long long x;
    snprintf(expected, sizeof expected, "integer %lld..%lld", f->min, f->max);
    if (!json_is_integer(v))
        return ns_bad(f, v, expected, err, errlen);
    x = (long long)json_integer_value(v);
    if (x < f->min || x > f->max)
        return ns_bad(f, v, expected, err, errlen);
    *out = x;
    return 0;
}

static int ns_decode_source(const ns_field_t *f, const json_t *v, node_state_t *s, char *err,
                            size_t errlen)
{
    static const char expected[] = "\"host:port\" or null";
    const char *str, *colon, *host;
    size_t hl, n;
    long port = 0;

    if (json_is_null(v)) {
        s->source_host[0] = '\0';
        s->source_port = 0;
        return 0;
    }
    if (!json_is_string(v))
        return ns_bad(f, v, expected, err, errlen);
    str = json_string_value(v);
    n = json_string_length(v);
    colon = strrchr(str, ':');
    if (colon == NULL || colon == str || colon[1] == '\0' || strlen(colon + 1) > 5 ||
        memchr(str, '\0', n) != NULL)
        return ns_bad(f, v, expected, err, errlen);
    for (const char *c = colon + 1; *c != '\0'; c++) {
        if (!isdigit((unsigned char)*c))
            return ns_bad(f, v, expected, err, errlen);
        port = port * 10 + (*c - '0');
    }
    if (port < 1 || port > 65535)
        return ns_bad(f, v, "\"host:port\" with port 1..65535, or null", err, errlen);
    host = str;
    hl = (size_t)(colon - str);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host++;
        hl -= 2;
    }
    if (hl == 0 || hl > HOST_MAX_LEN)
        return ns_bad(f, v, "\"host:port\" with a host of 1..256 bytes, or null", err, errlen);
    memcpy(s->source_host, host, hl);
    s->source_host[hl] = '\0';
    if (!host_ok(s->source_host))
        return ns_bad(f, v, expected, err, errlen);
    s->source_port = (int)port;
    return 0;
}

/* Exactly CONFIG_DIGEST_HEX lowercase hex digits, or null: a digest that is compared must mean
 * one thing only. */
static int ns_decode_digest(const ns_field_t *f, const json_t *v, char *dst, char *err,
                            size_t errlen)
{
    _Static_assert(CONFIG_DIGEST_HEX == 16, "the message below says 16");
    static const char expected[] = "16 lowercase hex digits or null";
    if (json_is_null(v)) {
        dst[0] = '\0';
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) != CONFIG_DIGEST_HEX)
        return ns_bad(f, v, expected, err, errlen);
    const char *s = json_string_value(v);
    for (size_t i = 0; i < CONFIG_DIGEST_HEX; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return ns_bad(f, v, expected, err, errlen);
    memcpy(dst, s, CONFIG_DIGEST_HEX + 1);
    return 0;
}

static int ns_decode_field(void *rec, const ns_field_t *f, const json_t *v, char *err,
                           size_t errlen)
{
    char *p = (char *)rec + f->off;
    long long x;

    switch (f->kind) {
    case NF_STR:
        if (json_is_null(v) && (f->flags & NS_NULLABLE)) {
            p[0] = '\0';
            return 0;
        }
        if (!json_is_string(v))
            return ns_bad(f, v, (f->flags & NS_NULLABLE) ? "string or null" : "string", err,
                          errlen);
        if (ns_copy_string(f, v, p, f->size, err, errlen) != 0)
            return -1;
        if ((f->flags & NS_HOST) && !host_ok(p))
            return ns_bad(f, v, "a host name or address", err, errlen);
        return 0;
    case NF_NAME:
    case NF_TARGET: {
        const char *what = f->kind == NF_NAME ? "a name [A-Za-z0-9_.-]{1,64}"
                                              : "a name [A-Za-z0-9_.-]{1,64}, \"*\" or null";
        if (f->kind == NF_TARGET && json_is_null(v)) {
            p[0] = '\0';
            return 0;
        }
        if (!json_is_string(v))
            return ns_bad(f, v, what, err, errlen);
        if (f->kind == NF_TARGET && strcmp(json_string_value(v), "*") == 0 &&
            json_string_length(v) == 1) {
            memcpy(p, "*", 2);
            return 0;
        }
        if (json_string_length(v) > NAME_MAX_LEN ||
            strlen(json_string_value(v)) != json_string_length(v) ||
            !name_is_valid(json_string_value(v)))
            return ns_bad(f, v, what, err, errlen);
        memcpy(p, json_string_value(v), json_string_length(v) + 1);
        return 0;
    }
    case NF_INT:
        if (ns_decode_int(f, v, &x, err, errlen) != 0)
            return -1;
        *(int *)(void *)p = (int)x;
        return 0;
    case NF_U32:
        if (ns_decode_int(f, v, &x, err, errlen) != 0)
            return -1;
        *(uint32_t *)(void *)p = (uint32_t)x;
        return 0;
    case NF_U64:
        if (ns_decode_int(f, v, &x, err, errlen) != 0)
            return -1;
        *(uint64_t *)(void *)p = (uint64_t)x;
        return 0;
    case NF_I64:
        if (ns_decode_int(f, v, &x, err, errlen) != 0)
            return -1;
        *(int64_t *)(void *)p = (int64_t)x;
        return 0;
    case NF_BOOL:
        if (!json_is_boolean(v))
            return ns_bad(f, v, "true or false", err, errlen);
        *(bool *)(void *)p = json_is_true(v);
        return 0;
    case NF_ROLE: {
        const char *s = json_string_value(v); /* NULL when not a string */
        role_t r = role_from_string(s);
        if (s == NULL || (r == ROLE_UNKNOWN && strcmp(s, "unknown") != 0))
            return ns_bad(f, v, "\"primary\", \"replica\" or \"unknown\"", err, errlen);
        *(role_t *)(void *)p = r;
        return 0;
    }
    case NF_PROMOTION: {
        promotion_t pr = promotion_from_string(json_string_value(v));
        if (pr == PROMOTION_INVALID)
            return ns_bad(f, v, "\"prefer\", \"neutral\" or \"never\"", err, errlen);
        *(promotion_t *)(void *)p = pr;
        return 0;
    }
    case NF_LAG:
        if (json_is_null(v)) {
            *(double *)(void *)p = -1;
            return 0;
        }
        if (!json_is_number(v) || json_number_value(v) < 0)
            return ns_bad(f, v, "a number >= 0 or null", err, errlen);
        *(double *)(void *)p = json_number_value(v);
        return 0;
    case NF_SOURCE:
        return ns_decode_source(f, v, rec, err, errlen);
    case NF_DIGEST:
        return ns_decode_digest(f, v, p, err, errlen);
    }
    return -1;
}

/* Parse buf into rec (already holding the defaults). rec is only changed on success by the
 * callers, which decode into a copy. */
static int ns_decode(void *rec, const ns_field_t *fields, size_t n, const char *buf, size_t len,
                     char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root;
    int rc = -1;

    if (buf == NULL || len == 0) {
        snprintf(err, errlen, "empty input; expected a JSON object");
        return -1;
    }
    if (len > NS_INPUT_MAX) {
        snprintf(err, errlen, "input too large (%zu bytes, at most %d)", len, NS_INPUT_MAX);
        return -1;
    }
    /* Duplicate keys are refused: two "epoch"s would let reader and writer disagree. Any
     * top-level value is parsed so that "not an object" gets its own message. */
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        /* jansson quotes the offending token, which may be any bytes. */
        for (char *c = jerr.text; *c != '\0'; c++)
            if (!isprint((unsigned char)*c))
                *c = '?';
        snprintf(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                 jerr.text);
        return -1;
    }
    if (!json_is_object(root)) {
        static const char *const type_names[] = {"object", "array", "string", "integer",
                                                 "real",   "true",  "false",  "null"};
        int t = json_typeof(root);
        snprintf(err, errlen, "expected a JSON object, got %s",
                 t >= 0 && t < 8 ? type_names[t] : "something else");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(root, fields[i].json);
        if (v == NULL) {
            if (fields[i].flags & NS_REQUIRED) {
                snprintf(err, errlen, "field \"%s\": required but missing", fields[i].json);
                goto out;
            }
            continue;
        }
        if (ns_decode_field(rec, &fields[i], v, err, errlen) != 0)
            goto out;
    }
    /* Fields this version does not know are ignored: a newer agent may add some. */
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int node_state_from_json(node_state_t *s, const char *buf, size_t len, char *err, size_t errlen)
{
    node_state_t *tmp = calloc(1, sizeof *tmp);
    int rc;
    if (tmp == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    tmp->lag_s = -1;
    tmp->promotion = PROMOTION_NEUTRAL;
    tmp->role = ROLE_UNKNOWN;
    rc = ns_decode(tmp, node_fields, NFIELDS(node_fields), buf, len, err, errlen);
    if (rc == 0)
        *s = *tmp;
    free(tmp);
    return rc;
}

int primary_rec_from_json(primary_rec_t *p, const char *buf, size_t len, char *err, size_t errlen)
{
    primary_rec_t tmp;
    memset(&tmp, 0, sizeof tmp);
    if (ns_decode(&tmp, primary_fields, NFIELDS(primary_fields), buf, len, err, errlen) != 0)
        return -1;
    *p = tmp;
    return 0;
}

bool control_pause_active(const control_rec_t *c, int64_t now_ms)
{
    return c->paused && (c->pause_until_ms == 0 || now_ms < c->pause_until_ms);
}

int64_t control_hold_end(const control_rec_t *c, int own_anti_flap_s, int64_t now_ms)
{
    int64_t last = c->last_failover_ms;
    if (last <= 0) return 0;
    int64_t end = c->anti_flap_until_ms > 0 ? c->anti_flap_until_ms
                  : own_anti_flap_s > 0     ? last + (int64_t)own_anti_flap_s * 1000
                                            : 0;
    return end > now_ms ? end : 0;
}

int control_rec_from_json(control_rec_t *c, const char *buf, size_t len, char *err, size_t errlen)
{
    control_rec_t tmp;
    memset(&tmp, 0, sizeof tmp);
    if (ns_decode(&tmp, control_fields, NFIELDS(control_fields), buf, len, err, errlen) != 0)
        return -1;
    *c = tmp;
    return 0;
}

/* ---- /members ---------------------------------------------------------------------------- */

char *members_rec_to_json(const members_rec_t *r)
{
    json_t *arr = json_array(), *o;
    if (arr == NULL)
        return NULL;
    for (size_t i = 0; i < r->n && i < MEMBERS_MAX; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i}", "name", r->m[i].name, "host",
                                             r->m[i].host, "port", r->m[i].port));
    o = json_pack("{s:o}", "members", arr);
    if (o == NULL)
        return NULL;
    char *out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

int members_rec_from_json(members_rec_t *r, const char *buf, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    size_t i;
    json_t *root, *arr, *e;
    members_rec_t *tmp;
    int rc = -1;
    if (buf == NULL || len == 0 || len > NS_INPUT_MAX) {
        snprintf(err, errlen, "empty or oversized input; expected a JSON object");
        return -1;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "invalid JSON at line %d column %d", jerr.line, jerr.column);
        return -1;
    }
    tmp = calloc(1, sizeof *tmp);
    if (tmp == NULL)
        goto out;
    arr = json_object_get(root, "members");
    if (!json_is_array(arr) || json_array_size(arr) > MEMBERS_MAX) {
        snprintf(err, errlen, "field \"members\": expected an array of at most %d objects",
                 MEMBERS_MAX);
        goto out;
    }
    json_array_foreach(arr, i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *host = json_string_value(json_object_get(e, "host"));
        json_t *port = json_object_get(e, "port");
        if (name == NULL || !name_is_valid(name) || host == NULL || host[0] == '\0' ||
            strlen(host) > HOST_MAX_LEN || strpbrk(host, " \t\r\n") != NULL ||
            !json_is_integer(port) || json_integer_value(port) < 1 ||
            json_integer_value(port) > 65535) {
            snprintf(err, errlen, "members[%zu]: expected {\"name\": a name, \"host\": a host, "
                     "\"port\": 1..65535}", i);
            goto out;
        }
        members_rec_put(tmp, name, host, (int)json_integer_value(port));
    }
    *r = *tmp;
    rc = 0;
out:
    free(tmp);
    json_decref(root);
    return rc;
}

bool members_rec_put(members_rec_t *r, const char *name, const char *host, int port)
{
    for (size_t i = 0; i < r->n; i++) {
        member_t *m = &r->m[i];
        if (strcmp(m->name, name) != 0)
            continue;
        if (strcmp(m->host, host) == 0 && m->port == port)
            return false;
        snprintf(m->host, sizeof m->host, "%s", host);
        m->port = port;
        return true;
    }
    if (r->n >= MEMBERS_MAX)
        return false;
    member_t *m = &r->m[r->n++];
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->host, sizeof m->host, "%s", host);
    m->port = port;
    return true;
}
