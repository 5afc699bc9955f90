/* `hull run` argument parsing, exactly as the binary does it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/strv.h"
#include "cli/cli.h"

#define ARGV(...) ((char *[]){ "run", __VA_ARGS__, NULL })
#define ARGC(v) ((int)strv_len(v))

static void full_readme_line(void **state)
{
        char **v = ARGV("--rm", "-e", "FOO=bar", "-w", "/tmp", "-u", "1000:1000", "-h", "box", "busybox", "sh", "-c",
                        "echo $FOO");
        struct run_args a;
        assert_int_equal(run_args_parse(&a, ARGC(v), v), -1);
        assert_true(a.o.rm);
        assert_string_equal(a.o.env[0], "FOO=bar");
        assert_string_equal(a.o.workdir, "/tmp");
        assert_string_equal(a.o.user, "1000:1000");
        assert_string_equal(a.o.hostname, "box");
        assert_string_equal(a.o.image, "busybox");
        assert_string_equal(a.o.cmd[0], "sh");
        assert_string_equal(a.o.cmd[2], "echo $FOO");
        assert_null(a.o.cmd[3]);
        run_args_free(&a);
}

static void combined_and_long_forms(void **state)
{
        char **v = ARGV("-it", "--name=web", "--env", "A=1", "-eB=2", "--cap-add", "SYS_ADMIN", "--cap-drop=ALL",
                        "--security-opt", "no-new-privileges", "--security-opt=seccomp=unconfined", "--read-only",
                        "--init", "--privileged", "--network", "host", "--entrypoint", "", "--env-file", "/f",
                        "busybox");
        struct run_args a;
        assert_int_equal(run_args_parse(&a, ARGC(v), v), -1);
        assert_true(a.o.interactive && a.o.tty && a.o.read_only && a.o.init && a.o.privileged);
        assert_true(a.o.no_new_privileges);
        assert_string_equal(a.o.seccomp, "unconfined");
        assert_string_equal(a.o.name, "web");
        assert_int_equal(strv_len(a.o.env), 2);
        assert_string_equal(a.o.env[1], "B=2");
        assert_string_equal(a.o.cap_add[0], "SYS_ADMIN");
        assert_string_equal(a.o.cap_drop[0], "ALL");
        assert_string_equal(a.o.network, "host");
        assert_string_equal(a.o.entrypoint, "");
        assert_string_equal(a.o.env_files[0], "/f");
        assert_null(a.o.cmd[0]);
        run_args_free(&a);
}

static void options_stop_at_the_image(void **state)
{
        /* Flags after the image belong to the command, as in Docker. */
        char **v = ARGV("busybox", "ls", "-l", "--rm");
        struct run_args a;
        assert_int_equal(run_args_parse(&a, ARGC(v), v), -1);
        assert_false(a.o.rm);
        assert_string_equal(a.o.cmd[1], "-l");
        assert_string_equal(a.o.cmd[2], "--rm");
        run_args_free(&a);
}

static void usage_errors(void **state)
{
        struct run_args a;
        char **bad[] = {
                ARGV("--bogus", "busybox"),
                ARGV("-e"),
                ARGV("--security-opt", "label=disable", "busybox"),
                ARGV("--security-opt", "seccomp=", "busybox"),
                (char *[]){ "run", NULL },
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                assert_int_equal(run_args_parse(&a, ARGC(bad[i]), bad[i]), 125);
                run_args_free(&a);
        }
        /* --help prints usage and ends with 0; keep it out of the TAP stream. */
        char **help = ARGV("--help");
        fflush(stdout);
        int saved = dup(1), null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        int r = run_args_parse(&a, ARGC(help), help);
        fflush(stdout);
        dup2(saved, 1);
        close(saved);
        close(null);
        assert_int_equal(r, 0);
        run_args_free(&a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(full_readme_line),
                cmocka_unit_test(combined_and_long_forms),
                cmocka_unit_test(options_stop_at_the_image),
                cmocka_unit_test(usage_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
