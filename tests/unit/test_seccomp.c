/* Seccomp: Docker-format profiles to OCI, OCI to BPF (and its cache), and
 * the default profile installed for real in a child process. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "engine/seccomp_profile.h"
#include "runtime/seccomp.h"

static char *docker_caps[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

static json_t *parse(const char *text)
{
        json_error_t je;
        json_t *j = json_loads(text, 0, &je);
        if (!j)
                fail_msg("test JSON: line %d: %s", je.line, je.text);
        return j;
}

/* Whether some rule of an OCI linux.seccomp gives name the action; with
 * bare set, only rules without argument conditions count. */
static int oci_has(const json_t *oci, const char *name, const char *action, int bare)
{
        size_t i, j;
        json_t *call, *n;
        json_array_foreach(json_object_get(oci, "syscalls"), i, call) {
                if (strcmp(json_string_value(json_object_get(call, "action")), action) != 0)
                        continue;
                if (bare && json_array_size(json_object_get(call, "args")) > 0)
                        continue;
                json_array_foreach(json_object_get(call, "names"), j, n)
                        if (strcmp(json_string_value(n), name) == 0)
                                return 1;
        }
        return 0;
}

static const char small_profile[] =
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
        " \"architectures\": [\"SCMP_ARCH_X86_64\"],"
        " \"flags\": [\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
        " \"syscalls\": ["
        "  {\"names\": [\"getpid\", \"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
        "  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
        "  {\"names\": [\"pivot_root\"], \"action\": \"SCMP_ACT_ALLOW\","
        "   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_SYS_BOOT\"]}},"
        "  {\"names\": [\"unshare\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38,"
        "   \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
        "  {\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"amd64\"]}},"
        "  {\"names\": [\"s390_runtime_instr\"], \"action\": \"SCMP_ACT_ALLOW\","
        "   \"includes\": {\"arches\": [\"s390x\"]}},"
        "  {\"names\": [\"modify_ldt\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": [\"x86_64\"]}},"
        "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"3.10\"}},"
        "  {\"names\": [\"kcmp\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"999.0\"}},"
        "  {\"name\": \"getppid\", \"action\": \"SCMP_ACT_ALLOW\"},"
        "  {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"ignored\","
        "   \"args\": [{\"index\": 1, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}"
        " ]}";

static void test_profile_includes_excludes(void **state)
{
        _cleanup_json_ json_t *profile = parse(small_profile);
        _cleanup_json_ json_t *plain = NULL, *admin = NULL;
        struct herr err = { 0 };
        char *admin_caps[] = { "CAP_CHOWN", "CAP_SYS_ADMIN", NULL };

        assert_int_equal(seccomp_profile_to_oci(profile, docker_caps, &plain, &err), 0);
        assert_int_equal(seccomp_profile_to_oci(profile, admin_caps, &admin, &err), 0);

        assert_true(oci_has(plain, "getpid", "SCMP_ACT_ALLOW", 1));
        assert_false(oci_has(plain, "mount", "SCMP_ACT_ALLOW", 0));
        assert_true(oci_has(admin, "mount", "SCMP_ACT_ALLOW", 1));
        /* includes.caps wants every capability listed. */
        assert_false(oci_has(admin, "pivot_root", "SCMP_ACT_ALLOW", 0));
        /* excludes.caps drops the rule when any one is held. */
        assert_true(oci_has(plain, "unshare", "SCMP_ACT_ERRNO", 1));
        assert_false(oci_has(admin, "unshare", "SCMP_ACT_ERRNO", 0));
        assert_true(oci_has(plain, "arch_prctl", "SCMP_ACT_ALLOW", 1));
        assert_false(oci_has(plain, "s390_runtime_instr", "SCMP_ACT_ALLOW", 0));
        assert_false(oci_has(plain, "modify_ldt", "SCMP_ACT_ALLOW", 0));
        assert_true(oci_has(plain, "ptrace", "SCMP_ACT_ALLOW", 1));
        assert_false(oci_has(plain, "kcmp", "SCMP_ACT_ALLOW", 0));
        assert_true(oci_has(plain, "getppid", "SCMP_ACT_ALLOW", 1));
        assert_true(oci_has(plain, "kill", "SCMP_ACT_ALLOW", 0));
        assert_false(oci_has(plain, "kill", "SCMP_ACT_ALLOW", 1));

        /* Everything else passes through as OCI expects it. */
        assert_string_equal(json_string_value(json_object_get(plain, "defaultAction")), "SCMP_ACT_ERRNO");
        assert_int_equal(json_integer_value(json_object_get(plain, "defaultErrnoRet")), 1);
        assert_string_equal(json_string_value(json_array_get(json_object_get(plain, "flags"), 0)),
                            "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
        assert_int_equal(json_array_size(json_object_get(plain, "architectures")), 1);
        json_t *unshare = NULL;
        size_t i;
        json_t *call;
        json_array_foreach(json_object_get(plain, "syscalls"), i, call)
                if (strcmp(json_string_value(json_array_get(json_object_get(call, "names"), 0)), "unshare") == 0)
                        unshare = call;
        assert_non_null(unshare);
        assert_int_equal(json_integer_value(json_object_get(unshare, "errnoRet")), 38);
        assert_null(json_object_get(unshare, "excludes"));

        /* And the result compiles. */
        struct rt_bpf bpf;
        assert_int_equal(rt_seccomp_compile(plain, NULL, &bpf, &err), 0);
        assert_true(bpf.len > 0);
        rt_bpf_free(&bpf);
}

static void test_profile_archmap(void **state)
{
        _cleanup_json_ json_t *profile = parse(
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": ["
                " {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]},"
                " {\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},"
                " {\"architecture\": \"SCMP_ARCH_RISCV64\", \"subArchitectures\": null}]}");
        _cleanup_json_ json_t *oci = NULL;
        struct herr err = { 0 };
        assert_int_equal(seccomp_profile_to_oci(profile, docker_caps, &oci, &err), 0);
        json_t *a = json_object_get(oci, "architectures");
        assert_int_equal(json_array_size(a), 3);
        assert_string_equal(json_string_value(json_array_get(a, 0)), "SCMP_ARCH_X86_64");
        assert_string_equal(json_string_value(json_array_get(a, 1)), "SCMP_ARCH_X86");
        assert_string_equal(json_string_value(json_array_get(a, 2)), "SCMP_ARCH_X32");
        assert_null(json_object_get(oci, "archMap"));
}

static void test_profile_empty_is_no_filter(void **state)
{
        _cleanup_json_ json_t *profile = parse("{}");
        json_t *oci = (json_t *)1;
        struct herr err = { 0 };
        assert_int_equal(seccomp_profile_to_oci(profile, docker_caps, &oci, &err), 0);
        assert_null(oci);
}

static void expect_profile_error(const char *text, const char *needle)
{
        _cleanup_json_ json_t *profile = parse(text);
        json_t *oci = NULL;
        struct herr err = { 0 };
        assert_true(seccomp_profile_to_oci(profile, docker_caps, &oci, &err) < 0);
        assert_null(oci);
        if (!strstr(err.msg, needle))
                fail_msg("error \"%s\" does not name \"%s\"", err.msg, needle);
}

static void test_profile_errors(void **state)
{
        expect_profile_error("[1]", "expected a JSON object");
        expect_profile_error("{\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                             "defaultAction");
        expect_profile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\"],"
                             " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}",
                             "both architectures and archMap");
        expect_profile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}", "syscalls");
        expect_profile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"name\": \"read\","
                             " \"names\": [\"write\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
                             "syscalls[0]: both name and names");
        expect_profile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                             " \"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": [],"
                             " \"action\": \"SCMP_ACT_ERRNO\"}]}",
                             "syscalls[1].names");
        expect_profile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\", 7],"
                             " \"action\": \"SCMP_ACT_ERRNO\"}]}",
                             "syscalls[0].names[1]");
        expect_profile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}",
                             "syscalls[0].action");
        expect_profile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                             " \"action\": \"SCMP_ACT_ERRNO\", \"includes\": {\"caps\": \"CAP_SYS_ADMIN\"}}]}",
                             "syscalls[0].includes.caps");
        expect_profile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                             " \"action\": \"SCMP_ACT_ERRNO\", \"excludes\": {\"minKernel\": \"four\"}}]}",
                             "syscalls[0].excludes.minKernel");
        expect_profile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": \"SECCOMP_FILTER_FLAG_LOG\"}",
                             "flags");
}

static void expect_compile_error(const char *text, const char *needle)
{
        _cleanup_json_ json_t *oci = parse(text);
        struct rt_bpf bpf;
        struct herr err = { 0 };
        assert_true(rt_seccomp_compile(oci, NULL, &bpf, &err) < 0);
        assert_null(bpf.filter);
        if (!strstr(err.msg, needle))
                fail_msg("error \"%s\" does not name \"%s\"", err.msg, needle);
}

static void test_compile_errors(void **state)
{
        expect_compile_error("{\"defaultAction\": \"SCMP_ACT_BOGUS\"}", "SCMP_ACT_BOGUS");
        expect_compile_error("{}", "defaultAction");
        expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                             " \"action\": \"SCMP_ACT_NOPE\"}]}",
                             "syscalls[0].action: unknown action SCMP_ACT_NOPE");
        expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                             " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1,"
                             " \"op\": \"SCMP_CMP_ROUGHLY\"}]}]}",
                             "SCMP_CMP_ROUGHLY");
        expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                             " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1,"
                             " \"op\": \"SCMP_CMP_EQ\"}]}]}",
                             "args[0].index");
        expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
                             "SCMP_ARCH_VAX");
        expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_FAST\"]}",
                             "SECCOMP_FILTER_FLAG_FAST");
        expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                             " \"action\": \"SCMP_ACT_NOTIFY\"}]}",
                             "SCMP_ACT_NOTIFY");
        expect_compile_error("{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 5}",
                             "defaultErrnoRet");
        expect_compile_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                             " \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": -3}]}",
                             "syscalls[0].errnoRet");
        expect_compile_error("[]", "expected an object");
}

static void test_compile_skips_unknown_syscalls(void **state)
{
        _cleanup_json_ json_t *oci = parse(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\","
                " \"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": [{\"names\": [\"getpid\","
                " \"hull_no_such_syscall\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
        struct rt_bpf bpf;
        struct herr err = { 0 };
        assert_int_equal(rt_seccomp_compile(oci, NULL, &bpf, &err), 0);
        assert_non_null(bpf.filter);
        assert_true(bpf.len > 0);
        assert_int_equal(bpf.flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG);
        rt_bpf_free(&bpf);
        assert_null(bpf.filter);
}

static void test_default_profile(void **state)
{
        _cleanup_json_ json_t *plain = NULL, *admin = NULL;
        struct herr err = { 0 };
        assert_int_equal(seccomp_default_oci(docker_caps, &plain, &err), 0);

        assert_string_equal(json_string_value(json_object_get(plain, "defaultAction")), "SCMP_ACT_ERRNO");
        assert_int_equal(json_integer_value(json_object_get(plain, "defaultErrnoRet")), EPERM);
        json_t *arches = json_object_get(plain, "architectures");
        assert_int_equal(json_array_size(arches), 3);
        assert_string_equal(json_string_value(json_array_get(arches, 0)), "SCMP_ARCH_X86_64");

        static const char *const denied[] = {
                "mount", "umount2", "unshare", "keyctl", "add_key", "request_key", "kexec_load",
                "init_module", "finit_module", "delete_module", "bpf", "reboot", "swapon", "swapoff",
                "clock_settime", "settimeofday", "open_by_handle_at", "pivot_root", "setns",
                "perf_event_open", "clone3", "iopl", "acct", "syslog", "kcmp", NULL,
        };
        for (size_t i = 0; denied[i]; i++)
                if (oci_has(plain, denied[i], "SCMP_ACT_ALLOW", 0))
                        fail_msg("%s is allowed without its capability", denied[i]);
        static const char *const allowed[] = {
                "execve", "openat", "read", "write", "wait4", "exit_group", "rt_sigaction", "fork",
                "vfork", "arch_prctl", "getdents64", "statx", "chroot", NULL,
        };
        for (size_t i = 0; allowed[i]; i++)
                if (!oci_has(plain, allowed[i], "SCMP_ACT_ALLOW", 1))
                        fail_msg("%s is not allowed", allowed[i]);
        /* Docker allows ptrace from kernel 4.8 on, where it can no longer
         * be used to get around the filter. */
        assert_true(oci_has(plain, "ptrace", "SCMP_ACT_ALLOW", 1));
        assert_true(oci_has(plain, "clone", "SCMP_ACT_ALLOW", 0));
        assert_false(oci_has(plain, "clone", "SCMP_ACT_ALLOW", 1));
        assert_true(oci_has(plain, "clone3", "SCMP_ACT_ERRNO", 1));
        assert_true(oci_has(plain, "socket", "SCMP_ACT_ALLOW", 0));
        assert_false(oci_has(plain, "socket", "SCMP_ACT_ALLOW", 1));
        assert_true(oci_has(plain, "personality", "SCMP_ACT_ALLOW", 0));

        char *admin_caps[] = { "CAP_SYS_ADMIN", "CAP_SYS_TIME", "CAP_SYS_MODULE", NULL };
        assert_int_equal(seccomp_default_oci(admin_caps, &admin, &err), 0);
        static const char *const granted[] = {
                "mount", "umount2", "unshare", "setns", "clone", "clone3", "bpf", "perf_event_open",
                "clock_settime", "settimeofday", "init_module", "finit_module", "delete_module", NULL,
        };
        for (size_t i = 0; granted[i]; i++)
                if (!oci_has(admin, granted[i], "SCMP_ACT_ALLOW", 1))
                        fail_msg("%s is not allowed with its capability", granted[i]);
        assert_false(oci_has(admin, "clone3", "SCMP_ACT_ERRNO", 0));
        assert_false(oci_has(admin, "pivot_root", "SCMP_ACT_ALLOW", 0));
        assert_false(oci_has(admin, "keyctl", "SCMP_ACT_ALLOW", 0));
        assert_false(oci_has(admin, "reboot", "SCMP_ACT_ALLOW", 0));
}

static void compile_default(struct rt_bpf *bpf, const char *cache_dir)
{
        _cleanup_json_ json_t *oci = NULL;
        struct herr err = { 0 };
        assert_int_equal(seccomp_default_oci(docker_caps, &oci, &err), 0);
        if (rt_seccomp_compile(oci, cache_dir, bpf, &err) < 0)
                fail_msg("compile: %s", err.msg);
}

static void test_compile_default(void **state)
{
        struct rt_bpf bpf;
        compile_default(&bpf, NULL);
        assert_non_null(bpf.filter);
        /* Some 360 syscalls on three ABIs: hundreds of instructions. */
        assert_true(bpf.len > 300);
        assert_true(bpf.len <= BPF_MAXINSNS);
        assert_int_equal(bpf.flags, 0);
        assert_int_equal(bpf.filter[bpf.len - 1].code, BPF_RET | BPF_K);
        rt_bpf_free(&bpf);
}

/* The one *.bpf file in dir; NULL when there is not exactly one. */
static char *only_cache_file(const char *dir)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        char *found = NULL;
        int n = 0;
        struct dirent *de;
        while (d && (de = readdir(d))) {
                size_t l = strlen(de->d_name);
                if (l > 4 && strcmp(de->d_name + l - 4, ".bpf") == 0) {
                        n++;
                        free(found);
                        found = xasprintf("%s/%s", dir, de->d_name);
                }
        }
        if (n != 1) {
                free(found);
                return NULL;
        }
        return found;
}

static void assert_same_program(const struct rt_bpf *a, const struct rt_bpf *b)
{
        assert_int_equal(a->len, b->len);
        assert_int_equal(a->flags, b->flags);
        assert_memory_equal(a->filter, b->filter, a->len * sizeof *a->filter);
}

/* The cache test's scratch directory, removed even when the test fails. */
static int make_tmpdir(void **state)
{
        char *tmp = xstrdup("/tmp/hull-test-seccomp-XXXXXX");
        if (!mkdtemp(tmp)) {
                free(tmp);
                return -1;
        }
        *state = tmp;
        return 0;
}

static int remove_tmpdir(void **state)
{
        struct herr err = { 0 };
        int r = rm_rf(*state, &err);
        free(*state);
        return r < 0 ? -1 : 0;
}

static void test_cache(void **state)
{
        _cleanup_free_ char *dir = xasprintf("%s/cache/bpf", (char *)*state);
        struct rt_bpf first, hit, repaired;

        compile_default(&first, dir);
        _cleanup_free_ char *file = only_cache_file(dir);
        assert_non_null(file);
        struct stat st1, st2;
        assert_int_equal(stat(file, &st1), 0);

        /* A hit returns the same program and leaves the file alone. */
        compile_default(&hit, dir);
        assert_same_program(&first, &hit);
        assert_int_equal(stat(file, &st2), 0);
        assert_int_equal(st1.st_ino, st2.st_ino);
        rt_bpf_free(&hit);

        /* A short file is ignored and written again. */
        assert_int_equal(truncate(file, 20), 0);
        compile_default(&repaired, dir);
        assert_same_program(&first, &repaired);
        assert_int_equal(stat(file, &st2), 0);
        assert_int_equal(st2.st_size, st1.st_size);
        rt_bpf_free(&repaired);

        /* So is one whose program was damaged. */
        int fd = open(file, O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        unsigned char byte;
        assert_int_equal(pread(fd, &byte, 1, st1.st_size - 3), 1);
        byte ^= 0x40;
        assert_int_equal(pwrite(fd, &byte, 1, st1.st_size - 3), 1);
        close(fd);
        compile_default(&repaired, dir);
        assert_same_program(&first, &repaired);
        rt_bpf_free(&repaired);
        compile_default(&hit, dir);
        assert_same_program(&first, &hit);
        rt_bpf_free(&hit);

        /* Another profile is another entry. */
        _cleanup_json_ json_t *other = parse("{\"defaultAction\": \"SCMP_ACT_LOG\"}");
        struct herr err = { 0 };
        assert_int_equal(rt_seccomp_compile(other, dir, &hit, &err), 0);
        rt_bpf_free(&hit);
        _cleanup_free_ char *none = only_cache_file(dir);
        assert_null(none);

        rt_bpf_free(&first);
}

/* Runs check in a child under the filter; the child's exit status is the
 * number of the first expectation that failed, 0 when all held. */
static void run_filtered(const struct rt_bpf *bpf, int (*check)(void))
{
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct herr err = { 0 };
                /* cmocka's handlers would carry on with the next test in here. */
                static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT };
                for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                        signal(sigs[i], SIG_DFL);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(100);
                if (rt_seccomp_install(bpf, &err) < 0) {
                        fprintf(stderr, "%s\n", err.msg);
                        _exit(101);
                }
                _exit(check());
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status))
                fail_msg("filtered child died of signal %d", WTERMSIG(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* Whether a call failed with exactly this errno. */
static int failed_with(long r, int e)
{
        return r == -1 && errno == e;
}

/* Every refused call is one the kernel would run (or fail differently)
 * for this root process: EPERM can only come from the filter.  None of
 * them changes anything if the filter let it through. */
static int check_default_profile(void)
{
        if (syscall(SYS_getpid) != getpid())
                return 1;
        if (!failed_with(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0), EPERM))
                return 2;
        if (!failed_with(unshare(0), EPERM))
                return 3;
        if (!failed_with(mount(NULL, "/hull-test-nonexistent", NULL, MS_REMOUNT, NULL), EPERM))
                return 4;
        if (!failed_with(umount2("/hull-test-nonexistent", 0), EPERM))
                return 5;
        if (!failed_with(syscall(SYS_pivot_root, "/hull-test-nonexistent", "/hull-test-nonexistent"), EPERM))
                return 6;
        /* Raw: glibc's settimeofday does not take a NULL time. */
        if (!failed_with(syscall(SYS_settimeofday, NULL, NULL), EPERM))
                return 7;
        if (!failed_with(syscall(SYS_bpf, -1, NULL, 0), EPERM))
                return 8;
        if (!failed_with(syscall(SYS_swapon, "/hull-test-nonexistent", 0), EPERM))
                return 9;
        if (!failed_with(syscall(SYS_setns, -1, 0), EPERM))
                return 10;
        /* clone without namespace flags works, with them it does not. */
        long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
        if (r == 0)
                _exit(0);
        if (!failed_with(r, EPERM))
                return 11;
        pid_t child = fork();
        if (child == 0)
                _exit(0);
        if (child < 0 || waitpid(child, NULL, 0) != child)
                return 12;
        struct clone_args ca = { .flags = 0, .exit_signal = SIGCHLD };
        r = syscall(SYS_clone3, &ca, sizeof ca);
        if (r == 0)
                _exit(0);
        if (!failed_with(r, ENOSYS))
                return 13;
        if (!failed_with(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0), EPERM))
                return 14;
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return 15;
        close(s);
        if (personality(0xffffffff) == -1 || !failed_with(personality(PER_BSD), EPERM))
                return 16;
        /* Allowed from kernel 4.8 on: ESRCH is the kernel's answer. */
        if (!failed_with(ptrace(PTRACE_PEEKDATA, getppid(), NULL, NULL), ESRCH))
                return 17;
        /* statmount (457) is newer than anything this libseccomp names:
         * the stub answers ENOSYS, as an older kernel would. */
        if (!failed_with(syscall(457, NULL, NULL, 0, 0), ENOSYS))
                return 18;
        /* A real program runs. */
        child = fork();
        if (child == 0) {
                execl("/bin/sh", "sh", "-c", "ls / >/dev/null && cat /proc/self/status >/dev/null", (char *)NULL);
                _exit(127);
        }
        int status;
        if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return 19;
        return 0;
}

static void test_install_default(void **state)
{
        struct rt_bpf bpf;
        compile_default(&bpf, NULL);
        run_filtered(&bpf, check_default_profile);
        rt_bpf_free(&bpf);
}

static int check_custom_profile(void)
{
        /* Raw: glibc's getppid "cannot fail" and does not set errno. */
        if (!failed_with(syscall(SYS_getppid), 42))
                return 1;
        /* Two conditions on one argument: either one matches. */
        if (!failed_with(kill(getpid(), 0), 43) || !failed_with(kill(getpid(), SIGWINCH), 43))
                return 2;
        if (kill(getpid(), SIGCHLD) != 0)
                return 3;
        /* Conditions on different arguments: both must match. */
        if (!failed_with(getpriority(PRIO_PROCESS, 999999), 44))
                return 4;
        errno = 0;
        if (getpriority(PRIO_PROCESS, 0) == -1 && errno != 0)
                return 5;
        if (failed_with(getpriority(PRIO_PGRP, 999999), 44))
                return 6;
        if (!failed_with(syscall(SYS_getpgid, 0), 45))
                return 7;
        return 0;
}

static void test_install_custom(void **state)
{
        _cleanup_json_ json_t *oci = parse(
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                " {\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42},"
                " {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 43, \"args\": ["
                "  {\"index\": 1, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
                "  {\"index\": 1, \"value\": 28, \"op\": \"SCMP_CMP_EQ\"}]},"
                " {\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 44, \"args\": ["
                "  {\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
                "  {\"index\": 1, \"value\": 999999, \"op\": \"SCMP_CMP_EQ\"}]},"
                " {\"names\": [\"getpgid\", \"hull_no_such_syscall\"], \"action\": \"SCMP_ACT_ERRNO\","
                "  \"errnoRet\": 45, \"args\": [{\"index\": 0, \"value\": 4095, \"valueTwo\": 0,"
                "  \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}");
        struct rt_bpf bpf;
        struct herr err = { 0 };
        if (rt_seccomp_compile(oci, NULL, &bpf, &err) < 0)
                fail_msg("compile: %s", err.msg);
        run_filtered(&bpf, check_custom_profile);
        rt_bpf_free(&bpf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_profile_includes_excludes),
                cmocka_unit_test(test_profile_archmap),
                cmocka_unit_test(test_profile_empty_is_no_filter),
                cmocka_unit_test(test_profile_errors),
                cmocka_unit_test(test_compile_errors),
                cmocka_unit_test(test_compile_skips_unknown_syscalls),
                cmocka_unit_test(test_default_profile),
                cmocka_unit_test(test_compile_default),
                cmocka_unit_test_setup_teardown(test_cache, make_tmpdir, remove_tmpdir),
                cmocka_unit_test(test_install_default),
                cmocka_unit_test(test_install_custom),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
