#include "runtime/caps.h"

#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "base/cleanup.h"

static const char *const cap_names[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
        "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
        "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int rt_cap_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
                if (!strcasecmp(name, cap_names[i]))
                        return (int)i;
        return -1;
}

const char *rt_cap_name(int cap)
{
        if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
                return NULL;
        return cap_names[cap];
}

int rt_cap_last(void)
{
        static int last = -1;
        if (last < 0) {
                last = (int)cap_max_bits() - 1;
                if (last >= (int)ARRAY_SIZE(cap_names))
                        last = (int)ARRAY_SIZE(cap_names) - 1;
        }
        return last;
}

int rt_cap_held(int cap)
{
        return prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
}

int rt_caps_bound(const struct rt_process *p, struct herr *err)
{
        if (!p->has_caps)
                return 0;
        for (int c = 0; c <= rt_cap_last(); c++) {
                if (p->caps[RT_CAP_BOUNDING] & (1ULL << c))
                        continue;
                if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                        return herr_set(err, errno, "dropping %s from the bounding set", rt_cap_name(c));
        }
        return 0;
}

static void cap_freep(cap_t *c)
{
        if (*c)
                cap_free(*c);
}

int rt_caps_apply(const struct rt_process *p, struct herr *err)
{
        if (!p->has_caps)
                return 0;
        __attribute__((cleanup(cap_freep))) cap_t caps = cap_init();
        if (!caps)
                return herr_set(err, errno, "allocating capability state");
        static const struct {
                int set;
                cap_flag_t flag;
        } map[] = {
                { RT_CAP_EFFECTIVE, CAP_EFFECTIVE },
                { RT_CAP_PERMITTED, CAP_PERMITTED },
                { RT_CAP_INHERITABLE, CAP_INHERITABLE },
        };
        for (size_t k = 0; k < ARRAY_SIZE(map); k++)
                for (int c = 0; c <= rt_cap_last(); c++) {
                        if (!(p->caps[map[k].set] & (1ULL << c)))
                                continue;
                        cap_value_t v = c;
                        if (cap_set_flag(caps, map[k].flag, 1, &v, CAP_SET) < 0)
                                return herr_set(err, errno, "setting %s", rt_cap_name(c));
                }
        if (cap_set_proc(caps) < 0)
                return herr_set(err, errno, "setting the process capabilities");
        if (!p->caps[RT_CAP_AMBIENT])
                return 0;
        for (int c = 0; c <= rt_cap_last(); c++) {
                if (!(p->caps[RT_CAP_AMBIENT] & (1ULL << c)))
                        continue;
                /* The kernel takes an ambient capability only when it is
                 * also inheritable; runc's default spec asks for ambient
                 * ones without, and runc and crun skip those. */
                if (!(p->caps[RT_CAP_INHERITABLE] & (1ULL << c)))
                        continue;
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
                        return herr_set(err, errno, "raising ambient %s", rt_cap_name(c));
        }
        return 0;
}
