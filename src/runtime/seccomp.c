#include "runtime/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/sha256.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define X32_SYSCALL_BIT 0x40000000U

/* Bumped whenever the cache file or the generated program changes shape,
 * so that an old cache is simply never looked up again. */
#define CACHE_FORMAT "hull-seccomp-3"
#define CACHE_MAGIC "HULLBPF2"

struct name_value {
        const char *name;
        uint32_t value;
};

static const struct name_value arch_names[] = {
        { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
        { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
        { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
        { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
        { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
        { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
        { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
        { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
        { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
        { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
        { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
        { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
        { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
        { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
        { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
        { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
        { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
        { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
        { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
};

static const struct name_value op_names[] = {
        { "SCMP_CMP_NE", SCMP_CMP_NE },
        { "SCMP_CMP_LT", SCMP_CMP_LT },
        { "SCMP_CMP_LE", SCMP_CMP_LE },
        { "SCMP_CMP_EQ", SCMP_CMP_EQ },
        { "SCMP_CMP_GE", SCMP_CMP_GE },
        { "SCMP_CMP_GT", SCMP_CMP_GT },
        { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const struct name_value flag_names[] = {
        { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
        { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
        { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
        { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

struct action {
        const char *name;
        uint32_t value;
        int takes_errno;        /* errnoRet goes into the low 16 bits */
};

static const struct action actions[] = {
        { "SCMP_ACT_KILL", SCMP_ACT_KILL, 0 },
        { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, 0 },
        { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, 0 },
        { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, 0 },
        { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), 1 },
        { "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), 1 },
        { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, 0 },
        { "SCMP_ACT_LOG", SCMP_ACT_LOG, 0 },
};

static const struct name_value *lookup(const struct name_value *t, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(t[i].name, name) == 0)
                        return &t[i];
        return NULL;
}

/* Highest syscall number the profile names, per architecture of the
 * filter; the ENOSYS stub is built from these. */
struct arch_max {
        uint32_t arch;
        long max;               /* -1: the profile names none */
};

struct build {
        scmp_filter_ctx ctx;
        uint32_t default_action;
        struct arch_max arches[ARRAY_SIZE(arch_names)];
        size_t n_arches;
};

static void build_done(struct build *b)
{
        if (b->ctx)
                seccomp_release(b->ctx);
}

/* path and errno_path name the two fields, for the messages. */
static int parse_action(const char *name, const json_t *errno_ret, const char *path,
                        const char *errno_path, uint32_t *ret, struct herr *err)
{
        if (!name)
                return herr_set(err, 0, "linux.seccomp.%s: missing or not a string", path);
        if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
                return herr_set(err, 0, "linux.seccomp.%s: SCMP_ACT_NOTIFY is not supported", path);
        const struct action *a = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(actions) && !a; i++)
                if (strcmp(actions[i].name, name) == 0)
                        a = &actions[i];
        if (!a)
                return herr_set(err, 0, "linux.seccomp.%s: unknown action %s", path, name);

        json_int_t e = EPERM;
        if (errno_ret && !json_is_null(errno_ret)) {
                if (!a->takes_errno)
                        return herr_set(err, 0, "linux.seccomp.%s: only valid with SCMP_ACT_ERRNO or "
                                        "SCMP_ACT_TRACE, not %s", errno_path, name);
                e = json_is_integer(errno_ret) ? json_integer_value(errno_ret) : -1;
                if (e < 0 || e > 0xffff)
                        return herr_set(err, 0, "linux.seccomp.%s: expected an integer from 0 to 65535",
                                        errno_path);
        }
        *ret = a->takes_errno ? a->value | (uint32_t)e : a->value;
        return 0;
}

static int parse_arg(const json_t *a, const char *path, size_t k, struct scmp_arg_cmp *ret,
                     struct herr *err)
{
        if (!json_is_object(a))
                return herr_set(err, 0, "linux.seccomp.%s.args[%zu]: expected an object", path, k);
        json_t *index = json_object_get(a, "index");
        if (!json_is_integer(index) || json_integer_value(index) < 0 || json_integer_value(index) > 5)
                return herr_set(err, 0, "linux.seccomp.%s.args[%zu].index: expected 0 to 5", path, k);
        json_t *value = json_object_get(a, "value");
        json_t *value2 = json_object_get(a, "valueTwo");
        if (!json_is_integer(value) || json_integer_value(value) < 0)
                return herr_set(err, 0, "linux.seccomp.%s.args[%zu].value: expected an unsigned integer",
                                path, k);
        if (value2 && !json_is_null(value2) && (!json_is_integer(value2) || json_integer_value(value2) < 0))
                return herr_set(err, 0, "linux.seccomp.%s.args[%zu].valueTwo: expected an unsigned integer",
                                path, k);
        const char *op = json_str(a, "op");
        if (!op)
                return herr_set(err, 0, "linux.seccomp.%s.args[%zu].op: missing or not a string", path, k);
        const struct name_value *o = lookup(op_names, ARRAY_SIZE(op_names), op);
        if (!o)
                return herr_set(err, 0, "linux.seccomp.%s.args[%zu].op: unknown operator %s", path, k, op);
        *ret = (struct scmp_arg_cmp){
                .arg = (unsigned int)json_integer_value(index),
                .op = (enum scmp_compare)o->value,
                .datum_a = (scmp_datum_t)json_integer_value(value),
                .datum_b = json_is_integer(value2) ? (scmp_datum_t)json_integer_value(value2) : 0,
        };
        return 0;
}

/* On return *split tells whether an argument index repeats: libseccomp
 * takes at most one comparison per argument in a rule, so such conditions
 * go into one rule each (which makes them alternatives, as in runc). */
static int parse_args(const json_t *args, const char *path, struct scmp_arg_cmp **ret, size_t *ret_n,
                      int *split, struct herr *err)
{
        *ret = NULL;
        *ret_n = 0;
        *split = 0;
        if (!args || json_is_null(args))
                return 0;
        if (!json_is_array(args))
                return herr_set(err, 0, "linux.seccomp.%s.args: expected an array", path);
        size_t n = json_array_size(args);
        if (n == 0)
                return 0;
        _cleanup_free_ struct scmp_arg_cmp *cmps = calloc(n, sizeof *cmps);
        if (!cmps)
                return herr_set(err, ENOMEM, "linux.seccomp.%s.args", path);
        unsigned int seen = 0;
        for (size_t k = 0; k < n; k++) {
                if (parse_arg(json_array_get(args, k), path, k, &cmps[k], err) < 0)
                        return -1;
                if (seen & (1U << cmps[k].arg))
                        *split = 1;
                seen |= 1U << cmps[k].arg;
        }
        *ret = TAKE_PTR(cmps);
        *ret_n = n;
        return 0;
}

static void note_syscall(struct build *b, const char *name)
{
        for (size_t i = 0; i < b->n_arches; i++) {
                int nr = seccomp_syscall_resolve_name_arch(b->arches[i].arch, name);
                /* Negative numbers are libseccomp's pseudo-syscalls: names
                 * that do not exist on this architecture. */
                if (nr >= 0 && nr > b->arches[i].max)
                        b->arches[i].max = nr;
        }
}

static int add_syscall(struct build *b, const char *name, uint32_t action,
                       const struct scmp_arg_cmp *cmps, size_t n, int split,
                       const char *path, struct herr *err)
{
        int nr = seccomp_syscall_resolve_name(name);
        /* A profile may name syscalls newer than this libseccomp; runc and
         * crun skip them too, and the ENOSYS stub answers for them. */
        if (nr == __NR_SCMP_ERROR)
                return 0;
        note_syscall(b, name);
        /* libseccomp refuses a rule that repeats the default action. */
        if (action == b->default_action)
                return 0;
        int r = 0;
        if (split) {
                for (size_t k = 0; k < n && r >= 0; k++)
                        r = seccomp_rule_add_array(b->ctx, action, nr, 1, &cmps[k]);
        } else {
                r = seccomp_rule_add_array(b->ctx, action, nr, (unsigned int)n, cmps);
        }
        if (r < 0)
                return herr_set(err, -r, "linux.seccomp.%s: adding the rule for %s", path, name);
        return 0;
}

static int add_entry(struct build *b, const json_t *call, size_t i, struct herr *err)
{
        char path[64];
        snprintf(path, sizeof path, "syscalls[%zu]", i);
        if (!json_is_object(call))
                return herr_set(err, 0, "linux.seccomp.%s: expected an object", path);

        char apath[80], epath[80];
        snprintf(apath, sizeof apath, "%s.action", path);
        snprintf(epath, sizeof epath, "%s.errnoRet", path);
        uint32_t action;
        if (parse_action(json_str(call, "action"), json_object_get(call, "errnoRet"), apath, epath,
                         &action, err) < 0)
                return -1;
        _cleanup_free_ struct scmp_arg_cmp *cmps = NULL;
        size_t n_cmps;
        int split;
        if (parse_args(json_object_get(call, "args"), path, &cmps, &n_cmps, &split, err) < 0)
                return -1;

        json_t *names = json_object_get(call, "names");
        if (!json_is_array(names) || json_array_size(names) == 0)
                return herr_set(err, 0, "linux.seccomp.%s.names: expected a non-empty array of strings", path);
        size_t j;
        json_t *name;
        json_array_foreach(names, j, name) {
                const char *s = json_string_value(name);
                if (!s)
                        return herr_set(err, 0, "linux.seccomp.%s.names[%zu]: expected a string", path, j);
                if (add_syscall(b, s, action, cmps, n_cmps, split, path, err) < 0)
                        return -1;
        }
        return 0;
}

static int add_arches(struct build *b, const json_t *arches, struct herr *err)
{
        b->arches[0] = (struct arch_max){ .arch = seccomp_arch_native(), .max = -1 };
        b->n_arches = 1;
        if (!arches || json_is_null(arches))
                return 0;
        if (!json_is_array(arches))
                return herr_set(err, 0, "linux.seccomp.architectures: expected an array of strings");
        size_t i;
        json_t *a;
        json_array_foreach(arches, i, a) {
                const char *s = json_string_value(a);
                if (!s)
                        return herr_set(err, 0, "linux.seccomp.architectures[%zu]: expected a string", i);
                const struct name_value *nv = lookup(arch_names, ARRAY_SIZE(arch_names), s);
                if (!nv)
                        return herr_set(err, 0, "linux.seccomp.architectures: unknown architecture %s", s);
                int r = seccomp_arch_add(b->ctx, nv->value);
                if (r == -EEXIST)
                        continue;
                if (r < 0)
                        return herr_set(err, -r, "linux.seccomp.architectures: adding %s", s);
                b->arches[b->n_arches++] = (struct arch_max){ .arch = nv->value, .max = -1 };
        }
        return 0;
}

static int parse_flags(const json_t *flags, unsigned int *ret, struct herr *err)
{
        *ret = 0;
        if (!flags || json_is_null(flags))
                return 0;
        if (!json_is_array(flags))
                return herr_set(err, 0, "linux.seccomp.flags: expected an array of strings");
        size_t i;
        json_t *f;
        json_array_foreach(flags, i, f) {
                const char *s = json_string_value(f);
                if (!s)
                        return herr_set(err, 0, "linux.seccomp.flags[%zu]: expected a string", i);
                const struct name_value *nv = lookup(flag_names, ARRAY_SIZE(flag_names), s);
                if (!nv)
                        return herr_set(err, 0, "linux.seccomp.flags: unknown flag %s", s);
                /* It only means something with a notify listener. */
                if (nv->value == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
                        return herr_set(err, 0, "linux.seccomp.flags: %s needs SCMP_ACT_NOTIFY, "
                                        "which is not supported", s);
                *ret |= nv->value;
        }
        return 0;
}

static int build_filter(const json_t *seccomp, struct build *b, unsigned int *ret_flags, struct herr *err)
{
        if (parse_flags(json_object_get(seccomp, "flags"), ret_flags, err) < 0)
                return -1;
        if (parse_action(json_str(seccomp, "defaultAction"), json_object_get(seccomp, "defaultErrnoRet"),
                         "defaultAction", "defaultErrnoRet", &b->default_action, err) < 0)
                return -1;
        b->ctx = seccomp_init(b->default_action);
        if (!b->ctx)
                return herr_set(err, 0, "linux.seccomp: libseccomp could not create a filter");
        /* no_new_privs is the runtime's decision (process.noNewPrivileges),
         * not a side effect of loading a filter. */
        int r = seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return herr_set(err, -r, "linux.seccomp: clearing the no_new_privs attribute");
        /* A binary tree over syscall numbers instead of a linear list: an
         * allow-list of ~360 calls otherwise costs every syscall (and the
         * kernel's per-syscall action cache at install) hundreds of BPF
         * instructions.  Older libseccomp lacks it; the filter is the same. */
        seccomp_attr_set(b->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (add_arches(b, json_object_get(seccomp, "architectures"), err) < 0)
                return -1;

        json_t *calls = json_object_get(seccomp, "syscalls");
        if (calls && !json_is_null(calls) && !json_is_array(calls))
                return herr_set(err, 0, "linux.seccomp.syscalls: expected an array");
        size_t i;
        json_t *call;
        json_array_foreach(calls, i, call)
                if (add_entry(b, call, i, err) < 0)
                        return -1;
        return 0;
}

/* Syscalls newer than every syscall the profile names get ENOSYS instead
 * of the default action, as under runc.  A libc probing a new syscall
 * (glibc's fchmodat2, clone3) falls back on ENOSYS but takes EPERM as a
 * real failure, and libseccomp 2.5 cannot name the syscalls of newer
 * kernels at all, so without this such calls would fail in containers.
 * Only for a denying default: under an allowing one nothing is missing.
 *
 * One block per architecture, prepended to libseccomp's program; a block
 * that does not match falls through to the next one and, in the end, to
 * the untouched program:
 *      ld arch; jeq ARCH ?: next; ld nr; [x86_64: jge X32_BIT]; jgt MAX ? ret ENOSYS : next */
#define STUB_MAX (7 * ARRAY_SIZE(arch_names))

static int wants_stub(uint32_t default_action)
{
        uint32_t kind = default_action & SECCOMP_RET_ACTION_FULL;
        if (kind == SECCOMP_RET_ERRNO)
                return (default_action & SECCOMP_RET_DATA) != ENOSYS;
        return kind == SECCOMP_RET_KILL_PROCESS || kind == SECCOMP_RET_KILL_THREAD ||
                kind == SECCOMP_RET_TRAP;
}

static size_t emit(struct sock_filter *out, size_t n, struct sock_filter insn)
{
        out[n] = insn;
        return n + 1;
}

static size_t stub_block(struct sock_filter *out, size_t n, uint32_t arch, uint32_t max, uint32_t max_x32,
                         int x86_64)
{
        const uint32_t ld = BPF_LD | BPF_W | BPF_ABS;
        n = emit(out, n, (struct sock_filter)BPF_STMT(ld, offsetof(struct seccomp_data, arch)));
        n = emit(out, n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, x86_64 ? 5 : 3));
        n = emit(out, n, (struct sock_filter)BPF_STMT(ld, offsetof(struct seccomp_data, nr)));
        if (x86_64) {
                /* x32 calls arrive as x86_64 with X32_SYSCALL_BIT set. */
                n = emit(out, n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
                n = emit(out, n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max_x32, 1, 2));
        }
        n = emit(out, n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max, 0, 1));
        n = emit(out, n, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS));
        return n;
}

static size_t gen_stub(const struct build *b, struct sock_filter *out)
{
        if (!wants_stub(b->default_action))
                return 0;
        long max_x32 = -1;
        for (size_t i = 0; i < b->n_arches; i++)
                if (b->arches[i].arch == SCMP_ARCH_X32)
                        max_x32 = b->arches[i].max;
        size_t n = 0;
        for (size_t i = 0; i < b->n_arches; i++) {
                const struct arch_max *a = &b->arches[i];
                if (a->arch == SCMP_ARCH_X32)
                        continue;
                int x86_64 = a->arch == SCMP_ARCH_X86_64;
                if (a->max < 0 && !(x86_64 && max_x32 >= 0))
                        continue;
                /* UINT32_MAX: "nothing is newer", for a half the profile leaves alone. */
                uint32_t max = a->max < 0 ? UINT32_MAX : (uint32_t)a->max;
                uint32_t mx32 = max_x32 < 0 ? UINT32_MAX : (uint32_t)max_x32;
                n = stub_block(out, n, a->arch, max, mx32, x86_64);
        }
        return n;
}

static int pread_all(int fd, void *buf, size_t size)
{
        for (size_t off = 0; off < size;) {
                ssize_t k = pread(fd, (char *)buf + off, size - off, (off_t)off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        if (k == 0)
                                errno = EIO;
                        return -1;
                }
                off += (size_t)k;
        }
        return 0;
}

/* libseccomp 2.5 can only write the program to a file descriptor. */
static int export_program(const struct build *b, struct rt_bpf *ret, struct herr *err)
{
        _cleanup_close_ int fd = memfd_create("hull-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "linux.seccomp: creating a memfd for the program");
        int r = seccomp_export_bpf(b->ctx, fd);
        if (r < 0)
                return herr_set(err, -r, "linux.seccomp: exporting the program");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return herr_set(err, errno, "linux.seccomp: sizing the exported program");
        size_t size = (size_t)st.st_size;
        if (size == 0 || size % sizeof(struct sock_filter) != 0)
                return herr_set(err, 0, "linux.seccomp: libseccomp exported a malformed program (%zu bytes)",
                                size);
        size_t n = size / sizeof(struct sock_filter);
        struct sock_filter stub[STUB_MAX];
        size_t n_stub = gen_stub(b, stub);
        if (n + n_stub > BPF_MAXINSNS)
                return herr_set(err, 0, "linux.seccomp: the program has %zu instructions, the kernel takes %d",
                                n + n_stub, BPF_MAXINSNS);

        _cleanup_free_ struct sock_filter *prog = calloc(n + n_stub, sizeof *prog);
        if (!prog)
                return herr_set(err, ENOMEM, "linux.seccomp: program");
        memcpy(prog, stub, n_stub * sizeof *prog);
        if (pread_all(fd, prog + n_stub, size) < 0)
                return herr_set(err, errno, "linux.seccomp: reading the exported program");
        ret->filter = TAKE_PTR(prog);
        ret->len = (unsigned short)(n + n_stub);
        return 0;
}

static int compile(const json_t *seccomp, struct rt_bpf *ret, struct herr *err)
{
        _cleanup_(build_done) struct build b = { 0 };
        unsigned int flags;
        if (build_filter(seccomp, &b, &flags, err) < 0 || export_program(&b, ret, err) < 0)
                return -1;
        ret->flags = flags;
        return 0;
}

/* The cache file: a header, then the program as the kernel takes it. */
struct cache_header {
        char magic[8];
        uint32_t flags;
        uint32_t len;
        char digest[SHA256_HEX_LEN + 1];        /* of the program, to catch a damaged file */
        char pad[7];
};

static int cache_key(const json_t *seccomp, char key[SHA256_HEX_LEN + 1])
{
        _cleanup_free_ char *dump = json_dumps(seccomp, JSON_COMPACT | JSON_SORT_KEYS);
        if (!dump)
                return -ENOMEM;
        const struct scmp_version *v = seccomp_version();
        char extra[128];
        snprintf(extra, sizeof extra, "\n%s\nlibseccomp %u.%u.%u\narch %#x\n", CACHE_FORMAT,
                 v->major, v->minor, v->micro, seccomp_arch_native());
        struct sha256 s;
        sha256_begin(&s);
        sha256_add(&s, dump, strlen(dump));
        sha256_add(&s, extra, strlen(extra));
        sha256_end_hex(&s, key);
        return 0;
}

/* The program is trusted once its digest matches: the cache sits in
 * hull's own state directory, and whoever can write there can already
 * rewrite any container's config.  The digest only catches damage. */
static int cache_load(const char *path, struct rt_bpf *ret)
{
        struct herr ignored;
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (read_file_at(AT_FDCWD, path, &buf, &len, &ignored) < 0)
                return -1;
        struct cache_header h;
        if (len < sizeof h)
                return -1;
        memcpy(&h, buf, sizeof h);
        size_t size = (size_t)h.len * sizeof(struct sock_filter);
        if (memcmp(h.magic, CACHE_MAGIC, sizeof h.magic) != 0 || h.len == 0 || h.len > BPF_MAXINSNS ||
            len != sizeof h + size || h.digest[SHA256_HEX_LEN] != '\0')
                return -1;
        char digest[SHA256_HEX_LEN + 1];
        sha256_hex(buf + sizeof h, size, digest);
        if (strcmp(digest, h.digest) != 0)
                return -1;
        struct sock_filter *prog = malloc(size);
        if (!prog)
                return -1;
        memcpy(prog, buf + sizeof h, size);
        *ret = (struct rt_bpf){ .filter = prog, .len = (unsigned short)h.len, .flags = h.flags };
        return 0;
}

/* Errors are dropped on purpose: the cache only saves time, and a
 * read-only or full disk must not keep a container from starting. */
static void cache_store(const char *dir, const char *name, const struct rt_bpf *bpf)
{
        struct herr ignored;
        if (mkdir_p(dir, 0700, &ignored) < 0)
                return;
        size_t size = (size_t)bpf->len * sizeof(struct sock_filter);
        struct cache_header h = { .flags = bpf->flags, .len = bpf->len };
        memcpy(h.magic, CACHE_MAGIC, sizeof h.magic);
        sha256_hex(bpf->filter, size, h.digest);
        _cleanup_free_ char *buf = malloc(sizeof h + size);
        if (!buf)
                return;
        memcpy(buf, &h, sizeof h);
        memcpy(buf + sizeof h, bpf->filter, size);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void)write_file_atomic(dfd, name, buf, sizeof h + size, 0600, 0, &ignored);
}

int rt_seccomp_compile(json_t *seccomp, const char *cache_dir, struct rt_bpf *ret, struct herr *err)
{
        *ret = (struct rt_bpf){ 0 };
        if (!json_is_object(seccomp))
                return herr_set(err, 0, "linux.seccomp: expected an object");

        char key[SHA256_HEX_LEN + 1];
        _cleanup_free_ char *name = NULL, *path = NULL;
        if (cache_dir && cache_key(seccomp, key) == 0) {
                name = xasprintf("%s.bpf", key);
                path = xasprintf("%s/%s", cache_dir, name);
                if (cache_load(path, ret) == 0)
                        return 0;
        }
        if (compile(seccomp, ret, err) < 0)
                return -1;
        if (name)
                cache_store(cache_dir, name, ret);
        return 0;
}

int rt_seccomp_install(const struct rt_bpf *bpf, struct herr *err)
{
        if (!bpf->filter || bpf->len == 0)
                return herr_set(err, EINVAL, "installing the seccomp filter: the program is empty");
        struct sock_fprog prog = { .len = bpf->len, .filter = bpf->filter };
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, bpf->flags, &prog);
        if (r < 0 && errno == ENOSYS && bpf->flags == 0)
                r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
        /* With TSYNC a positive value names a thread that could not follow. */
        if (r > 0)
                return herr_set(err, 0, "installing the seccomp filter: thread %ld could not be synchronised", r);
        if (r < 0 && errno == EACCES)
                return herr_set(err, errno, "installing the seccomp filter (no_new_privs is unset and "
                                "CAP_SYS_ADMIN is missing)");
        if (r < 0)
                return herr_set(err, errno, "installing the seccomp filter");
        return 0;
}

void rt_bpf_free(struct rt_bpf *bpf)
{
        free(bpf->filter);
        *bpf = (struct rt_bpf){ 0 };
}
