/* The pure parts of networking: subnets, the address allocator, -p specs
 * and the network flags' checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fs.h"
#include "engine/net_opts.h"
#include "net/ipam.h"
#include "net/ports.h"

static void subnets(void **state)
{
        struct ip4net n, m;
        struct herr err;
        char b[16];
        assert_int_equal(cidr_parse("10.77.3.0/24", &n, &err), 0);
        assert_int_equal(n.prefix, 24);
        assert_string_equal(ip4_fmt(n.addr, b), "10.77.3.0");
        assert_int_equal(cidr_first_host(&n), n.addr + 1);
        assert_int_equal(cidr_last_host(&n), n.addr + 254);
        static const char *const bad[] = { "10.0.0.0/33", "10.0.0.0", "10.0.0.0/", "10.0.0/8", "x/8", "10.0.0.1/24",
                                           "10.0.0.0/-1", "10.0.0.0/2a" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_int_equal(cidr_parse(bad[i], &n, &err), -1);
        assert_int_equal(cidr_parse("10.0.0.0/8", &n, &err), 0);
        assert_int_equal(cidr_parse("10.77.0.0/16", &m, &err), 0);
        assert_true(cidr_overlap(&n, &m) && cidr_overlap(&m, &n));
        assert_int_equal(cidr_parse("10.78.0.0/16", &n, &err), 0);
        assert_false(cidr_overlap(&n, &m));
        uint32_t a;
        assert_int_equal(ip4_parse("10.77.9.9", &a), 0);
        assert_true(cidr_contains(&m, a));
        assert_false(cidr_contains(&n, a));
}

static void allocator(void **state)
{
        char dir[] = "/tmp/hull-ipam.XXXXXX";
        assert_non_null(mkdtemp(dir));
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        struct ip4net n;
        struct herr err;
        assert_int_equal(cidr_parse("10.1.2.0/29", &n, &err), 0);
        uint32_t gw = n.addr + 1, got[5];
        for (int i = 0; i < 5; i++) {
                assert_int_equal(ipam_take(fd, &n, gw, 0, "owner", &got[i], &err), 0);
                assert_int_equal(got[i], n.addr + 2 + (uint32_t)i);
        }
        assert_int_equal(ipam_take(fd, &n, gw, 0, "owner", &got[0], &err), -1);
        assert_non_null(strstr(err.msg, "no available IPv4 addresses"));
        /* Only the owner gives an address back. */
        ipam_release(fd, n.addr + 3, "someone-else");
        assert_int_equal(ipam_take(fd, &n, gw, 0, "x", &got[0], &err), -1);
        ipam_release(fd, n.addr + 3, "owner");
        assert_int_equal(ipam_take(fd, &n, gw, 0, "x", &got[0], &err), 0);
        assert_int_equal(got[0], n.addr + 3);
        assert_int_equal(ipam_take(fd, &n, gw, n.addr + 3, "y", &got[0], &err), -1);
        assert_non_null(strstr(err.msg, "already in use"));
        close(fd);
        rm_rf(dir, &err);
}

static void port_specs(void **state)
{
        struct port_spec p;
        struct herr err;
        assert_int_equal(port_spec_parse("80", &p, &err), 0);
        assert_true(p.ctr_port == 80 && p.host_port == 0 && !p.udp && p.host_ip == 0);
        assert_int_equal(port_spec_parse("8080:80/udp", &p, &err), 0);
        assert_true(p.ctr_port == 80 && p.host_port == 8080 && p.udp);
        assert_int_equal(port_spec_parse("127.0.0.1:8080:80/tcp", &p, &err), 0);
        assert_true(p.host_ip == 0x7f000001 && p.host_port == 8080 && p.ctr_port == 80);
        assert_int_equal(port_spec_parse("127.0.0.1::80", &p, &err), 0);
        assert_true(p.host_ip == 0x7f000001 && p.host_port == 0);
        assert_int_equal(port_spec_parse("70000:80", &p, &err), -1);
        assert_string_equal(err.msg, "invalid hostPort: 70000");
        assert_int_equal(port_spec_parse("abc", &p, &err), -1);
        assert_string_equal(err.msg, "invalid containerPort: abc");
        static const char *const bad[] = { "", "0", "80/sctp", "1.2.3:80:80", "x:80", ":", "80:", "65536" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_int_equal(port_spec_parse(bad[i], &p, &err), -1);
}

static void flags(void **state)
{
        struct net_opts o = { 0 };
        struct herr err;
        assert_int_equal(net_opts_set(&o, "publish", "8080:80", &err), 0);
        assert_int_equal(net_opts_set(&o, "publish", "abc", &err), -1);
        assert_int_equal(net_opts_set(&o, "ip", "10.0.0.300", &err), -1);
        assert_int_equal(net_opts_set(&o, "mac-address", "92:d0:c6:0a:29:33", &err), 0);
        assert_int_equal(net_opts_set(&o, "mac-address", "92:d0:c6:0a:29", &err), -1);
        assert_int_equal(net_opts_set(&o, "add-host", "db:10.0.0.5", &err), 0);
        assert_int_equal(net_opts_set(&o, "add-host", "db", &err), -1);
        assert_int_equal(net_opts_set(&o, "dns", "not-an-ip", &err), -1);
        assert_int_equal(net_opts_set(&o, "expose", "7000/udp", &err), 0);
        assert_int_equal(net_opts_set(&o, "publish-all", NULL, &err), 0);
        assert_true(o.publish_all && o.publish && !o.publish[1] && o.add_hosts && o.expose);
        net_opts_free(&o);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(subnets),
                cmocka_unit_test(allocator),
                cmocka_unit_test(port_specs),
                cmocka_unit_test(flags),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
