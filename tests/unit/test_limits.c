/* Docker's resource flags: sizes, CPUs, lists, ulimits, cross-checks, and
 * the linux.resources they become. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/json.h"
#include "engine/limits.h"

static void bytes(void **state)
{
        int64_t v;
        assert_int_equal(parse_bytes("512k", &v), 0);
        assert_int_equal(v, 512 * 1024);
        assert_int_equal(parse_bytes("1g", &v), 0);
        assert_int_equal(v, 1LL << 30);
        assert_int_equal(parse_bytes("100MB", &v), 0);
        assert_int_equal(v, 100LL << 20);
        assert_int_equal(parse_bytes("4096", &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(parse_bytes("1024b", &v), 0);
        assert_int_equal(v, 1024);
        assert_int_equal(parse_bytes("1.5m", &v), 0);
        assert_int_equal(v, 3 << 19);
        assert_int_equal(parse_bytes("2GiB", &v), 0);
        assert_int_equal(v, 2LL << 30);
        static const char *const bad[] = { "1x", "-5", "", "m", "1mm", "abc", "1 k b", "99999999999999999999g" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_int_equal(parse_bytes(bad[i], &v), -1);
}

static void flags_and_errors(void **state)
{
        struct limits l;
        struct herr err;
        limits_init(&l);
        assert_int_equal(limits_set(&l, "memory", "64m", &err), 0);
        assert_int_equal(limits_set(&l, "cpus", "1.5", &err), 0);
        assert_int_equal(l.cpu_quota, 150000);
        assert_int_equal(l.cpu_period, 100000);
        assert_int_equal(limits_set(&l, "pids-limit", "20", &err), 0);
        assert_int_equal(limits_set(&l, "ulimit", "nofile=1024:2048", &err), 0);
        assert_int_equal(limits_set(&l, "ulimit", "core=unlimited", &err), 0);
        assert_int_equal(limits_set(&l, "cpuset-cpus", "0-1,3", &err), 0);
        assert_true(limits_set(&l, "memory", "1x", &err) < 0);
        assert_non_null(strstr(err.msg, "\"1x\""));
        assert_non_null(strstr(err.msg, "--memory"));
        assert_true(limits_set(&l, "memory", "-5", &err) < 0);
        assert_true(limits_set(&l, "cpus", "-1", &err) < 0);
        assert_true(limits_set(&l, "cpus", "abc", &err) < 0);
        assert_true(limits_set(&l, "pids-limit", "0x", &err) < 0);
        assert_true(limits_set(&l, "cpuset-cpus", "1-0", &err) < 0);
        assert_true(limits_set(&l, "cpuset-cpus", "a", &err) < 0);
        assert_true(limits_set(&l, "ulimit", "nofile=2048:1024", &err) < 0);
        assert_true(limits_set(&l, "ulimit", "bogus=1", &err) < 0);
        assert_true(limits_set(&l, "oom-score-adj", "1001", &err) < 0);
        assert_true(limits_set(&l, "device", "/etc/passwd", &err) < 0);
        assert_true(limits_set(&l, "device", "/dev/null:/dev/x:rwz", &err) < 0);
        assert_int_equal(limits_set(&l, "device", "/dev/null:/dev/mynull:r", &err), 0);
        assert_string_equal(json_str(json_array_get(l.devices, 0), "path"), "/dev/mynull");
        assert_string_equal(json_str(json_array_get(l.device_rules, 0), "access"), "r");
        limits_free(&l);
}

static void checks(void **state)
{
        struct limits l;
        struct herr err;
        limits_init(&l);
        limits_set(&l, "memory-swap", "1g", &err);
        assert_true(limits_check(&l, "0-1", &err) < 0);
        limits_set(&l, "memory", "2g", &err);
        assert_true(limits_check(&l, "0-1", &err) < 0);
        limits_set(&l, "memory-swap", "-1", &err);
        assert_int_equal(limits_check(&l, "0-1", &err), 0);
        limits_set(&l, "cpus", "3", &err);
        assert_true(limits_check(&l, "0-1", &err) < 0);
        assert_non_null(strstr(err.msg, "only 2 CPUs"));
        limits_set(&l, "cpus", "2", &err);
        assert_int_equal(limits_check(&l, "0-1", &err), 0);
        limits_set(&l, "cpu-period", "50000", &err);
        assert_true(limits_check(&l, "0-1", &err) < 0);
        limits_free(&l);
        limits_init(&l);
        limits_set(&l, "cpuset-cpus", "99", &err);
        assert_true(limits_check(&l, "0-1", &err) < 0);
        assert_non_null(strstr(err.msg, "requested 99, available: 0-1"));
        limits_free(&l);
}

static void resources_json(void **state)
{
        struct limits l;
        struct herr err;
        limits_init(&l);
        limits_set(&l, "memory", "512k", &err);
        limits_set(&l, "cpu-shares", "512", &err);
        limits_set(&l, "pids-limit", "0", &err);
        l.oom_kill_disable = 1;
        _cleanup_json_ json_t *r = limits_resources(&l, 0);
        assert_int_equal(json_int(json_object_get(r, "memory"), "limit", 0), 512 * 1024);
        assert_true(json_bool(json_object_get(r, "memory"), "disableOOMKiller", 0));
        assert_int_equal(json_int(json_object_get(r, "cpu"), "shares", 0), 512);
        assert_int_equal(json_int(json_object_get(r, "pids"), "limit", 0), -1);
        json_t *devs = json_object_get(r, "devices");
        assert_false(json_bool(json_array_get(devs, 0), "allow", 1));
        assert_true(json_array_size(devs) > 5);
        _cleanup_json_ json_t *p = limits_resources(&l, 1);
        assert_int_equal(json_array_size(json_object_get(p, "devices")), 1);
        assert_true(json_bool(json_array_get(json_object_get(p, "devices"), 0), "allow", 0));
        limits_free(&l);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(bytes),
                cmocka_unit_test(flags_and_errors),
                cmocka_unit_test(checks),
                cmocka_unit_test(resources_json),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
