/* -u resolution against an image's passwd and group files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "engine/user.h"

static const char passwd[] =
        "root:x:0:0:root:/root:/bin/sh\n"
        "# a comment\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
        "user:x:1000:1000:user:/home/user:/bin/sh\n"
        "broken:line\n";
static const char group[] =
        "root:x:0:\n"
        "users:x:100:user,other\n"
        "wheel:x:10:root,user\n"
        "user:x:1000:\n"
        "nogroup:x:65534:\n";

static void by_name(void **state)
{
        struct user_info u;
        struct herr err;
        assert_int_equal(user_resolve("user", passwd, group, &u, &err), 0);
        assert_int_equal(u.uid, 1000);
        assert_int_equal(u.gid, 1000);
        assert_string_equal(u.home, "/home/user");
        /* The primary group first, then the memberships. */
        assert_int_equal(u.n_gids, 3);
        assert_int_equal(u.gids[0], 1000);
        assert_int_equal(u.gids[1], 100);
        assert_int_equal(u.gids[2], 10);
        user_info_free(&u);
}

static void numeric_known_and_unknown(void **state)
{
        struct user_info u;
        struct herr err;
        assert_int_equal(user_resolve("1000", passwd, group, &u, &err), 0);
        assert_int_equal(u.gid, 1000);
        assert_int_equal(u.n_gids, 3);
        user_info_free(&u);
        assert_int_equal(user_resolve("4242", passwd, group, &u, &err), 0);
        assert_int_equal(u.uid, 4242);
        assert_int_equal(u.gid, 0);
        assert_string_equal(u.home, "/");
        assert_int_equal(u.n_gids, 1);
        assert_int_equal(u.gids[0], 0);
        user_info_free(&u);
}

static void explicit_group(void **state)
{
        struct user_info u;
        struct herr err;
        assert_int_equal(user_resolve("1000:1000", passwd, group, &u, &err), 0);
        assert_int_equal(u.uid, 1000);
        assert_int_equal(u.gid, 1000);
        /* An explicit group: no memberships, only the primary group. */
        assert_int_equal(u.n_gids, 1);
        assert_int_equal(u.gids[0], 1000);
        user_info_free(&u);
        assert_int_equal(user_resolve("nobody:users", passwd, group, &u, &err), 0);
        assert_int_equal(u.uid, 65534);
        assert_int_equal(u.gid, 100);
        user_info_free(&u);
}

static void default_is_root(void **state)
{
        struct user_info u;
        struct herr err;
        assert_int_equal(user_resolve("", passwd, group, &u, &err), 0);
        assert_int_equal(u.uid, 0);
        assert_string_equal(u.home, "/root");
        user_info_free(&u);
        /* No passwd file at all: numeric users still work. */
        assert_int_equal(user_resolve("7:8", NULL, NULL, &u, &err), 0);
        assert_int_equal(u.uid, 7);
        assert_int_equal(u.gid, 8);
        user_info_free(&u);
}

static void errors(void **state)
{
        struct user_info u;
        struct herr err;
        assert_true(user_resolve("ghost", passwd, group, &u, &err) < 0);
        assert_non_null(strstr(err.msg, "unable to find user ghost"));
        assert_true(user_resolve("user:nogrp", passwd, group, &u, &err) < 0);
        assert_non_null(strstr(err.msg, "unable to find group nogrp"));
        assert_true(user_resolve("user:", passwd, group, &u, &err) < 0);
        assert_true(user_resolve(":0", passwd, group, &u, &err) < 0);
        assert_true(user_resolve("99999999999", passwd, group, &u, &err) < 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(by_name),
                cmocka_unit_test(numeric_known_and_unknown),
                cmocka_unit_test(explicit_group),
                cmocka_unit_test(default_is_root),
                cmocka_unit_test(errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
