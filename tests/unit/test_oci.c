/* hull-runtime: config.json fields beyond what hull run writes (id
 * mappings, personality, hooks, recursive mount attributes, relative bind
 * sources, value checks naming the field) and runc's command-line
 * conventions (options, signals, ids). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "base/json.h"
#include "oci/oci.h"
#include "oci/state.h"
#include "runtime/hooks.h"
#include "runtime/spec.h"

static const char base[] =
        "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
        " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
        " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}";

/* base with a jansson-pack-ed patch merged at top level (objects merged
 * one level down, so that "linux" and "process" keep base's members). */
static json_t *config(const char *patch)
{
        json_t *j = json_loads(base, 0, NULL);
        json_t *p = json_loads(patch, 0, NULL);
        assert_non_null(j);
        assert_non_null(p);
        const char *k;
        json_t *v;
        json_object_foreach(p, k, v) {
                json_t *have = json_object_get(j, k);
                if (json_is_object(have) && json_is_object(v))
                        json_object_update(have, v);
                else
                        json_object_set(j, k, v);
        }
        json_decref(p);
        return j;
}

static int parse(const char *patch, struct oci_spec **s, struct herr *err)
{
        _cleanup_json_ json_t *j = config(patch);
        memset(err, 0, sizeof *err);
        return rt_spec_parse(j, "/bundle", s, err);
}

static void expect_error(const char *patch, const char *needle)
{
        struct oci_spec *s = NULL;
        struct herr err;
        assert_int_equal(parse(patch, &s, &err), -1);
        assert_null(s);
        if (!strstr(err.msg, needle))
                fail_msg("error '%s' does not name '%s'", err.msg, needle);
}

static void idmaps(void **state)
{
        struct oci_spec *s = NULL;
        struct herr err;
        assert_int_equal(parse("{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}],"
                               " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
                               " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 1},"
                               "                   {\"containerID\": 1, \"hostID\": 300000, \"size\": 10}]}}",
                               &s, &err),
                         0);
        assert_int_equal(s->n_uid_mappings, 1);
        assert_int_equal(s->uid_mappings[0].host_id, 100000);
        assert_int_equal(s->uid_mappings[0].size, 65536);
        assert_int_equal(s->n_gid_mappings, 2);
        assert_int_equal(s->gid_mappings[1].container_id, 1);
        assert_true(rt_spec_has_ns(s, CLONE_NEWUSER));
        rt_spec_free(s);
        expect_error("{\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}}",
                     "without a user namespace");
        expect_error("{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}],"
                     " \"uidMappings\": [{\"containerID\": 0, \"hostID\": -1, \"size\": 1}]}}",
                     "linux.uidMappings[0].hostID");
        expect_error("{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}],"
                     " \"gidMappings\": {}}}",
                     "linux.gidMappings");
}

static void personality_domain(void **state)
{
        struct oci_spec *s = NULL;
        struct herr err;
        assert_int_equal(parse("{\"linux\": {\"personality\": {\"domain\": \"LINUX32\"}}}", &s, &err), 0);
        assert_true(s->has_personality);
        assert_int_equal(s->personality, PER_LINUX32);
        rt_spec_free(s);
        expect_error("{\"linux\": {\"personality\": {\"domain\": \"BSD\"}}}", "linux.personality.domain");
}

static void hooks(void **state)
{
        struct oci_spec *s = NULL;
        struct herr err;
        assert_int_equal(parse("{\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\", \"args\": [\"true\"],"
                               " \"env\": [\"A=1\"], \"timeout\": 5}], \"poststop\": []},"
                               " \"annotations\": {\"k\": \"v\"}}",
                               &s, &err),
                         0);
        assert_true(rt_hooks_has(s->hooks, "prestart"));
        assert_false(rt_hooks_has(s->hooks, "poststop"));
        assert_false(rt_hooks_has(s->hooks, "createRuntime"));
        char *state_json = rt_state_json(s, "c1", "creating", 42);
        _cleanup_json_ json_t *st = json_loads(state_json, 0, NULL);
        free(state_json);
        assert_string_equal(json_str(st, "id"), "c1");
        assert_string_equal(json_str(st, "status"), "creating");
        assert_int_equal(json_int(st, "pid", 0), 42);
        assert_string_equal(json_str(st, "bundle"), "/bundle");
        assert_string_equal(json_str(json_object_get(st, "annotations"), "k"), "v");
        assert_string_equal(json_str(st, "ociVersion"), "1.0.2");
        /* A hook that runs and one that fails, with the state on stdin. */
        assert_int_equal(rt_hooks_run(s->hooks, "prestart", "{}", &err), 0);
        rt_spec_free(s);
        expect_error("{\"hooks\": {\"prestart\": [{\"path\": \"true\"}]}}", "hooks.prestart[0].path");
        expect_error("{\"hooks\": {\"poststart\": [{\"path\": \"/x\", \"timeout\": 0}]}}", "hooks.poststart[0].timeout");
        expect_error("{\"hooks\": {\"createRuntime\": [{\"path\": \"/x\", \"args\": [1]}]}}",
                     "hooks.createRuntime[0].args[0]");
        expect_error("{\"hooks\": []}", "hooks: expected an object");
}

static void hook_failure_and_timeout(void **state)
{
        struct herr err = { 0 };
        _cleanup_json_ json_t *h = json_loads("{\"poststop\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"exit 3\"]}],"
                                              " \"poststart\": [{\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"10\"], \"timeout\": 1}]}",
                                              0, NULL);
        assert_int_equal(rt_hooks_run(h, "poststop", "{}", &err), -1);
        assert_non_null(strstr(err.msg, "exit status 3"));
        assert_int_equal(rt_hooks_run(h, "poststart", "{}", &err), -1);
        assert_non_null(strstr(err.msg, "timed out"));
}

static void mount_options(void **state)
{
        struct oci_spec *s = NULL;
        struct herr err;
        assert_int_equal(parse("{\"mounts\": [{\"destination\": \"/a\", \"type\": \"bind\", \"source\": \"data\","
                               "  \"options\": [\"rbind\", \"rnosuid\", \"rnodev\", \"z\", \"tmpcopyup\", \"rslave\"]},"
                               " {\"destination\": \"/t\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
                               "  \"options\": [\"nosuid\", \"size=1m\", \"mode=700\", \"rro\"]}]}",
                               &s, &err),
                         0);
        assert_string_equal(s->mounts[0].source, "/bundle/data");
        assert_int_equal(s->mounts[0].flags, MS_BIND | MS_REC | MS_NOSUID | MS_NODEV);
        assert_true(s->mounts[0].recursive_ro);
        assert_int_equal(s->mounts[0].propagation, MS_SLAVE | MS_REC);
        assert_null(s->mounts[0].data);
        assert_int_equal(s->mounts[1].flags, MS_NOSUID | MS_RDONLY);
        assert_string_equal(s->mounts[1].data, "size=1m,mode=700");
        rt_spec_free(s);
        expect_error("{\"linux\": {\"rootfsPropagation\": \"sideways\"}}", "linux.rootfsPropagation");
}

static void process_values(void **state)
{
        expect_error("{\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"terminal\": \"yes\"}}", "process.terminal");
        expect_error("{\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"user\": {\"uid\": -5}}}", "process.user.uid");
        expect_error("{\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"oomScoreAdj\": 5000}}", "process.oomScoreAdj");
        expect_error("{\"process\": {\"args\": [\"sh\"], \"cwd\": \"relative\"}}", "process.cwd");
        expect_error("{\"process\": {\"args\": [], \"cwd\": \"/\"}}", "process.args");
        /* A process object alone, as exec --process gives it. */
        _cleanup_json_ json_t *p = json_loads("{\"args\": [\"ls\", \"-l\"], \"cwd\": \"/tmp\", \"env\": [\"A=1\"],"
                                              " \"user\": {\"uid\": 7, \"gid\": 8, \"additionalGids\": [9]},"
                                              " \"capabilities\": {\"bounding\": [\"CAP_KILL\"]}, \"unknown\": 1}",
                                              0, NULL);
        struct rt_process proc = { 0 };
        struct herr err;
        assert_int_equal(rt_process_parse(p, &proc, &err), 0);
        assert_string_equal(proc.args[1], "-l");
        assert_int_equal(proc.uid, 7);
        assert_int_equal(proc.additional_gids[0], 9);
        assert_int_equal(proc.caps[RT_CAP_BOUNDING], 1ULL << 5);
        rt_process_free(&proc);
}

static const struct oci_opt opts[] = {
        { "bundle", 'b', 1 }, { "detach", 'd', 0 }, { "pid-file", 0, 1 }, { NULL, 0, 0 },
};

static void options(void **state)
{
        char *argv[] = { "x", "-b", "/b", "--detach=false", "-pid-file=/p", "--", "--id", NULL };
        struct oci_args a = { .argc = 7, .argv = argv, .i = 1 };
        struct herr err;
        const char *v;
        assert_int_equal(oci_opt_next(&a, opts, &v, &err), 0);
        assert_string_equal(v, "/b");
        assert_int_equal(oci_opt_next(&a, opts, &v, &err), 1);
        assert_false(oci_opt_bool(v));
        /* urfave/cli's single-dash long names. */
        assert_int_equal(oci_opt_next(&a, opts, &v, &err), 2);
        assert_string_equal(v, "/p");
        assert_int_equal(oci_opt_next(&a, opts, &v, &err), -1);
        assert_string_equal(oci_arg_next(&a), "--id");
        char *bad[] = { "x", "--nope", NULL };
        struct oci_args b = { .argc = 2, .argv = bad, .i = 1 };
        assert_int_equal(oci_opt_next(&b, opts, &v, &err), -2);
        assert_non_null(strstr(err.msg, "--nope"));
        char *missing[] = { "x", "--bundle", NULL };
        struct oci_args c = { .argc = 2, .argv = missing, .i = 1 };
        assert_int_equal(oci_opt_next(&c, opts, &v, &err), -2);
        assert_true(oci_opt_bool(NULL));
}

static void signals_and_ids(void **state)
{
        assert_int_equal(oci_parse_signal("TERM"), SIGTERM);
        assert_int_equal(oci_parse_signal("SIGKILL"), SIGKILL);
        assert_int_equal(oci_parse_signal("sigusr1"), SIGUSR1);
        assert_int_equal(oci_parse_signal("15"), 15);
        assert_int_equal(oci_parse_signal("0"), -1);
        assert_int_equal(oci_parse_signal("NOPE"), -1);
        assert_int_equal(oci_parse_signal("RTMIN+2"), SIGRTMIN + 2);
        struct herr err;
        assert_int_equal(oci_check_id("abc-1.2_x+y", &err), 0);
        assert_int_equal(oci_check_id("../x", &err), -1);
        assert_int_equal(oci_check_id("..", &err), -1);
        assert_int_equal(oci_check_id("", &err), -1);
        assert_int_equal(oci_check_id("a b", &err), -1);
}

static void systemd_paths(void **state)
{
        char *p = oci_systemd_cgroup_path("machine-libpod_pod_x.slice:libpod:abc");
        assert_string_equal(p, "/machine.slice/machine-libpod_pod_x.slice/libpod-abc.scope");
        free(p);
        p = oci_systemd_cgroup_path(":cri-containerd:id1");
        assert_string_equal(p, "/system.slice/cri-containerd-id1.scope");
        free(p);
        p = oci_systemd_cgroup_path("-.slice:x:y");
        assert_string_equal(p, "/x-y.scope");
        free(p);
        assert_null(oci_systemd_cgroup_path("/default/c1"));
        assert_null(oci_systemd_cgroup_path("a:b"));
        assert_null(oci_systemd_cgroup_path("notaslice:b:c"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(idmaps),        cmocka_unit_test(personality_domain),
                cmocka_unit_test(hooks),         cmocka_unit_test(hook_failure_and_timeout),
                cmocka_unit_test(mount_options), cmocka_unit_test(process_values),
                cmocka_unit_test(options),       cmocka_unit_test(signals_and_ids),
                cmocka_unit_test(systemd_paths),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
