/* check_nodestate.c -- unit tests for src/lib/nodestate.c: round trips of the three znode records,
 * nulls, and every way the strict decoder refuses a malformed or hostile payload. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodestate.h"

static node_state_t full_node(void)
{
    node_state_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "db2");
    snprintf(s.host, sizeof s.host, "10.0.0.12");
    s.port = 3306;
    s.promotion = PROMOTION_PREFER;
    s.healthy = true;
    s.role = ROLE_REPLICA;
    s.read_only = true;
    s.server_id = 4294967295u;
    snprintf(s.version, sizeof s.version, "10.11.6-MariaDB-0+deb12u1-log");
    snprintf(s.gtid_received, sizeof s.gtid_received, "0-1-100,1-2-5");
    snprintf(s.gtid_applied, sizeof s.gtid_applied, "0-1-99,1-2-5");
    snprintf(s.gtid_binlog, sizeof s.gtid_binlog, "0-1-99");
    s.lag_s = 1.5;
    snprintf(s.source_host, sizeof s.source_host, "db1.example");
    s.source_port = 3307;
    s.io_running = true;
    s.sql_running = false;
    s.replicas_connected = 2;
    s.epoch = 9007199254740993ull; /* beyond a double's exact range: must stay an integer */
    s.fenced = true;
    s.diverged = false;
    snprintf(s.agent_version, sizeof s.agent_version, "%s", FO_VERSION);
    snprintf(s.config_digest, sizeof s.config_digest, "0123456789abcdef");
    s.updated_ms = 1795462201123LL;
    snprintf(s.error, sizeof s.error, "Lost connection \"to\" server\nat 'reading'");
    return s;
}

/* Decode len bytes of buf as a node and expect exactly msg. */
static void node_rejects(const char *buf, size_t len, const char *msg)
{
    node_state_t s;
    char err[512] = "";
    memset(&s, 0x5a, sizeof s);
    ck_assert_int_eq(node_state_from_json(&s, buf, len, err, sizeof err), -1);
    ck_assert_str_eq(err, msg);
    /* nothing half-applied */
    ck_assert_int_eq((unsigned char)s.name[0], 0x5a);
}

#define NODE_REJECTS(lit, msg) node_rejects(lit, strlen(lit), msg)

/* jansson's own wording and columns vary between releases: check the prefix and the gist. */
static void node_rejects_json(const char *buf, size_t len, const char *gist)
{
    node_state_t s;
    char err[512] = "";
    ck_assert_int_eq(node_state_from_json(&s, buf, len, err, sizeof err), -1);
    ck_assert_msg(strncmp(err, "invalid JSON at line ", 21) == 0 && strstr(err, gist) != NULL,
                  "expected \"invalid JSON at line ...%s...\", saw \"%s\"", gist, err);
    ck_assert_ptr_null(strchr(err, '\n'));
}

#define NODE_REJECTS_JSON(lit, gist) node_rejects_json(lit, strlen(lit), gist)

/* A valid minimal node with one field replaced or added: "{...,<extra>}". */
static void node_with(const char *extra, const char *msg)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"name\":\"db1\",\"host\":\"h\",\"port\":3306,\"role\":\"primary\",\"healthy\":true,"
             "\"read_only\":false%s%s}",
             extra[0] != '\0' ? "," : "", extra);
    if (msg == NULL) {
        node_state_t s;
        char err[512] = "";
        ck_assert_msg(node_state_from_json(&s, buf, strlen(buf), err, sizeof err) == 0,
                      "%s: %s", buf, err);
    } else {
        node_rejects(buf, strlen(buf), msg);
    }
}

START_TEST(test_node_server_uuid)
{
    /* MariaDB (no uuid): the field is not written at all, so its znodes are as before */
    node_state_t in = full_node(), out;
    char err[512] = "";
    char *j = node_state_to_json(&in);
    ck_assert_ptr_nonnull(j);
    ck_assert_ptr_null(strstr(j, "server_uuid"));
    ck_assert_int_eq(node_state_from_json(&out, j, strlen(j), err, sizeof err), 0);
    ck_assert_str_eq(out.server_uuid, "");
    free(j);
    /* MySQL: written and read back */
    snprintf(in.version, sizeof in.version, "8.4.0");
    snprintf(in.server_uuid, sizeof in.server_uuid, "3e11fa47-71ca-11e1-9e33-c80aa9429562");
    snprintf(in.gtid_binlog, sizeof in.gtid_binlog, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5");
    j = node_state_to_json(&in);
    ck_assert_ptr_nonnull(strstr(j, "\"server_uuid\":\"3e11fa47-71ca-11e1-9e33-c80aa9429562\""));
    memset(&out, 0x5a, sizeof out);
    ck_assert_msg(node_state_from_json(&out, j, strlen(j), err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(out.server_uuid, in.server_uuid);
    ck_assert_str_eq(out.gtid_binlog, in.gtid_binlog);
    free(j);
    /* not a string: refused, naming the field */
    const char *bad = "{\"name\":\"db2\",\"host\":\"h\",\"port\":3306,\"healthy\":true,"
                      "\"role\":\"replica\",\"read_only\":true,\"server_uuid\":5}";
    ck_assert_int_eq(node_state_from_json(&out, bad, strlen(bad), err, sizeof err), -1);
    ck_assert_msg(strstr(err, "server_uuid") != NULL, "%s", err);
}
END_TEST

START_TEST(test_node_round_trip)
{
    node_state_t in = full_node(), out;
    char err[512] = "";
    char *j = node_state_to_json(&in);
    ck_assert_ptr_nonnull(j);
    memset(&out, 0x5a, sizeof out);
    ck_assert_msg(node_state_from_json(&out, j, strlen(j), err, sizeof err) == 0, "%s: %s", j, err);
    ck_assert_str_eq(out.name, in.name);
    ck_assert_str_eq(out.host, in.host);
    ck_assert_int_eq(out.port, in.port);
    ck_assert_int_eq(out.promotion, in.promotion);
    ck_assert_int_eq(out.healthy, in.healthy);
    ck_assert_int_eq(out.role, in.role);
    ck_assert_int_eq(out.read_only, in.read_only);
    ck_assert_uint_eq(out.server_id, in.server_id);
    ck_assert_str_eq(out.version, in.version);
    ck_assert_str_eq(out.gtid_received, in.gtid_received);
    ck_assert_str_eq(out.gtid_applied, in.gtid_applied);
    ck_assert_str_eq(out.gtid_binlog, in.gtid_binlog);
    ck_assert_double_eq(out.lag_s, in.lag_s);
    ck_assert_str_eq(out.source_host, in.source_host);
    ck_assert_int_eq(out.source_port, in.source_port);
    ck_assert_int_eq(out.io_running, in.io_running);
    ck_assert_int_eq(out.sql_running, in.sql_running);
    ck_assert_int_eq(out.replicas_connected, in.replicas_connected);
    ck_assert_uint_eq(out.epoch, in.epoch);
    ck_assert_int_eq(out.fenced, in.fenced);
    ck_assert_int_eq(out.diverged, in.diverged);
    ck_assert_str_eq(out.agent_version, in.agent_version);
    ck_assert_str_eq(out.config_digest, in.config_digest);
    ck_assert_int_eq(out.updated_ms, in.updated_ms);
    ck_assert_str_eq(out.error, in.error);
    /* the wire names other tools (failoverctl --json users, scripts) rely on */
    ck_assert_ptr_nonnull(strstr(j, "\"source\":\"db1.example:3307\""));
    ck_assert_ptr_nonnull(strstr(j, "\"role\":\"replica\""));
    ck_assert_ptr_nonnull(strstr(j, "\"promotion\":\"prefer\""));
    ck_assert_ptr_nonnull(strstr(j, "\"updated_at\":1795462201123"));
    ck_assert_ptr_nonnull(strstr(j, "\"epoch\":9007199254740993"));
    ck_assert_ptr_nonnull(strstr(j, "\"lag_s\":1.5"));
    ck_assert_ptr_nonnull(strstr(j, "\"config_digest\":\"0123456789abcdef\""));
    ck_assert_ptr_null(strchr(j, '\n')); /* one line, even with a newline in "error" */
    free(j);
}
END_TEST

/* The decision view: positions and the exact lag are left out, lag kept as a bucket; every other
 * field changes it. */
START_TEST(test_decision_view)
{
    node_state_t a = full_node(), b = a;
    a.lag_s = 2;
    char *va = node_state_decision_json(&a, 30);
    snprintf(b.gtid_received, sizeof b.gtid_received, "0-1-999");
    snprintf(b.gtid_applied, sizeof b.gtid_applied, "0-1-998");
    snprintf(b.gtid_binlog, sizeof b.gtid_binlog, "0-1-997");
    b.updated_ms = 123456789;
    b.lag_s = 29;
    char *vb = node_state_decision_json(&b, 30);
    ck_assert_ptr_nonnull(va);
    ck_assert_ptr_nonnull(vb);
    ck_assert_str_eq(va, vb);
    ck_assert_ptr_null(strstr(va, "0-1-99"));
    free(vb);
    b.lag_s = 31; /* beyond max_lag_s: status calls it lagging, /replica says 503 */
    vb = node_state_decision_json(&b, 30);
    ck_assert_str_ne(va, vb);
    free(vb);
    b.lag_s = -1; /* unknown */
    vb = node_state_decision_json(&b, 30);
    ck_assert_str_ne(va, vb);
    free(vb);
    node_state_t c = a;
    c.io_running = !c.io_running;
    vb = node_state_decision_json(&c, 30);
    ck_assert_str_ne(va, vb);
    free(vb);
    c = a;
    c.read_only = !c.read_only;
    vb = node_state_decision_json(&c, 30);
    ck_assert_str_ne(va, vb);
    free(vb);
    c = a;
    c.replicas_connected++;
    vb = node_state_decision_json(&c, 30);
    ck_assert_str_ne(va, vb);
    free(vb);
    /* the view leaves the state itself alone */
    ck_assert_double_eq(a.lag_s, 2);
    ck_assert_str_eq(b.gtid_received, "0-1-999");
    free(va);
}
END_TEST

START_TEST(test_node_nulls)
{
    node_state_t in = full_node(), out;
    char err[512] = "";
    char *j;
    in.lag_s = -1;
    in.source_host[0] = '\0';
    in.error[0] = '\0';
    j = node_state_to_json(&in);
    ck_assert_ptr_nonnull(j);
    ck_assert_ptr_nonnull(strstr(j, "\"lag_s\":null"));
    ck_assert_ptr_nonnull(strstr(j, "\"source\":null"));
    ck_assert_ptr_nonnull(strstr(j, "\"error\":null"));
    ck_assert_msg(node_state_from_json(&out, j, strlen(j), err, sizeof err) == 0, "%s", err);
    ck_assert(out.lag_s < 0);
    ck_assert_str_eq(out.source_host, "");
    ck_assert_int_eq(out.source_port, 0);
    ck_assert_str_eq(out.error, "");
    free(j);
}
END_TEST

START_TEST(test_node_minimal_defaults)
{
    node_state_t s;
    char err[512] = "";
    const char *j = "{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"role\":\"unknown\","
                    "\"healthy\":false,\"read_only\":true}";
    memset(&s, 0x5a, sizeof s);
    ck_assert_msg(node_state_from_json(&s, j, strlen(j), err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(s.role, ROLE_UNKNOWN);
    ck_assert_int_eq(s.promotion, PROMOTION_NEUTRAL);
    ck_assert(s.lag_s < 0);
    ck_assert_str_eq(s.version, "");
    ck_assert_str_eq(s.source_host, "");
    ck_assert_uint_eq(s.epoch, 0);
    ck_assert_int_eq(s.updated_ms, 0);
    ck_assert(!s.io_running);
}
END_TEST

/* config_digest: optional (agents older than it publish none), null for none, and otherwise
 * exactly 16 lowercase hex digits, since it is compared byte for byte across hosts. */
START_TEST(test_node_config_digest)
{
    node_state_t in = full_node(), out;
    char err[512] = "";
    in.config_digest[0] = '\0';
    char *j = node_state_to_json(&in);
    ck_assert_ptr_nonnull(j);
    ck_assert_ptr_nonnull(strstr(j, "\"config_digest\":null"));
    memset(&out, 0x5a, sizeof out);
    ck_assert_msg(node_state_from_json(&out, j, strlen(j), err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(out.config_digest, "");
    free(j);

    const char *old = "{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"role\":\"unknown\","
                      "\"healthy\":false,\"read_only\":true,\"agent_version\":\"0.0.9\"}";
    memset(&out, 0x5a, sizeof out);
    ck_assert_msg(node_state_from_json(&out, old, strlen(old), err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(out.config_digest, "");

    node_with("\"config_digest\":\"ffffffffffffffff\"", NULL);
    node_with("\"config_digest\":null", NULL);
    static const char msg_pre[] = "field \"config_digest\": expected 16 lowercase hex digits or "
                                  "null, got ";
    static const struct {
        const char *json, *got;
    } bad[] = {
        {"\"0123456789ABCDEF\"", "\"0123456789ABCDEF\""},
        {"\"0123456789abcde\"", "\"0123456789abcde\""},
        {"\"0123456789abcdef0\"", "\"0123456789abcdef0\""},
        {"\"0123456789abcdeg\"", "\"0123456789abcdeg\""},
        {"\"\"", "\"\""},
        {"81985529216486895", "81985529216486895"},
        {"true", "true"},
        {"[\"0123456789abcdef\"]", "[\"0123456789abcdef\"]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char extra[128], msg[256];
        snprintf(extra, sizeof extra, "\"config_digest\":%s", bad[i].json);
        snprintf(msg, sizeof msg, "%s%s", msg_pre, bad[i].got);
        node_with(extra, msg);
    }
}
END_TEST

START_TEST(test_node_nan_and_ipv6_and_bad_utf8)
{
    node_state_t in = full_node(), out;
    char err[512] = "";
    char *j;
    in.lag_s = NAN;
    snprintf(in.source_host, sizeof in.source_host, "fd00::1");
    snprintf(in.version, sizeof in.version, "8.0.36-\xff\xfe-latin1 caf\xe9");
    j = node_state_to_json(&in);
    ck_assert_ptr_nonnull(j);
    ck_assert_ptr_nonnull(strstr(j, "\"lag_s\":null"));
    ck_assert_ptr_nonnull(strstr(j, "\"source\":\"[fd00::1]:3307\""));
    ck_assert_msg(node_state_from_json(&out, j, strlen(j), err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(out.source_host, "fd00::1");
    ck_assert_int_eq(out.source_port, 3307);
    ck_assert_str_eq(out.version, "8.0.36-?" "?-latin1 caf?");
    free(j);
}
END_TEST

START_TEST(test_primary_round_trip)
{
    primary_rec_t in, out;
    char err[512] = "";
    char *j;
    memset(&in, 0, sizeof in);
    snprintf(in.name, sizeof in.name, "db1");
    snprintf(in.host, sizeof in.host, "10.0.0.1");
    in.port = 3307;
    in.epoch = 42;
    in.since_ms = 1795462201123LL;
    snprintf(in.reason, sizeof in.reason, "switchover");
    j = primary_rec_to_json(&in);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(j, "{\"name\":\"db1\",\"host\":\"10.0.0.1\",\"port\":3307,\"epoch\":42,\"since\":1795462201123,"
                        "\"reason\":\"switchover\",\"fencing\":false}");
    memset(&out, 0x5a, sizeof out);
    ck_assert_msg(primary_rec_from_json(&out, j, strlen(j), err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(out.name, "db1");
    ck_assert_str_eq(out.host, "10.0.0.1");
    ck_assert_int_eq(out.port, 3307);
    ck_assert_uint_eq(out.epoch, 42);
    ck_assert_int_eq(out.since_ms, in.since_ms);
    ck_assert_str_eq(out.reason, "switchover");
    free(j);
}
END_TEST

static void primary_rejects(const char *buf, const char *msg)
{
    primary_rec_t p;
    char err[512] = "";
    memset(&p, 0x5a, sizeof p);
    ck_assert_int_eq(primary_rec_from_json(&p, buf, strlen(buf), err, sizeof err), -1);
    ck_assert_str_eq(err, msg);
    ck_assert_int_eq((unsigned char)p.name[0], 0x5a);
}

START_TEST(test_primary_rejects)
{
    primary_rejects("{\"epoch\":1}", "field \"name\": required but missing");
    primary_rejects("{\"name\":\"db1\"}", "field \"host\": required but missing");
    primary_rejects("{\"name\":\"db1\",\"host\":\"h\",\"port\":0,\"epoch\":1}",
                    "field \"port\": expected integer 1..65535, got 0");
    primary_rejects("{\"name\":\"db1\",\"host\":\"h\",\"port\":1}", "field \"epoch\": required but missing");
    primary_rejects("{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"epoch\":-1}",
                    "field \"epoch\": expected integer 0..9223372036854775807, got -1");
    primary_rejects("{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"epoch\":1.0}",
                    "field \"epoch\": expected integer 0..9223372036854775807, got 1.0");
    primary_rejects("{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"epoch\":\"7\"}",
                    "field \"epoch\": expected integer 0..9223372036854775807, got \"7\"");
    {
        primary_rec_t p;
        char err[512] = "";
        const char *j = "{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"epoch\":99999999999999999999}";
        ck_assert_int_eq(primary_rec_from_json(&p, j, strlen(j), err, sizeof err), -1);
        ck_assert_msg(strstr(err, "invalid JSON") == err && strstr(err, "too big integer") != NULL,
                      "saw \"%s\"", err);
    }
    primary_rejects("{\"name\":\"../x\",\"host\":\"h\",\"port\":1,\"epoch\":1}",
                    "field \"name\": expected a name [A-Za-z0-9_.-]{1,64}, got \"../x\"");
    primary_rejects("{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"epoch\":1,\"reason\":"
                    "\"0123456789012345678901234567890123456789012345678901234567890123\"}",
                    "field \"reason\": expected a string of at most 63 bytes, got 64 bytes");
}
END_TEST

/* The anti-flap hold as the coordinator wrote it, else by the reader's own anti_flap_s. */
START_TEST(test_control_hold_end)
{
    control_rec_t c;
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(control_hold_end(&c, 300, 1000), 0); /* never failed over */
    c.last_failover_ms = 100000;
    c.anti_flap_until_ms = 220000;                         /* the coordinator's 120 s */
    ck_assert_int_eq(control_hold_end(&c, 300, 150000), 220000);
    ck_assert_int_eq(control_hold_end(&c, 300, 220000), 0); /* over: not ours (400000) */
    c.anti_flap_until_ms = 100000;                         /* anti_flap_s = 0 there */
    ck_assert_int_eq(control_hold_end(&c, 300, 100001), 0);
    c.anti_flap_until_ms = 0;                              /* an older coordinator */
    ck_assert_int_eq(control_hold_end(&c, 300, 150000), 400000);
    ck_assert_int_eq(control_hold_end(&c, 0, 150000), 0);
}
END_TEST

START_TEST(test_control_round_trip)
{
    control_rec_t in, out;
    char err[512] = "";
    char *j;
    memset(&in, 0, sizeof in);
    in.paused = true;
    snprintf(in.request_to, sizeof in.request_to, "db3");
    in.request_at_ms = 17;
    in.last_failover_ms = 1795462201123LL;
    in.anti_flap_until_ms = 1795462501123LL;
    j = control_rec_to_json(&in);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(j, "{\"paused\":true,\"request\":\"\",\"request_to\":\"db3\",\"request_force\":false,"
                        "\"request_timeout_s\":0,\"request_at\":17,"
                        "\"last_failover_at\":1795462201123,\"anti_flap_until\":1795462501123,"
                        "\"pause_reason\":null,"
                        "\"paused_by\":null,\"paused_at\":0,\"pause_until\":0}");
    memset(&out, 0x5a, sizeof out);
    ck_assert_msg(control_rec_from_json(&out, j, strlen(j), err, sizeof err) == 0, "%s", err);
    ck_assert(out.paused);
    ck_assert_str_eq(out.request_to, "db3");
    ck_assert_int_eq(out.request_at_ms, 17);
    ck_assert_int_eq(out.last_failover_ms, in.last_failover_ms);
    ck_assert_int_eq(out.anti_flap_until_ms, in.anti_flap_until_ms);
    free(j);
    /* from an older coordinator: no anti_flap_until, read as 0 (status then uses its own config) */
    const char *old = "{\"paused\":false,\"last_failover_at\":5}";
    memset(&out, 0x5a, sizeof out);
    ck_assert_int_eq(control_rec_from_json(&out, old, strlen(old), err, sizeof err), 0);
    ck_assert_int_eq(out.anti_flap_until_ms, 0);

    /* "" is no request (null on the wire); "*" is any candidate */
    in.request_to[0] = '\0';
    j = control_rec_to_json(&in);
    ck_assert_ptr_nonnull(strstr(j, "\"request_to\":null"));
    ck_assert_int_eq(control_rec_from_json(&out, j, strlen(j), err, sizeof err), 0);
    ck_assert_str_eq(out.request_to, "");
    free(j);
    snprintf(in.request_to, sizeof in.request_to, "*");
    j = control_rec_to_json(&in);
    ck_assert_int_eq(control_rec_from_json(&out, j, strlen(j), err, sizeof err), 0);
    ck_assert_str_eq(out.request_to, "*");
    free(j);

    /* who paused, why, until when */
    snprintf(in.pause_reason, sizeof in.pause_reason, "kernel upgrade on db1");
    snprintf(in.paused_by, sizeof in.paused_by, "alice@db1");
    in.paused_at_ms = 1000;
    in.pause_until_ms = 5000;
    j = control_rec_to_json(&in);
    ck_assert_int_eq(control_rec_from_json(&out, j, strlen(j), err, sizeof err), 0);
    ck_assert_str_eq(out.pause_reason, "kernel upgrade on db1");
    ck_assert_str_eq(out.paused_by, "alice@db1");
    ck_assert_int_eq(out.paused_at_ms, 1000);
    ck_assert_int_eq(out.pause_until_ms, 5000);
    free(j);
}
END_TEST

START_TEST(test_members_round_trip)
{
    members_rec_t r, out;
    char err[512] = "";
    memset(&r, 0, sizeof r);
    ck_assert(members_rec_put(&r, "db1", "10.0.0.1", 3306));
    ck_assert(members_rec_put(&r, "db2", "10.0.0.2", 3306));
    ck_assert(!members_rec_put(&r, "db1", "10.0.0.1", 3306)); /* unchanged */
    ck_assert(members_rec_put(&r, "db1", "10.0.0.9", 3307));  /* moved */
    char *j = members_rec_to_json(&r);
    ck_assert_ptr_nonnull(j);
    ck_assert_msg(members_rec_from_json(&out, j, strlen(j), err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(out.n, 2);
    ck_assert_str_eq(out.m[0].host, "10.0.0.9");
    ck_assert_int_eq(out.m[0].port, 3307);
    ck_assert_str_eq(out.m[1].name, "db2");
    free(j);
    const char *bad = "{\"members\":[{\"name\":\"../x\",\"host\":\"h\",\"port\":1}]}";
    ck_assert_int_eq(members_rec_from_json(&out, bad, strlen(bad), err, sizeof err), -1);
    ck_assert_int_eq(members_rec_from_json(&out, "{\"members\":{}}", 14, err, sizeof err), -1);
    ck_assert_int_eq(members_rec_from_json(&out, "nope", 4, err, sizeof err), -1);
}
END_TEST

START_TEST(test_control_pause_expiry)
{
    control_rec_t c;
    memset(&c, 0, sizeof c);
    ck_assert(!control_pause_active(&c, 10));
    c.paused = true;
    ck_assert(control_pause_active(&c, 10)); /* no expiry: until resume */
    c.pause_until_ms = 100;
    ck_assert(control_pause_active(&c, 99));
    ck_assert(!control_pause_active(&c, 100)); /* expired: automatic failover is on again */
    c.paused = false;
    ck_assert(!control_pause_active(&c, 50));
}
END_TEST

START_TEST(test_control_defaults_and_rejects)
{
    control_rec_t c;
    char err[512] = "";
    memset(&c, 0x5a, sizeof c);
    ck_assert_int_eq(control_rec_from_json(&c, "{}", 2, err, sizeof err), 0);
    ck_assert(!c.paused);
    ck_assert_str_eq(c.request_to, "");
    ck_assert_int_eq(c.request_at_ms, 0);
    ck_assert_int_eq(c.last_failover_ms, 0);

    ck_assert_int_eq(control_rec_from_json(&c, "{\"paused\":\"yes\"}", 16, err, sizeof err), -1);
    ck_assert_str_eq(err, "field \"paused\": expected true or false, got \"yes\"");
    ck_assert_int_eq(control_rec_from_json(&c, "{\"request_to\":\"**\"}", 19, err, sizeof err),
                     -1);
    ck_assert_str_eq(err, "field \"request_to\": expected a name [A-Za-z0-9_.-]{1,64}, \"*\" or "
                          "null, got \"**\"");
    ck_assert_int_eq(control_rec_from_json(&c, "[]", 2, err, sizeof err), -1);
    ck_assert_str_eq(err, "expected a JSON object, got array");
}
END_TEST

START_TEST(test_not_an_object)
{
    NODE_REJECTS("[]", "expected a JSON object, got array");
    NODE_REJECTS("\"db1\"", "expected a JSON object, got string");
    NODE_REJECTS("42", "expected a JSON object, got integer");
    NODE_REJECTS("4.5", "expected a JSON object, got real");
    NODE_REJECTS("null", "expected a JSON object, got null");
    NODE_REJECTS("true", "expected a JSON object, got true");
}
END_TEST

START_TEST(test_empty_and_garbage)
{
    char err[512] = "";
    node_state_t s;
    node_rejects("", 0, "empty input; expected a JSON object");
    ck_assert_int_eq(node_state_from_json(&s, NULL, 0, err, sizeof err), -1);
    ck_assert_str_eq(err, "empty input; expected a JSON object");
    NODE_REJECTS_JSON("   ", "near end of file");
    NODE_REJECTS_JSON("{", "near end of file");
    NODE_REJECTS_JSON("{}x", "end of file expected");
    NODE_REJECTS_JSON("\xff\xfe{}", "unable to decode byte 0xff");
    NODE_REJECTS_JSON("{\"name\":\"d\xc3\x28\"}", "unable to decode byte 0xc3");
    node_rejects_json("{\"name\":\0\"x\"}", 14, "invalid token");
    NODE_REJECTS_JSON("{\"name\":\"a\\u0000b\"}", "\\u0000 is not allowed");
    NODE_REJECTS_JSON("{\"name\":\"db1\",\"name\":\"db2\"}", "duplicate object key");
}
END_TEST

START_TEST(test_input_limits)
{
    size_t n = 1024 * 1024 + 1;
    char *big = malloc(n);
    char *deep;
    char err[512] = "";
    node_state_t s;
    ck_assert_ptr_nonnull(big);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    node_rejects(big, n, "input too large (1048577 bytes, at most 1048576)");
    free(big);

    /* deep nesting must not exhaust the stack */
    n = 200000;
    deep = malloc(n);
    ck_assert_ptr_nonnull(deep);
    memset(deep, '[', n);
    ck_assert_int_eq(node_state_from_json(&s, deep, n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "invalid JSON"));
    free(deep);
}
END_TEST

START_TEST(test_missing_required)
{
    static const char *const fields[] = {"name", "host", "port", "role", "healthy", "read_only"};
    static const char *const values[] = {"\"db1\"", "\"h\"", "3306", "\"primary\"", "true",
                                         "false"};
    for (size_t skip = 0; skip < 6; skip++) {
        char buf[512], msg[128];
        size_t o = 0;
        o += (size_t)snprintf(buf + o, sizeof buf - o, "{\"extra\":1");
        for (size_t i = 0; i < 6; i++)
            if (i != skip)
                o += (size_t)snprintf(buf + o, sizeof buf - o, ",\"%s\":%s", fields[i], values[i]);
        snprintf(buf + o, sizeof buf - o, "}");
        snprintf(msg, sizeof msg, "field \"%s\": required but missing", fields[skip]);
        NODE_REJECTS(buf, msg);
    }
}
END_TEST

START_TEST(test_wrong_types)
{
    char buf[512];
    snprintf(buf, sizeof buf, "{\"name\":\"db1\",\"host\":\"h\",\"port\":\"abc\"}");
    NODE_REJECTS(buf, "field \"port\": expected integer 1..65535, got \"abc\"");
    NODE_REJECTS("{\"name\":42}", "field \"name\": expected a name [A-Za-z0-9_.-]{1,64}, got 42");
    NODE_REJECTS("{\"name\":\"db1\",\"host\":[\"h\"]}",
                 "field \"host\": expected string, got [\"h\"]");
    NODE_REJECTS("{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"healthy\":1}",
                 "field \"healthy\": expected true or false, got 1");
    NODE_REJECTS("{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"healthy\":true,\"role\":\"master\"}",
                 "field \"role\": expected \"primary\", \"replica\" or \"unknown\", got \"master\"");
    NODE_REJECTS("{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"healthy\":true,\"role\":null}",
                 "field \"role\": expected \"primary\", \"replica\" or \"unknown\", got null");
    NODE_REJECTS("{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"promotion\":\"always\"}",
                 "field \"promotion\": expected \"prefer\", \"neutral\" or \"never\", got "
                 "\"always\"");
    node_with("\"lag_s\":\"3\"", "field \"lag_s\": expected a number >= 0 or null, got \"3\"");
    node_with("\"lag_s\":-2", "field \"lag_s\": expected a number >= 0 or null, got -2");
    node_with("\"lag_s\":3", NULL);
    node_with("\"version\":null", "field \"version\": expected string, got null");
    node_with("\"error\":5", "field \"error\": expected string or null, got 5");
    node_with("\"server_id\":4294967296",
              "field \"server_id\": expected integer 0..4294967295, got 4294967296");
    node_with("\"replicas_connected\":-1",
              "field \"replicas_connected\": expected integer 0..2147483647, got -1");
    node_with("\"updated_at\":1.5e12",
              "field \"updated_at\": expected integer 0..9223372036854775807, got 1500000000000.0");
    node_with("\"io_running\":\"Yes\"", "field \"io_running\": expected true or false, got \"Yes\"");
}
END_TEST

START_TEST(test_ports)
{
    NODE_REJECTS("{\"name\":\"db1\",\"host\":\"h\",\"port\":0}",
                 "field \"port\": expected integer 1..65535, got 0");
    NODE_REJECTS("{\"name\":\"db1\",\"host\":\"h\",\"port\":65536}",
                 "field \"port\": expected integer 1..65535, got 65536");
    NODE_REJECTS("{\"name\":\"db1\",\"host\":\"h\",\"port\":3306.5}",
                 "field \"port\": expected integer 1..65535, got 3306.5");
    node_with("\"source\":\"db1:0\"",
              "field \"source\": expected \"host:port\" with port 1..65535, or null, got "
              "\"db1:0\"");
    node_with("\"source\":\"db1:65536\"",
              "field \"source\": expected \"host:port\" with port 1..65535, or null, got "
              "\"db1:65536\"");
    node_with("\"source\":\"db1\"", "field \"source\": expected \"host:port\" or null, got \"db1\"");
    node_with("\"source\":\":3306\"",
              "field \"source\": expected \"host:port\" or null, got \":3306\"");
    node_with("\"source\":\"db1:33x6\"",
              "field \"source\": expected \"host:port\" or null, got \"db1:33x6\"");
    node_with("\"source\":\"db 1:3306\"",
              "field \"source\": expected \"host:port\" or null, got \"db 1:3306\"");
    node_with("\"source\":3306", "field \"source\": expected \"host:port\" or null, got 3306");
    node_with("\"source\":\"[::1]:3306\"", NULL);
    node_with("\"source\":\"db1:65535\"", NULL);
}
END_TEST

START_TEST(test_oversize_and_names)
{
    char buf[8192], big[4096];
    memset(big, 'a', 300);
    big[300] = '\0';
    snprintf(buf, sizeof buf, "{\"name\":\"db1\",\"host\":\"%s\"}", big);
    NODE_REJECTS(buf, "field \"host\": expected a string of at most 256 bytes, got 300 bytes");
    memset(big, '1', 2100);
    big[2100] = '\0';
    snprintf(buf, sizeof buf, "\"gtid_received\":\"%s\"", big);
    node_with(buf, "field \"gtid_received\": expected a string of at most 2047 bytes, got 2100 "
                   "bytes");
    node_with("\"agent_version\":\"0123456789012345678901234567890123\"",
              "field \"agent_version\": expected a string of at most 31 bytes, got 34 bytes");
    NODE_REJECTS("{\"name\":\"db 1\"}",
                 "field \"name\": expected a name [A-Za-z0-9_.-]{1,64}, got \"db 1\"");
    NODE_REJECTS("{\"name\":\"\"}", "field \"name\": expected a name [A-Za-z0-9_.-]{1,64}, got \"\"");
    NODE_REJECTS("{\"name\":\"..\"}",
                 "field \"name\": expected a name [A-Za-z0-9_.-]{1,64}, got \"..\"");
    NODE_REJECTS("{\"name\":\"a123456789b123456789c123456789d123456789e123456789f123456789g1234\"}",
                 "field \"name\": expected a name [A-Za-z0-9_.-]{1,64}, got "
                 "\"a123456789b123456789c123456789d12345678...");
    NODE_REJECTS("{\"name\":\"d\\u00e9\"}",
                 "field \"name\": expected a name [A-Za-z0-9_.-]{1,64}, got \"d\\u00E9\"");
    NODE_REJECTS("{\"name\":\"db1\",\"host\":\"\"}",
                 "field \"host\": expected a host name or address, got \"\"");
    NODE_REJECTS("{\"name\":\"db1\",\"host\":\"a\\nb\"}",
                 "field \"host\": expected a host name or address, got \"a\\nb\"");
}
END_TEST

START_TEST(test_extra_fields_ignored)
{
    node_with("\"future\":{\"nested\":[1,2,{\"x\":null}]},\"z\":\"\\u00e9\"", NULL);
    {
        primary_rec_t p;
        char err[256];
        const char *j = "{\"name\":\"db1\",\"host\":\"h\",\"port\":1,\"epoch\":3,\"term\":[],\"by\":\"coord\"}";
        ck_assert_int_eq(primary_rec_from_json(&p, j, strlen(j), err, sizeof err), 0);
        ck_assert_uint_eq(p.epoch, 3);
        ck_assert_str_eq(p.reason, "");
    }
}
END_TEST

START_TEST(test_names_and_roles)
{
    ck_assert_str_eq(role_name(ROLE_PRIMARY), "primary");
    ck_assert_str_eq(role_name(ROLE_REPLICA), "replica");
    ck_assert_str_eq(role_name(ROLE_UNKNOWN), "unknown");
    ck_assert_str_eq(role_name((role_t)99), "unknown");
    ck_assert_int_eq(role_from_string("primary"), ROLE_PRIMARY);
    ck_assert_int_eq(role_from_string("replica"), ROLE_REPLICA);
    ck_assert_int_eq(role_from_string("master"), ROLE_UNKNOWN);
    ck_assert_int_eq(role_from_string(NULL), ROLE_UNKNOWN);
    ck_assert(name_is_valid("db-1.example_2"));
    ck_assert(!name_is_valid(""));
    ck_assert(!name_is_valid("a/b"));
    ck_assert(!name_is_valid("."));
    ck_assert(!name_is_valid(NULL));
}
END_TEST

static Suite *nodestate_suite(void)
{
    Suite *s = suite_create("nodestate");
    TCase *tc = tcase_create("encode");
    tcase_add_test(tc, test_node_round_trip);
    tcase_add_test(tc, test_node_server_uuid);
    tcase_add_test(tc, test_node_nulls);
    tcase_add_test(tc, test_node_minimal_defaults);
    tcase_add_test(tc, test_node_config_digest);
    tcase_add_test(tc, test_node_nan_and_ipv6_and_bad_utf8);
    tcase_add_test(tc, test_decision_view);
    tcase_add_test(tc, test_primary_round_trip);
    tcase_add_test(tc, test_control_round_trip);
    tcase_add_test(tc, test_control_hold_end);
    tcase_add_test(tc, test_control_pause_expiry);
    tcase_add_test(tc, test_members_round_trip);
    tcase_add_test(tc, test_names_and_roles);
    suite_add_tcase(s, tc);

    tc = tcase_create("strict");
    tcase_add_test(tc, test_primary_rejects);
    tcase_add_test(tc, test_control_defaults_and_rejects);
    tcase_add_test(tc, test_not_an_object);
    tcase_add_test(tc, test_empty_and_garbage);
    tcase_add_test(tc, test_input_limits);
    tcase_add_test(tc, test_missing_required);
    tcase_add_test(tc, test_wrong_types);
    tcase_add_test(tc, test_ports);
    tcase_add_test(tc, test_oversize_and_names);
    tcase_add_test(tc, test_extra_fields_ignored);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(nodestate_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
