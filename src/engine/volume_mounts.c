#include "engine/volume_mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/strv.h"
#include "engine/container.h"
#include "engine/volume.h"

void volume_plan_free(struct volume_plan *p)
{
        mount_reqs_free(&p->reqs);
        json_decref(p->oci);
        json_decref(p->docker);
        p->oci = p->docker = NULL;
        free(p->mountpoints);
        p->mountpoints = NULL;
}

static int has_target(const struct mount_reqs *r, const char *t)
{
        for (size_t i = 0; i < r->n; i++)
                if (!strcmp(r->v[i].target, t))
                        return 1;
        return 0;
}

/* --volumes-from C[:ro|rw]: C's binds and volumes, at the same places,
 * unless a flag of this container already mounts something there. */
static int add_volumes_from(const struct engine_ctx *ctx, const char *spec, struct mount_reqs *r, struct herr *err)
{
        const char *colon = strchr(spec, ':');
        _cleanup_free_ char *ref = colon ? strndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
        int mode = -1;  /* -1: as in C */
        if (colon && !strcmp(colon + 1, "ro"))
                mode = 1;
        else if (colon && !strcmp(colon + 1, "rw"))
                mode = 0;
        else if (colon)
                return herr_set(err, 0, "invalid --volumes-from '%s': invalid mode: %s", spec, colon + 1);
        struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return herr_wrap(err, "--volumes-from");
        size_t i;
        json_t *m;
        int rc = 0;
        json_array_foreach(json_object_get(c.meta, "Mounts"), i, m) {
                const char *type = json_str(m, "Type") ?: "", *dst = json_str(m, "Destination");
                int bind = !strcmp(type, "bind");
                if ((!bind && strcmp(type, "volume")) || !dst || has_target(r, dst))
                        continue;
                const char *src = bind ? json_str(m, "Source") : json_str(m, "Name");
                if (!src)
                        continue;
                struct mount_req q = {
                        .kind = bind ? MOUNT_BIND : MOUNT_VOLUME,
                        .source = xstrdup(src),
                        .target = xstrdup(dst),
                        .readonly = mode >= 0 ? mode : !json_bool(m, "RW", 1),
                        .nocopy = 1,
                        .propagation = bind ? xstrdup(json_str(m, "Propagation") ?: "rprivate") : NULL,
                        .mode = xstrdup(json_str(m, "Mode") ?: ""),
                };
                if (mount_reqs_add(r, &q) < 0) {
                        mount_req_clear(&q);
                        rc = herr_set(err, ENOMEM, "--volumes-from");
                        break;
                }
        }
        container_close(&c);
        return rc;
}

static int add_image_volumes(const struct image *img, struct mount_reqs *r, struct herr *err)
{
        json_t *vols = json_object_get(json_object_get(img->config, "config"), "Volumes");
        const char *path;
        json_t *v;
        json_object_foreach(vols, path, v) {
                struct mount_req q = { 0 };
                if (mount_parse_volume(path, &q, err) < 0)
                        return herr_wrap(err, "image VOLUME");
                if (has_target(r, q.target) || mount_reqs_add(r, &q) < 0)
                        mount_req_clear(&q);
        }
        return 0;
}

/* The checks Docker makes on a bind source, before anything exists. */
static int check_bind(const struct mount_req *m, const struct image *img, struct herr *err)
{
        struct stat st;
        if (stat(m->source, &st) < 0) {
                if (errno == ENOENT && m->from_v)
                        return 0;       /* -v creates it */
                if (errno == ENOENT)
                        return herr_set(err, 0, "invalid mount config for type \"bind\": bind source path does not exist: %s",
                                        m->source);
                return herr_set(err, errno, "bind source path %s", m->source);
        }
        int in_image = image_path_type(img, m->target);
        if (!S_ISDIR(st.st_mode) && in_image == S_IFDIR)
                return herr_set(err, 0, "cannot mount %s at %s: the source is a file and the image has a directory there",
                                m->source, m->target);
        if (S_ISDIR(st.st_mode) && in_image && in_image != S_IFDIR && in_image != S_IFLNK)
                return herr_set(err, 0, "cannot mount %s at %s: the source is a directory and the image has a file there",
                                m->source, m->target);
        return 0;
}

static size_t depth(const char *p)
{
        size_t n = 0;
        for (; *p; p++)
                n += *p == '/';
        return n;
}

static int by_depth(const void *a, const void *b)
{
        const struct mount_req *x = a, *y = b;
        size_t dx = depth(x->target), dy = depth(y->target);
        return dx < dy ? -1 : dx > dy ? 1 : strcmp(x->target, y->target);
}

int volume_plan_check(const struct engine_ctx *ctx, const struct run_opts *o, const struct image *img,
                      struct volume_plan *p, struct herr *err)
{
        memset(p, 0, sizeof *p);
        if (mount_reqs_parse(o->volumes, o->mounts, o->tmpfs, &p->reqs, err) < 0)
                return -1;
        for (size_t i = 0; o->volumes_from && o->volumes_from[i]; i++)
                if (add_volumes_from(ctx, o->volumes_from[i], &p->reqs, err) < 0)
                        goto fail;
        if (add_image_volumes(img, &p->reqs, err) < 0)
                goto fail;
        for (size_t i = 0; i < p->reqs.n; i++)
                if (p->reqs.v[i].kind == MOUNT_BIND && check_bind(&p->reqs.v[i], img, err) < 0)
                        goto fail;
        /* Parents before children, as Docker mounts them. */
        if (p->reqs.n > 1)
                qsort(p->reqs.v, p->reqs.n, sizeof *p->reqs.v, by_depth);
        return 0;
fail:
        volume_plan_free(p);
        return -1;
}

static json_t *oci_bind(const char *dst, const char *src, const char *propagation, int ro)
{
        /* "rro": read-only all the way down (mount_setattr AT_RECURSIVE);
         * "ro" as well for runtimes that do not know "rro". */
        return json_pack("{s:s, s:s, s:s, s:[s, s, s*, s*]}", "destination", dst, "type", "bind", "source", src,
                         "options", "rbind", propagation, ro ? "ro" : NULL, ro ? "rro" : NULL);
}

static json_t *oci_tmpfs(const struct mount_req *m)
{
        json_t *opts = json_array();
        _cleanup_free_ char *copy = xstrdup(m->tmpfs_opts);
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                json_array_append_new(opts, json_string(t));
        return json_pack("{s:s, s:s, s:s, s:o}", "destination", m->target, "type", "tmpfs", "source", "tmpfs",
                         "options", opts);
}

static int dir_empty(const char *path)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        return 0;
        return 1;
}

/* A volume that is empty starts with a copy of what the image has at
 * the mount point, as Docker does (unless nocopy). */
static int copy_up(const struct image *img, const struct mount_req *m, const char *mp, struct herr *err)
{
        if (m->nocopy || image_path_type(img, m->target) != S_IFDIR || !dir_empty(mp))
                return 0;
        _cleanup_close_ int fd = open(mp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s", mp);
        if (image_copy_dir(img, m->target, fd, err) < 0)
                return -1;
        /* The mount point takes the image directory's owner and mode. */
        return 0;
}

static int apply_volume(struct volume_store *s, const struct image *img, const char *id, int dry_run,
                        struct mount_req *m, struct volume_plan *p, struct herr *err)
{
        char name[256];
        int created = 0;
        if (dry_run)
                snprintf(name, sizeof name, "%s", m->source ? m->source : "<anonymous>");
        else if (volume_create_locked(s, m->source, NULL, !m->source, name, &created, err) < 0)
                return -1;
        _cleanup_free_ char *mp = volume_mountpoint(s, name);
        json_array_append_new(p->docker, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "volume",
                                                   "Name", name, "Source", mp, "Destination", m->target, "Driver",
                                                   "local", "Mode", m->mode ? m->mode : "", "RW", !m->readonly,
                                                   "Propagation", ""));
        json_array_append_new(p->oci, oci_bind(m->target, mp, "rprivate", m->readonly));
        if (dry_run)
                return 0;
        if (volume_ref(s, name, id, err) < 0 || copy_up(img, m, mp, err) < 0)
                return herr_wrap(err, "volume %s", name);
        return 0;
}

static int apply_bind(const struct mount_req *m, int dry_run, struct volume_plan *p, struct herr *err)
{
        struct stat st;
        if (!dry_run && m->from_v && stat(m->source, &st) < 0 && errno == ENOENT &&
            mkdir_p(m->source, 0755, err) < 0)
                return herr_wrap(err, "bind source");
        json_array_append_new(p->docker, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "bind", "Source",
                                                   m->source, "Destination", m->target, "Mode",
                                                   m->mode ? m->mode : "", "RW", !m->readonly, "Propagation",
                                                   m->propagation));
        json_array_append_new(p->oci, oci_bind(m->target, m->source, m->propagation, m->readonly));
        return 0;
}

int volume_plan_apply(const struct engine_ctx *ctx, const struct image *img, const char *id, int dry_run,
                      struct volume_plan *p, struct herr *err)
{
        p->oci = json_array();
        p->docker = json_array();
        struct volume_store s = { .lockfd = -1, .dirfd = -1 };
        int r = 0;
        for (size_t i = 0; i < p->reqs.n && r == 0; i++) {
                struct mount_req *m = &p->reqs.v[i];
                if (m->kind == MOUNT_VOLUME && !s.dir &&
                    (volume_store_open(ctx, &s, err) < 0 || (!dry_run && volume_store_lock(&s, err) < 0)))
                        r = -1;
                else if (m->kind == MOUNT_VOLUME)
                        r = apply_volume(&s, img, id, dry_run, m, p, err);
                else if (m->kind == MOUNT_BIND)
                        r = apply_bind(m, dry_run, p, err);
                else {
                        json_array_append_new(p->docker, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", "tmpfs",
                                                                   "Source", "", "Destination", m->target, "Mode", "",
                                                                   "RW", !m->readonly, "Propagation", ""));
                        json_array_append_new(p->oci, oci_tmpfs(m));
                }
        }
        if (s.dir)
                volume_store_close(&s);
        return r;
}

/* 1: the image lacks target (and it can be made as a directory), 0: it
 * has a directory there, -1: a symlink or a non-directory is on the way. */
static int mountpoint_missing(const struct image *img, const char *target)
{
        int t = image_path_type(img, target);
        if (t == S_IFDIR)
                return 0;
        if (t)
                return -1;
        _cleanup_free_ char *p = xstrdup(target);
        for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                t = image_path_type(img, p);
                *s = '/';
                if (!t)
                        return 1;
                if (t != S_IFDIR)
                        return -1;
        }
        return 1;
}

/* The directories on the way to target, in the layer at top: the ones
 * the image has keep its owner and mode (the top layer's directory is
 * what overlayfs shows), the missing ones are made as the runtime would
 * (root, 0755). */
static int make_mountpoint(const struct image *img, const char *top, const char *target, struct herr *err)
{
        _cleanup_free_ char *p = xstrdup(target);
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s)
                        continue;
                char save = *s;
                *s = '\0';
                _cleanup_free_ char *d = xasprintf("%s%s", top, p);
                struct stat st;
                int have = image_path_stat(img, p, &st) == 0;
                if (mkdir(d, 0755) < 0 && errno != EEXIST)
                        return herr_set(err, errno, "creating %s", d);
                if (have ? chown(d, st.st_uid, st.st_gid) < 0 || chmod(d, st.st_mode & 07777) < 0
                         : chmod(d, 0755) < 0)
                        return herr_set(err, errno, "setting up %s", d);
                *s = save;
                if (!save)
                        return 0;
        }
}

static int make_mountpoints_layer(const struct image *img, const char *dir, const char *path, char *const *targets,
                                  struct herr *err)
{
        _cleanup_free_ char *tmpl = xasprintf("%s/.tmp-XXXXXX", dir);
        if (!mkdtemp(tmpl) || chmod(tmpl, 0755) < 0)
                return herr_set(err, errno, "creating %s", tmpl);
        int r = 0;
        for (size_t i = 0; targets[i] && r == 0; i++)
                r = make_mountpoint(img, tmpl, targets[i], err);
        if (r == 0 && rename(tmpl, path) < 0 && errno != EEXIST && errno != ENOTEMPTY)
                r = herr_set(err, errno, "creating %s", path);
        struct herr ignored;
        rm_rf(tmpl, &ignored);  /* gone after the rename, or lost the race */
        return r;
}

int volume_plan_mountpoints(const struct engine_ctx *ctx, const struct image *img, struct volume_plan *p,
                            struct herr *err)
{
        _cleanup_strv_ char **targets = calloc(1, sizeof(char *));
        struct sha256 h;
        sha256_begin(&h);
        /* The layer copies the owners and modes of the image's directories
         * on the way: it belongs to this image. */
        sha256_add(&h, img->id, strlen(img->id) + 1);
        for (size_t i = 0; i < p->reqs.n; i++) {
                const struct mount_req *m = &p->reqs.v[i];
                struct stat st;
                if (m->kind == MOUNT_BIND && (stat(m->source, &st) < 0 || !S_ISDIR(st.st_mode)))
                        continue;       /* a file's mount point is a file: the runtime's job */
                if (mountpoint_missing(img, m->target) != 1)
                        continue;
                strv_push(&targets, m->target);
                sha256_add(&h, m->target, strlen(m->target) + 1);
        }
        if (!targets[0])
                return 0;
        char hex[SHA256_HEX_LEN + 1];
        sha256_end_hex(&h, hex);
        _cleanup_free_ char *dir = xasprintf("%s/cache/mountpoints", ctx->root);
        _cleanup_free_ char *path = xasprintf("%s/%.16s", dir, hex);
        /* fsconfig() takes at most 256 bytes for the lowerdir list: a
         * list that fits must not be pushed over by this layer (a runtime
         * that gives a long list with "lowerdir+", one layer at a time,
         * takes any length).  The runtime then makes the mount points. */
        size_t len = 0;
        for (size_t i = 0; img->layers[i]; i++)
                len += strlen(img->layers[i]) + 1;
        if (len <= 256 && len + strlen(path) + 1 > 256)
                return 0;
        if (access(path, F_OK) < 0 &&
            (mkdir_p(dir, 0700, err) < 0 || make_mountpoints_layer(img, dir, path, targets, err) < 0))
                return herr_wrap(err, "mount points");
        p->mountpoints = TAKE_PTR(path);
        return 0;
}

void volume_plan_spec(const struct volume_plan *p, json_t *spec)
{
        int shared = 0, slave = 0;
        for (size_t i = 0; i < p->reqs.n; i++) {
                const char *prop = p->reqs.v[i].kind == MOUNT_BIND ? p->reqs.v[i].propagation : NULL;
                shared |= prop && strstr(prop, "shared") != NULL;
                slave |= prop && strstr(prop, "slave") != NULL;
        }
        if (shared || slave)
                json_object_set_new(json_object_get(spec, "linux"), "rootfsPropagation",
                                    json_string(shared ? "rshared" : "rslave"));
}

void volume_plan_meta(const struct volume_plan *p, const struct run_opts *o, json_t *meta)
{
        json_t *vols = json_object();
        for (size_t i = 0; i < p->reqs.n; i++)
                if (p->reqs.v[i].kind == MOUNT_VOLUME && !p->reqs.v[i].source)
                        json_object_set_new(vols, p->reqs.v[i].target, json_object());
        json_object_set_new(json_object_get(meta, "Config"), "Volumes", json_object_size(vols) ? vols : json_null());
        if (!json_object_size(vols))
                json_decref(vols);
        json_t *hc = json_object_get(meta, "HostConfig");
        if (!hc)
                return;
        json_object_set_new(hc, "Binds", o->volumes && o->volumes[0] ? json_from_strv(o->volumes) : json_null());
        json_object_set_new(hc, "VolumesFrom",
                            o->volumes_from && o->volumes_from[0] ? json_from_strv(o->volumes_from) : json_null());
        json_t *tmpfs = json_object();
        for (size_t i = 0; o->tmpfs && o->tmpfs[i]; i++) {
                const char *colon = strchr(o->tmpfs[i], ':');
                _cleanup_free_ char *k = colon ? strndup(o->tmpfs[i], (size_t)(colon - o->tmpfs[i])) : xstrdup(o->tmpfs[i]);
                json_object_set_new(tmpfs, k, json_string(colon ? colon + 1 : ""));
        }
        json_object_set_new(hc, "Tmpfs", tmpfs);
}
