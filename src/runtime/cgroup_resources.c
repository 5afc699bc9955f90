/* OCI linux.resources, parsed and checked once into struct cg_resources,
 * before any cgroup exists: a wrong type is an error naming the field, an
 * unknown field is ignored (newer configs must keep working).  Also the
 * v1 -> v2 conversions, which are pure functions of the parsed values. */
#include "runtime/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/fs.h"

/* 0: absent or null; 1: *ret set; <0: error. */
static int get_int(const json_t *obj, const char *sect, const char *key, int64_t *ret, struct herr *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v))
                return herr_set(err, 0, "resources.%s.%s: expected an integer", sect, key);
        *ret = json_integer_value(v);
        return 1;
}

static int get_uint(const json_t *obj, const char *sect, const char *key, uint64_t *ret, struct herr *err)
{
        int64_t v = 0;
        int k = get_int(obj, sect, key, &v, err);
        if (k <= 0)
                return k;
        if (v < 0)
                return herr_set(err, 0, "resources.%s.%s: %" PRId64 " is negative", sect, key, v);
        *ret = (uint64_t)v;
        return 1;
}

/* A byte count or count where -1 means unlimited and 0 means not given. */
static int get_limit(const json_t *obj, const char *sect, const char *key, int *has, int64_t *ret,
                     struct herr *err)
{
        int64_t v = 0;
        int k = get_int(obj, sect, key, &v, err);
        if (k <= 0 || v == 0)
                return k;
        if (v < -1)
                return herr_set(err, 0, "resources.%s.%s: %" PRId64 " is neither -1 (unlimited) nor positive",
                                sect, key, v);
        *has = 1;
        *ret = v;
        return 1;
}

static int get_str(const json_t *obj, const char *sect, const char *key, char **ret, struct herr *err)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return herr_set(err, 0, "resources.%s.%s: expected a string", sect, key);
        if (!*json_string_value(v))
                return 0;
        *ret = xstrdup(json_string_value(v));
        return 1;
}

static int get_section(const json_t *res, const char *key, json_t **ret, struct herr *err)
{
        json_t *v = json_object_get(res, key);
        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_object(v))
                return herr_set(err, 0, "resources.%s: expected an object", key);
        *ret = v;
        return 1;
}

static int parse_memory(const json_t *m, struct cg_resources *r, struct herr *err)
{
        if (get_limit(m, "memory", "limit", &r->has_mem_limit, &r->mem_limit, err) < 0 ||
            get_limit(m, "memory", "reservation", &r->has_mem_reservation, &r->mem_reservation, err) < 0 ||
            get_limit(m, "memory", "swap", &r->has_mem_swap, &r->mem_swap, err) < 0)
                return -1;
        int64_t sw = 0;
        int k = get_int(m, "memory", "swappiness", &sw, err);
        if (k < 0)
                return -1;
        /* -1 is how Docker's API says "not given". */
        if (k && sw != -1) {
                if (sw < 0 || sw > 100)
                        return herr_set(err, 0, "resources.memory.swappiness: %" PRId64 " is not within 0..100", sw);
                r->has_swappiness = 1;
                r->swappiness = (uint64_t)sw;
        }
        json_t *oom = json_object_get(m, "disableOOMKiller");
        if (oom && !json_is_null(oom) && !json_is_boolean(oom))
                return herr_set(err, 0, "resources.memory.disableOOMKiller: expected a boolean");
        r->disable_oom_killer = json_is_true(oom);
        if (r->has_mem_limit && r->has_mem_swap && r->mem_limit > 0 && r->mem_swap > 0 && r->mem_swap < r->mem_limit)
                return herr_set(err, 0,
                                "resources.memory.swap %" PRId64 " is below the memory limit %" PRId64
                                " (it counts memory plus swap)",
                                r->mem_swap, r->mem_limit);
        return 0;
}

static int parse_cpu(const json_t *c, struct cg_resources *r, struct herr *err)
{
        int64_t q = 0;
        int k = get_int(c, "cpu", "quota", &q, err);
        if (k < 0)
                return -1;
        if (k && q < -1)
                return herr_set(err, 0, "resources.cpu.quota: %" PRId64 " is neither -1 (unlimited) nor positive", q);
        r->cpu_quota = k ? q : 0;
        if (get_uint(c, "cpu", "shares", &r->cpu_shares, err) < 0 ||
            get_uint(c, "cpu", "period", &r->cpu_period, err) < 0 ||
            get_str(c, "cpu", "cpus", &r->cpus, err) < 0 || get_str(c, "cpu", "mems", &r->mems, err) < 0)
                return -1;
        return 0;
}

static int parse_access(const char *s, unsigned *ret)
{
        unsigned a = 0;
        for (; *s; s++) {
                if (*s == 'r')
                        a |= CG_DEV_READ;
                else if (*s == 'w')
                        a |= CG_DEV_WRITE;
                else if (*s == 'm')
                        a |= CG_DEV_MKNOD;
                else
                        return -1;
        }
        *ret = a;
        return a ? 0 : -1;
}

/* major/minor: absent, null or -1 is "any". */
static int parse_devnum(const json_t *d, size_t i, const char *key, int64_t *ret, struct herr *err)
{
        json_t *v = json_object_get(d, key);
        *ret = -1;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > UINT32_MAX)
                return herr_set(err, 0, "resources.devices[%zu].%s: expected a device number or -1", i, key);
        *ret = json_integer_value(v);
        return 0;
}

static int parse_device(const json_t *d, size_t i, struct cg_dev_rule *rule, struct herr *err)
{
        if (!json_is_object(d))
                return herr_set(err, 0, "resources.devices[%zu]: expected an object", i);
        json_t *allow = json_object_get(d, "allow");
        if (!json_is_boolean(allow))
                return herr_set(err, 0, "resources.devices[%zu].allow: expected a boolean", i);
        rule->allow = json_is_true(allow);
        json_t *t = json_object_get(d, "type");
        const char *type = json_is_null(t) || !t ? "a" : json_string_value(t);
        if (!type || strlen(type) != 1 || !strchr("acb", type[0]))
                return herr_set(err, 0, "resources.devices[%zu].type: expected \"a\", \"c\" or \"b\"", i);
        rule->type = type[0];
        if (parse_devnum(d, i, "major", &rule->major, err) < 0 ||
            parse_devnum(d, i, "minor", &rule->minor, err) < 0)
                return -1;
        json_t *a = json_object_get(d, "access");
        const char *access = json_is_null(a) || !a ? "rwm" : json_string_value(a);
        if (!access || parse_access(access, &rule->access) < 0)
                return herr_set(err, 0, "resources.devices[%zu].access: expected some of \"rwm\"", i);
        return 0;
}

static int parse_devices(const json_t *a, struct cg_resources *r, struct herr *err)
{
        if (!a || json_is_null(a))
                return 0;
        if (!json_is_array(a))
                return herr_set(err, 0, "resources.devices: expected an array");
        r->devices = calloc(json_array_size(a) + 1, sizeof *r->devices);
        if (!r->devices)
                return herr_set(err, ENOMEM, "resources.devices");
        size_t i;
        json_t *d;
        json_array_foreach(a, i, d) {
                if (parse_device(d, i, &r->devices[i], err) < 0)
                        return -1;
                r->n_devices++;
        }
        return 0;
}

/* Keys name files in the cgroup directory: nothing may leave it. */
static int parse_unified(json_t *u, struct cg_resources *r, struct herr *err)
{
        if (!u || json_is_null(u))
                return 0;
        if (!json_is_object(u))
                return herr_set(err, 0, "resources.unified: expected an object");
        const char *k;
        json_t *v;
        json_object_foreach(u, k, v) {
                if (!strchr(k, '.') || strchr(k, '/') || k[0] == '.')
                        return herr_set(err, 0, "resources.unified: \"%s\" is not a cgroup file name", k);
                if (!json_is_string(v))
                        return herr_set(err, 0, "resources.unified.%s: expected a string", k);
        }
        r->unified = json_object_size(u) ? u : NULL;
        return 0;
}

/* [{"pageSize": "2MB", "limit": N}]: the size names a file, so only
 * digits and a unit. */
static int parse_hugepages(json_t *a, struct cg_resources *r, struct herr *err)
{
        if (!a || json_is_null(a))
                return 0;
        if (!json_is_array(a))
                return herr_set(err, 0, "resources.hugepageLimits: expected an array");
        size_t i;
        json_t *h;
        json_array_foreach(a, i, h) {
                const char *size = json_str(h, "pageSize");
                size_t n = size ? strspn(size, "0123456789") : 0;
                if (!n || !size[n] || !strchr("KMG", size[n]) || strcmp(size + n + 1, "B"))
                        return herr_set(err, 0, "resources.hugepageLimits[%zu].pageSize: expected a size like \"2MB\"", i);
                json_t *l = json_object_get(h, "limit");
                if (!json_is_integer(l) || json_integer_value(l) < 0)
                        return herr_set(err, 0, "resources.hugepageLimits[%zu].limit: expected a number of bytes", i);
        }
        r->hugepages = json_array_size(a) ? a : NULL;
        return 0;
}

int cg_resources_parse(json_t *j, struct cg_resources *r, struct herr *err)
{
        memset(r, 0, sizeof *r);
        if (!j || json_is_null(j))
                return 0;
        if (!json_is_object(j))
                return herr_set(err, 0, "resources: expected an object");
        json_t *m, *c, *p;
        int64_t pids = 0;
        int k;
        if (get_section(j, "memory", &m, err) < 0 || (m && parse_memory(m, r, err) < 0) ||
            get_section(j, "cpu", &c, err) < 0 || (c && parse_cpu(c, r, err) < 0) ||
            get_section(j, "pids", &p, err) < 0 || (k = get_int(p, "pids", "limit", &pids, err)) < 0 ||
            parse_devices(json_object_get(j, "devices"), r, err) < 0 ||
            parse_unified(json_object_get(j, "unified"), r, err) < 0 ||
            parse_hugepages(json_object_get(j, "hugepageLimits"), r, err) < 0) {
                cg_resources_free(r);
                return -1;
        }
        r->has_pids = k;
        r->pids_limit = k ? pids : 0;
        return 0;
}

void cg_resources_free(struct cg_resources *r)
{
        free(r->cpus);
        free(r->mems);
        free(r->devices);
        memset(r, 0, sizeof *r);
}

unsigned cg_resources_controllers(const struct cg_resources *r)
{
        unsigned m = 0;
        if (r->has_mem_limit || r->has_mem_reservation || r->has_mem_swap || r->has_swappiness ||
            r->disable_oom_killer)
                m |= CG_BIT(CG_MEMORY);
        if (r->cpu_shares || r->cpu_quota || r->cpu_period)
                m |= CG_BIT(CG_CPU);
        if (r->cpus || r->mems)
                m |= CG_BIT(CG_CPUSET);
        if (r->has_pids)
                m |= CG_BIT(CG_PIDS);
        if (r->hugepages)
                m |= CG_BIT(CG_HUGETLB);
        const char *k;
        json_t *v;
        json_object_foreach(r->unified, k, v) {
                int c = cg_ctrl_from_name(k, strcspn(k, "."));
                if (c >= 0)
                        m |= CG_BIT(c);
        }
        return m;
}

uint64_t cg_shares_to_weight(uint64_t shares)
{
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + ((shares - 2) * 9999) / 262142;
}

int cg_swap_v2(const struct cg_resources *r, int64_t *ret, struct herr *err)
{
        if (!r->has_mem_swap)
                return 0;
        if (r->mem_swap == -1) {
                *ret = -1;
                return 0;
        }
        if (!r->has_mem_limit || r->mem_limit == -1)
                return herr_set(err, 0, "a swap limit needs a memory limit");
        if (r->mem_swap < r->mem_limit)
                return herr_set(err, 0, "memory+swap %" PRId64 " is below the memory limit %" PRId64, r->mem_swap,
                                r->mem_limit);
        *ret = r->mem_swap - r->mem_limit;
        return 0;
}

void cg_cpu_max(const struct cg_resources *r, char *buf, size_t size)
{
        buf[0] = '\0';
        if (!r->cpu_quota && !r->cpu_period)
                return;
        int n = r->cpu_quota > 0 ? snprintf(buf, size, "%" PRId64, r->cpu_quota) : snprintf(buf, size, "max");
        if (r->cpu_period && n > 0 && (size_t)n < size)
                snprintf(buf + n, size - (size_t)n, " %" PRIu64, r->cpu_period);
}
