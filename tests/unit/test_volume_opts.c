/* Docker's -v, --mount and --tmpfs spellings, and every way to get them wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mount.h>

#include "base/json.h"
#include "engine/spec_gen.h"
#include "engine/volume_opts.h"
#include "runtime/spec.h"

static void v_bind(void **state)
{
        struct mount_req m;
        struct herr err;
        assert_int_equal(mount_parse_volume("/host//dir/./x/../y:/ctr/path/:ro,rshared", &m, &err), 0);
        assert_int_equal(m.kind, MOUNT_BIND);
        assert_string_equal(m.source, "/host/dir/y");
        assert_string_equal(m.target, "/ctr/path");
        assert_true(m.readonly);
        assert_true(m.from_v);
        assert_string_equal(m.propagation, "rshared");
        assert_string_equal(m.mode, "ro,rshared");
        mount_req_clear(&m);
        assert_int_equal(mount_parse_volume("/h:/c", &m, &err), 0);
        assert_false(m.readonly);
        assert_string_equal(m.propagation, "rprivate");
        assert_string_equal(m.mode, "");
        mount_req_clear(&m);
}

static void v_volumes(void **state)
{
        struct mount_req m;
        struct herr err;
        assert_int_equal(mount_parse_volume("my-vol.1:/data:nocopy", &m, &err), 0);
        assert_int_equal(m.kind, MOUNT_VOLUME);
        assert_string_equal(m.source, "my-vol.1");
        assert_true(m.nocopy);
        mount_req_clear(&m);
        assert_int_equal(mount_parse_volume("/anon", &m, &err), 0);
        assert_int_equal(m.kind, MOUNT_VOLUME);
        assert_null(m.source);
        assert_string_equal(m.target, "/anon");
        mount_req_clear(&m);
}

static void v_bad(void **state)
{
        static const char *const bad[] = {
                "rel",  "vol:rel",     "/a:/b:rx",    "/a:/b:ro,rw",  "/a:/b:rshared,rslave",
                "x:/b", "bad!name:/b", "_x:/b",       "vol:/",        "/a:/b:c:d",
                "",     ":/b",         "vol:/b:rshared", "/a:/b:nocopy", "/a:/b:",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                struct mount_req m;
                struct herr err = { 0 };
                if (mount_parse_volume(bad[i], &m, &err) == 0)
                        fail_msg("accepted -v %s", bad[i]);
                assert_non_null(strstr(err.msg, "invalid mount specification"));
        }
}

static void mount_flag(void **state)
{
        struct mount_req m;
        struct herr err;
        assert_int_equal(mount_parse_mount("type=bind,src=/h,dst=/c,readonly,bind-propagation=rslave", &m, &err), 0);
        assert_int_equal(m.kind, MOUNT_BIND);
        assert_false(m.from_v);
        assert_true(m.readonly);
        assert_string_equal(m.propagation, "rslave");
        mount_req_clear(&m);
        assert_int_equal(mount_parse_mount("target=/v,source=vol,volume-nocopy=true,readonly=false", &m, &err), 0);
        assert_int_equal(m.kind, MOUNT_VOLUME);
        assert_string_equal(m.source, "vol");
        assert_true(m.nocopy);
        assert_false(m.readonly);
        mount_req_clear(&m);
        assert_int_equal(mount_parse_mount("type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770", &m, &err), 0);
        assert_int_equal(m.kind, MOUNT_TMPFS);
        assert_string_equal(m.tmpfs_opts, "nosuid,nodev,noexec,rw,size=1048576,mode=1770");
        mount_req_clear(&m);
        static const char *const bad[] = {
                "type=bind,src=/h,dst=/c,bogus=1",      "type=nfs,dst=/c",
                "type=bind,dst=/c",                     "type=bind,src=rel,dst=/c",
                "type=volume,src=a/b,dst=/c",           "type=volume,dst=/c,tmpfs-size=1m",
                "type=tmpfs,src=x,dst=/t",              "type=tmpfs,dst=/t,tmpfs-size=lots",
                "type=tmpfs,dst=/t,tmpfs-mode=9",       "type=bind,src=/h,dst=/c,bind-propagation=odd",
                "type=bind,src=/h,dst=/c,readonly=maybe", "type=volume,src=v",
                "type=volume,dst=/c,volume-driver=nfs", "",
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                struct herr e = { 0 };
                if (mount_parse_mount(bad[i], &m, &e) == 0)
                        fail_msg("accepted --mount %s", bad[i]);
        }
}

static void tmpfs_flag(void **state)
{
        struct mount_req m;
        struct herr err;
        assert_int_equal(mount_parse_tmpfs("/run:size=64k,exec,mode=700", &m, &err), 0);
        assert_string_equal(m.target, "/run");
        assert_string_equal(m.tmpfs_opts, "nosuid,nodev,noexec,size=64k,exec,mode=700");
        mount_req_clear(&m);
        assert_true(mount_parse_tmpfs("/run:bogus", &m, &err) < 0);
        assert_true(mount_parse_tmpfs("run", &m, &err) < 0);
        assert_true(mount_parse_tmpfs("/run:size=", &m, &err) < 0);
}

static void all_lists(void **state)
{
        char *vols[] = { "/h:/a", "vv:/b", NULL };
        char *mounts[] = { "type=tmpfs,dst=/c", NULL };
        char *tmpfs[] = { "/d", NULL };
        struct mount_reqs r;
        struct herr err;
        assert_int_equal(mount_reqs_parse(vols, mounts, tmpfs, &r, &err), 0);
        assert_int_equal(r.n, 4);
        assert_string_equal(r.v[3].target, "/d");
        mount_reqs_free(&r);
        char *dup[] = { "/h:/a", NULL };
        char *dup_tmpfs[] = { "/a/", NULL };
        assert_true(mount_reqs_parse(dup, NULL, dup_tmpfs, &r, &err) < 0);
        assert_non_null(strstr(err.msg, "duplicate mount point: /a"));
}

static void names(void **state)
{
        assert_true(volume_name_valid("ab"));
        assert_true(volume_name_valid("a_b.c-d9"));
        assert_false(volume_name_valid("a"));
        assert_false(volume_name_valid(".ab"));
        assert_false(volume_name_valid("-ab"));
        assert_false(volume_name_valid("a/b"));
        assert_false(volume_name_valid("a b"));
        assert_false(volume_name_valid(""));
}

/* The engine's OCI mounts, read back by the runtime's parser: read-only
 * binds recursive, propagation kept, a tmpfs on /dev/shm replacing the
 * default one. */
static void spec_user_mounts(void **state)
{
        static char *args[] = { "true", NULL }, *env[] = { NULL }, *caps[] = { NULL };
        struct run_opts o = { 0 };
        struct user_info u = { 0 };
        json_t *user = json_pack("[{s:s, s:s, s:s, s:[s, s, s, s]}, {s:s, s:s, s:s, s:[s, s]}]", "destination",
                                 "/h", "type", "bind", "source", "/host", "options", "rbind", "rslave", "ro", "rro",
                                 "destination", "/dev/shm", "type", "tmpfs", "source", "tmpfs", "options",
                                 "nosuid", "size=1m");
        struct spec_input in = {
                .o = &o, .hostname = "h", .args = args, .env = env, .cwd = "/", .user = &u, .caps = caps,
                .rootfs = "/r/rootfs", .files_dir = "/r", .user_mounts = user,
        };
        _cleanup_json_ json_t *j = spec_generate(&in);
        struct oci_spec *s = NULL;
        struct herr err;
        assert_int_equal(rt_spec_parse(j, NULL, &s, &err), 0);
        int shm = 0, h = 0;
        for (size_t i = 0; i < s->n_mounts; i++) {
                if (!strcmp(s->mounts[i].destination, "/dev/shm")) {
                        shm++;
                        assert_string_equal(s->mounts[i].data, "size=1m");
                }
                if (!strcmp(s->mounts[i].destination, "/h")) {
                        h++;
                        assert_true(s->mounts[i].flags & MS_RDONLY);
                        assert_true(s->mounts[i].flags & MS_BIND);
                        assert_true(s->mounts[i].recursive_ro);
                        assert_int_equal(s->mounts[i].propagation, MS_SLAVE | MS_REC);
                        assert_int_equal(i, s->n_mounts - 2);   /* the user's, in order, after the defaults */
                }
        }
        assert_int_equal(shm, 1);
        assert_int_equal(h, 1);
        rt_spec_free(s);
        json_decref(user);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(v_bind),     cmocka_unit_test(v_volumes), cmocka_unit_test(v_bad),
                cmocka_unit_test(mount_flag), cmocka_unit_test(tmpfs_flag), cmocka_unit_test(all_lists),
                cmocka_unit_test(names),      cmocka_unit_test(spec_user_mounts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
