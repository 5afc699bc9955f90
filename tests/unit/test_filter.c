/* ps filters: Docker's keys and values, OR within a key, AND across keys
 * (labels all AND), the errors, and both sources of a container's facts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "engine/container.h"
#include "engine/filter.h"

#define BUSYBOX_ID "sha256:ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12"

/* A container as container_list gives it: state and summary, no meta. */
static struct container listed(const char *id, const char *name, enum ctr_status st, const char *image,
                               const char *image_id, json_t *labels)
{
        struct container c = CONTAINER_INIT;
        snprintf(c.id, sizeof c.id, "%s", id);
        snprintf(c.name, sizeof c.name, "%s", name);
        c.state.status = st;
        c.summary = json_pack("{s:s, s:s, s:s, s:o}", "Name", name, "Image", image, "ImageID", image_id, "Labels",
                              labels ? labels : json_object());
        return c;
}

static void drop(struct container *c)
{
        json_decref(c->summary);
        json_decref(c->meta);
        json_decref(c->state.health);
}

/* Does the container pass these filters (NULL-terminated specs)? */
static int passes(const struct container *c, const char *const *specs)
{
        struct filter *f = NULL;
        struct herr err = { 0 };
        if (filter_parse((char **)specs, &f, &err) < 0)
                fail_msg("%s: %s", specs[0], err.msg);
        int r = filter_match(f, c);
        filter_free(f);
        return r;
}

#define PASS(c, ...) assert_true(passes(c, (const char *const[]){ __VA_ARGS__, NULL }))
#define FAIL(c, ...) assert_false(passes(c, (const char *const[]){ __VA_ARGS__, NULL }))

static void status_and_or(void **state)
{
        struct container c = listed("0123456789abcdef", "web", CTR_RUNNING, "busybox", BUSYBOX_ID, NULL);
        PASS(&c, "status=running");
        FAIL(&c, "status=exited");
        PASS(&c, "status=exited", "status=running");    /* one key: any value */
        FAIL(&c, "status=running", "name=db");          /* two keys: both */
        PASS(&c, "status=running", "name=web");
        PASS(&c, " Status = running ");                 /* key case and spaces, as Docker */
        assert_true(filter_match(NULL, &c));
        struct filter *f = NULL;
        struct herr err;
        assert_int_equal(filter_parse(NULL, &f, &err), 0);
        assert_true(filter_match(f, &c));
        assert_false(filter_implies_all(f));
        filter_free(f);
        char *st[] = { "status=exited", NULL };
        assert_int_equal(filter_parse(st, &f, &err), 0);
        assert_true(filter_implies_all(f));
        filter_free(f);
        drop(&c);
}

static void names_and_ids(void **state)
{
        struct container c = listed("0123456789abcdef", "web-1", CTR_EXITED, "busybox", BUSYBOX_ID, NULL);
        PASS(&c, "name=web");           /* a regexp, anywhere in the name */
        PASS(&c, "name=eb-");
        PASS(&c, "name=^web-[0-9]$");
        PASS(&c, "name=^/web");         /* Docker's names start with a slash */
        FAIL(&c, "name=^eb");
        FAIL(&c, "name=db");
        PASS(&c, "name=db", "name=web");
        PASS(&c, "id=0123");
        PASS(&c, "id=0123456789abcdef");
        FAIL(&c, "id=1234");            /* a prefix */
        drop(&c);
}

static void ancestors(void **state)
{
        struct container a = listed("aa", "a1", CTR_RUNNING, "busybox", BUSYBOX_ID, NULL);
        struct container b = listed("bb", "b1", CTR_RUNNING, "docker.io/library/busybox:latest", BUSYBOX_ID, NULL);
        struct container c = listed("cc", "c1", CTR_RUNNING, "localhost:5000/app:v2", "sha256:9999", NULL);
        PASS(&a, "ancestor=busybox");
        PASS(&a, "ancestor=busybox:latest");
        PASS(&a, "ancestor=docker.io/library/busybox");
        PASS(&b, "ancestor=busybox");
        FAIL(&a, "ancestor=busybox:1.36");
        PASS(&a, "ancestor=ab12cd");            /* an id prefix */
        PASS(&a, "ancestor=sha256:ab12cd34");
        FAIL(&a, "ancestor=ab13");
        FAIL(&c, "ancestor=busybox");
        PASS(&c, "ancestor=localhost:5000/app:v2");
        FAIL(&c, "ancestor=localhost:5000/app");
        PASS(&c, "ancestor=busybox", "ancestor=localhost:5000/app:v2");
        drop(&a);
        drop(&b);
        drop(&c);
}

static void labels(void **state)
{
        struct container c = listed("cc", "c1", CTR_RUNNING, "busybox", BUSYBOX_ID,
                                    json_pack("{s:s, s:s, s:s}", "a", "1", "com.example.tier", "web", "empty", ""));
        PASS(&c, "label=a");
        PASS(&c, "label=a=1");
        FAIL(&c, "label=a=2");
        PASS(&c, "label=empty=");
        PASS(&c, "label=com.example.tier=web");
        FAIL(&c, "label=b");
        PASS(&c, "label=a", "label=com.example.tier");
        FAIL(&c, "label=a", "label=b");         /* Docker: every label filter must match */
        struct container none = listed("dd", "d1", CTR_RUNNING, "busybox", BUSYBOX_ID, NULL);
        FAIL(&none, "label=a");
        drop(&c);
        drop(&none);
}

static void exited_codes(void **state)
{
        struct container c = listed("cc", "c1", CTR_EXITED, "busybox", BUSYBOX_ID, NULL);
        c.state.exit_code = 3;
        snprintf(c.state.started_at, sizeof c.state.started_at, "2026-11-29T07:00:00.000000000Z");
        PASS(&c, "exited=3");
        FAIL(&c, "exited=0");
        PASS(&c, "exited=0", "exited=3");
        /* Never started: no exit code to match, as Docker. */
        struct container created = listed("dd", "d1", CTR_CREATED, "busybox", BUSYBOX_ID, NULL);
        FAIL(&created, "exited=0");
        struct container running = listed("ee", "e1", CTR_RUNNING, "busybox", BUSYBOX_ID, NULL);
        snprintf(running.state.started_at, sizeof running.state.started_at, "2026-11-29T07:00:00Z");
        FAIL(&running, "exited=0");
        drop(&c);
        drop(&created);
        drop(&running);
}

static void health(void **state)
{
        struct container c = listed("cc", "c1", CTR_RUNNING, "busybox", BUSYBOX_ID, NULL);
        PASS(&c, "health=none");
        FAIL(&c, "health=healthy");
        c.state.health = json_pack("{s:s, s:i, s:[]}", "Status", "healthy", "FailingStreak", 0, "Log");
        PASS(&c, "health=healthy");
        PASS(&c, "health=starting", "health=healthy");
        FAIL(&c, "health=unhealthy");
        drop(&c);
}

static void from_meta(void **state)
{
        /* container_open loads hull.json: facts come from there. */
        struct container c = CONTAINER_INIT;
        snprintf(c.id, sizeof c.id, "ff00");
        snprintf(c.name, sizeof c.name, "m1");
        c.meta = json_pack("{s:s, s:s, s:{s:{s:s}}}", "ImageName", "busybox", "Image", BUSYBOX_ID, "Config",
                           "Labels", "k", "v");
        PASS(&c, "ancestor=busybox", "label=k=v", "status=created");
        PASS(&c, "ancestor=ab12");
        FAIL(&c, "label=k=w");
        drop(&c);
}

static void expect_error(const char *spec, const char *msg)
{
        char *specs[] = { "status=running", (char *)spec, NULL };
        struct filter *f = NULL;
        struct herr err = { 0 };
        assert_int_equal(filter_parse(specs, &f, &err), -1);
        assert_null(f);
        assert_int_equal(err.code, 125);
        if (strcmp(err.msg, msg))
                fail_msg("%s:\n got  [%s]\n want [%s]", spec, err.msg, msg);
}

static void errors(void **state)
{
        expect_error("bogus=1", "invalid filter 'bogus'");
        expect_error("status=bogus", "invalid filter 'status=bogus'");
        expect_error("health=sick", "invalid filter 'health=sick'");
        expect_error("exited=x", "invalid filter 'exited=x'");
        expect_error("exited=", "invalid filter 'exited='");
        expect_error("label=", "invalid filter 'label='");
        expect_error("ancestor=", "invalid filter 'ancestor='");
        expect_error("name=(", "invalid filter 'name=(': not a regular expression");
        expect_error("status", "bad format of filter 'status' (expected name=value)");
        expect_error("before=web", "the filter 'before' is not supported by hull yet");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(status_and_or), cmocka_unit_test(names_and_ids), cmocka_unit_test(ancestors),
                cmocka_unit_test(labels),        cmocka_unit_test(exited_codes),  cmocka_unit_test(health),
                cmocka_unit_test(from_meta),     cmocka_unit_test(errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
