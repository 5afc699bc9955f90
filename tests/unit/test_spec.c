/* The OCI config the engine writes, read back by the runtime's parser:
 * the contract in the middle, checked from both sides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>

#include "base/json.h"
#include "engine/spec_gen.h"
#include "runtime/spec.h"

static char *args[] = { "sh", "-c", "echo hi", NULL };
static char *env[] = { "PATH=/bin", "FOO=bar", NULL };
static char *caps[] = { "CAP_CHOWN", "CAP_KILL", NULL };

static json_t *gen(struct run_opts *o, struct user_info *u)
{
        struct spec_input in = {
                .o = o, .hostname = "box", .args = args, .env = env, .cwd = "/tmp", .user = u,
                .caps = caps, .rootfs = "/r/rootfs", .overlay = "lowerdir=/l,upperdir=/u,workdir=/w",
                .files_dir = "/r",
        };
        return spec_generate(&in);
}

static void roundtrip_defaults(void **state)
{
        struct run_opts o = { 0 };
        struct user_info u = { .uid = 0, .gid = 0 };
        _cleanup_json_ json_t *j = gen(&o, &u);
        struct oci_spec *s = NULL;
        struct herr err;
        assert_int_equal(rt_spec_parse(j, NULL, &s, &err), 0);
        assert_string_equal(s->root_path, "/r/rootfs");
        assert_string_equal(s->hostname, "box");
        assert_string_equal(s->process.cwd, "/tmp");
        assert_string_equal(s->process.args[2], "echo hi");
        assert_string_equal(s->overlay, "lowerdir=/l,upperdir=/u,workdir=/w");
        assert_int_equal(s->process.caps[RT_CAP_EFFECTIVE], (1ULL << 0) | (1ULL << 5));
        assert_int_equal(s->process.caps[RT_CAP_BOUNDING], (1ULL << 0) | (1ULL << 5));
        assert_int_equal(s->process.caps[RT_CAP_INHERITABLE], 0);
        int flags = 0;
        for (size_t i = 0; i < s->n_namespaces; i++)
                flags |= s->namespaces[i].type;
        assert_int_equal(flags, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                                        CLONE_NEWCGROUP);
        assert_true(s->n_mounts >= 10);
        assert_string_equal(s->mounts[0].destination, "/proc");
        assert_int_equal(s->mounts[0].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
        /* /dev/pts: flags and filesystem data are told apart. */
        assert_string_equal(s->mounts[2].destination, "/dev/pts");
        assert_string_equal(s->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        assert_true(s->mounts[3].flags & MS_RDONLY); /* /sys */
        int found_hosts = 0;
        for (size_t i = 0; i < s->n_mounts; i++)
                if (!strcmp(s->mounts[i].destination, "/etc/hosts")) {
                        found_hosts = 1;
                        assert_string_equal(s->mounts[i].source, "/r/hosts");
                        assert_true(s->mounts[i].flags & MS_BIND);
                        assert_int_equal(s->mounts[i].propagation, MS_PRIVATE | MS_REC);
                }
        assert_true(found_hosts);
        assert_non_null(s->masked_paths);
        assert_string_equal(s->readonly_paths[3], "/proc/sys");
        rt_spec_free(s);
}

static void nonroot_privileged_hostnet(void **state)
{
        struct run_opts o = { .privileged = 1, .read_only = 1, .tty = 1 };
        gid_t gids[] = { 100, 10 };
        struct user_info u = { .uid = 1000, .gid = 1000, .gids = gids, .n_gids = 2 };
        struct spec_input in = {
                .o = &o, .hostname = "h", .args = args, .env = env, .cwd = "/", .user = &u, .caps = caps,
                .rootfs = "/r/rootfs", .files_dir = "/r", .host_network = 1, .rows = 40, .cols = 120,
        };
        _cleanup_json_ json_t *j = spec_generate(&in);
        struct oci_spec *s = NULL;
        struct herr err;
        assert_int_equal(rt_spec_parse(j, NULL, &s, &err), 0);
        assert_int_equal(s->process.uid, 1000);
        assert_int_equal(s->process.n_additional_gids, 2);
        assert_int_equal(s->process.additional_gids[1], 10);
        assert_int_equal(s->process.caps[RT_CAP_EFFECTIVE], 0);
        assert_int_not_equal(s->process.caps[RT_CAP_BOUNDING], 0);
        assert_true(s->root_readonly);
        assert_true(s->process.terminal);
        assert_int_equal(s->process.console_rows, 40);
        assert_null(s->masked_paths[0]);
        assert_null(s->overlay);
        for (size_t i = 0; i < s->n_namespaces; i++)
                assert_int_not_equal(s->namespaces[i].type, CLONE_NEWNET);
        rt_spec_free(s);
}

static void parse_errors(void **state)
{
        static const char *const bad[] = {
                "[]",
                "{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}}",
                "{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[],\"cwd\":\"/\"}}",
                "{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"rel\"}}",
                "{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
                "\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}}",
                "{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
                "\"capabilities\":{\"bounding\":[\"CAP_NOPE\"]}}}",
                "{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
                "\"mounts\":[{\"destination\":\"relative\",\"type\":\"tmpfs\"}]}",
                "{\"root\":{\"path\":\"/r\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\","
                "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":5}]}}",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                json_t *j = json_loads(bad[i], 0, NULL);
                assert_non_null(j);
                struct oci_spec *s = NULL;
                struct herr err = { 0 };
                assert_true(rt_spec_parse(j, NULL, &s, &err) < 0);
                assert_true(strlen(err.msg) > 0);
                json_decref(j);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(roundtrip_defaults),
                cmocka_unit_test(nonroot_privileged_hostnet),
                cmocka_unit_test(parse_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
