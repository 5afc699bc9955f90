/* The device allow-list: default deny, then the config's rules.
 *
 * Semantics: the last rule that matches a device and carries an access bit
 * decides that bit; an access (open for read+write, say, asks for two
 * bits) is granted only when every bit it asks for was decided "allow".
 * That is what cgroup v1 does with a list written in order after "a" to
 * devices.deny (for the allow lists hull sends it is exact), and what
 * runc's rule emulator computes.
 *
 * v1 gets the rules as devices.allow / devices.deny writes.  v2 has no
 * device files: a BPF_PROG_TYPE_CGROUP_DEVICE program, built here as raw
 * instructions (the way runc and crun do, no libbpf), is attached to the
 * container's cgroup.  It walks the rules last to first with the bits not
 * yet decided in a register, so one pass gives the semantics above. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"

static int matches(const struct cg_dev_rule *r, char type, uint32_t major, uint32_t minor)
{
        return (r->type == 'a' || r->type == type) && (r->major == -1 || (uint32_t)r->major == major) &&
               (r->minor == -1 || (uint32_t)r->minor == minor);
}

/* Matches every device: rules before it can no longer decide anything. */
static int is_catch_all(const struct cg_dev_rule *r)
{
        return r->type == 'a' && r->major == -1 && r->minor == -1 && r->access == CG_DEV_RWM;
}

int cg_device_allowed(const struct cg_dev_rule *rules, size_t n, char type, uint32_t major,
                      uint32_t minor, unsigned access)
{
        unsigned undecided = access;
        for (size_t i = n; i-- > 0;) {
                const struct cg_dev_rule *r = &rules[i];
                if (!matches(r, type, major, minor))
                        continue;
                if (!r->allow && (undecided & r->access))
                        return 0;
                undecided &= ~r->access;
                if (!undecided)
                        return 1;
        }
        return 0;
}

/* ---- v1 ---- */

static void v1_line(char *buf, size_t size, char type, int64_t major, int64_t minor, unsigned access)
{
        char ma[24] = "*", mi[24] = "*", acc[4];
        size_t k = 0;
        if (major >= 0)
                snprintf(ma, sizeof ma, "%lld", (long long)major);
        if (minor >= 0)
                snprintf(mi, sizeof mi, "%lld", (long long)minor);
        if (access & CG_DEV_READ)
                acc[k++] = 'r';
        if (access & CG_DEV_WRITE)
                acc[k++] = 'w';
        if (access & CG_DEV_MKNOD)
                acc[k++] = 'm';
        acc[k] = '\0';
        snprintf(buf, size, "%c %s:%s %s", type, ma, mi, acc);
}

int cg_devices_v1(const struct cg_dev_rule *rules, size_t n, struct cg_dev_write **ret, size_t *ret_n)
{
        /* A catch-all rule resets v1's list (the kernel drops every
         * exception on "a"), so start at the last one, or at "deny all". */
        size_t start = 0;
        for (size_t i = 0; i < n; i++)
                if (is_catch_all(&rules[i]))
                        start = i;
        struct cg_dev_write *w = calloc(2 * n + 1, sizeof *w);
        if (!w)
                return -ENOMEM;
        size_t k = 0;
        if (n == 0 || !is_catch_all(&rules[start]))
                w[k++] = (struct cg_dev_write){ .allow = 0, .line = "a" };
        for (size_t i = start; i < n; i++) {
                const struct cg_dev_rule *r = &rules[i];
                if (is_catch_all(r)) {
                        w[k++] = (struct cg_dev_write){ .allow = r->allow, .line = "a" };
                        continue;
                }
                /* v1 reads any "a ..." line as "everything"; a narrower
                 * rule for all types is one rule per type. */
                char types[3] = { r->type, 0, 0 };
                if (r->type == 'a')
                        memcpy(types, "cb", 3);
                for (const char *t = types; *t; t++) {
                        w[k].allow = r->allow;
                        v1_line(w[k].line, sizeof w[k].line, *t, r->major, r->minor, r->access);
                        k++;
                }
        }
        *ret = w;
        *ret_n = k;
        return 0;
}

/* ---- v2: the BPF program ---- */

struct prog {
        struct bpf_insn *insns;
        size_t len;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        p->insns[p->len++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

enum { R0, R1, R2, R3, R4, R5 };

/* R2 = device type, R3 = access bits not decided yet, R4 = major, R5 = minor
 * (struct bpf_cgroup_dev_ctx: access_type = access << 16 | type). */
static void emit_prologue(struct prog *p)
{
        emit(p, BPF_LDX | BPF_W | BPF_MEM, R2, R1, 0, 0);
        emit(p, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
        emit(p, BPF_LDX | BPF_W | BPF_MEM, R3, R1, 0, 0);
        emit(p, BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
        emit(p, BPF_LDX | BPF_W | BPF_MEM, R4, R1, 4, 0);
        emit(p, BPF_LDX | BPF_W | BPF_MEM, R5, R1, 8, 0);
}

static void emit_return(struct prog *p, int v)
{
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, v);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* Each test jumps to the next rule when the device does not match. */
static void emit_rule(struct prog *p, const struct cg_dev_rule *r)
{
        int checks = (r->type != 'a') + (r->major != -1) + (r->minor != -1);
        int body = r->allow ? 4 : 5;
        int left = checks;
        if (r->type != 'a')
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, (int16_t)(--left + body),
                     r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
        if (r->major != -1)
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R4, 0, (int16_t)(--left + body), (int32_t)(uint32_t)r->major);
        if (r->minor != -1)
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R5, 0, (int16_t)(--left + body), (int32_t)(uint32_t)r->minor);
        if (r->allow) {
                /* undecided &= ~access; nothing left: allowed. */
                emit(p, BPF_ALU | BPF_AND | BPF_K, R3, 0, 0, (int32_t)(~r->access & CG_DEV_RWM));
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R3, 0, 2, 0);
                emit_return(p, 1);
        } else {
                /* A bit still undecided that this rule denies: denied. */
                emit(p, BPF_ALU | BPF_MOV | BPF_X, R1, R3, 0, 0);
                emit(p, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)r->access);
                emit(p, BPF_JMP32 | BPF_JEQ | BPF_K, R1, 0, 2, 0);
                emit_return(p, 0);
        }
}

int cg_devices_bpf(const struct cg_dev_rule *rules, size_t n, struct bpf_insn **ret, size_t *ret_len)
{
        *ret = NULL;
        *ret_len = 0;
        /* Rules before the last catch-all are dead; that rule is the default. */
        size_t first = 0;
        int dflt = 0;
        for (size_t i = 0; i < n; i++)
                if (is_catch_all(&rules[i])) {
                        first = i + 1;
                        dflt = rules[i].allow;
                }
        if (dflt && first == n)
                return 0;       /* allow-all: no program at all */
        struct prog p = { .insns = calloc(6 + 8 * (n - first) + 2, sizeof(struct bpf_insn)) };
        if (!p.insns)
                return -ENOMEM;
        emit_prologue(&p);
        for (size_t i = n; i-- > first;)
                emit_rule(&p, &rules[i]);
        emit_return(&p, dflt);
        *ret = p.insns;
        *ret_len = p.len;
        return 0;
}

static int bpf_prog_load(const struct bpf_insn *insns, size_t len, char *log, size_t log_size)
{
        union bpf_attr a;
        memset(&a, 0, sizeof a);
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.insns = (uint64_t)(uintptr_t)insns;
        a.insn_cnt = (uint32_t)len;
        /* The kernel asks for a GPL-compatible licence only from programs
         * that call GPL-only helpers; this one calls none. */
        a.license = (uint64_t)(uintptr_t)"Apache-2.0";
        if (log) {
                a.log_buf = (uint64_t)(uintptr_t)log;
                a.log_size = (uint32_t)log_size;
                a.log_level = 1;
        }
        return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
}

int cg_devices_bpf_attach(int cgfd, const struct cg_dev_rule *rules, size_t n, struct herr *err)
{
        _cleanup_free_ struct bpf_insn *insns = NULL;
        size_t len;
        if (cg_devices_bpf(rules, n, &insns, &len) < 0)
                return herr_set(err, ENOMEM, "building the device filter");
        if (!insns)
                return 0;
        _cleanup_close_ int prog = bpf_prog_load(insns, len, NULL, 0);
        if (prog < 0) {
                int e = errno;
                /* Again with the verifier's log, only to say why. */
                char log[4096] = "";
                int again = bpf_prog_load(insns, len, log, sizeof log);
                if (again >= 0)
                        close(again);
                log[strcspn(log, "\n")] = '\0';
                return herr_set(err, e, "loading the device filter (BPF_PROG_TYPE_CGROUP_DEVICE)%s%s",
                                log[0] ? ": " : "", log);
        }
        union bpf_attr a;
        memset(&a, 0, sizeof a);
        a.target_fd = (uint32_t)cgfd;
        a.attach_bpf_fd = (uint32_t)prog;
        a.attach_type = BPF_CGROUP_DEVICE;
        /* ALLOW_MULTI: programs on ancestors (systemd's) keep running too,
         * so the container can only ever get less than its parent. */
        a.attach_flags = BPF_F_ALLOW_MULTI;
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0)
                return herr_set(err, errno, "attaching the device filter");
        return 0;
}
