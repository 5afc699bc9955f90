/* The image commands that need to know containers: commit and export
 * read a container's layers and upper directory; rmi and prune must not
 * take an image from under a container that uses it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "engine/container.h"
#include "engine/image_ops.h"
#include "engine/stats.h"
#include "image/archive_module.h"
#include "image/image.h"

static void container_closep(struct container *c)
{
        container_close(c);
}
#define _cleanup_container_ __attribute__((cleanup(container_closep)))

static void store_closep(struct image_store **s)
{
        image_store_close(*s);
}

static void image_freep(struct image **i)
{
        image_free(*i);
}

int engine_images_in_use(const struct engine_ctx *ctx, char ***ret, struct herr *err)
{
        struct container *v = NULL;
        size_t n = 0;
        _cleanup_strv_ char **ids = calloc(1, sizeof(char *));
        if (!ids)
                return herr_set(err, ENOMEM, "listing containers");
        if (container_list(ctx, &v, &n, err) < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                _cleanup_container_ struct container c = CONTAINER_INIT;
                struct herr ignored;
                if (container_open(ctx, v[i].id, &c, &ignored) < 0)
                        continue;       /* removed meanwhile */
                const char *id = json_str(c.meta, "Image");
                if (id && !strv_contains(ids, id) && strv_push(&ids, id) < 0) {
                        container_list_free(v, n);
                        return herr_set(err, ENOMEM, "listing containers");
                }
        }
        container_list_free(v, n);
        *ret = TAKE_PTR(ids);
        return 0;
}

int engine_rmi(const struct engine_ctx *ctx, const char *ref, int force, char ***out, struct herr *err)
{
        __attribute__((cleanup(store_closep))) struct image_store *s = NULL;
        __attribute__((cleanup(image_freep))) struct image *img = NULL;
        _cleanup_strv_ char **used = NULL;
        if (image_store_open(ctx->root, &s, err) < 0 || image_lookup(s, ref, &img, err) < 0 ||
            engine_images_in_use(ctx, &used, err) < 0)
                return -1;
        return image_remove(s, ref, force, strv_contains(used, img->id), out, err);
}

int engine_image_prune(const struct engine_ctx *ctx, int all, char ***out, long long *freed, struct herr *err)
{
        __attribute__((cleanup(store_closep))) struct image_store *s = NULL;
        _cleanup_strv_ char **used = NULL;
        if (image_store_open(ctx->root, &s, err) < 0 || engine_images_in_use(ctx, &used, err) < 0)
                return -1;
        return image_prune(s, all, used, out, freed, err);
}

/* What the container was run with becomes the new image's config, as
 * Docker's commit does (a `run IMAGE echo hi` commits Cmd ["echo","hi"]). */
static int env_has_key(const json_t *env, const char *kv)
{
        size_t klen = strcspn(kv, "="), i;
        json_t *e;
        json_array_foreach((json_t *)env, i, e) {
                const char *s = json_string_value(e);
                if (s && !strncmp(s, kv, klen) && s[klen] == '=')
                        return 1;
        }
        return 0;
}

/* HOSTNAME and HOME are what hull adds at run time, not the user's:
 * they stay out of the image unless the parent set them. */
static json_t *user_env(const json_t *env, const json_t *parent_env)
{
        json_t *out = json_array();
        size_t i;
        json_t *e;
        json_array_foreach((json_t *)env, i, e) {
                const char *s = json_string_value(e);
                if (!s || ((!strncmp(s, "HOSTNAME=", 9) || !strncmp(s, "HOME=", 5)) && !env_has_key(parent_env, s)))
                        continue;
                json_array_append(out, e);
        }
        return out;
}

static json_t *config_overrides(const struct container *c, const struct image *img)
{
        static const char *const keys[] = { "Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels",
                                            "ExposedPorts", "Volumes", "StopSignal", "Healthcheck" };
        json_t *cfg = json_object_get(c->meta, "Config");
        json_t *o = json_object();
        for (size_t i = 0; o && i < ARRAY_SIZE(keys); i++) {
                json_t *v = json_object_get(cfg, keys[i]);
                if (v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)))
                        json_object_set(o, keys[i], v);
        }
        json_t *env = json_object_get(o, "Env");
        if (env)
                json_object_set_new(o, "Env", user_env(env, json_object_get(json_object_get(img->config, "config"),
                                                                               "Env")));
        return o;
}

static int commit_open(const struct engine_ctx *ctx, const char *ref, struct container *c, struct image_store **s,
                       struct image **img, struct herr *err)
{
        if (container_open(ctx, ref, c, err) < 0)
                return -1;
        const char *id = json_str(c->meta, "Image");
        if (!id)
                return herr_set(err, 0, "container %.12s records no image", c->id);
        if (image_store_open(ctx->root, s, err) < 0 || image_lookup(*s, id, img, err) < 0)
                return herr_wrap(err, "container %.12s", c->id);
        return 0;
}

int engine_commit(const struct engine_ctx *ctx, const struct commit_opts *o, char ret_id[72], struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        __attribute__((cleanup(store_closep))) struct image_store *s = NULL;
        __attribute__((cleanup(image_freep))) struct image *img = NULL;
        _cleanup_json_ json_t *over = NULL;
        if (commit_open(ctx, o->container, &c, &s, &img, err) < 0)
                return -1;
        over = config_overrides(&c, img);
        _cleanup_close_ int upper = openat(c.dirfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (upper < 0)
                return herr_set(err, errno, "container %.12s: opening its upper directory", c.id);
        container_state_refresh(&c);
        int paused = 0;
        if (o->pause && c.state.status == CTR_RUNNING) {
                if (engine_pause(ctx, c.id, err) < 0)
                        return herr_wrap(err, "pausing %.12s for commit", c.id);
                paused = 1;
        }
        int r = image_commit(s, img, upper, over, &o->img, ret_id, err);
        struct herr uerr;
        if (paused && engine_unpause(ctx, c.id, &uerr) < 0 && r == 0) {
                *err = uerr;
                return -1;
        }
        return r;
}

struct export_args {
        char *mountpoint;
        char *options;
        int out_fd;
};

/* In the child: a private mount namespace, so that the read-only overlay
 * of upper over the image's layers is never visible on the host and goes
 * away with this process.  Volumes are not in it: they are mounts in the
 * container's own namespace, not files of its layers. */
static int export_child(const struct hull_archive_ops *ops, void *arg, void *res, struct herr *err)
{
        struct export_args *a = arg;
        if (unshare(CLONE_NEWNS) < 0)
                return herr_set(err, errno, "unshare(CLONE_NEWNS)");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return herr_set(err, errno, "making mounts private");
        if (mount("overlay", a->mountpoint, "overlay", MS_RDONLY | MS_NODEV | MS_NOSUID, a->options) < 0)
                return herr_set(err, errno, "mounting the container's filesystem");
        _cleanup_close_ int fd = open(a->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s", a->mountpoint);
        return ops->tar_tree(fd, a->out_fd, 0, res, err);
}

static char *lower_list(const struct container *c, const struct image *img)
{
        _cleanup_free_ char *lower = xasprintf("%s/upper", c->dir);
        for (size_t i = strv_len(img->layers); i > 0; i--) {
                char *l = xasprintf("%s:%s", lower, img->layers[i - 1]);
                free(lower);
                lower = l;
        }
        return TAKE_PTR(lower);
}

int engine_export(const struct engine_ctx *ctx, const char *ref, int out_fd, struct herr *err)
{
        _cleanup_container_ struct container c = CONTAINER_INIT;
        __attribute__((cleanup(store_closep))) struct image_store *s = NULL;
        __attribute__((cleanup(image_freep))) struct image *img = NULL;
        struct hull_tar_result res;
        if (commit_open(ctx, ref, &c, &s, &img, err) < 0)
                return -1;
        _cleanup_free_ char *lower = lower_list(&c, img);
        struct export_args a = { xasprintf("%s/export-XXXXXX", c.dir), xasprintf("lowerdir=%s", lower), out_fd };
        if (!mkdtemp(a.mountpoint)) {
                herr_set(err, errno, "creating %s", a.mountpoint);
                free(a.mountpoint);
                free(a.options);
                return -1;
        }
        int r = archive_call(export_child, &a, &res, sizeof res, err);
        rmdir(a.mountpoint);
        free(a.mountpoint);
        free(a.options);
        return r < 0 ? herr_wrap(err, "exporting %.12s", c.id) : 0;
}
