/* config.json -> struct oci_spec.  Validation happens here, before any
 * privileged step, so that a bad config is one clean error. */
#include "runtime/spec.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "runtime/hooks.h"

struct mount_opt {
        const char *name;
        int clear;
        unsigned long flag;
};

static const struct mount_opt mount_opts[] = {
        { "defaults", 0, 0 },
        { "ro", 0, MS_RDONLY },
        { "rw", 1, MS_RDONLY },
        { "suid", 1, MS_NOSUID },
        { "nosuid", 0, MS_NOSUID },
        { "dev", 1, MS_NODEV },
        { "nodev", 0, MS_NODEV },
        { "exec", 1, MS_NOEXEC },
        { "noexec", 0, MS_NOEXEC },
        { "sync", 0, MS_SYNCHRONOUS },
        { "async", 1, MS_SYNCHRONOUS },
        { "dirsync", 0, MS_DIRSYNC },
        { "remount", 0, MS_REMOUNT },
        { "mand", 0, MS_MANDLOCK },
        { "nomand", 1, MS_MANDLOCK },
        { "atime", 1, MS_NOATIME },
        { "noatime", 0, MS_NOATIME },
        { "diratime", 1, MS_NODIRATIME },
        { "nodiratime", 0, MS_NODIRATIME },
        { "relatime", 0, MS_RELATIME },
        { "norelatime", 1, MS_RELATIME },
        { "strictatime", 0, MS_STRICTATIME },
        { "nostrictatime", 1, MS_STRICTATIME },
        { "bind", 0, MS_BIND },
        { "rbind", 0, MS_BIND | MS_REC },
};

static const struct mount_opt propagation_opts[] = {
        { "private", 0, MS_PRIVATE },
        { "rprivate", 0, MS_PRIVATE | MS_REC },
        { "shared", 0, MS_SHARED },
        { "rshared", 0, MS_SHARED | MS_REC },
        { "slave", 0, MS_SLAVE },
        { "rslave", 0, MS_SLAVE | MS_REC },
        { "unbindable", 0, MS_UNBINDABLE },
        { "runbindable", 0, MS_UNBINDABLE | MS_REC },
};

static const struct mount_opt recursive_opts[] = {
        { "rnosuid", 0, MS_NOSUID },     { "rsuid", 1, MS_NOSUID },
        { "rnodev", 0, MS_NODEV },       { "rdev", 1, MS_NODEV },
        { "rnoexec", 0, MS_NOEXEC },     { "rexec", 1, MS_NOEXEC },
        { "rnoatime", 0, MS_NOATIME },   { "ratime", 1, MS_NOATIME },
        { "rnodiratime", 0, MS_NODIRATIME }, { "rdiratime", 1, MS_NODIRATIME },
        { "rstrictatime", 0, MS_STRICTATIME }, { "rrelatime", 0, MS_RELATIME },
};

static const char *const ignored_opts[] = {
        "z", "Z", "U", "tmpcopyup", "notmpcopyup", "copy-symlink", "nocopyup", "copyup",
};

static int propagation_from_name(const char *s, unsigned long *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(propagation_opts); i++)
                if (!strcmp(s, propagation_opts[i].name)) {
                        *ret = propagation_opts[i].flag;
                        return 0;
                }
        return -1;
}

static int append_data(char **data, const char *opt)
{
        char *n = *data ? xasprintf("%s,%s", *data, opt) : xstrdup(opt);
        free(*data);
        *data = n;
        return 0;
}

static int parse_mount_options(json_t *opts, struct rt_mount *m, struct herr *err)
{
        size_t i;
        json_t *o;
        if (opts && !json_is_array(opts))
                return herr_set(err, 0, "mount %s: options: expected an array", m->destination);
        json_array_foreach(opts, i, o) {
                const char *s = json_string_value(o);
                if (!s)
                        return herr_set(err, 0, "mount %s: options[%zu]: expected a string",
                                        m->destination, i);
                int done = 0;
                for (size_t k = 0; k < ARRAY_SIZE(mount_opts) && !done; k++) {
                        if (strcmp(s, mount_opts[k].name))
                                continue;
                        if (mount_opts[k].clear)
                                m->flags &= ~mount_opts[k].flag;
                        else
                                m->flags |= mount_opts[k].flag;
                        done = 1;
                }
                if (!done && propagation_from_name(s, &m->propagation) == 0)
                        done = 1;
                if (!done && !strcmp(s, "rro")) {
                        m->recursive_ro = 1;
                        m->flags |= MS_RDONLY;
                        done = 1;
                }
                if (!done && !strcmp(s, "rrw"))
                        done = 1;
                /* The recursive forms of the attributes (mount_setattr with
                 * AT_RECURSIVE), as runc spells them. */
                for (size_t k = 0; k < ARRAY_SIZE(recursive_opts) && !done; k++)
                        if (!strcmp(s, recursive_opts[k].name)) {
                                if (recursive_opts[k].clear)
                                        m->flags &= ~recursive_opts[k].flag;
                                else
                                        m->flags |= recursive_opts[k].flag;
                                m->recursive_ro = 1;
                                done = 1;
                        }
                /* Options for other runtimes' extras (SELinux relabels,
                 * tmpfs copy-up, rootless ownership): not mount data, and
                 * nothing the kernel would take. */
                for (size_t k = 0; k < ARRAY_SIZE(ignored_opts) && !done; k++)
                        if (!strcmp(s, ignored_opts[k]))
                                done = 1;
                if (!done)
                        append_data(&m->data, s);
        }
        return 0;
}

/* runc runs in the bundle directory: a relative bind source is the
 * bundle's. */
static char *bind_source(const struct oci_spec *s, const char *src)
{
        if (src[0] == '/' || !s->bundle)
                return xstrdup(src);
        return xasprintf("%s/%s", s->bundle, src);
}

static int parse_mounts(struct oci_spec *s, struct herr *err)
{
        json_t *mounts = json_object_get(s->json, "mounts");
        if (!mounts)
                return 0;
        if (!json_is_array(mounts))
                return herr_set(err, 0, "mounts: expected an array");
        s->n_mounts = json_array_size(mounts);
        s->mounts = calloc(s->n_mounts ? s->n_mounts : 1, sizeof *s->mounts);
        if (!s->mounts)
                return herr_set(err, ENOMEM, "mounts");
        size_t i;
        json_t *j;
        json_array_foreach(mounts, i, j) {
                struct rt_mount *m = &s->mounts[i];
                const char *dst = json_str(j, "destination");
                if (!dst || dst[0] != '/')
                        return herr_set(err, 0, "mounts[%zu]: destination must be an absolute path", i);
                m->destination = xstrdup(dst);
                const char *type = json_str(j, "type");
                const char *src = json_str(j, "source");
                m->type = xstrdup(type ? type : "none");
                m->source = src ? xstrdup(src) : NULL;
                if (parse_mount_options(json_object_get(j, "options"), m, err) < 0)
                        return -1;
                if (!strcmp(m->type, "bind"))
                        m->flags |= MS_BIND;
                if ((m->flags & MS_BIND) && !m->source)
                        return herr_set(err, 0, "mount %s: a bind mount needs a source", dst);
                if (m->flags & MS_BIND) {
                        char *abs = bind_source(s, m->source);
                        free(m->source);
                        m->source = abs;
                }
        }
        return 0;
}

static const struct {
        const char *name;
        int flag;
} ns_types[] = {
        { "pid", CLONE_NEWPID },       { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
        { "ipc", CLONE_NEWIPC },       { "uts", CLONE_NEWUTS },     { "user", CLONE_NEWUSER },
        { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

static int parse_namespaces(struct oci_spec *s, json_t *lx, struct herr *err)
{
        json_t *nss = json_object_get(lx, "namespaces");
        if (!nss)
                return 0;
        if (!json_is_array(nss))
                return herr_set(err, 0, "linux.namespaces: expected an array");
        s->namespaces = calloc(json_array_size(nss) + 1, sizeof *s->namespaces);
        if (!s->namespaces)
                return herr_set(err, ENOMEM, "namespaces");
        size_t i;
        json_t *j;
        json_array_foreach(nss, i, j) {
                const char *type = json_str(j, "type");
                int flag = 0;
                for (size_t k = 0; type && k < ARRAY_SIZE(ns_types); k++)
                        if (!strcmp(type, ns_types[k].name))
                                flag = ns_types[k].flag;
                if (!flag)
                        return herr_set(err, 0, "linux.namespaces[%zu]: unknown type '%s'", i,
                                        type ? type : "");
                for (size_t k = 0; k < s->n_namespaces; k++)
                        if (s->namespaces[k].type == flag)
                                return herr_set(err, 0, "linux.namespaces: '%s' given twice", type);
                const char *path = json_str(j, "path");
                s->namespaces[s->n_namespaces].type = flag;
                s->namespaces[s->n_namespaces].path = path && *path ? xstrdup(path) : NULL;
                s->n_namespaces++;
        }
        return 0;
}

static int parse_devices(struct oci_spec *s, json_t *lx, struct herr *err)
{
        json_t *devs = json_object_get(lx, "devices");
        if (!devs)
                return 0;
        if (!json_is_array(devs))
                return herr_set(err, 0, "linux.devices: expected an array");
        s->devices = calloc(json_array_size(devs) + 1, sizeof *s->devices);
        if (!s->devices)
                return herr_set(err, ENOMEM, "devices");
        size_t i;
        json_t *j;
        json_array_foreach(devs, i, j) {
                struct rt_device *d = &s->devices[i];
                const char *path = json_str(j, "path"), *type = json_str(j, "type");
                if (!path || path[0] != '/')
                        return herr_set(err, 0, "linux.devices[%zu]: path must be absolute", i);
                if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
                        return herr_set(err, 0, "linux.devices[%zu]: type must be c, b, u or p", i);
                d->path = xstrdup(path);
                d->type = type[0];
                d->major = json_int(j, "major", 0);
                d->minor = json_int(j, "minor", 0);
                d->mode = (mode_t)json_int(j, "fileMode", 0666);
                d->uid = (uid_t)json_int(j, "uid", 0);
                d->gid = (gid_t)json_int(j, "gid", 0);
                s->n_devices++;
        }
        return 0;
}

static int parse_caps(struct rt_process *p, json_t *caps, struct herr *err)
{
        static const char *const sets[RT_CAP_NSETS] = {
                "bounding", "effective", "inheritable", "permitted", "ambient",
        };
        if (!caps)
                return 0;
        p->has_caps = 1;
        for (int k = 0; k < RT_CAP_NSETS; k++) {
                json_t *a = json_object_get(caps, sets[k]);
                size_t i;
                json_t *c;
                if (a && !json_is_array(a))
                        return herr_set(err, 0, "process.capabilities.%s: expected an array", sets[k]);
                json_array_foreach(a, i, c) {
                        const char *name = json_string_value(c);
                        int cap = name ? rt_cap_from_name(name) : -1;
                        if (cap < 0)
                                return herr_set(err, 0, "process.capabilities.%s: unknown capability '%s'",
                                                sets[k], name ? name : "");
                        /* A capability newer than this kernel cannot be held; skip it
                         * as runc and crun do, so one config serves several kernels. */
                        if (cap > rt_cap_last())
                                continue;
                        p->caps[k] |= 1ULL << cap;
                }
        }
        return 0;
}

static int parse_rlimits(struct rt_process *p, json_t *rl, struct herr *err)
{
        if (!rl)
                return 0;
        if (!json_is_array(rl))
                return herr_set(err, 0, "process.rlimits: expected an array");
        p->rlimits = calloc(json_array_size(rl) + 1, sizeof *p->rlimits);
        if (!p->rlimits)
                return herr_set(err, ENOMEM, "rlimits");
        size_t i;
        json_t *j;
        json_array_foreach(rl, i, j) {
                const char *type = json_str(j, "type");
                int res = type ? rt_rlimit_from_name(type) : -1;
                if (res < 0)
                        return herr_set(err, 0, "process.rlimits[%zu]: unknown type '%s'", i,
                                        type ? type : "");
                p->rlimits[i].resource = res;
                p->rlimits[i].soft = (uint64_t)json_integer_value(json_object_get(j, "soft"));
                p->rlimits[i].hard = (uint64_t)json_integer_value(json_object_get(j, "hard"));
                if (p->rlimits[i].soft > p->rlimits[i].hard)
                        return herr_set(err, 0, "process.rlimits: %s soft limit above hard limit", type);
                p->n_rlimits++;
        }
        return 0;
}

static int check_types(json_t *pj, struct herr *err)
{
        static const struct {
                const char *obj, *key;
                json_type type;
        } want[] = {
                { NULL, "terminal", JSON_TRUE },      { NULL, "noNewPrivileges", JSON_TRUE },
                { NULL, "oomScoreAdj", JSON_INTEGER }, { NULL, "user", JSON_OBJECT },
                { NULL, "cwd", JSON_STRING },         { NULL, "capabilities", JSON_OBJECT },
                { "user", "uid", JSON_INTEGER },      { "user", "gid", JSON_INTEGER },
                { "user", "umask", JSON_INTEGER },    { "user", "additionalGids", JSON_ARRAY },
                { "consoleSize", "height", JSON_INTEGER }, { "consoleSize", "width", JSON_INTEGER },
        };
        for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
                json_t *o = want[i].obj ? json_object_get(pj, want[i].obj) : pj;
                json_t *v = json_object_get(o, want[i].key);
                if (!v || json_is_null(v))
                        continue;
                int ok = want[i].type == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == want[i].type;
                if (want[i].type == JSON_INTEGER && ok && json_integer_value(v) < 0 &&
                    strcmp(want[i].key, "oomScoreAdj"))
                        ok = 0;
                if (!ok)
                        return herr_set(err, 0, "process.%s%s%s: invalid value", want[i].obj ? want[i].obj : "",
                                        want[i].obj ? "." : "", want[i].key);
        }
        json_t *oom = json_object_get(pj, "oomScoreAdj");
        if (json_is_integer(oom) && (json_integer_value(oom) < -1000 || json_integer_value(oom) > 1000))
                return herr_set(err, 0, "process.oomScoreAdj: %lld is outside -1000..1000",
                                (long long)json_integer_value(oom));
        return 0;
}

void rt_process_free(struct rt_process *p)
{
        strv_free(p->args);
        strv_free(p->env);
        free(p->cwd);
        free(p->additional_gids);
        free(p->rlimits);
        *p = (struct rt_process){ 0 };
}

int rt_process_parse(json_t *pj, struct rt_process *p, struct herr *err)
{
        if (!json_is_object(pj))
                return herr_set(err, 0, "process: missing");
        if (check_types(pj, err) < 0)
                return -1;
        p->terminal = json_bool(pj, "terminal", 0);
        json_t *cs = json_object_get(pj, "consoleSize");
        p->console_rows = (unsigned short)json_int(cs, "height", 0);
        p->console_cols = (unsigned short)json_int(cs, "width", 0);
        json_t *user = json_object_get(pj, "user");
        p->uid = (uid_t)json_int(user, "uid", 0);
        p->gid = (gid_t)json_int(user, "gid", 0);
        json_t *umask = json_object_get(user, "umask");
        if (json_is_integer(umask)) {
                p->has_umask = 1;
                p->umask = (mode_t)json_integer_value(umask);
        }
        json_t *gids = json_object_get(user, "additionalGids");
        if (json_is_array(gids)) {
                p->additional_gids = calloc(json_array_size(gids) + 1, sizeof(gid_t));
                if (!p->additional_gids)
                        return herr_set(err, ENOMEM, "additionalGids");
                size_t i;
                json_t *g;
                json_array_foreach(gids, i, g) {
                        if (!json_is_integer(g))
                                return herr_set(err, 0, "process.user.additionalGids[%zu]: expected a number", i);
                        p->additional_gids[p->n_additional_gids++] = (gid_t)json_integer_value(g);
                }
        }
        if (json_strv(pj, "args", &p->args, err) < 0 || json_strv(pj, "env", &p->env, err) < 0)
                return herr_wrap(err, "process");
        if (!p->args[0] || !p->args[0][0])
                return herr_set(err, 0, "process.args: no command given");
        const char *cwd = json_str(pj, "cwd");
        if (!cwd || cwd[0] != '/')
                return herr_set(err, 0, "process.cwd must be an absolute path");
        p->cwd = xstrdup(cwd);
        if (parse_caps(p, json_object_get(pj, "capabilities"), err) < 0)
                return -1;
        if (parse_rlimits(p, json_object_get(pj, "rlimits"), err) < 0)
                return -1;
        p->no_new_privileges = json_bool(pj, "noNewPrivileges", 0);
        json_t *oom = json_object_get(pj, "oomScoreAdj");
        if (json_is_integer(oom)) {
                p->has_oom_score_adj = 1;
                p->oom_score_adj = (int)json_integer_value(oom);
        }
        return 0;
}

static int parse_process(struct oci_spec *s, struct herr *err)
{
        return rt_process_parse(json_object_get(s->json, "process"), &s->process, err);
}

static int parse_root(struct oci_spec *s, const char *bundle, struct herr *err)
{
        json_t *root = json_object_get(s->json, "root");
        const char *path = json_str(root, "path");
        if (!path || !*path)
                return herr_set(err, 0, "root.path: missing");
        if (path[0] == '/')
                s->root_path = xstrdup(path);
        else if (bundle)
                s->root_path = xasprintf("%s/%s", bundle, path);
        else
                return herr_set(err, 0, "root.path: '%s' is relative and there is no bundle", path);
        s->root_readonly = json_bool(root, "readonly", 0);
        return 0;
}

static int parse_idmaps(json_t *lx, const char *key, struct rt_idmap **ret, size_t *ret_n, struct herr *err)
{
        json_t *a = json_object_get(lx, key);
        if (!a || json_is_null(a))
                return 0;
        if (!json_is_array(a))
                return herr_set(err, 0, "linux.%s: expected an array", key);
        *ret = calloc(json_array_size(a) + 1, sizeof **ret);
        if (!*ret)
                return herr_set(err, ENOMEM, "linux.%s", key);
        size_t i;
        json_t *j;
        json_array_foreach(a, i, j) {
                static const char *const f[] = { "containerID", "hostID", "size" };
                long long v[3];
                for (int k = 0; k < 3; k++) {
                        json_t *x = json_object_get(j, f[k]);
                        v[k] = json_is_integer(x) ? json_integer_value(x) : -1;
                        if (v[k] < 0 || v[k] > UINT32_MAX || (k == 2 && v[k] == 0))
                                return herr_set(err, 0, "linux.%s[%zu].%s: invalid value", key, i, f[k]);
                }
                (*ret)[i] = (struct rt_idmap){ (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2] };
                (*ret_n)++;
        }
        return 0;
}

static int parse_personality(struct oci_spec *s, json_t *lx, struct herr *err)
{
        json_t *p = json_object_get(lx, "personality");
        if (!p || json_is_null(p))
                return 0;
        const char *domain = json_str(p, "domain");
        if (domain && !strcmp(domain, "LINUX"))
                s->personality = PER_LINUX;
        else if (domain && !strcmp(domain, "LINUX32"))
                s->personality = PER_LINUX32;
        else
                return herr_set(err, 0, "linux.personality.domain: unknown value '%s'", domain ? domain : "");
        json_t *flags = json_object_get(p, "flags");
        if (flags && json_array_size(flags))
                return herr_set(err, 0, "linux.personality.flags: not supported");
        s->has_personality = 1;
        return 0;
}

static int parse_linux(struct oci_spec *s, struct herr *err)
{
        json_t *lx = json_object_get(s->json, "linux");
        if (!lx)
                return 0;
        if (parse_namespaces(s, lx, err) < 0 || parse_devices(s, lx, err) < 0)
                return -1;
        if (json_strv(lx, "maskedPaths", &s->masked_paths, err) < 0 ||
            json_strv(lx, "readonlyPaths", &s->readonly_paths, err) < 0)
                return herr_wrap(err, "linux");
        const char *prop = json_str(lx, "rootfsPropagation");
        s->rootfs_propagation = MS_PRIVATE | MS_REC;
        if (prop && propagation_from_name(prop, &s->rootfs_propagation) < 0)
                return herr_set(err, 0, "linux.rootfsPropagation: unknown value '%s'", prop);
        s->has_rootfs_propagation = prop != NULL;
        s->seccomp = json_object_get(lx, "seccomp");
        s->sysctl = json_object_get(lx, "sysctl");
        s->resources = json_object_get(lx, "resources");
        const char *cg = json_str(lx, "cgroupsPath");
        s->cgroups_path = cg && *cg ? xstrdup(cg) : NULL;
        if (parse_idmaps(lx, "uidMappings", &s->uid_mappings, &s->n_uid_mappings, err) < 0 ||
            parse_idmaps(lx, "gidMappings", &s->gid_mappings, &s->n_gid_mappings, err) < 0 ||
            parse_personality(s, lx, err) < 0)
                return -1;
        if ((s->n_uid_mappings || s->n_gid_mappings) && !rt_spec_has_ns(s, CLONE_NEWUSER))
                return herr_set(err, 0, "linux.uidMappings: given without a user namespace");
        return 0;
}

int rt_spec_has_ns(const struct oci_spec *s, int type)
{
        for (size_t i = 0; i < s->n_namespaces; i++)
                if (s->namespaces[i].type == type)
                        return 1;
        return 0;
}

int rt_spec_parse(json_t *config, const char *bundle, struct oci_spec **ret, struct herr *err)
{
        if (!json_is_object(config))
                return herr_set(err, 0, "config: expected a JSON object");
        struct oci_spec *s = calloc(1, sizeof *s);
        if (!s)
                return herr_set(err, ENOMEM, "config");
        s->json = json_incref(config);
        s->bundle = bundle ? xstrdup(bundle) : NULL;
        const char *host = json_str(config, "hostname"), *domain = json_str(config, "domainname");
        s->hostname = host ? xstrdup(host) : NULL;
        s->domainname = domain ? xstrdup(domain) : NULL;
        const char *ov = json_str(json_object_get(config, "annotations"), RT_ANNOTATION_OVERLAY);
        s->overlay = ov ? xstrdup(ov) : NULL;
        s->hooks = json_object_get(config, "hooks");
        if (parse_root(s, bundle, err) < 0 || parse_process(s, err) < 0 ||
            parse_mounts(s, err) < 0 || parse_linux(s, err) < 0 || rt_hooks_check(s->hooks, err) < 0) {
                rt_spec_free(s);
                return -1;
        }
        *ret = s;
        return 0;
}

void rt_spec_free(struct oci_spec *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_mounts; i++) {
                free(s->mounts[i].destination);
                free(s->mounts[i].type);
                free(s->mounts[i].source);
                free(s->mounts[i].data);
        }
        free(s->mounts);
        for (size_t i = 0; i < s->n_namespaces; i++)
                free(s->namespaces[i].path);
        free(s->namespaces);
        for (size_t i = 0; i < s->n_devices; i++)
                free(s->devices[i].path);
        free(s->devices);
        rt_process_free(&s->process);
        free(s->uid_mappings);
        free(s->gid_mappings);
        strv_free(s->masked_paths);
        strv_free(s->readonly_paths);
        free(s->bundle);
        free(s->root_path);
        free(s->hostname);
        free(s->domainname);
        free(s->cgroups_path);
        free(s->overlay);
        json_decref(s->json);
        free(s);
}

static const struct {
        const char *name;
        int res;
} rlimit_names[] = {
        { "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },
        { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_DATA", RLIMIT_DATA },
        { "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
        { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
        { "RLIMIT_NICE", RLIMIT_NICE },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
        { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
        { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
        { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int rt_rlimit_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
                if (!strcmp(name, rlimit_names[i].name))
                        return rlimit_names[i].res;
        return -1;
}
