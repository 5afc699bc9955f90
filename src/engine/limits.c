#include "engine/limits.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "runtime/spec.h"

#define CPU_PERIOD_DEFAULT 100000

/* Rounded by hand: linking libm for one llround() would cost hull run
 * about 300 KiB of resident memory. */
static int64_t cpus_to_quota(double cpus)
{
        return (int64_t)(cpus * CPU_PERIOD_DEFAULT + 0.5);
}

void limits_init(struct limits *l)
{
        memset(l, 0, sizeof *l);
        l->pids_limit = -2;
}

void limits_free(struct limits *l)
{
        free(l->cpus);
        free(l->cpuset_cpus);
        free(l->cpuset_mems);
        json_decref(l->rlimits);
        json_decref(l->devices);
        json_decref(l->device_rules);
        limits_init(l);
}

int parse_bytes(const char *s, int64_t *ret)
{
        char *end;
        if (!isdigit((unsigned char)*s))
                return -1;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || !__builtin_isfinite(v))
                return -1;
        if (*end == ' ')
                end++;
        static const char units[] = "bkmgtp";
        double mult = 1;
        const char *u = *end ? strchr(units + 1, tolower((unsigned char)*end)) : NULL;
        if (u) {
                for (const char *p = units; p < u; p++)
                        mult *= 1024;
                end++;
                if (tolower((unsigned char)*end) == 'i')
                        end++;
        }
        if (tolower((unsigned char)*end) == 'b')
                end++;
        if (*end || v * mult > 9.2e18)
                return -1;
        *ret = (int64_t)(v * mult);
        return 0;
}

static int parse_int(const char *s, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end)
                return -1;
        *ret = v;
        return 0;
}

int cpu_list_parse(const char *s, uint64_t set[16])
{
        memset(set, 0, 16 * sizeof set[0]);
        if (!*s)
                return -1;
        _cleanup_free_ char *copy = xstrdup(s);
        char *save = NULL;
        for (char *r = strtok_r(copy, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
                char *dash = strchr(r, '-');
                int64_t lo, hi;
                if (dash)
                        *dash = '\0';
                if (parse_int(r, &lo) < 0 || (dash ? parse_int(dash + 1, &hi) : (hi = lo, 0)) < 0)
                        return -1;
                if (lo < 0 || hi < lo || hi >= 1024)
                        return -1;
                for (int64_t c = lo; c <= hi; c++)
                        set[c / 64] |= 1ULL << (c % 64);
        }
        return 0;
}

static int flag_error(struct herr *err, const char *flag, const char *value, const char *why)
{
        return herr_set(err, 0, "invalid argument \"%s\" for \"--%s\" flag: %s", value, flag, why);
}

static const struct {
        const char *docker, *oci;
} ulimit_names[] = {
        { "core", "RLIMIT_CORE" },       { "cpu", "RLIMIT_CPU" },           { "data", "RLIMIT_DATA" },
        { "fsize", "RLIMIT_FSIZE" },     { "locks", "RLIMIT_LOCKS" },       { "memlock", "RLIMIT_MEMLOCK" },
        { "msgqueue", "RLIMIT_MSGQUEUE" }, { "nice", "RLIMIT_NICE" },       { "nofile", "RLIMIT_NOFILE" },
        { "nproc", "RLIMIT_NPROC" },     { "rss", "RLIMIT_RSS" },           { "rtprio", "RLIMIT_RTPRIO" },
        { "rttime", "RLIMIT_RTTIME" },   { "sigpending", "RLIMIT_SIGPENDING" }, { "stack", "RLIMIT_STACK" },
};

static int parse_rlim_value(const char *s, int64_t *ret)
{
        if (!strcmp(s, "unlimited") || !strcmp(s, "-1")) {
                *ret = -1;
                return 0;
        }
        return parse_int(s, ret) < 0 || *ret < 0 ? -1 : 0;
}

static int set_ulimit(struct limits *l, const char *v, struct herr *err)
{
        const char *eq = strchr(v, '=');
        if (!eq)
                return flag_error(err, "ulimit", v, "expected NAME=SOFT[:HARD]");
        const char *oci = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
                if (strlen(ulimit_names[i].docker) == (size_t)(eq - v) &&
                    !strncmp(v, ulimit_names[i].docker, (size_t)(eq - v)))
                        oci = ulimit_names[i].oci;
        if (!oci)
                return flag_error(err, "ulimit", v, "unknown limit name");
        _cleanup_free_ char *vals = xstrdup(eq + 1);
        char *colon = strchr(vals, ':');
        if (colon)
                *colon++ = '\0';
        int64_t soft, hard;
        if (parse_rlim_value(vals, &soft) < 0 || parse_rlim_value(colon ? colon : vals, &hard) < 0)
                return flag_error(err, "ulimit", v, "limits must be numbers or \"unlimited\"");
        if (hard != -1 && (soft == -1 || soft > hard))
                return flag_error(err, "ulimit", v, "the soft limit is above the hard limit");
        if (!l->rlimits)
                l->rlimits = json_array();
        /* RLIM_INFINITY is the all-ones 64-bit value. */
        json_array_append_new(l->rlimits, json_pack("{s:s, s:I, s:I}", "type", oci, "soft",
                                                    (json_int_t)soft, "hard", (json_int_t)hard));
        return 0;
}

static int set_device(struct limits *l, const char *v, struct herr *err)
{
        _cleanup_free_ char *copy = xstrdup(v);
        char *host = copy, *ctr = NULL, *perms = "rwm";
        char *c1 = strchr(copy, ':');
        if (c1) {
                *c1++ = '\0';
                char *c2 = strchr(c1, ':');
                if (c2) {
                        *c2++ = '\0';
                        ctr = c1;
                        perms = c2;
                } else if (c1[0] == '/') {
                        ctr = c1;
                } else {
                        perms = c1;
                }
        }
        if (!*perms || strspn(perms, "rwm") != strlen(perms))
                return flag_error(err, "device", v, "permissions must be a combination of r, w and m");
        if (ctr && ctr[0] != '/')
                return flag_error(err, "device", v, "the container path must be absolute");
        struct stat st;
        if (stat(host, &st) < 0)
                return herr_set(err, errno, "--device %s", host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return herr_set(err, 0, "--device %s: not a device node", host);
        const char *type = S_ISCHR(st.st_mode) ? "c" : "b";
        if (!l->devices)
                l->devices = json_array();
        if (!l->device_rules)
                l->device_rules = json_array();
        json_array_append_new(l->devices, json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:i}", "path", ctr ? ctr : host,
                                                    "type", type, "major", (json_int_t)major(st.st_rdev), "minor",
                                                    (json_int_t)minor(st.st_rdev), "fileMode",
                                                    (int)(st.st_mode & 0777), "uid", 0, "gid", 0));
        json_array_append_new(l->device_rules,
                              json_pack("{s:b, s:s, s:I, s:I, s:s}", "allow", 1, "type", type, "major",
                                        (json_int_t)major(st.st_rdev), "minor", (json_int_t)minor(st.st_rdev),
                                        "access", perms));
        return 0;
}

static int set_bytes(int64_t *dst, const char *flag, const char *v, struct herr *err)
{
        if (parse_bytes(v, dst) < 0)
                return flag_error(err, flag, v, "invalid size: use a number with an optional unit b, k, m or g");
        return 0;
}

static int set_int(int64_t *dst, const char *flag, const char *v, struct herr *err)
{
        if (parse_int(v, dst) < 0)
                return flag_error(err, flag, v, "not a whole number");
        return 0;
}

static int set_cpus(struct limits *l, const char *v, struct herr *err)
{
        char *end;
        errno = 0;
        double cpus = strtod(v, &end);
        if (errno || end == v || *end || !__builtin_isfinite(cpus))
                return flag_error(err, "cpus", v, "not a number");
        if (cpus <= 0)
                return flag_error(err, "cpus", v, "must be a positive number of CPUs");
        free(l->cpus);
        l->cpus = xstrdup(v);
        l->cpu_period = CPU_PERIOD_DEFAULT;
        l->cpu_quota = cpus_to_quota(cpus);
        return 0;
}

static int set_cpuset(char **dst, const char *flag, const char *v, struct herr *err)
{
        uint64_t set[16];
        if (cpu_list_parse(v, set) < 0)
                return flag_error(err, flag, v, "expected a list such as 0-3 or 0,1");
        free(*dst);
        *dst = xstrdup(v);
        return 0;
}

int limits_set(struct limits *l, const char *flag, const char *v, struct herr *err)
{
        if (!strcmp(flag, "memory"))
                return set_bytes(&l->memory, flag, v, err);
        if (!strcmp(flag, "memory-reservation"))
                return set_bytes(&l->memory_reservation, flag, v, err);
        if (!strcmp(flag, "memory-swap")) {
                if (!strcmp(v, "-1")) {
                        l->memory_swap = -1;
                        return 0;
                }
                return set_bytes(&l->memory_swap, flag, v, err);
        }
        if (!strcmp(flag, "cpus"))
                return set_cpus(l, v, err);
        if (!strcmp(flag, "cpu-shares"))
                return set_int(&l->cpu_shares, flag, v, err);
        if (!strcmp(flag, "cpu-period"))
                return set_int(&l->cpu_period, flag, v, err);
        if (!strcmp(flag, "cpu-quota"))
                return set_int(&l->cpu_quota, flag, v, err);
        if (!strcmp(flag, "cpuset-cpus"))
                return set_cpuset(&l->cpuset_cpus, flag, v, err);
        if (!strcmp(flag, "cpuset-mems"))
                return set_cpuset(&l->cpuset_mems, flag, v, err);
        if (!strcmp(flag, "pids-limit"))
                return set_int(&l->pids_limit, flag, v, err);
        if (!strcmp(flag, "oom-score-adj")) {
                int64_t adj;
                if (set_int(&adj, flag, v, err) < 0)
                        return -1;
                if (adj < -1000 || adj > 1000)
                        return flag_error(err, flag, v, "must be between -1000 and 1000");
                l->has_oom_score_adj = 1;
                l->oom_score_adj = (int)adj;
                return 0;
        }
        if (!strcmp(flag, "ulimit"))
                return set_ulimit(l, v, err);
        if (!strcmp(flag, "device"))
                return set_device(l, v, err);
        return herr_set(err, 0, "unknown resource flag --%s", flag);
}

static int host_online(const char *path, const char *given, char *buf, size_t len)
{
        if (given) {
                snprintf(buf, len, "%s", given);
                return 0;
        }
        _cleanup_free_ char *s = NULL;
        struct herr ignored;
        if (read_file_at(AT_FDCWD, path, &s, NULL, &ignored) < 0)
                return -1;
        s[strcspn(s, "\n")] = '\0';
        snprintf(buf, len, "%s", s);
        return 0;
}

static int check_subset(const char *flag, const char *want, const char *path, const char *given, struct herr *err)
{
        char online[256];
        uint64_t w[16], h[16];
        if (!want || host_online(path, given, online, sizeof online) < 0 || cpu_list_parse(online, h) < 0)
                return 0;
        cpu_list_parse(want, w);
        for (int i = 0; i < 16; i++)
                if (w[i] & ~h[i])
                        return herr_set(err, 0, "--%s: requested %s are not available - requested %s, available: %s",
                                        flag, !strcmp(flag, "cpuset-cpus") ? "CPUs" : "memory nodes", want, online);
        return 0;
}

static int count_cpus(const char *list)
{
        uint64_t s[16];
        int n = 0;
        if (cpu_list_parse(list, s) < 0)
                return 0;
        for (int i = 0; i < 16; i++)
                n += __builtin_popcountll(s[i]);
        return n;
}

int limits_check(const struct limits *l, const char *online_cpus, struct herr *err)
{
        if (l->memory_swap && !l->memory)
                return herr_set(err, 0, "--memory-swap needs --memory: set the memory limit as well");
        if (l->memory_swap > 0 && l->memory_swap < l->memory)
                return herr_set(err, 0, "--memory-swap must be at least --memory (it is memory plus swap)");
        if (l->memory && l->memory_reservation > l->memory)
                return herr_set(err, 0, "--memory-reservation must not be above --memory");
        if (l->cpus && (l->cpu_quota != cpus_to_quota(atof(l->cpus)) ||
                        l->cpu_period != CPU_PERIOD_DEFAULT))
                return herr_set(err, 0, "conflicting options: --cpus and --cpu-period/--cpu-quota cannot both be set");
        if (l->cpu_period && (l->cpu_period < 1000 || l->cpu_period > 1000000))
                return herr_set(err, 0, "--cpu-period must be between 1000 (1ms) and 1000000 (1s)");
        if (l->cpu_quota && l->cpu_quota != -1 && l->cpu_quota < 1000)
                return herr_set(err, 0, "--cpu-quota must be at least 1000 (1ms)");
        if (l->cpu_shares < 0)
                return herr_set(err, 0, "--cpu-shares must not be negative");
        if (l->pids_limit < -2)
                return herr_set(err, 0, "--pids-limit must be -1 (unlimited) or more");
        char online[256];
        if (l->cpus && host_online("/sys/devices/system/cpu/online", online_cpus, online, sizeof online) == 0) {
                int n = count_cpus(online);
                if (n > 0 && atof(l->cpus) > n)
                        return herr_set(err, 0, "--cpus %s: range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available",
                                        l->cpus, n, n);
        }
        if (check_subset("cpuset-cpus", l->cpuset_cpus, "/sys/devices/system/cpu/online", online_cpus, err) < 0)
                return -1;
        return check_subset("cpuset-mems", l->cpuset_mems, "/sys/devices/system/node/online", NULL, err);
}

/* Docker's default device rules: nothing, except creating nodes and the
 * default devices every container has. */
static json_t *default_device_rules(void)
{
        static const struct {
                const char *type;
                int major, minor;
                const char *access;
        } allow[] = {
                { "c", -1, -1, "m" }, { "b", -1, -1, "m" },                         /* mknod */
                { "c", 1, 3, "rwm" }, { "c", 1, 5, "rwm" }, { "c", 1, 7, "rwm" },   /* null zero full */
                { "c", 1, 8, "rwm" }, { "c", 1, 9, "rwm" },                         /* random urandom */
                { "c", 5, 0, "rwm" }, { "c", 5, 1, "rwm" }, { "c", 5, 2, "rwm" },   /* tty console ptmx */
                { "c", 136, -1, "rwm" },                                            /* pts */
        };
        json_t *rules = json_pack("[{s:b, s:s}]", "allow", 0, "access", "rwm");
        for (size_t i = 0; i < ARRAY_SIZE(allow); i++) {
                json_t *r = json_pack("{s:b, s:s, s:s}", "allow", 1, "type", allow[i].type, "access", allow[i].access);
                if (allow[i].major >= 0)
                        json_object_set_new(r, "major", json_integer(allow[i].major));
                if (allow[i].minor >= 0)
                        json_object_set_new(r, "minor", json_integer(allow[i].minor));
                json_array_append_new(rules, r);
        }
        return rules;
}

json_t *limits_resources(const struct limits *l, int privileged)
{
        json_t *res = json_object();
        json_t *devs = privileged ? json_pack("[{s:b, s:s}]", "allow", 1, "access", "rwm") : default_device_rules();
        if (!privileged && l->device_rules)
                json_array_extend(devs, l->device_rules);
        json_object_set_new(res, "devices", devs);
        json_t *mem = json_object();
        if (l->memory)
                json_object_set_new(mem, "limit", json_integer(l->memory));
        if (l->memory_reservation)
                json_object_set_new(mem, "reservation", json_integer(l->memory_reservation));
        if (l->memory_swap)
                json_object_set_new(mem, "swap", json_integer(l->memory_swap));
        if (l->oom_kill_disable)
                json_object_set_new(mem, "disableOOMKiller", json_true());
        if (json_object_size(mem))
                json_object_set(res, "memory", mem);
        json_decref(mem);
        json_t *cpu = json_object();
        if (l->cpu_shares)
                json_object_set_new(cpu, "shares", json_integer(l->cpu_shares));
        if (l->cpu_quota)
                json_object_set_new(cpu, "quota", json_integer(l->cpu_quota));
        if (l->cpu_period)
                json_object_set_new(cpu, "period", json_integer(l->cpu_period));
        if (l->cpuset_cpus)
                json_object_set_new(cpu, "cpus", json_string(l->cpuset_cpus));
        if (l->cpuset_mems)
                json_object_set_new(cpu, "mems", json_string(l->cpuset_mems));
        if (json_object_size(cpu))
                json_object_set(res, "cpu", cpu);
        json_decref(cpu);
        if (l->pids_limit != -2)
                json_object_set_new(res, "pids", json_pack("{s:I}", "limit",
                                                           (json_int_t)(l->pids_limit <= 0 ? -1 : l->pids_limit)));
        return res;
}
