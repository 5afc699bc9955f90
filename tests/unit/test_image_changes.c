/* -c CHANGE for import and commit: Dockerfile instructions applied to an
 * image config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "image/image.h"

static json_t *apply(const char *base, const char *change, int ok)
{
        json_t *cfg = json_loads(base, 0, NULL);
        struct herr err = { 0 };
        assert_non_null(cfg);
        int r = image_config_change(cfg, change, &err);
        if (ok && r < 0)
                fail_msg("%s: %s", change, err.msg);
        if (!ok) {
                assert_true(r < 0);
                assert_true(err.msg[0] != '\0');
        }
        return cfg;
}

static void assert_json(json_t *j, const char *key, const char *want)
{
        json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
        assert_non_null(w);
        if (!json_equal(json_object_get(j, key), w)) {
                char *got = json_dumps(json_object_get(j, key), JSON_ENCODE_ANY);
                fail_msg("%s: got %s, want %s", key, got, want);
        }
        json_decref(w);
}

static void test_cmd_forms(void **state)
{
        (void)state;
        json_t *c = apply("{}", "CMD [\"echo\", \"hi\"]", 1);
        assert_json(c, "Cmd", "[\"echo\",\"hi\"]");
        json_decref(c);
        c = apply("{}", "cmd echo hi", 1);
        assert_json(c, "Cmd", "[\"/bin/sh\",\"-c\",\"echo hi\"]");
        json_decref(c);
        c = apply("{}", "ENTRYPOINT [\"/init\"]", 1);
        assert_json(c, "Entrypoint", "[\"/init\"]");
        json_decref(c);
}

static void test_env_and_labels(void **state)
{
        (void)state;
        json_t *c = apply("{\"Env\":[\"A=1\",\"PATH=/bin\"]}", "ENV A=2 B=\"x y\" C=z\\ w", 1);
        assert_json(c, "Env", "[\"A=2\",\"PATH=/bin\",\"B=x y\",\"C=z w\"]");
        json_decref(c);
        c = apply("{}", "ENV OLD form with spaces", 1);
        assert_json(c, "Env", "[\"OLD=form with spaces\"]");
        json_decref(c);
        c = apply("{}", "LABEL a=b 'c'=d", 1);
        json_decref(c);
        c = apply("{}", "LABEL version=1.0", 1);
        assert_json(c, "Labels", "{\"version\":\"1.0\"}");
        json_decref(c);
}

static void test_others(void **state)
{
        (void)state;
        json_t *c = apply("{}", "EXPOSE 80 53/udp", 1);
        assert_json(c, "ExposedPorts", "{\"80/tcp\":{},\"53/udp\":{}}");
        json_decref(c);
        c = apply("{}", "VOLUME [\"/data\"]", 1);
        assert_json(c, "Volumes", "{\"/data\":{}}");
        json_decref(c);
        c = apply("{}", "WORKDIR /srv", 1);
        assert_json(c, "WorkingDir", "\"/srv\"");
        json_decref(c);
        c = apply("{}", "USER 1000:1000", 1);
        assert_json(c, "User", "\"1000:1000\"");
        json_decref(c);
        c = apply("{}", "STOPSIGNAL SIGINT", 1);
        assert_json(c, "StopSignal", "\"SIGINT\"");
        json_decref(c);
}

static void test_refused(void **state)
{
        (void)state;
        json_decref(apply("{}", "RUN rm -rf /", 0));
        json_decref(apply("{}", "CMD", 0));
        json_decref(apply("{}", "", 0));
        json_decref(apply("{}", "ENV", 0));
        json_decref(apply("{}", "ENV NOVALUE", 0));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cmd_forms),
                cmocka_unit_test(test_env_and_labels),
                cmocka_unit_test(test_others),
                cmocka_unit_test(test_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
