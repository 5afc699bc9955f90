/* What top and stats read: /proc and cgroup files, ps's columns, CPU %. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/stats.h"
#include "runtime/cgroup.h"

static void stat_line(void **state)
{
        struct proc_stat ps;
        /* A comm with a space and a parenthesis, as a process may choose. */
        const char *line = "4242 (we) ird (x) S 17 4242 4242 34816 4242 4194560 100 0 0 0 250 130 0 0 20 0 1 0 "
                           "98765 1234567 100 18446744073709551615\n";
        assert_int_equal(proc_stat_parse(line, &ps), 0);
        assert_string_equal(ps.comm, "we) ird (x");
        assert_int_equal(ps.ppid, 17);
        assert_int_equal(ps.tty_nr, 34816);
        assert_int_equal(ps.utime, 250);
        assert_int_equal(ps.stime, 130);
        assert_int_equal(ps.starttime, 98765);
        assert_true(proc_stat_parse("no parentheses here", &ps) < 0);
        assert_true(proc_stat_parse("1 (short) S 0", &ps) < 0);
}

static void tty_names(void **state)
{
        char b[32];
        top_tty_name(0, b, sizeof b);
        assert_string_equal(b, "?");
        top_tty_name(136 << 8, b, sizeof b);
        assert_string_equal(b, "pts/0");
        top_tty_name((136 << 8) | 5, b, sizeof b);
        assert_string_equal(b, "pts/5");
        /* minor 300: the high bits of the minor sit above the major */
        top_tty_name((136 << 8) | (300 & 0xff) | ((300 & ~0xff) << 12), b, sizeof b);
        assert_string_equal(b, "pts/300");
        top_tty_name((4 << 8) | 1, b, sizeof b);
        assert_string_equal(b, "tty1");
        top_tty_name((4 << 8) | 64, b, sizeof b);
        assert_string_equal(b, "ttyS0");
}

static void cputime(void **state)
{
        char b[32];
        top_cputime(0, b, sizeof b);
        assert_string_equal(b, "00:00:00");
        top_cputime(3725, b, sizeof b);
        assert_string_equal(b, "01:02:05");
        top_cputime(2 * 86400 + 5, b, sizeof b);
        assert_string_equal(b, "2-00:00:05");
}

static void stime(void **state)
{
        char b[32];
        setenv("TZ", "UTC", 1);
        tzset();
        long long now = 1764400000;     /* 2025-11-29 07:06:40 UTC */
        top_stime(now - 3600, now, b, sizeof b);
        assert_string_equal(b, "06:06");
        top_stime(now - 10 * 86400, now, b, sizeof b);
        assert_string_equal(b, "Nov19");
        top_stime(now - 400 * 86400, now, b, sizeof b);
        assert_string_equal(b, "2024");
}

static void net_dev(void **state)
{
        const char *text =
                "Inter-|   Receive                                                |  Transmit\n"
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
                "    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0\n"
                "  eth0:    2048      20    0    0    0     0          0         0      512       5    0    0    0     0       0          0\n"
                "  eth1:       2       1    0    0    0     0          0         0        3       1    0    0    0     0       0          0\n";
        uint64_t rx, tx;
        net_dev_parse(text, &rx, &tx);
        assert_int_equal(rx, 2050);
        assert_int_equal(tx, 515);
        net_dev_parse("", &rx, &tx);
        assert_int_equal(rx, 0);
        assert_int_equal(tx, 0);
}

static void blkio(void **state)
{
        uint64_t r, w;
        rt_cgroup_parse_blkio("8:0 Read 4096\n8:0 Write 100\n8:0 Sync 4196\n8:16 Read 4\n8:16 Write 1\nTotal 4201\n", 0,
                              &r, &w);
        assert_int_equal(r, 4100);
        assert_int_equal(w, 101);
        rt_cgroup_parse_blkio("8:0 rbytes=1000 wbytes=20 rios=3 wios=1 dbytes=0 dios=0\n"
                              "253:1 rbytes=5 wbytes=7 rios=1 wios=1 dbytes=0 dios=0\n",
                              1, &r, &w);
        assert_int_equal(r, 1005);
        assert_int_equal(w, 27);
        rt_cgroup_parse_blkio("", 1, &r, &w);
        assert_int_equal(r + w, 0);
}

static void pids(void **state)
{
        pid_t *v;
        size_t n;
        assert_int_equal(rt_cgroup_parse_pids("42\n7\n1000\n", &v, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(v[0], 7);
        assert_int_equal(v[1], 42);
        assert_int_equal(v[2], 1000);
        free(v);
        assert_int_equal(rt_cgroup_parse_pids("", &v, &n), 0);
        assert_int_equal(n, 0);
        free(v);
}

static void percentages(void **state)
{
        struct stats_sample a = { .running = 1, .at_ns = 1000000000, .cpu_ns = 5000000000ULL };
        struct stats_sample b = a;
        b.at_ns += 1000000000;
        b.cpu_ns += 1500000000;         /* 1.5 CPUs busy */
        assert_true(stats_cpu_percent(&a, &b) > 149.99 && stats_cpu_percent(&a, &b) < 150.01);
        assert_true(stats_cpu_percent(NULL, &b) == 0);
        b.running = 0;
        assert_true(stats_cpu_percent(&a, &b) == 0);
        struct stats_sample m = { .mem_usage = 16 << 20, .mem_limit = 64 << 20 };
        assert_true(stats_mem_percent(&m) > 24.99 && stats_mem_percent(&m) < 25.01);
        m.mem_limit = 0;
        assert_true(stats_mem_percent(&m) == 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(stat_line), cmocka_unit_test(tty_names), cmocka_unit_test(cputime),
                cmocka_unit_test(stime),     cmocka_unit_test(net_dev),   cmocka_unit_test(blkio),
                cmocka_unit_test(pids),      cmocka_unit_test(percentages),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
