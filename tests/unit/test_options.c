/* Environment merging, env files and capability computation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strv.h"
#include "base/json.h"
#include "engine/options.h"

static void env_replace_and_host(void **state)
{
        char **env = calloc(1, sizeof(char *));
        env_set(&env, "A=1");
        env_set(&env, "B=2");
        env_set(&env, "A=3");
        assert_int_equal(strv_len(env), 2);
        assert_string_equal(env_get(env, "A"), "3");
        setenv("HULL_TEST_HOSTVAR", "fromhost", 1);
        env_set(&env, "HULL_TEST_HOSTVAR");
        assert_string_equal(env_get(env, "HULL_TEST_HOSTVAR"), "fromhost");
        unsetenv("HULL_TEST_UNSET_VAR");
        env_set(&env, "HULL_TEST_UNSET_VAR");
        assert_null(env_get(env, "HULL_TEST_UNSET_VAR"));
        env_set(&env, "EMPTY=");
        assert_string_equal(env_get(env, "EMPTY"), "");
        assert_null(env_get(env, "EMPT"));
        strv_free(env);
}

static void env_file(void **state)
{
        char path[] = "/tmp/hull-envfile-XXXXXX";
        int fd = mkstemp(path);
        const char body[] = "# comment\n\nX=1\r\n  Y=two words\nX=override\n";
        assert_int_equal(write(fd, body, sizeof body - 1), (int)sizeof body - 1);
        close(fd);
        char **env = calloc(1, sizeof(char *));
        struct herr err;
        assert_int_equal(env_file_read(path, &env, &err), 0);
        assert_string_equal(env_get(env, "X"), "override");
        assert_string_equal(env_get(env, "Y"), "two words");
        strv_free(env);
        FILE *f = fopen(path, "w");
        fputs("BAD KEY=1\n", f);
        fclose(f);
        env = calloc(1, sizeof(char *));
        assert_true(env_file_read(path, &env, &err) < 0);
        assert_non_null(strstr(err.msg, "line 1"));
        strv_free(env);
        unlink(path);
        assert_true(env_file_read("/nonexistent/env", &env, &err) < 0);
}

static void caps_default(void **state)
{
        char **caps = NULL;
        struct herr err;
        assert_int_equal(caps_compute(NULL, NULL, 0, &caps, &err), 0);
        assert_int_equal(strv_len(caps), 14);
        assert_true(strv_contains(caps, "CAP_NET_RAW"));
        assert_false(strv_contains(caps, "CAP_SYS_ADMIN"));
        strv_free(caps);
}

static void caps_add_drop(void **state)
{
        char *add[] = { "sys_admin", "CAP_NET_ADMIN", NULL };
        char *drop[] = { "net_raw", "Chown", NULL };
        char **caps = NULL;
        struct herr err;
        assert_int_equal(caps_compute(add, drop, 0, &caps, &err), 0);
        assert_true(strv_contains(caps, "CAP_SYS_ADMIN"));
        assert_true(strv_contains(caps, "CAP_NET_ADMIN"));
        assert_false(strv_contains(caps, "CAP_NET_RAW"));
        assert_false(strv_contains(caps, "CAP_CHOWN"));
        assert_int_equal(strv_len(caps), 14);
        strv_free(caps);
        char *all[] = { "ALL", NULL }, *one[] = { "kill", NULL };
        assert_int_equal(caps_compute(one, all, 0, &caps, &err), 0);
        assert_int_equal(strv_len(caps), 1);
        assert_string_equal(caps[0], "CAP_KILL");
        strv_free(caps);
        assert_int_equal(caps_compute(all, NULL, 0, &caps, &err), 0);
        assert_true(strv_contains(caps, "CAP_SYS_ADMIN"));
        strv_free(caps);
        assert_int_equal(caps_compute(NULL, NULL, 1, &caps, &err), 0);
        assert_true(strv_contains(caps, "CAP_SYS_MODULE"));
        strv_free(caps);
}

static void caps_unknown(void **state)
{
        char *bad[] = { "CAP_FLY", NULL };
        char **caps = NULL;
        struct herr err;
        assert_true(caps_compute(bad, NULL, 0, &caps, &err) < 0);
        assert_non_null(strstr(err.msg, "CAP_FLY"));
        assert_true(caps_compute(NULL, bad, 0, &caps, &err) < 0);
}

static void durations(void **state)
{
        int64_t ns;
        assert_int_equal(parse_duration_ns("30s", &ns), 0);
        assert_int_equal(ns, 30000000000LL);
        assert_int_equal(parse_duration_ns("1m30s", &ns), 0);
        assert_int_equal(ns, 90000000000LL);
        assert_int_equal(parse_duration_ns("500ms", &ns), 0);
        assert_int_equal(ns, 500000000LL);
        assert_int_equal(parse_duration_ns("1.5h", &ns), 0);
        assert_int_equal(ns, 5400000000000LL);
        static const char *const bad[] = { "", "30", "s", "1x", "-1s", "1m30" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_int_equal(parse_duration_ns(bad[i], &ns), -1);
}

static void healthchecks(void **state)
{
        struct run_opts o = { 0 };
        json_t *hc = NULL;
        struct herr err;
        assert_int_equal(healthcheck_config(&o, NULL, &hc, &err), 0);
        assert_null(hc);
        o.health_cmd = "true";
        o.health_interval = "1s";
        o.health_retries = 2;
        assert_int_equal(healthcheck_config(&o, NULL, &hc, &err), 0);
        assert_string_equal(json_string_value(json_array_get(json_object_get(hc, "Test"), 0)), "CMD-SHELL");
        assert_int_equal(json_integer_value(json_object_get(hc, "Interval")), 1000000000LL);
        assert_int_equal(json_integer_value(json_object_get(hc, "Retries")), 2);
        json_decref(hc);
        /* A flag overrides one field of the image's healthcheck. */
        json_t *img = json_pack("{s:[s,s], s:I}", "Test", "CMD", "check", "Timeout", (json_int_t)5);
        struct run_opts o2 = { .health_timeout = "2s" };
        assert_int_equal(healthcheck_config(&o2, img, &hc, &err), 0);
        assert_string_equal(json_string_value(json_array_get(json_object_get(hc, "Test"), 1)), "check");
        assert_int_equal(json_integer_value(json_object_get(hc, "Timeout")), 2000000000LL);
        json_decref(hc);
        json_decref(img);
        struct run_opts o3 = { .no_healthcheck = 1 };
        assert_int_equal(healthcheck_config(&o3, NULL, &hc, &err), 0);
        assert_string_equal(json_string_value(json_array_get(json_object_get(hc, "Test"), 0)), "NONE");
        json_decref(hc);
        struct run_opts o4 = { .health_interval = "1s" };
        assert_true(healthcheck_config(&o4, NULL, &hc, &err) < 0);
        struct run_opts o5 = { .health_cmd = "x", .health_interval = "soon" };
        assert_true(healthcheck_config(&o5, NULL, &hc, &err) < 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(env_replace_and_host), cmocka_unit_test(env_file),
                cmocka_unit_test(caps_default),         cmocka_unit_test(caps_add_drop),
                cmocka_unit_test(caps_unknown),         cmocka_unit_test(durations),
                cmocka_unit_test(healthchecks),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
