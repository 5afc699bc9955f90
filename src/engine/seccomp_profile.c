#include "engine/seccomp_profile.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "base/cleanup.h"
#include "base/json.h"

/* The architecture hull itself runs as: a filter applies to the process
 * that installs it, so the build target is what counts, not uname. */
#if defined(__x86_64__)
#define NATIVE_SCMP_ARCH "SCMP_ARCH_X86_64"
static const char *const native_names[] = { "amd64", "x86_64", NULL };
#elif defined(__i386__)
#define NATIVE_SCMP_ARCH "SCMP_ARCH_X86"
static const char *const native_names[] = { "x86", "386", "i386", NULL };
#elif defined(__aarch64__)
#define NATIVE_SCMP_ARCH "SCMP_ARCH_AARCH64"
static const char *const native_names[] = { "arm64", "aarch64", NULL };
#elif defined(__arm__)
#define NATIVE_SCMP_ARCH "SCMP_ARCH_ARM"
static const char *const native_names[] = { "arm", NULL };
#elif defined(__s390x__)
#define NATIVE_SCMP_ARCH "SCMP_ARCH_S390X"
static const char *const native_names[] = { "s390x", NULL };
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_SCMP_ARCH "SCMP_ARCH_PPC64LE"
static const char *const native_names[] = { "ppc64le", NULL };
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_SCMP_ARCH "SCMP_ARCH_RISCV64"
static const char *const native_names[] = { "riscv64", NULL };
#else
#error "hull: no seccomp architecture mapping for this target"
#endif

static int is_native_arch(const char *name)
{
        for (size_t i = 0; native_names[i]; i++)
                if (strcmp(name, native_names[i]) == 0)
                        return 1;
        return 0;
}

/* "CAP_SYS_ADMIN", "cap_sys_admin" and "SYS_ADMIN" all name one capability. */
static const char *cap_base(const char *c)
{
        return strncasecmp(c, "CAP_", 4) == 0 ? c + 4 : c;
}

static int has_cap(char *const *caps, const char *cap)
{
        for (size_t i = 0; caps && caps[i]; i++)
                if (strcasecmp(cap_base(caps[i]), cap_base(cap)) == 0)
                        return 1;
        return 0;
}

/* "4.8" (a patch level, if any, is ignored) into major * 1000 + minor. */
static int parse_version(const char *s, long *ret)
{
        char *end;
        if (!isdigit((unsigned char)s[0]))
                return -1;
        long major = strtol(s, &end, 10);
        if (*end != '.' || !isdigit((unsigned char)end[1]))
                return -1;
        long minor = strtol(end + 1, &end, 10);
        if (major > 100000 || minor > 999)
                return -1;
        *ret = major * 1000 + minor;
        return 0;
}

static int kernel_at_least(const char *min, const char *path, int *ret, struct herr *err)
{
        long want, have;
        if (parse_version(min, &want) < 0)
                return herr_set(err, 0, "seccomp profile: %s: expected a kernel version like \"4.8\", not \"%s\"",
                                path, min);
        struct utsname u;
        if (uname(&u) < 0)
                return herr_set(err, errno, "seccomp profile: %s: reading the kernel version", path);
        if (parse_version(u.release, &have) < 0)
                return herr_set(err, 0, "seccomp profile: %s: cannot parse the kernel version \"%s\"",
                                path, u.release);
        *ret = have >= want;
        return 0;
}

static int check_strings(const json_t *a, const char *path, struct herr *err)
{
        if (!json_is_array(a))
                return herr_set(err, 0, "seccomp profile: %s: expected an array of strings", path);
        size_t i;
        json_t *s;
        json_array_foreach(a, i, s)
                if (!json_is_string(s))
                        return herr_set(err, 0, "seccomp profile: %s[%zu]: expected a string", path, i);
        return 0;
}

/* Conditions of an includes/excludes filter: how many, how many hold. */
struct tally {
        int conds, hits;
};

static int tally_arches(const json_t *arches, const char *path, struct tally *t, struct herr *err)
{
        if (!arches || json_is_null(arches))
                return 0;
        if (check_strings(arches, path, err) < 0)
                return -1;
        if (json_array_size(arches) == 0)
                return 0;
        int in = 0;
        size_t i;
        json_t *a;
        json_array_foreach(arches, i, a)
                in |= is_native_arch(json_string_value(a));
        t->conds++;
        t->hits += in;
        return 0;
}

static int tally_caps(const json_t *fcaps, char *const *caps, const char *path, struct tally *t,
                      struct herr *err)
{
        if (!fcaps || json_is_null(fcaps))
                return 0;
        if (check_strings(fcaps, path, err) < 0)
                return -1;
        size_t i;
        json_t *c;
        json_array_foreach(fcaps, i, c) {
                t->conds++;
                t->hits += has_cap(caps, json_string_value(c));
        }
        return 0;
}

static int tally_kernel(const json_t *mk, const char *path, struct tally *t, struct herr *err)
{
        if (!mk || json_is_null(mk))
                return 0;
        if (!json_is_string(mk))
                return herr_set(err, 0, "seccomp profile: %s: expected a string", path);
        int ok = 0;
        if (kernel_at_least(json_string_value(mk), path, &ok, err) < 0)
                return -1;
        t->conds++;
        t->hits += ok;
        return 0;
}

/* Whether an includes (want_all) or excludes (!want_all) filter matches
 * this container.  includes matches when every condition given holds
 * (the arch is listed, all caps are held, the kernel is new enough);
 * excludes matches when any one does.  An empty filter: no opinion. */
static int filter_matches(const json_t *f, int want_all, char *const *caps, const char *path,
                          int *ret, struct herr *err)
{
        char pa[128], pc[128], pk[128];
        struct tally t = { 0 };
        *ret = want_all;
        if (!f || json_is_null(f))
                return 0;
        if (!json_is_object(f))
                return herr_set(err, 0, "seccomp profile: %s: expected an object", path);
        snprintf(pa, sizeof pa, "%s.arches", path);
        snprintf(pc, sizeof pc, "%s.caps", path);
        snprintf(pk, sizeof pk, "%s.minKernel", path);
        if (tally_arches(json_object_get(f, "arches"), pa, &t, err) < 0 ||
            tally_caps(json_object_get(f, "caps"), caps, pc, &t, err) < 0 ||
            tally_kernel(json_object_get(f, "minKernel"), pk, &t, err) < 0)
                return -1;
        *ret = want_all ? t.conds == 0 || t.hits == t.conds : t.hits > 0;
        return 0;
}

static int copy_names(const json_t *call, const char *path, json_t **ret, struct herr *err)
{
        json_t *names = json_object_get(call, "names");
        json_t *name = json_object_get(call, "name");
        char p[96];
        if (name && !json_is_null(name)) {
                if (names && !json_is_null(names) && json_array_size(names) > 0)
                        return herr_set(err, 0, "seccomp profile: %s: both name and names are given", path);
                if (!json_is_string(name))
                        return herr_set(err, 0, "seccomp profile: %s.name: expected a string", path);
                *ret = json_pack("[O]", name);
                return *ret ? 0 : herr_set(err, ENOMEM, "seccomp profile: %s", path);
        }
        snprintf(p, sizeof p, "%s.names", path);
        if (!names || json_is_null(names) || json_array_size(names) == 0)
                return herr_set(err, 0, "seccomp profile: %s: missing or empty", p);
        if (check_strings(names, p, err) < 0)
                return -1;
        *ret = json_deep_copy(names);
        return *ret ? 0 : herr_set(err, ENOMEM, "seccomp profile: %s", p);
}

/* One entry of Docker's syscalls into OCI form, or nothing when its
 * includes/excludes leave it out for this container. */
static int convert_call(const json_t *call, size_t i, char *const *caps, json_t *out, struct herr *err)
{
        char path[64], p[96];
        snprintf(path, sizeof path, "syscalls[%zu]", i);
        if (!json_is_object(call))
                return herr_set(err, 0, "seccomp profile: %s: expected an object", path);

        int excluded, included;
        snprintf(p, sizeof p, "%s.excludes", path);
        if (filter_matches(json_object_get(call, "excludes"), 0, caps, p, &excluded, err) < 0)
                return -1;
        snprintf(p, sizeof p, "%s.includes", path);
        if (filter_matches(json_object_get(call, "includes"), 1, caps, p, &included, err) < 0)
                return -1;

        _cleanup_json_ json_t *names = NULL;
        if (copy_names(call, path, &names, err) < 0)
                return -1;
        json_t *action = json_object_get(call, "action");
        if (!json_is_string(action))
                return herr_set(err, 0, "seccomp profile: %s.action: missing or not a string", path);
        json_t *errno_ret = json_object_get(call, "errnoRet");
        if (errno_ret && !json_is_null(errno_ret) && !json_is_integer(errno_ret))
                return herr_set(err, 0, "seccomp profile: %s.errnoRet: expected an integer", path);
        json_t *args = json_object_get(call, "args");
        if (args && !json_is_null(args) && !json_is_array(args))
                return herr_set(err, 0, "seccomp profile: %s.args: expected an array", path);
        if (excluded || !included)
                return 0;

        _cleanup_json_ json_t *o = json_pack("{s:O,s:O}", "names", names, "action", action);
        if (!o)
                return herr_set(err, ENOMEM, "seccomp profile: %s", path);
        if (json_is_integer(errno_ret) && json_object_set(o, "errnoRet", errno_ret) < 0)
                return herr_set(err, ENOMEM, "seccomp profile: %s", path);
        if (json_array_size(args) > 0 && json_object_set_new(o, "args", json_deep_copy(args)) < 0)
                return herr_set(err, ENOMEM, "seccomp profile: %s", path);
        if (json_array_append(out, o) < 0)
                return herr_set(err, ENOMEM, "seccomp profile: %s", path);
        return 0;
}

/* archMap lists, per main architecture, the ones its kernel also runs;
 * the container gets the entry of the architecture hull runs on. */
static int convert_arches(const json_t *profile, json_t *oci, struct herr *err)
{
        json_t *list = json_object_get(profile, "architectures");
        json_t *map = json_object_get(profile, "archMap");
        int has_list = list && !json_is_null(list) && json_array_size(list) > 0;
        int has_map = map && !json_is_null(map) && json_array_size(map) > 0;
        if (has_list && has_map)
                return herr_set(err, 0, "seccomp profile: both architectures and archMap are given");
        if (list && !json_is_null(list) && check_strings(list, "architectures", err) < 0)
                return -1;
        if (map && !json_is_null(map) && !json_is_array(map))
                return herr_set(err, 0, "seccomp profile: archMap: expected an array");
        if (has_list)
                return json_object_set_new(oci, "architectures", json_deep_copy(list)) < 0 ?
                        herr_set(err, ENOMEM, "seccomp profile: architectures") : 0;

        size_t i;
        json_t *m;
        json_array_foreach(map, i, m) {
                char p[64];
                snprintf(p, sizeof p, "archMap[%zu]", i);
                const char *arch = json_string_value(json_object_get(m, "architecture"));
                if (!json_is_object(m) || !arch)
                        return herr_set(err, 0, "seccomp profile: %s.architecture: missing or not a string", p);
                json_t *subs = json_object_get(m, "subArchitectures");
                snprintf(p, sizeof p, "archMap[%zu].subArchitectures", i);
                if (subs && !json_is_null(subs) && check_strings(subs, p, err) < 0)
                        return -1;
                if (strcmp(arch, NATIVE_SCMP_ARCH) != 0)
                        continue;
                json_t *out = json_pack("[s]", arch);
                if (!out || json_object_set_new(oci, "architectures", out) < 0 ||
                    (json_is_array(subs) && json_array_extend(out, subs) < 0))
                        return herr_set(err, ENOMEM, "seccomp profile: archMap");
                break;
        }
        return 0;
}

/* Fields that pass through unchanged, with the JSON type each must have. */
static int copy_plain(const json_t *profile, json_t *oci, struct herr *err)
{
        static const struct {
                const char *key;
                json_type type;
        } fields[] = {
                { "defaultAction", JSON_STRING },
                { "defaultErrnoRet", JSON_INTEGER },
                { "listenerPath", JSON_STRING },
                { "listenerMetadata", JSON_STRING },
                { "flags", JSON_ARRAY },
        };
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
                json_t *v = json_object_get(profile, fields[i].key);
                if (!v || json_is_null(v))
                        continue;
                if (json_typeof(v) != fields[i].type)
                        return herr_set(err, 0, "seccomp profile: %s: expected %s", fields[i].key,
                                        fields[i].type == JSON_STRING ? "a string" :
                                        fields[i].type == JSON_INTEGER ? "an integer" : "an array of strings");
                if (fields[i].type == JSON_ARRAY && check_strings(v, fields[i].key, err) < 0)
                        return -1;
                if (json_object_set_new(oci, fields[i].key, json_deep_copy(v)) < 0)
                        return herr_set(err, ENOMEM, "seccomp profile: %s", fields[i].key);
        }
        return 0;
}

int seccomp_profile_to_oci(json_t *profile, char *const *caps, json_t **ret, struct herr *err)
{
        *ret = NULL;
        if (!json_is_object(profile))
                return herr_set(err, 0, "seccomp profile: expected a JSON object");
        json_t *calls = json_object_get(profile, "syscalls");
        if (calls && !json_is_null(calls) && !json_is_array(calls))
                return herr_set(err, 0, "seccomp profile: syscalls: expected an array");
        /* As in Docker: a profile without a default action and without
         * rules means "no filter" (*ret stays NULL). */
        if (!json_object_get(profile, "defaultAction") && json_array_size(calls) == 0)
                return 0;
        if (!json_is_string(json_object_get(profile, "defaultAction")))
                return herr_set(err, 0, "seccomp profile: defaultAction: missing or not a string");

        _cleanup_json_ json_t *oci = json_object();
        json_t *out = json_array();
        if (!oci || !out || json_object_set_new(oci, "syscalls", out) < 0)
                return herr_set(err, ENOMEM, "seccomp profile");
        if (copy_plain(profile, oci, err) < 0 || convert_arches(profile, oci, err) < 0)
                return -1;
        size_t i;
        json_t *call;
        json_array_foreach(calls, i, call)
                if (convert_call(call, i, caps, out, err) < 0)
                        return -1;
        *ret = TAKE_PTR(oci);
        return 0;
}
