/* cgroups: linux.resources parsing and the v1 -> v2 conversions, device
 * rules (v1 write lists, and the v2 BPF program run through a small
 * interpreter against the reference semantics), mountinfo parsing; then,
 * as root on a host with cgroups, real ones: limits read back, joining,
 * destroy, a CPU the host lacks, device denial (v1 list and BPF), OOM
 * kills, the container's /sys/fs/cgroup mount, and the cost of it all.
 *
 * Real cgroups live below /hull-test-<pid>; the group teardown removes
 * whatever is left there, in every hierarchy, also after a failure. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"

static json_t *J(const char *s)
{
        json_error_t je;
        json_t *j = json_loads(s, 0, &je);
        if (!j)
                fail_msg("bad test JSON: %s: %s", s, je.text);
        return j;
}

static const char *docker_devices =
        "[{\"allow\":false,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":7,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":8,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":9,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":0,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":1,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":2,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":null,\"minor\":null,\"access\":\"m\"},"
        "{\"allow\":true,\"type\":\"b\",\"major\":-1,\"minor\":-1,\"access\":\"m\"}]";

/* Parse {"devices": <rules>} into r. */
static void parse_rules(const char *rules, struct cg_resources *r)
{
        _cleanup_free_ char *s = xasprintf("{\"devices\":%s}", rules);
        _cleanup_json_ json_t *j = J(s);
        struct herr err = { 0 };
        if (cg_resources_parse(j, r, &err) < 0)
                fail_msg("%s", err.msg);
}

/* ---- parsing ---- */

static void test_parse_full(void **state)
{
        _cleanup_json_ json_t *j = J(
                "{\"memory\":{\"limit\":67108864,\"reservation\":33554432,\"swap\":134217728,"
                "\"disableOOMKiller\":true,\"swappiness\":10,\"kernel\":5,\"future\":{}},"
                "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0\",\"mems\":\"0\","
                "\"realtimeRuntime\":1},"
                "\"pids\":{\"limit\":20},"
                "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":136,\"minor\":null,\"access\":\"rw\"}],"
                "\"unified\":{\"memory.high\":\"50M\"},"
                "\"blockIO\":{\"weight\":10},\"somethingNew\":[1,2]}");
        struct cg_resources r;
        struct herr err = { 0 };
        assert_int_equal(cg_resources_parse(j, &r, &err), 0);
        assert_true(r.has_mem_limit && r.has_mem_swap && r.has_mem_reservation && r.has_swappiness);
        assert_int_equal(r.mem_limit, 67108864);
        assert_int_equal(r.mem_reservation, 33554432);
        assert_int_equal(r.mem_swap, 134217728);
        assert_int_equal(r.swappiness, 10);
        assert_true(r.disable_oom_killer);
        assert_int_equal(r.cpu_shares, 512);
        assert_int_equal(r.cpu_quota, 50000);
        assert_int_equal(r.cpu_period, 100000);
        assert_string_equal(r.cpus, "0");
        assert_string_equal(r.mems, "0");
        assert_true(r.has_pids);
        assert_int_equal(r.pids_limit, 20);
        assert_int_equal(r.n_devices, 2);
        assert_false(r.devices[0].allow);
        assert_int_equal(r.devices[0].type, 'a');
        assert_int_equal(r.devices[0].major, -1);
        assert_int_equal(r.devices[0].access, CG_DEV_RWM);
        assert_int_equal(r.devices[1].type, 'c');
        assert_int_equal(r.devices[1].major, 136);
        assert_int_equal(r.devices[1].minor, -1);
        assert_int_equal(r.devices[1].access, CG_DEV_READ | CG_DEV_WRITE);
        assert_non_null(r.unified);
        assert_int_equal(cg_resources_controllers(&r),
                         CG_BIT(CG_MEMORY) | CG_BIT(CG_CPU) | CG_BIT(CG_CPUSET) | CG_BIT(CG_PIDS));
        cg_resources_free(&r);
}

static void test_parse_unset(void **state)
{
        /* null, zero and -1 swappiness mean "not given"; so does no object. */
        _cleanup_json_ json_t *j = J("{\"memory\":{\"limit\":null,\"swap\":0,\"swappiness\":-1},"
                                     "\"cpu\":{\"cpus\":\"\",\"shares\":0},\"pids\":{\"limit\":-1}}");
        struct cg_resources r;
        struct herr err = { 0 };
        assert_int_equal(cg_resources_parse(j, &r, &err), 0);
        assert_false(r.has_mem_limit || r.has_mem_swap || r.has_swappiness);
        assert_null(r.cpus);
        assert_true(r.has_pids);
        assert_int_equal(r.pids_limit, -1);
        assert_int_equal(cg_resources_controllers(&r), CG_BIT(CG_PIDS));
        cg_resources_free(&r);
        assert_int_equal(cg_resources_parse(NULL, &r, &err), 0);
        assert_int_equal(r.n_devices, 0);
        assert_int_equal(cg_resources_controllers(&r), 0);
}

static void test_parse_errors(void **state)
{
        static const struct {
                const char *json, *msg;
        } cases[] = {
                { "[]", "resources: expected an object" },
                { "{\"memory\":[]}", "resources.memory: expected an object" },
                { "{\"memory\":{\"limit\":\"64m\"}}", "resources.memory.limit: expected an integer" },
                { "{\"memory\":{\"limit\":1.5}}", "resources.memory.limit: expected an integer" },
                { "{\"memory\":{\"limit\":-5}}", "resources.memory.limit: -5 is neither -1" },
                { "{\"memory\":{\"swappiness\":101}}", "resources.memory.swappiness: 101 is not within 0..100" },
                { "{\"memory\":{\"disableOOMKiller\":\"yes\"}}", "resources.memory.disableOOMKiller: expected a boolean" },
                { "{\"memory\":{\"limit\":100,\"swap\":50}}", "resources.memory.swap 50 is below the memory limit 100" },
                { "{\"cpu\":{\"shares\":-1}}", "resources.cpu.shares: -1 is negative" },
                { "{\"cpu\":{\"quota\":-2}}", "resources.cpu.quota: -2 is neither" },
                { "{\"cpu\":{\"cpus\":0}}", "resources.cpu.cpus: expected a string" },
                { "{\"pids\":{\"limit\":\"x\"}}", "resources.pids.limit: expected an integer" },
                { "{\"devices\":{}}", "resources.devices: expected an array" },
                { "{\"devices\":[1]}", "resources.devices[0]: expected an object" },
                { "{\"devices\":[{\"type\":\"c\"}]}", "resources.devices[0].allow: expected a boolean" },
                { "{\"devices\":[{\"allow\":true},{\"allow\":true,\"type\":\"x\"}]}", "resources.devices[1].type" },
                { "{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}", "resources.devices[0].access" },
                { "{\"devices\":[{\"allow\":true,\"access\":\"\"}]}", "resources.devices[0].access" },
                { "{\"devices\":[{\"allow\":true,\"major\":\"1\"}]}", "resources.devices[0].major" },
                { "{\"devices\":[{\"allow\":true,\"minor\":-2}]}", "resources.devices[0].minor" },
                { "{\"unified\":{\"memory.max\":5}}", "resources.unified.memory.max: expected a string" },
                { "{\"unified\":{\"../x.y\":\"1\"}}", "resources.unified: \"../x.y\" is not a cgroup file name" },
                { "{\"unified\":{\"nodot\":\"1\"}}", "is not a cgroup file name" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_json_ json_t *j = J(cases[i].json);
                struct cg_resources r;
                struct herr err = { 0 };
                if (cg_resources_parse(j, &r, &err) == 0)
                        fail_msg("%s: accepted", cases[i].json);
                if (!strstr(err.msg, cases[i].msg))
                        fail_msg("%s: got \"%s\", want \"%s\"", cases[i].json, err.msg, cases[i].msg);
        }
}

/* ---- conversions ---- */

static void test_shares_to_weight(void **state)
{
        assert_int_equal(cg_shares_to_weight(2), 1);
        assert_int_equal(cg_shares_to_weight(512), 20);
        assert_int_equal(cg_shares_to_weight(1024), 39);
        assert_int_equal(cg_shares_to_weight(262144), 10000);
        /* Outside v1's range: clamped as the v1 kernel does. */
        assert_int_equal(cg_shares_to_weight(1), 1);
        assert_int_equal(cg_shares_to_weight(1000000), 10000);
}

static void test_swap_v2(void **state)
{
        struct cg_resources r = { .has_mem_limit = 1, .mem_limit = 64 << 20, .has_mem_swap = 1, .mem_swap = 128 << 20 };
        struct herr err = { 0 };
        int64_t v = 12345;
        assert_int_equal(cg_swap_v2(&r, &v, &err), 0);
        assert_int_equal(v, 64 << 20);
        r.mem_swap = r.mem_limit;
        assert_int_equal(cg_swap_v2(&r, &v, &err), 0);
        assert_int_equal(v, 0);
        r.mem_swap = -1;
        assert_int_equal(cg_swap_v2(&r, &v, &err), 0);
        assert_int_equal(v, -1);
        r.mem_swap = 32 << 20;
        assert_true(cg_swap_v2(&r, &v, &err) < 0);
        assert_non_null(strstr(err.msg, "below the memory limit"));
        r.mem_swap = 128 << 20;
        r.has_mem_limit = 0;
        assert_true(cg_swap_v2(&r, &v, &err) < 0);
        assert_string_equal(err.msg, "a swap limit needs a memory limit");
        r.has_mem_limit = 1;
        r.mem_limit = -1;
        assert_true(cg_swap_v2(&r, &v, &err) < 0);
        r.has_mem_swap = 0;
        v = 7;
        assert_int_equal(cg_swap_v2(&r, &v, &err), 0);
        assert_int_equal(v, 7);
}

static void test_cpu_max(void **state)
{
        char buf[64];
        struct cg_resources r = { .cpu_quota = 50000, .cpu_period = 100000 };
        cg_cpu_max(&r, buf, sizeof buf);
        assert_string_equal(buf, "50000 100000");
        r.cpu_quota = -1;
        cg_cpu_max(&r, buf, sizeof buf);
        assert_string_equal(buf, "max 100000");
        r.cpu_quota = 0;
        cg_cpu_max(&r, buf, sizeof buf);
        assert_string_equal(buf, "max 100000");
        r = (struct cg_resources){ .cpu_quota = 25000 };
        cg_cpu_max(&r, buf, sizeof buf);
        assert_string_equal(buf, "25000");
        r.cpu_quota = -1;
        cg_cpu_max(&r, buf, sizeof buf);
        assert_string_equal(buf, "max");
        r.cpu_quota = 0;
        cg_cpu_max(&r, buf, sizeof buf);
        assert_string_equal(buf, "");
}

/* ---- devices ---- */

static void expect_v1(const char *rules, const char *const *want)
{
        struct cg_resources r;
        parse_rules(rules, &r);
        _cleanup_free_ struct cg_dev_write *w = NULL;
        size_t n = 0, k = 0;
        assert_int_equal(cg_devices_v1(r.devices, r.n_devices, &w, &n), 0);
        for (; want[k]; k++) {
                if (k >= n)
                        fail_msg("%s: only %zu writes, want %s", rules, n, want[k]);
                _cleanup_free_ char *got = xasprintf("%s %s", w[k].allow ? "allow" : "deny", w[k].line);
                assert_string_equal(got, want[k]);
        }
        assert_int_equal(n, k);
        cg_resources_free(&r);
}

static void test_devices_v1_lists(void **state)
{
        static const char *const docker[] = {
                "deny a",          "allow c 1:3 rwm", "allow c 1:5 rwm",   "allow c 1:7 rwm", "allow c 1:8 rwm",
                "allow c 1:9 rwm", "allow c 5:0 rwm", "allow c 5:1 rwm",   "allow c 5:2 rwm", "allow c 136:* rwm",
                "allow c *:* m",   "allow b *:* m",   NULL,
        };
        expect_v1(docker_devices, docker);
        /* Without the leading deny-all: the same list. */
        expect_v1("[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]",
                  (const char *const[]){ "deny a", "allow c 1:3 rw", NULL });
        /* --privileged: one write, everything allowed. */
        expect_v1("[{\"allow\":true,\"access\":\"rwm\"}]", (const char *const[]){ "allow a", NULL });
        /* Rules before a catch-all are dropped, as the kernel would. */
        expect_v1("[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3},{\"allow\":true,\"type\":\"a\"},"
                  "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"w\"}]",
                  (const char *const[]){ "allow a", "deny c 1:3 w", NULL });
        /* "a" narrower than everything: one rule per type. */
        expect_v1("[{\"allow\":true,\"type\":\"a\",\"major\":8,\"access\":\"r\"}]",
                  (const char *const[]){ "deny a", "allow c 8:* r", "allow b 8:* r", NULL });
        expect_v1("[]", (const char *const[]){ "deny a", NULL });
}

/* Run a cgroup device program the way the kernel would, for the
 * instructions cg_devices_bpf emits (and nothing else). */
static int run_prog(const struct bpf_insn *p, size_t n, char type, uint32_t major, uint32_t minor, unsigned access)
{
        uint32_t ctx[3] = { (access << 16) | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK), major, minor };
        uint64_t r[11] = { 0 };
        int set[11] = { [1] = 1, [10] = 1 };
        for (size_t pc = 0; pc < n; pc++) {
                const struct bpf_insn *i = &p[pc];
                int op = BPF_OP(i->code);
                assert_true(i->dst_reg < 10 && i->src_reg < 10);
                switch (BPF_CLASS(i->code)) {
                case BPF_LDX:
                        assert_int_equal(i->code, BPF_LDX | BPF_W | BPF_MEM);
                        assert_int_equal(i->src_reg, 1);
                        assert_true(i->off == 0 || i->off == 4 || i->off == 8);
                        r[i->dst_reg] = ctx[i->off / 4];
                        break;
                case BPF_ALU: {
                        uint32_t b = BPF_SRC(i->code) == BPF_X ? (uint32_t)r[i->src_reg] : (uint32_t)i->imm;
                        uint32_t a = (uint32_t)r[i->dst_reg];
                        if (BPF_SRC(i->code) == BPF_X)
                                assert_true(set[i->src_reg]);
                        if (op == BPF_AND)
                                a &= b;
                        else if (op == BPF_RSH)
                                a >>= b;
                        else if (op == BPF_MOV)
                                a = b;
                        else
                                fail_msg("ALU op %#x", op);
                        if (op != BPF_MOV)
                                assert_true(set[i->dst_reg]);
                        r[i->dst_reg] = a;
                        break;
                }
                case BPF_ALU64:
                        assert_int_equal(i->code, BPF_ALU64 | BPF_MOV | BPF_K);
                        r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
                        break;
                case BPF_JMP32: {
                        uint32_t a = (uint32_t)r[i->dst_reg];
                        assert_true(set[i->dst_reg]);
                        assert_true(i->off > 0 && pc + 1 + (size_t)i->off < n);
                        if ((op == BPF_JNE && a != (uint32_t)i->imm) || (op == BPF_JEQ && a == (uint32_t)i->imm))
                                pc += (size_t)i->off;
                        else if (op != BPF_JNE && op != BPF_JEQ)
                                fail_msg("JMP32 op %#x", op);
                        break;
                }
                case BPF_JMP:
                        assert_int_equal(i->code, BPF_JMP | BPF_EXIT);
                        assert_true(set[0]);
                        return (int)r[0];
                default:
                        fail_msg("instruction class %#x", BPF_CLASS(i->code));
                }
                if (BPF_CLASS(i->code) != BPF_JMP32)
                        set[i->dst_reg] = 1;
        }
        fail_msg("the program ran off its end");
        return -1;
}

/* The program must agree with the reference on every combination. */
static void check_prog(const char *rules, int expect_prog)
{
        static const uint32_t majors[] = { 0, 1, 5, 8, 136, 4095 };
        static const uint32_t minors[] = { 0, 1, 2, 3, 5, 7, 8, 9, 11, 200 };
        struct cg_resources r;
        parse_rules(rules, &r);
        _cleanup_free_ struct bpf_insn *p = NULL;
        size_t n;
        assert_int_equal(cg_devices_bpf(r.devices, r.n_devices, &p, &n), 0);
        assert_int_equal(p != NULL, expect_prog);
        for (const char *t = "cb"; *t; t++)
                for (size_t a = 0; a < ARRAY_SIZE(majors); a++)
                        for (size_t b = 0; b < ARRAY_SIZE(minors); b++)
                                for (unsigned acc = 1; acc <= CG_DEV_RWM; acc++) {
                                        int want = cg_device_allowed(r.devices, r.n_devices, *t, majors[a], minors[b], acc);
                                        int got = p ? run_prog(p, n, *t, majors[a], minors[b], acc) : 1;
                                        if (got != want)
                                                fail_msg("%s: %c %u:%u access %u: program %d, reference %d", rules, *t,
                                                         majors[a], minors[b], acc, got, want);
                                }
        cg_resources_free(&r);
}

static void test_devices_semantics(void **state)
{
        struct cg_resources r;
        parse_rules(docker_devices, &r);
        const struct cg_dev_rule *d = r.devices;
        size_t n = r.n_devices;
        assert_true(cg_device_allowed(d, n, 'c', 1, 3, CG_DEV_READ | CG_DEV_WRITE));
        assert_true(cg_device_allowed(d, n, 'c', 136, 4, CG_DEV_READ | CG_DEV_WRITE));
        assert_true(cg_device_allowed(d, n, 'c', 1, 1, CG_DEV_MKNOD));
        assert_true(cg_device_allowed(d, n, 'b', 8, 0, CG_DEV_MKNOD));
        assert_false(cg_device_allowed(d, n, 'c', 1, 1, CG_DEV_READ));
        assert_false(cg_device_allowed(d, n, 'c', 1, 1, CG_DEV_READ | CG_DEV_MKNOD));
        assert_false(cg_device_allowed(d, n, 'b', 8, 0, CG_DEV_READ));
        assert_false(cg_device_allowed(d, n, 'c', 1, 11, CG_DEV_WRITE));
        cg_resources_free(&r);
        /* Bits decided one by one: r from one rule, w from another. */
        parse_rules("[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"r\"},"
                    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"w\"}]",
                    &r);
        assert_true(cg_device_allowed(r.devices, r.n_devices, 'c', 1, 3, CG_DEV_READ | CG_DEV_WRITE));
        assert_false(cg_device_allowed(r.devices, r.n_devices, 'c', 1, 3, CG_DEV_MKNOD));
        cg_resources_free(&r);
        /* A later deny of one bit wins over an earlier allow of all. */
        parse_rules("[{\"allow\":true,\"type\":\"a\"},{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,"
                    "\"access\":\"w\"}]",
                    &r);
        assert_true(cg_device_allowed(r.devices, r.n_devices, 'c', 1, 3, CG_DEV_READ));
        assert_false(cg_device_allowed(r.devices, r.n_devices, 'c', 1, 3, CG_DEV_READ | CG_DEV_WRITE));
        assert_true(cg_device_allowed(r.devices, r.n_devices, 'b', 1, 3, CG_DEV_WRITE));
        cg_resources_free(&r);
}

static void test_devices_bpf_program(void **state)
{
        check_prog(docker_devices, 1);
        check_prog("[]", 1);
        check_prog("[{\"allow\":true,\"access\":\"rwm\"}]", 0);
        check_prog("[{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3},{\"allow\":true,\"type\":\"a\"}]", 0);
        check_prog("[{\"allow\":true,\"type\":\"a\"},{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,"
                   "\"access\":\"w\"},{\"allow\":false,\"type\":\"b\",\"access\":\"rw\"}]",
                   1);
        check_prog("[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"r\"},"
                   "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"w\"},"
                   "{\"allow\":false,\"type\":\"c\",\"major\":1,\"access\":\"m\"},"
                   "{\"allow\":true,\"type\":\"a\",\"major\":5,\"minor\":1,\"access\":\"rm\"},"
                   "{\"allow\":true,\"type\":\"b\",\"minor\":9,\"access\":\"w\"}]",
                   1);
        /* A deny-all catch-all in the middle: rules before it are dead. */
        check_prog("[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3},{\"allow\":false},"
                   "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rw\"}]",
                   1);
}

/* ---- the host's hierarchies ---- */

static void test_host_parse(void **state)
{
        static const char hybrid[] =
                "23 1 0:22 / / rw - ext4 /dev/vda rw\n"
                "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
                "33 31 0:30 / /sys/fs/cgroup/memory rw shared:5 - cgroup cgroup rw,memory\n"
                "34 31 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,release_agent=/x,name=systemd\n"
                "35 31 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
                "36 23 0:29 / /mnt/again\\040here rw - cgroup cgroup rw,cpu,cpuacct\n"
                "37 23 0:33 / /srv/cg rw - cgroup cgroup rw,cpuset,noprefix,clone_children\n";
        struct cg_host h;
        struct herr err = { 0 };
        assert_int_equal(cg_host_parse(hybrid, &h, &err), 0);
        assert_int_equal(h.mode, RT_CGROUP_HYBRID);
        assert_int_equal(h.n, 5);
        assert_string_equal(h.h[0].name, "cpu,cpuacct");
        assert_string_equal(h.h[0].opts, "cpu,cpuacct");
        assert_int_equal(h.h[0].ctrls, CG_BIT(CG_CPU) | CG_BIT(CG_CPUACCT));
        assert_string_equal(h.h[1].mnt, "/sys/fs/cgroup/memory");
        assert_string_equal(h.h[2].name, "systemd");
        assert_string_equal(h.h[2].opts, "xattr,name=systemd");
        assert_int_equal(h.h[2].ctrls, 0);
        /* Not below /sys/fs/cgroup: named after its controllers. */
        assert_string_equal(h.h[3].name, "cpuset");
        assert_string_equal(h.h[3].opts, "cpuset,noprefix");
        assert_true(h.h[4].v2);
        assert_string_equal(h.h[4].mnt, "/sys/fs/cgroup/unified");
        assert_string_equal(h.h[4].name, "unified");

        assert_int_equal(cg_host_parse("1 0 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                                       "2 0 0:2 / /x rw - cgroup cgroup rw,name=systemd\n",
                                       &h, &err),
                         0);
        assert_int_equal(h.mode, RT_CGROUP_V2);
        assert_int_equal(h.n, 1);
        assert_true(h.h[0].v2);
        assert_int_equal(cg_host_parse("1 0 0:1 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n", &h, &err), 0);
        assert_int_equal(h.mode, RT_CGROUP_V1);
        assert_int_equal(cg_host_parse("1 0 0:1 / / rw - ext4 /dev/sda rw\n", &h, &err), 0);
        assert_int_equal(h.mode, RT_CGROUP_NONE);
        assert_string_equal(rt_cgroup_mode_name(RT_CGROUP_HYBRID), "hybrid");
}

/* ---- real cgroups ---- */

static char test_root[64];

static int can_run_real(void)
{
        return geteuid() == 0 && rt_cgroup_mode() != RT_CGROUP_NONE;
}

/* Not cmocka's skip(): meson reads its "not ok # SKIP" as a failure. */
#define SKIP(why)                                                            \
        do {                                                                 \
                print_message("# %s skipped: %s\n", __func__, why);         \
                return;                                                      \
        } while (0)
#define REQUIRE_REAL()                                                       \
        do {                                                                 \
                if (!can_run_real())                                         \
                        SKIP("needs root and a host with cgroups");          \
        } while (0)

static const struct cg_host *host(void)
{
        struct herr err = { 0 };
        const struct cg_host *h = cg_host_get(&err);
        if (!h)
                fail_msg("%s", err.msg);
        return h;
}

/* The hierarchy that carries controller c: v1 first, as the code does. */
static const struct cg_hier *hier_of(int c)
{
        const struct cg_host *h = host();
        for (size_t i = 0; i < h->n; i++)
                if (!h->h[i].v2 && (h->h[i].ctrls & CG_BIT(c)))
                        return &h->h[i];
        for (size_t i = 0; i < h->n; i++)
                if (h->h[i].v2 && (h->h[i].ctrls & CG_BIT(c)))
                        return &h->h[i];
        return NULL;
}

static void read_cg(int c, const char *rel, const char *file, char *buf, size_t size)
{
        const struct cg_hier *h = hier_of(c);
        if (!h)
                fail_msg("no hierarchy carries %s", cg_ctrl_name(c));
        _cleanup_free_ char *p = xasprintf("%s%s/%s", h->mnt, rel, file);
        _cleanup_free_ char *s = NULL;
        struct herr err = { 0 };
        if (read_file_at(AT_FDCWD, p, &s, NULL, &err) < 0)
                fail_msg("%s", err.msg);
        s[strcspn(s, "\n")] = '\0';
        snprintf(buf, size, "%s", s);
}

static int exists_anywhere(const char *rel)
{
        const struct cg_host *h = host();
        for (size_t i = 0; i < h->n; i++) {
                _cleanup_free_ char *p = xasprintf("%s%s", h->h[i].mnt, rel);
                if (access(p, F_OK) == 0)
                        return 1;
        }
        return 0;
}

static int exists_everywhere(const char *rel)
{
        const struct cg_host *h = host();
        for (size_t i = 0; i < h->n; i++) {
                _cleanup_free_ char *p = xasprintf("%s%s", h->h[i].mnt, rel);
                if (access(p, F_OK) != 0)
                        return 0;
        }
        return 1;
}

/* Remove a cgroup tree, killing what is still in it (a failed test may
 * leave a child behind). */
static void remove_cg_tree(const char *path)
{
        DIR *d = opendir(path);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                        _cleanup_free_ char *sub = xasprintf("%s/%s", path, de->d_name);
                        remove_cg_tree(sub);
                }
        closedir(d);
        for (int i = 0; i < 200 && rmdir(path) < 0 && errno == EBUSY; i++) {
                _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", path);
                FILE *f = fopen(procs, "r");
                int pid;
                while (f && fscanf(f, "%d", &pid) == 1)
                        kill(pid, SIGKILL);
                if (f)
                        fclose(f);
                usleep(10000);
        }
}

/* Temporary directories, removed by the group teardown whatever happens. */
static char *tmp_dirs[16];
static size_t n_tmp_dirs;

static void make_tmpdir(char *tmpl)
{
        assert_non_null(mkdtemp(tmpl));
        assert_true(n_tmp_dirs < ARRAY_SIZE(tmp_dirs));
        tmp_dirs[n_tmp_dirs++] = xstrdup(tmpl);
}

static int group_setup(void **state)
{
        snprintf(test_root, sizeof test_root, "/hull-test-%d", (int)getpid());
        return 0;
}

static int group_teardown(void **state)
{
        const struct cg_host *h = can_run_real() ? host() : NULL;
        for (size_t i = 0; h && i < h->n; i++) {
                _cleanup_free_ char *a = xasprintf("%s%s", h->h[i].mnt, test_root);
                _cleanup_free_ char *b = xasprintf("%s%s-bad", h->h[i].mnt, test_root);
                remove_cg_tree(a);
                remove_cg_tree(b);
        }
        /* After the cgroups: whatever a failed test left running is dead. */
        for (size_t i = 0; i < n_tmp_dirs; i++) {
                struct herr err = { 0 };
                if (rm_rf(tmp_dirs[i], &err) < 0)
                        print_message("# %s\n", err.msg);
                free(tmp_dirs[i]);
        }
        return 0;
}

static struct rt_cgroup *create(const char *leaf, const char *resources)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", test_root, leaf);
        _cleanup_json_ json_t *j = resources ? J(resources) : NULL;
        struct rt_cgroup *cg = NULL;
        struct herr err = { 0 };
        if (rt_cgroup_create(path, j, &cg, &err) < 0)
                fail_msg("creating %s: %s", path, err.msg);
        return cg;
}

/* A child that waits for "go" on a pipe, then runs fn and reports its
 * verdict ("" = fine) back on another; the parent puts it in cg first. */
struct child {
        pid_t pid;
        int go, verdict;
};

static struct child spawn(const char *(*fn)(void *), void *arg)
{
        int go[2], verdict[2];
        assert_int_equal(pipe2(go, O_CLOEXEC), 0);
        assert_int_equal(pipe2(verdict, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char c;
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                close(go[1]);
                close(verdict[0]);
                if (read(go[0], &c, 1) != 1)
                        _exit(1);
                const char *v = fn ? fn(arg) : "";
                if (write(verdict[1], v, strlen(v) + 1) < 0)
                        _exit(1);
                if (!fn)
                        for (;;)
                                pause();
                _exit(0);
        }
        close(go[0]);
        close(verdict[1]);
        return (struct child){ .pid = pid, .go = go[1], .verdict = verdict[0] };
}

/* Let the child run; returns its verdict. */
static void release(struct child *c, char *buf, size_t size)
{
        assert_int_equal(write(c->go, "g", 1), 1);
        ssize_t n = read(c->verdict, buf, size - 1);
        buf[n > 0 ? n : 0] = '\0';
        if (n <= 0)
                snprintf(buf, size, "the child died before answering");
        close(c->go);
        close(c->verdict);
}

static int reap(pid_t pid)
{
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        return status;
}

static void enter(struct rt_cgroup *cg, pid_t pid)
{
        struct herr err = { 0 };
        if (rt_cgroup_enter(cg, pid, 0, NULL, &err) < 0)
                fail_msg("%s", err.msg);
}

static const char *limits_json = "{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":20},"
                                 "\"cpu\":{\"cpus\":\"0\",\"shares\":512,\"quota\":50000,\"period\":100000}}";

static void check_limits(const char *rel)
{
        char buf[256], parent_mems[256];
        const struct cg_hier *mem = hier_of(CG_MEMORY), *cpu = hier_of(CG_CPU);
        if (mem && !mem->v2) {
                read_cg(CG_MEMORY, rel, "memory.limit_in_bytes", buf, sizeof buf);
                assert_string_equal(buf, "67108864");
        } else if (mem) {
                read_cg(CG_MEMORY, rel, "memory.max", buf, sizeof buf);
                assert_string_equal(buf, "67108864");
        }
        if (hier_of(CG_PIDS)) {
                read_cg(CG_PIDS, rel, "pids.max", buf, sizeof buf);
                assert_string_equal(buf, "20");
        }
        if (hier_of(CG_CPUSET)) {
                read_cg(CG_CPUSET, rel, "cpuset.cpus", buf, sizeof buf);
                assert_string_equal(buf, "0");
                /* The seed's bug: mems must come from the parent. */
                if (!hier_of(CG_CPUSET)->v2) {
                        read_cg(CG_CPUSET, rel, "cpuset.mems", buf, sizeof buf);
                        read_cg(CG_CPUSET, "", "cpuset.mems", parent_mems, sizeof parent_mems);
                        assert_string_equal(buf, parent_mems);
                }
        }
        if (cpu && !cpu->v2) {
                read_cg(CG_CPU, rel, "cpu.shares", buf, sizeof buf);
                assert_string_equal(buf, "512");
                read_cg(CG_CPU, rel, "cpu.cfs_quota_us", buf, sizeof buf);
                assert_string_equal(buf, "50000");
                read_cg(CG_CPU, rel, "cpu.cfs_period_us", buf, sizeof buf);
                assert_string_equal(buf, "100000");
        } else if (cpu) {
                read_cg(CG_CPU, rel, "cpu.weight", buf, sizeof buf);
                assert_string_equal(buf, "20");
                read_cg(CG_CPU, rel, "cpu.max", buf, sizeof buf);
                assert_string_equal(buf, "50000 100000");
        }
}

/* Every line of /proc/PID/cgroup names rel. */
static void check_proc_cgroup(pid_t pid, const char *rel)
{
        _cleanup_free_ char *p = xasprintf("/proc/%d/cgroup", (int)pid);
        _cleanup_free_ char *s = NULL;
        struct herr err = { 0 };
        int lines = 0;
        if (read_file_at(AT_FDCWD, p, &s, NULL, &err) < 0)
                fail_msg("%s", err.msg);
        for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *path = strchr(strchr(l, ':') + 1, ':') + 1;
                if (strcmp(path, rel))
                        fail_msg("/proc/%d/cgroup: \"%s\", want %s in every hierarchy", (int)pid, l, rel);
                lines++;
        }
        assert_true(lines >= 1);
}

static void test_create_enter_destroy(void **state)
{
        REQUIRE_REAL();
        _cleanup_free_ char *rel = xasprintf("%s/c1", test_root);
        struct rt_cgroup *cg = create("c1", limits_json);
        check_limits(rel);
        assert_true(exists_everywhere(rel));
        if (hier_of(CG_CPUSET) && !hier_of(CG_CPUSET)->v2) {
                /* The parent made on the way got CPUs and nodes too. */
                char buf[256], root[256];
                read_cg(CG_CPUSET, test_root, "cpuset.cpus", buf, sizeof buf);
                read_cg(CG_CPUSET, "", "cpuset.cpus", root, sizeof root);
                assert_string_equal(buf, root);
        }
        struct child c = spawn(NULL, NULL);
        enter(cg, c.pid);
        char verdict[256];
        release(&c, verdict, sizeof verdict);
        check_proc_cgroup(c.pid, rel);
        struct herr err = { 0 };
        assert_int_equal(rt_cgroup_oom_killed(cg), 0);
        if (rt_cgroup_destroy(cg, &err) < 0)
                fail_msg("%s", err.msg);
        int status = reap(c.pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_false(exists_anywhere(rel));
        assert_true(exists_everywhere(test_root));
        /* Twice is fine, and so is an open of what is gone. */
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
        assert_int_equal(rt_cgroup_open(rel, &cg, &err), 0);
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
}

/* rt_cgroup_open finds a container's cgroup again, process and all. */
static void test_open_destroy(void **state)
{
        REQUIRE_REAL();
        _cleanup_free_ char *rel = xasprintf("%s/c-open", test_root);
        struct rt_cgroup *cg = create("c-open", NULL);
        struct child c = spawn(NULL, NULL);
        char verdict[256];
        enter(cg, c.pid);
        release(&c, verdict, sizeof verdict);
        rt_cgroup_free(cg);
        struct herr err = { 0 };
        assert_int_equal(rt_cgroup_open(rel, &cg, &err), 0);
        if (rt_cgroup_destroy(cg, &err) < 0)
                fail_msg("%s", err.msg);
        rt_cgroup_free(cg);
        int status = reap(c.pid);
        assert_true(WIFSIGNALED(status));
        assert_false(exists_anywhere(rel));
}

/* clone3(CLONE_INTO_CGROUP) with the unified fd, then the v1 rest. */
static void test_clone_into(void **state)
{
        REQUIRE_REAL();
        struct rt_cgroup *cg = create("c-clone", NULL);
        _cleanup_free_ char *rel = xasprintf("%s/c-clone", test_root);
        int fd = rt_cgroup_unified_fd(cg);
        if (fd < 0) {
                rt_cgroup_free(cg);
                SKIP("no cgroup2 mount");
        }
        struct clone_args a = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)fd };
        pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (;;)
                        pause();
        }
        assert_true(pid > 0);
        struct herr err = { 0 };
        if (rt_cgroup_enter(cg, pid, 1, NULL, &err) < 0)
                fail_msg("%s", err.msg);
        check_proc_cgroup(pid, rel);
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
        assert_true(WIFSIGNALED(reap(pid)));
}

static void test_bad_cpuset(void **state)
{
        REQUIRE_REAL();
        if (!hier_of(CG_CPUSET))
                SKIP("no cpuset controller");
        _cleanup_free_ char *parent = xasprintf("%s-bad", test_root);
        _cleanup_free_ char *path = xasprintf("%s/c", parent);
        _cleanup_json_ json_t *j = J("{\"memory\":{\"limit\":67108864},\"cpu\":{\"cpus\":\"99\"}}");
        struct rt_cgroup *cg = NULL;
        struct herr err = { 0 };
        assert_true(rt_cgroup_create(path, j, &cg, &err) < 0);
        assert_null(cg);
        if (!strstr(err.msg, "cpuset.cpus \"99\": "))
                fail_msg("unexpected error: %s", err.msg);
        print_message("# cpuset 99: %s\n", err.msg);
        /* Nothing left, the parent made on the way included. */
        assert_false(exists_anywhere(parent));
}

static void test_exists_and_bad_path(void **state)
{
        REQUIRE_REAL();
        struct rt_cgroup *cg = create("c-dup", NULL), *cg2 = NULL;
        _cleanup_free_ char *path = xasprintf("%s/c-dup", test_root);
        struct herr err = { 0 };
        assert_true(rt_cgroup_create(path, NULL, &cg2, &err) < 0);
        assert_non_null(strstr(err.msg, "File exists"));
        /* The failed second create must not remove the first one. */
        assert_true(exists_everywhere(path));
        assert_true(rt_cgroup_create("/hull/../../etc", NULL, &cg2, &err) < 0);
        assert_non_null(strstr(err.msg, "are not allowed"));
        assert_true(rt_cgroup_create("/", NULL, &cg2, &err) < 0);
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
}

/* v2: a parent with processes of its own cannot enable controllers for
 * its children.  Unasked-for ones are then skipped; asked-for ones fail. */
static void test_busy_parent_v2(void **state)
{
        REQUIRE_REAL();
        const struct cg_hier *mem = hier_of(CG_MEMORY);
        if (!mem || !mem->v2)
                SKIP("the memory controller is not in a v2 tree");
        _cleanup_free_ char *parent = xasprintf("%s%s", mem->mnt, test_root);
        _cleanup_free_ char *busy = xasprintf("%s/busy", parent);
        mkdir(parent, 0755);
        assert_int_equal(mkdir(busy, 0755), 0);
        struct child c = spawn(NULL, NULL);
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", busy);
        _cleanup_free_ char *pid = xasprintf("%d", (int)c.pid);
        struct herr err = { 0 };
        FILE *f = fopen(procs, "w");
        assert_non_null(f);
        fputs(pid, f);
        assert_int_equal(fclose(f), 0);
        struct rt_cgroup *cg = create("busy/c", NULL);
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
        _cleanup_free_ char *path = xasprintf("%s/busy/c2", test_root);
        _cleanup_json_ json_t *j = J("{\"memory\":{\"limit\":67108864}}");
        assert_true(rt_cgroup_create(path, j, &cg, &err) < 0);
        if (!strstr(err.msg, "cgroup.subtree_control") || err.errnum != EBUSY)
                fail_msg("unexpected error: %s", err.msg);
        kill(c.pid, SIGKILL);
        reap(c.pid);
        close(c.go);
        close(c.verdict);
}

struct dev_paths {
        char mem[128], null[128], kmsg[128];
};

static const char *try_devices(void *arg)
{
        static char msg[256];
        const struct dev_paths *p = arg;
        int fd = open(p->mem, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 || errno != EPERM) {
                snprintf(msg, sizeof msg, "open c 1:1: %s, want EPERM", fd >= 0 ? "opened" : strerror(errno));
                return msg;
        }
        fd = open(p->null, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                snprintf(msg, sizeof msg, "open c 1:3: %s", strerror(errno));
                return msg;
        }
        close(fd);
        return "";
}

static const char *try_kmsg(void *arg)
{
        static char msg[256];
        const struct dev_paths *p = arg;
        int fd = open(p->kmsg, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno == EPERM) {
                snprintf(msg, sizeof msg, "open c 1:11: EPERM although everything is allowed");
                return msg;
        }
        if (fd >= 0)
                close(fd);
        return "";
}

/* In /dev: /tmp may be mounted nodev (EACCES for every node there). */
static void make_nodes(char *dir, struct dev_paths *p)
{
        make_tmpdir(dir);
        snprintf(p->mem, sizeof p->mem, "%s/mem", dir);
        snprintf(p->null, sizeof p->null, "%s/null", dir);
        snprintf(p->kmsg, sizeof p->kmsg, "%s/kmsg", dir);
        assert_int_equal(mknod(p->mem, S_IFCHR | 0600, makedev(1, 1)), 0);
        assert_int_equal(mknod(p->null, S_IFCHR | 0666, makedev(1, 3)), 0);
        assert_int_equal(mknod(p->kmsg, S_IFCHR | 0600, makedev(1, 11)), 0);
}

static void run_in(struct rt_cgroup *cg, const char *(*fn)(void *), void *arg)
{
        char verdict[2048];
        struct child c = spawn(fn, arg);
        enter(cg, c.pid);
        release(&c, verdict, sizeof verdict);
        int status = reap(c.pid);
        if (verdict[0])
                fail_msg("%s", verdict);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_devices_real(void **state)
{
        REQUIRE_REAL();
        char dir[] = "/dev/hull-cg-dev-XXXXXX";
        struct dev_paths p;
        make_nodes(dir, &p);
        _cleanup_free_ char *res = xasprintf("{\"devices\":%s}", docker_devices);
        struct rt_cgroup *cg = create("c-dev", res);
        run_in(cg, try_devices, &p);
        struct herr err = { 0 };
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
        /* --privileged: nothing restricted. */
        cg = create("c-priv", "{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}");
        run_in(cg, try_kmsg, &p);
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
}

/* The v2 program in the host's v2 tree, which exists on hybrid hosts too:
 * this runs the code real (unified) users get even here. */
static void test_devices_bpf_real(void **state)
{
        REQUIRE_REAL();
        const struct cg_host *h = host();
        const struct cg_hier *v2 = NULL;
        for (size_t i = 0; i < h->n; i++)
                if (h->h[i].v2)
                        v2 = &h->h[i];
        if (!v2)
                SKIP("no cgroup2 mount");
        char dir[] = "/dev/hull-cg-bpf-XXXXXX";
        struct dev_paths p;
        make_nodes(dir, &p);
        _cleanup_free_ char *parent = xasprintf("%s%s", v2->mnt, test_root);
        _cleanup_free_ char *leaf = xasprintf("%s/bpf", parent);
        mkdir(parent, 0755);
        assert_int_equal(mkdir(leaf, 0755), 0);
        _cleanup_close_ int fd = open(leaf, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        struct cg_resources r;
        parse_rules(docker_devices, &r);
        struct herr err = { 0 };
        if (cg_devices_bpf_attach(fd, r.devices, r.n_devices, &err) < 0)
                fail_msg("%s", err.msg);
        cg_resources_free(&r);
        char verdict[512];
        struct child c = spawn(try_devices, &p);
        _cleanup_free_ char *pid = xasprintf("%d", (int)c.pid);
        assert_int_equal(cg_write(fd, "cgroup.procs", pid, &err), 0);
        release(&c, verdict, sizeof verdict);
        int status = reap(c.pid);
        if (verdict[0])
                fail_msg("%s", verdict);
        assert_true(WIFEXITED(status));
        assert_int_equal(rmdir(leaf), 0);
}

static const char *eat_memory(void *arg)
{
        for (int i = 0; i < 256; i++) {
                char *p = malloc(1 << 20);
                if (!p)
                        return "malloc failed before the OOM killer came";
                memset(p, i, 1 << 20);
        }
        return "survived 256 MiB in a 16 MiB cgroup";
}

static void test_oom(void **state)
{
        REQUIRE_REAL();
        if (!hier_of(CG_MEMORY))
                SKIP("no memory controller");
        struct rt_cgroup *cg = create("c-oom", "{\"memory\":{\"limit\":16777216,\"swap\":16777216}}");
        char verdict[256];
        struct child c = spawn(eat_memory, NULL);
        enter(cg, c.pid);
        release(&c, verdict, sizeof verdict);
        int status = reap(c.pid);
        if (!WIFSIGNALED(status))
                fail_msg("the child was not killed: %s", verdict);
        assert_int_equal(WTERMSIG(status), SIGKILL);
        assert_int_equal(rt_cgroup_oom_killed(cg), 1);
        struct herr err = { 0 };
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
}

static char mount_root[64];

static const char *check_mount(void *arg)
{
        static char msg[1500];
        struct herr err = { 0 };
        if (unshare(CLONE_NEWNS | CLONE_NEWCGROUP) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return "unshare";
        int rootfd = open(mount_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct rt_mount m = { .destination = "/sys/fs/cgroup", .type = "cgroup", .source = "cgroup",
                              .flags = MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY };
        if (rt_cgroup_mount(rootfd, &m, &err) < 0) {
                snprintf(msg, sizeof msg, "rt_cgroup_mount: %s", err.msg);
                return msg;
        }
        const struct cg_host *h = host();
        _cleanup_free_ char *base = xasprintf("%s/sys/fs/cgroup", mount_root);
        const char *file = h->mode == RT_CGROUP_V2 ? "memory.max" : "memory/memory.limit_in_bytes";
        const struct cg_hier *mem = hier_of(CG_MEMORY);
        if (mem && mem->v2 && h->mode != RT_CGROUP_V2)
                file = "unified/memory.max";
        _cleanup_free_ char *p = xasprintf("%s/%s", base, file);
        _cleanup_free_ char *s = NULL;
        if (mem && read_file_at(AT_FDCWD, p, &s, NULL, &err) < 0) {
                snprintf(msg, sizeof msg, "%s", err.msg);
                return msg;
        }
        if (s && strcmp(s, "67108864\n")) {
                snprintf(msg, sizeof msg, "%s: \"%s\", want the container's limit", p, s);
                return msg;
        }
        /* Each hierarchy is its own mount, rooted at our cgroup. */
        for (size_t i = 0; h->mode != RT_CGROUP_V2 && i < h->n; i++) {
                struct stat a, b;
                _cleanup_free_ char *sub = xasprintf("%s/%s", base, h->h[i].name);
                _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", sub);
                _cleanup_free_ char *list = NULL;
                if (stat(base, &a) < 0 || stat(sub, &b) < 0 || a.st_dev == b.st_dev) {
                        snprintf(msg, sizeof msg, "%s is not a mount", sub);
                        return msg;
                }
                if (read_file_at(AT_FDCWD, procs, &list, NULL, &err) < 0 || atoi(list) != (int)getpid()) {
                        snprintf(msg, sizeof msg, "%s lists \"%s\", want only %d", procs, list ? list : "?",
                                 (int)getpid());
                        return msg;
                }
        }
        /* The host's aliases (cpu -> cpu,cpuacct) are there too. */
        DIR *d = opendir("/sys/fs/cgroup");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                char want[256] = "", got[256] = "";
                if (de->d_type != DT_LNK || readlinkat(dirfd(d), de->d_name, want, sizeof want - 1) <= 0)
                        continue;
                _cleanup_free_ char *link = xasprintf("%s/%s", base, de->d_name);
                if (readlink(link, got, sizeof got - 1) <= 0 || strcmp(got, want)) {
                        snprintf(msg, sizeof msg, "%s: \"%s\", want a link to %s", link, got, want);
                        closedir(d);
                        return msg;
                }
        }
        if (d)
                closedir(d);
        _cleanup_free_ char *x = xasprintf("%s/x", base);
        if (mkdir(x, 0755) == 0 || errno != EROFS) {
                snprintf(msg, sizeof msg, "mkdir in /sys/fs/cgroup: %s, want EROFS", strerror(errno));
                return msg;
        }
        return "";
}

static void test_mount(void **state)
{
        REQUIRE_REAL();
        snprintf(mount_root, sizeof mount_root, "/tmp/hull-cg-mnt-XXXXXX");
        make_tmpdir(mount_root);
        struct rt_cgroup *cg = create("c-mnt", "{\"memory\":{\"limit\":67108864}}");
        run_in(cg, check_mount, NULL);
        struct herr err = { 0 };
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
}

static long long us_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Not a pass/fail test: what create + destroy cost on this host. */
static void test_timing(void **state)
{
        REQUIRE_REAL();
        _cleanup_free_ char *res = xasprintf("{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":20},"
                                             "\"cpu\":{\"shares\":512},\"devices\":%s}",
                                             docker_devices);
        enum { N = 20 };
        long long create_us = 0, destroy_us = 0, with_proc_us = 0;
        for (int i = 0; i < N; i++) {
                _cleanup_free_ char *leaf = xasprintf("t%d", i);
                long long t0 = us_now();
                struct rt_cgroup *cg = create(leaf, res);
                long long t1 = us_now();
                struct herr err = { 0 };
                pid_t pid = 0;
                if (i % 2) {
                        struct child c = spawn(NULL, NULL);
                        char v[8];
                        enter(cg, c.pid);
                        release(&c, v, sizeof v);
                        pid = c.pid;
                }
                long long t2 = us_now();
                assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
                long long t3 = us_now();
                rt_cgroup_free(cg);
                create_us += t1 - t0;
                if (pid) {
                        with_proc_us += t3 - t2;
                        reap(pid);
                } else {
                        destroy_us += t3 - t2;
                }
        }
        print_message("# %s host: create %lld us, destroy (empty) %lld us, destroy (one process) %lld us\n",
                      rt_cgroup_mode_name(rt_cgroup_mode()), create_us / N, destroy_us / (N / 2),
                      with_proc_us / (N / 2));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_full),
                cmocka_unit_test(test_parse_unset),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_shares_to_weight),
                cmocka_unit_test(test_swap_v2),
                cmocka_unit_test(test_cpu_max),
                cmocka_unit_test(test_devices_v1_lists),
                cmocka_unit_test(test_devices_semantics),
                cmocka_unit_test(test_devices_bpf_program),
                cmocka_unit_test(test_host_parse),
                cmocka_unit_test(test_create_enter_destroy),
                cmocka_unit_test(test_open_destroy),
                cmocka_unit_test(test_clone_into),
                cmocka_unit_test(test_bad_cpuset),
                cmocka_unit_test(test_exists_and_bad_path),
                cmocka_unit_test(test_busy_parent_v2),
                cmocka_unit_test(test_devices_real),
                cmocka_unit_test(test_devices_bpf_real),
                cmocka_unit_test(test_oom),
                cmocka_unit_test(test_mount),
                cmocka_unit_test(test_timing),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
