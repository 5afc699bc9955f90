#include "engine/volume_opts.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "engine/limits.h"

void mount_req_clear(struct mount_req *m)
{
        free(m->source);
        free(m->target);
        free(m->propagation);
        free(m->tmpfs_opts);
        free(m->mode);
        memset(m, 0, sizeof *m);
}

void mount_reqs_free(struct mount_reqs *r)
{
        for (size_t i = 0; i < r->n; i++)
                mount_req_clear(&r->v[i]);
        free(r->v);
        r->v = NULL;
        r->n = 0;
}

int mount_reqs_add(struct mount_reqs *r, const struct mount_req *m)
{
        struct mount_req *v = realloc(r->v, (r->n + 1) * sizeof *v);
        if (!v)
                return -ENOMEM;
        r->v = v;
        r->v[r->n++] = *m;
        return 0;
}

int volume_name_valid(const char *name)
{
        if (!isalnum((unsigned char)name[0]) || !name[1] || strlen(name) > 255)
                return 0;
        for (const char *c = name + 1; *c; c++)
                if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.' && *c != '-')
                        return 0;
        return 1;
}

/* Lexical clean, as Go's filepath.Clean: no "//", ".", or "..". */
static char *path_clean(const char *p)
{
        size_t n = strlen(p);
        char *out = calloc(1, n + 2);
        size_t len = 0;
        if (!out)
                abort();
        while (*p) {
                while (*p == '/')
                        p++;
                const char *end = strchrnul(p, '/');
                size_t cl = (size_t)(end - p);
                if (cl == 0 || (cl == 1 && p[0] == '.')) {
                        /* nothing */
                } else if (cl == 2 && p[0] == '.' && p[1] == '.') {
                        while (len > 0 && out[len - 1] != '/')
                                len--;
                        if (len > 0)
                                len--;
                } else {
                        out[len++] = '/';
                        memcpy(out + len, p, cl);
                        len += cl;
                }
                p = end;
        }
        if (len == 0)
                out[len++] = '/';
        out[len] = '\0';
        return out;
}

static int set_target(struct mount_req *m, const char *spec, const char *t, struct herr *err)
{
        if (!t || !*t)
                return herr_set(err, 0, "invalid mount specification '%s': a target path is needed", spec);
        if (t[0] != '/')
                return herr_set(err, 0, "invalid mount specification '%s': the container path '%s' must be absolute",
                                spec, t);
        m->target = path_clean(t);
        if (!strcmp(m->target, "/"))
                return herr_set(err, 0, "invalid mount specification '%s': the container path can't be '/'", spec);
        return 0;
}

static int set_volume_source(struct mount_req *m, const char *spec, const char *name, struct herr *err)
{
        if (!volume_name_valid(name))
                return herr_set(err, 0,
                                "invalid mount specification '%s': \"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed (a host directory needs an absolute path)",
                                spec, name);
        m->source = xstrdup(name);
        return 0;
}

static const char *const propagations[] = { "shared", "rshared", "slave", "rslave", "private", "rprivate" };

static int is_propagation(const char *s)
{
        for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
                if (!strcmp(s, propagations[i]))
                        return 1;
        return 0;
}

/* The :opts of -v: ro|rw, a propagation, z|Z (SELinux labels: accepted,
 * nothing to do without SELinux), nocopy, and macOS's consistency words. */
static int volume_modes(struct mount_req *m, const char *spec, const char *modes, struct herr *err)
{
        _cleanup_free_ char *copy = xstrdup(modes);
        char *save = NULL;
        int rw_seen = 0, prop_seen = 0, label_seen = 0, copy_seen = 0;
        if (!*modes)
                return herr_set(err, 0, "invalid mount specification '%s': empty mode", spec);
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int *seen;
                if (!strcmp(t, "ro") || !strcmp(t, "rw")) {
                        m->readonly = !strcmp(t, "ro");
                        seen = &rw_seen;
                } else if (is_propagation(t)) {
                        if (m->kind != MOUNT_BIND)
                                return herr_set(err, 0, "invalid mount specification '%s': propagation '%s' is for bind mounts only", spec, t);
                        free(m->propagation);
                        m->propagation = xstrdup(t);
                        seen = &prop_seen;
                } else if (!strcmp(t, "z") || !strcmp(t, "Z")) {
                        seen = &label_seen;
                } else if (!strcmp(t, "nocopy")) {
                        if (m->kind != MOUNT_VOLUME)
                                return herr_set(err, 0, "invalid mount specification '%s': nocopy is for volumes only", spec);
                        m->nocopy = 1;
                        seen = &copy_seen;
                } else if (!strcmp(t, "consistent") || !strcmp(t, "cached") || !strcmp(t, "delegated")) {
                        continue;
                } else {
                        return herr_set(err, 0, "invalid mount specification '%s': invalid mode: %s", spec, t);
                }
                if ((*seen)++)
                        return herr_set(err, 0, "invalid mount specification '%s': conflicting modes in '%s'", spec, modes);
        }
        m->mode = xstrdup(modes);
        return 0;
}

int mount_parse_volume(const char *spec, struct mount_req *ret, struct herr *err)
{
        struct mount_req m = { 0 };
        _cleanup_free_ char *copy = xstrdup(spec);
        char *parts[4] = { 0 };
        size_t n = 0;
        for (char *p = copy, *c; n < 4; p = c + 1) {
                parts[n++] = p;
                if (!(c = strchr(p, ':')))
                        break;
                *c = '\0';
        }
        if (n == 4 || !*spec)
                return herr_set(err, 0, "invalid mount specification '%s': expected [SOURCE:]TARGET[:MODE]", spec);
        const char *src = n >= 2 ? parts[0] : NULL, *dst = n >= 2 ? parts[1] : parts[0];
        const char *modes = n == 3 ? parts[2] : NULL;
        int r = -1;
        if (src && !*src) {
                herr_set(err, 0, "invalid mount specification '%s': empty source", spec);
                goto out;
        }
        m.kind = !src ? MOUNT_VOLUME : src[0] == '/' ? MOUNT_BIND : MOUNT_VOLUME;
        m.from_v = 1;
        if (set_target(&m, spec, dst, err) < 0)
                goto out;
        if (m.kind == MOUNT_BIND)
                m.source = path_clean(src);
        else if (src && set_volume_source(&m, spec, src, err) < 0)
                goto out;
        if (modes && volume_modes(&m, spec, modes, err) < 0)
                goto out;
        if (!m.mode)
                m.mode = xstrdup(m.kind == MOUNT_VOLUME ? "z" : "");
        if (m.kind == MOUNT_BIND && !m.propagation)
                m.propagation = xstrdup("rprivate");
        *ret = m;
        return 0;
out:
        mount_req_clear(&m);
        return r;
}

static int parse_bool(const char *v, int *ret)
{
        if (!v || !strcmp(v, "1") || !strcasecmp(v, "true")) {
                *ret = 1;
                return 0;
        }
        if (!strcmp(v, "0") || !strcasecmp(v, "false")) {
                *ret = 0;
                return 0;
        }
        return -1;
}

/* The options of a tmpfs that may be given: mount flags and tmpfs's own. */
static int tmpfs_option_valid(const char *o)
{
        static const char *const flags[] = { "rw", "ro", "exec", "noexec", "suid", "nosuid", "dev", "nodev",
                                             "atime", "noatime", "diratime", "nodiratime", "relatime",
                                             "norelatime", "strictatime", "nostrictatime", "sync", "async",
                                             "dirsync", "mand", "nomand" };
        static const char *const keys[] = { "size=", "mode=", "uid=", "gid=", "nr_inodes=", "nr_blocks=",
                                            "huge=", "mpol=" };
        for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
                if (!strcmp(o, flags[i]))
                        return 1;
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (!strncmp(o, keys[i], strlen(keys[i])) && o[strlen(keys[i])])
                        return 1;
        return 0;
}

/* Docker's defaults for a tmpfs (noexec, nosuid, nodev), then the user's
 * options, which win. */
static int tmpfs_options(struct mount_req *m, const char *spec, const char *opts, struct herr *err)
{
        _cleanup_free_ char *out = xstrdup("nosuid,nodev,noexec");
        if (opts) {
                _cleanup_free_ char *copy = xstrdup(opts);
                char *save = NULL;
                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                        if (!tmpfs_option_valid(t))
                                return herr_set(err, 0, "invalid tmpfs specification '%s': unknown option '%s'", spec, t);
                        if (!strcmp(t, "ro"))
                                m->readonly = 1;
                        else if (!strcmp(t, "rw"))
                                m->readonly = 0;
                        char *o = xasprintf("%s,%s", out, t);
                        free(out);
                        out = o;
                }
        }
        m->tmpfs_opts = TAKE_PTR(out);
        return 0;
}

int mount_parse_tmpfs(const char *spec, struct mount_req *ret, struct herr *err)
{
        struct mount_req m = { .kind = MOUNT_TMPFS };
        const char *colon = strchr(spec, ':');
        _cleanup_free_ char *dst = colon ? strndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
        if (set_target(&m, spec, dst, err) < 0 || tmpfs_options(&m, spec, colon ? colon + 1 : NULL, err) < 0) {
                mount_req_clear(&m);
                return -1;
        }
        m.mode = xstrdup("");
        *ret = m;
        return 0;
}

struct mount_kv {
        const char *type, *source, *target, *propagation, *tmpfs_size, *tmpfs_mode;
        int readonly, nocopy, has_bind_only, has_volume_only, has_tmpfs_only;
};

static int mount_key(struct mount_kv *kv, const char *spec, char *k, char *v, struct herr *err)
{
        if (!strcmp(k, "type")) {
                kv->type = v;
        } else if (!strcmp(k, "source") || !strcmp(k, "src")) {
                kv->source = v;
        } else if (!strcmp(k, "target") || !strcmp(k, "destination") || !strcmp(k, "dst")) {
                kv->target = v;
        } else if (!strcmp(k, "readonly") || !strcmp(k, "ro")) {
                if (parse_bool(v, &kv->readonly) < 0)
                        return herr_set(err, 0, "invalid mount specification '%s': invalid value for %s: %s", spec, k, v);
        } else if (!strcmp(k, "bind-propagation")) {
                if (!v || !is_propagation(v))
                        return herr_set(err, 0, "invalid mount specification '%s': invalid propagation: %s", spec, v ? v : "");
                kv->propagation = v;
                kv->has_bind_only = 1;
        } else if (!strcmp(k, "volume-nocopy")) {
                if (parse_bool(v, &kv->nocopy) < 0)
                        return herr_set(err, 0, "invalid mount specification '%s': invalid value for %s: %s", spec, k, v);
                kv->has_volume_only = 1;
        } else if (!strcmp(k, "volume-driver")) {
                if (!v || strcmp(v, "local"))
                        return herr_set(err, 0, "invalid mount specification '%s': only the local volume driver is available", spec);
                kv->has_volume_only = 1;
        } else if (!strcmp(k, "tmpfs-size")) {
                kv->tmpfs_size = v;
                kv->has_tmpfs_only = 1;
        } else if (!strcmp(k, "tmpfs-mode")) {
                kv->tmpfs_mode = v;
                kv->has_tmpfs_only = 1;
        } else if (!strcmp(k, "consistency")) {
                /* macOS only; accepted and ignored, as on Linux Docker */
        } else {
                return herr_set(err, 0, "invalid mount specification '%s': unexpected key '%s'", spec, k);
        }
        if (!v && strcmp(k, "readonly") && strcmp(k, "ro") && strcmp(k, "volume-nocopy"))
                return herr_set(err, 0, "invalid mount specification '%s': %s needs a value", spec, k);
        return 0;
}

static int mount_tmpfs_opts(struct mount_req *m, const struct mount_kv *kv, const char *spec, struct herr *err)
{
        _cleanup_free_ char *opts = xstrdup(kv->readonly ? "ro" : "rw");
        if (kv->tmpfs_size) {
                int64_t b;
                if (parse_bytes(kv->tmpfs_size, &b) < 0 || b <= 0)
                        return herr_set(err, 0, "invalid mount specification '%s': invalid tmpfs-size: %s", spec, kv->tmpfs_size);
                char *o = xasprintf("%s,size=%" PRId64, opts, b);
                free(opts);
                opts = o;
        }
        if (kv->tmpfs_mode) {
                char *end;
                unsigned long mode = strtoul(kv->tmpfs_mode, &end, 8);
                if (!*kv->tmpfs_mode || *end || mode > 07777)
                        return herr_set(err, 0, "invalid mount specification '%s': invalid tmpfs-mode: %s", spec, kv->tmpfs_mode);
                char *o = xasprintf("%s,mode=%lo", opts, mode);
                free(opts);
                opts = o;
        }
        return tmpfs_options(m, spec, opts, err);
}

static int mount_from_kv(struct mount_req *m, const struct mount_kv *kv, const char *spec, struct herr *err)
{
        const char *type = kv->type ? kv->type : "volume";
        if (!strcmp(type, "bind"))
                m->kind = MOUNT_BIND;
        else if (!strcmp(type, "volume"))
                m->kind = MOUNT_VOLUME;
        else if (!strcmp(type, "tmpfs"))
                m->kind = MOUNT_TMPFS;
        else
                return herr_set(err, 0, "invalid mount specification '%s': unknown mount type '%s'", spec, type);
        if ((kv->has_bind_only && m->kind != MOUNT_BIND) || (kv->has_volume_only && m->kind != MOUNT_VOLUME) ||
            (kv->has_tmpfs_only && m->kind != MOUNT_TMPFS))
                return herr_set(err, 0, "invalid mount specification '%s': an option does not fit type=%s", spec, type);
        if (set_target(m, spec, kv->target, err) < 0)
                return -1;
        m->readonly = kv->readonly;
        m->mode = xstrdup("");
        switch (m->kind) {
        case MOUNT_BIND:
                if (!kv->source || kv->source[0] != '/')
                        return herr_set(err, 0, "invalid mount specification '%s': a bind mount needs an absolute source path", spec);
                m->source = path_clean(kv->source);
                m->propagation = xstrdup(kv->propagation ? kv->propagation : "rprivate");
                return 0;
        case MOUNT_VOLUME:
                m->nocopy = kv->nocopy;
                return kv->source && *kv->source ? set_volume_source(m, spec, kv->source, err) : 0;
        case MOUNT_TMPFS:
                if (kv->source && *kv->source)
                        return herr_set(err, 0, "invalid mount specification '%s': a tmpfs mount takes no source", spec);
                return mount_tmpfs_opts(m, kv, spec, err);
        }
        return 0;
}

int mount_parse_mount(const char *spec, struct mount_req *ret, struct herr *err)
{
        struct mount_req m = { 0 };
        struct mount_kv kv = { 0 };
        _cleanup_free_ char *copy = xstrdup(spec);
        char *save = NULL;
        if (!*spec)
                return herr_set(err, 0, "invalid mount specification '': empty");
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(t, '=');
                if (eq)
                        *eq = '\0';
                if (mount_key(&kv, spec, t, eq ? eq + 1 : NULL, err) < 0)
                        return -1;
        }
        if (mount_from_kv(&m, &kv, spec, err) < 0) {
                mount_req_clear(&m);
                return -1;
        }
        *ret = m;
        return 0;
}

static int add_checked(struct mount_reqs *r, struct mount_req *m, struct herr *err)
{
        for (size_t i = 0; i < r->n; i++)
                if (!strcmp(r->v[i].target, m->target)) {
                        herr_set(err, 0, "duplicate mount point: %s", m->target);
                        mount_req_clear(m);
                        return -1;
                }
        if (mount_reqs_add(r, m) < 0) {
                mount_req_clear(m);
                return herr_set(err, ENOMEM, "mounts");
        }
        return 0;
}

int mount_reqs_parse(char *const *volumes, char *const *mounts, char *const *tmpfs, struct mount_reqs *ret,
                     struct herr *err)
{
        struct mount_reqs r = { 0 };
        struct mount_req m;
        for (size_t i = 0; volumes && volumes[i]; i++)
                if (mount_parse_volume(volumes[i], &m, err) < 0 || add_checked(&r, &m, err) < 0)
                        goto fail;
        for (size_t i = 0; mounts && mounts[i]; i++)
                if (mount_parse_mount(mounts[i], &m, err) < 0 || add_checked(&r, &m, err) < 0)
                        goto fail;
        for (size_t i = 0; tmpfs && tmpfs[i]; i++)
                if (mount_parse_tmpfs(tmpfs[i], &m, err) < 0 || add_checked(&r, &m, err) < 0)
                        goto fail;
        *ret = r;
        return 0;
fail:
        mount_reqs_free(&r);
        return -1;
}
