/* check_tcpstate.c -- unit tests for tcpstate.c: /proc/net/tcp{,6} lines as the kernel prints
 * them (IPv4, IPv6, v4-mapped), hostile lines refused, and the reader finding a real socket of
 * this process by its inode. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpstate.h"

/* Lines copied from a Debian 12 host (x86-64, little-endian). */
static const char *v4_listen =
    "   0: 0100007F:531B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "11088057 1 0000000030140919 100 0 0 10 0                  \n";
/* 10.231.105.12:50412 -> 10.231.105.11:20575, SYN_SENT */
static const char *v4_syn =
    "  12: 0C69E70A:C4EC 0B69E70A:505F 02 00000001:00000000 01:00000064 00000002   113        0 "
    "4242424 2 0000000000000000 200 0 0 1 7\n";
/* [::1]:3306 <- [::1]:41000 established */
static const char *v6_est =
    "   3: 00000000000000000000000001000000:A028 00000000000000000000000001000000:0CEA 01 "
    "00000000:00000000 00:00000000 00000000   113        0 777 1 0000000000000000 20 4 30 10 -1\n";
/* ::ffff:10.231.105.11:20575, SYN_SENT from an IPv6 socket */
static const char *v6_mapped =
    "   4: 0000000000000000FFFF00000C69E70A:C4ED 0000000000000000FFFF00000B69E70A:505F 02 "
    "00000001:00000000 01:00000064 00000002   113        0 888 2 0000000000000000 200 0 0 1 7\n";

START_TEST(test_v4)
{
    tcp_entry_t e;
    uint8_t a[4];
    ck_assert_int_eq(tcp_parse_line(v4_listen, false, &e), 0);
    ck_assert_int_eq(e.state, 0x0A);
    ck_assert_int_eq(e.rem_port, 0);
    ck_assert(e.inode == 11088057UL);
    ck_assert_int_eq(tcp_parse_line(v4_syn, false, &e), 0);
    ck_assert_int_eq(e.state, TCP_STATE_SYN_SENT);
    ck_assert_int_eq(e.rem_port, 20575);
    ck_assert(e.inode == 4242424UL);
    inet_pton(AF_INET, "10.231.105.11", a);
    ck_assert(tcp_peer_is(&e, a, 4, 20575));
    ck_assert(!tcp_peer_is(&e, a, 4, 20576));
    inet_pton(AF_INET, "10.231.105.12", a); /* the local end, not the peer */
    ck_assert(!tcp_peer_is(&e, a, 4, 20575));
}
END_TEST

START_TEST(test_v6)
{
    tcp_entry_t e;
    uint8_t a6[16], a4[4];
    ck_assert_int_eq(tcp_parse_line(v6_est, true, &e), 0);
    ck_assert_int_eq(e.state, TCP_STATE_ESTABLISHED);
    ck_assert_int_eq(e.rem_port, 3306);
    inet_pton(AF_INET6, "::1", a6);
    ck_assert(tcp_peer_is(&e, a6, 16, 3306));
    ck_assert_int_eq(tcp_parse_line(v6_mapped, true, &e), 0);
    inet_pton(AF_INET, "10.231.105.11", a4);
    ck_assert(tcp_peer_is(&e, a4, 4, 20575)); /* IPv4 peer of an IPv6 socket */
    inet_pton(AF_INET6, "::ffff:10.231.105.11", a6);
    ck_assert(tcp_peer_is(&e, a6, 16, 20575));
    inet_pton(AF_INET6, "::1", a6);
    ck_assert(!tcp_peer_is(&e, a6, 16, 20575));
}
END_TEST

static const char *bad[] = {
    "",
    "\n",
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
    "   0: 0100007F:531B\n",
    "   0: 0100007F:531B 00000000:0000\n",
    "   0: 0100007G:531B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n",
    "   0: 0100007F531B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n",
    "   0: 0100007F:531B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0\n",
    "   0: 0100007F:531B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 x1 1\n",
    "   0: 0100007F:531B 00000000:0000 0AB 00000000:00000000 00:00000000 00000000 0 0 1 1\n",
    "x: 0100007F:531B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n",
    "   0: 0100007F:53 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n",
};

START_TEST(test_rejected)
{
    tcp_entry_t e;
    ck_assert_msg(tcp_parse_line(bad[_i], false, &e) == -1, "accepted: %s", bad[_i]);
    /* an IPv4 line read as IPv6 is refused too (its addresses are too short) */
    ck_assert_int_eq(tcp_parse_line(v4_syn, true, &e), -1);
}
END_TEST

/* The reader, on this process's own sockets: a connection to a listener on 127.0.0.1 is found
 * by its peer and its inode, and not under another state or port. */
START_TEST(test_find_own_socket)
{
    int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert(l >= 0 && c >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    ck_assert_int_eq(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(l, 1), 0);
    ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sa, &sl), 0);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct stat st;
    ck_assert_int_eq(fstat(c, &st), 0);
    uint8_t addrs[1][16] = {{127, 0, 0, 1}};
    size_t lens[1] = {4};
    unsigned long ino[64];
    int n = tcp_find(TCP_STATE_ESTABLISHED, addrs, lens, 1, ntohs(sa.sin_port), ino, 64);
    ck_assert_int_ge(n, 1);
    bool seen = false;
    for (int i = 0; i < n && i < 64; i++) seen = seen || ino[i] == (unsigned long)st.st_ino;
    ck_assert_msg(seen, "socket inode %lu not among the %d found", (unsigned long)st.st_ino, n);
    ck_assert_int_ge(tcp_find(TCP_STATE_ESTABLISHED, NULL, NULL, 0, ntohs(sa.sin_port), ino, 64), 1);
    ck_assert_int_eq(tcp_find(TCP_STATE_SYN_SENT, addrs, lens, 1, ntohs(sa.sin_port), ino, 64), 0);
    uint8_t other[1][16] = {{127, 0, 0, 2}};
    ck_assert_int_eq(tcp_find(TCP_STATE_ESTABLISHED, other, lens, 1, ntohs(sa.sin_port), ino, 64), 0);
    ck_assert_int_eq(tcp_find(TCP_STATE_ESTABLISHED, addrs, lens, 1, ntohs(sa.sin_port) ^ 1, ino, 64), 0);
    close(c);
    close(l);
}
END_TEST

static Suite *tcpstate_suite(void)
{
    Suite *s = suite_create("tcpstate");
    TCase *tc = tcase_create("proc_net_tcp");
    tcase_add_test(tc, test_v4);
    tcase_add_test(tc, test_v6);
    tcase_add_loop_test(tc, test_rejected, 0, (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, test_find_own_socket);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tcpstate_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
