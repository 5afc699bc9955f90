#include "engine/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "engine/volume_opts.h"

int volume_store_open(const struct engine_ctx *ctx, struct volume_store *s, struct herr *err)
{
        memset(s, 0, sizeof *s);
        s->ctx = ctx;
        s->lockfd = s->dirfd = -1;
        s->dir = xasprintf("%s/volumes", ctx->root);
        if (mkdir_p(s->dir, 0700, err) < 0)
                goto fail;
        s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dirfd < 0) {
                herr_set(err, errno, "opening %s", s->dir);
                goto fail;
        }
        return 0;
fail:
        free(s->dir);
        s->dir = NULL;
        return -1;
}

void volume_store_close(struct volume_store *s)
{
        if (s->lockfd >= 0)
                close(s->lockfd);
        if (s->dir && s->dirfd >= 0)
                close(s->dirfd);
        free(s->dir);
        memset(s, 0, sizeof *s);
        s->lockfd = s->dirfd = -1;
}

int volume_store_lock(struct volume_store *s, struct herr *err)
{
        if (s->lockfd >= 0)
                return 0;
        int fd = openat(s->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return herr_set(err, errno, "opening the volume store lock");
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        close(fd);
                        return herr_set(err, errno, "locking the volume store");
                }
        }
        s->lockfd = fd;
        return 0;
}

char *volume_mountpoint(const struct volume_store *s, const char *name)
{
        return xasprintf("%s/%s/_data", s->dir, name);
}

static void created_now(char out[32])
{
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int random_name(char out[65], struct herr *err)
{
        unsigned char b[32];
        if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
                return herr_set(err, errno, "making a volume name");
        for (size_t i = 0; i < sizeof b; i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
        return 0;
}

static json_t *labels_json(char *const *labels, int anonymous)
{
        json_t *l = json_object();
        for (size_t i = 0; labels && labels[i]; i++) {
                const char *eq = strchr(labels[i], '=');
                _cleanup_free_ char *k = eq ? strndup(labels[i], (size_t)(eq - labels[i])) : xstrdup(labels[i]);
                json_object_set_new(l, k, json_string(eq ? eq + 1 : ""));
        }
        if (anonymous)
                json_object_set_new(l, VOLUME_ANON_LABEL, json_string(""));
        return l;
}

static int volume_exists(struct volume_store *s, const char *name)
{
        struct stat st;
        _cleanup_free_ char *p = xasprintf("%s/volume.json", name);
        return fstatat(s->dirfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Build it whole under .new-<name>, then rename into place. */
static int volume_make(struct volume_store *s, const char *name, json_t *meta, struct herr *err)
{
        _cleanup_free_ char *tmp = xasprintf(".new-%s", name);
        struct herr ignored;
        rm_rf_at(s->dirfd, tmp, &ignored);
        if (mkdirat(s->dirfd, tmp, 0701) < 0)
                return herr_set(err, errno, "creating volume %s", name);
        _cleanup_close_ int fd = openat(s->dirfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int r = 0;
        if (fd < 0 || mkdirat(fd, "_data", 0755) < 0 || fchmodat(fd, "_data", 0755, 0) < 0 ||
            mkdirat(fd, "refs", 0700) < 0)
                r = herr_set(err, errno, "creating volume %s", name);
        else if (json_write_path(fd, "volume.json", meta, 1, err) < 0)
                r = herr_wrap(err, "volume %s", name);
        else if (renameat(s->dirfd, tmp, s->dirfd, name) < 0)
                r = herr_set(err, errno, "creating volume %s", name);
        if (r < 0)
                rm_rf_at(s->dirfd, tmp, &ignored);
        return r;
}

int volume_create_locked(struct volume_store *s, const char *name, char *const *labels, int anonymous,
                         char ret_name[256], int *ret_created, struct herr *err)
{
        char gen[65];
        if (!name) {
                if (random_name(gen, err) < 0)
                        return -1;
                name = gen;
        } else if (!volume_name_valid(name)) {
                return herr_set(err, 0,
                                "\"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                                name);
        }
        snprintf(ret_name, 256, "%s", name);
        *ret_created = 0;
        if (volume_exists(s, name))
                return 0;
        char now[32];
        created_now(now);
        _cleanup_json_ json_t *meta = json_pack("{s:s, s:s, s:s, s:o, s:n}", "Name", name, "Driver", "local",
                                               "CreatedAt", now, "Labels", labels_json(labels, anonymous),
                                               "Options");
        if (volume_make(s, name, meta, err) < 0)
                return -1;
        *ret_created = 1;
        return 0;
}

int volume_inspect(struct volume_store *s, const char *name, json_t **ret, struct herr *err)
{
        _cleanup_free_ char *p = xasprintf("%s/volume.json", name);
        _cleanup_json_ json_t *meta = NULL;
        if (!volume_name_valid(name) || json_load_path(s->dirfd, p, &meta, err) < 0)
                return herr_setc(err, HERR_ENGINE, 0, "no such volume: %s", name);
        _cleanup_free_ char *mp = volume_mountpoint(s, name);
        json_t *labels = json_object_get(meta, "Labels");
        *ret = json_pack("{s:s, s:s, s:O, s:s, s:s, s:O, s:s}", "CreatedAt", json_str(meta, "CreatedAt") ?: "",
                         "Driver", "local", "Labels", labels ? labels : json_null(), "Mountpoint", mp, "Name", name,
                         "Options", json_object_get(meta, "Options") ?: json_null(), "Scope", "local");
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int volume_names(struct volume_store *s, char ***ret, struct herr *err)
{
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        int fd = dup(s->dirfd);
        if (fd < 0)
                return herr_set(err, errno, "listing volumes");
        lseek(fd, 0, SEEK_SET);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return herr_set(err, errno, "listing volumes");
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (volume_name_valid(de->d_name) && volume_exists(s, de->d_name))
                        strv_push(&v, de->d_name);
        qsort(v, strv_len(v), sizeof *v, cmp_str);
        *ret = TAKE_PTR(v);
        return 0;
}

int volume_list(struct volume_store *s, json_t **ret, struct herr *err)
{
        _cleanup_strv_ char **names = NULL;
        if (volume_names(s, &names, err) < 0)
                return -1;
        json_t *a = json_array();
        for (size_t i = 0; names[i]; i++) {
                json_t *v;
                struct herr ignored;
                if (volume_inspect(s, names[i], &v, &ignored) == 0)
                        json_array_append_new(a, v);
        }
        *ret = a;
        return 0;
}

/* A ref counts while its container's directory exists; a stale one (the
 * container went without saying so) is dropped on the way. */
static int volume_users(struct volume_store *s, const char *name, char ***ret_ids);

int volume_in_use(struct volume_store *s, const char *name)
{
        return volume_users(s, name, NULL);
}

/* The containers that use it (ids appended to *ret_ids when not NULL). */
static int volume_users(struct volume_store *s, const char *name, char ***ret_ids)
{
        _cleanup_free_ char *refs = xasprintf("%s/refs", name);
        int fd = openat(s->dirfd, refs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        int used = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *cdir = xasprintf("%s/containers/%s", s->ctx->root, de->d_name);
                if (access(cdir, F_OK) == 0) {
                        used = 1;
                        if (ret_ids)
                                strv_push(ret_ids, de->d_name);
                }
                else if (s->lockfd >= 0)
                        unlinkat(dirfd(d), de->d_name, 0);
        }
        return used;
}

int volume_ref(struct volume_store *s, const char *name, const char *id, struct herr *err)
{
        _cleanup_free_ char *p = xasprintf("%s/refs/%s", name, id);
        _cleanup_close_ int fd = openat(s->dirfd, p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return herr_set(err, errno, "volume %s: recording its use", name);
        return 0;
}

void volume_unref(struct volume_store *s, const char *name, const char *id)
{
        if (!volume_name_valid(name))
                return;
        _cleanup_free_ char *p = xasprintf("%s/refs/%s", name, id);
        unlinkat(s->dirfd, p, 0);
}

static int volume_delete_locked(struct volume_store *s, const char *name, struct herr *err)
{
        /* Out of sight first, so that no half-removed volume is ever
         * listed or mounted. */
        _cleanup_free_ char *gone = xasprintf(".rm-%s", name);
        struct herr ignored;
        rm_rf_at(s->dirfd, gone, &ignored);
        if (renameat(s->dirfd, name, s->dirfd, gone) < 0)
                return herr_set(err, errno, "removing volume %s", name);
        if (rm_rf_at(s->dirfd, gone, err) < 0)
                return herr_wrap(err, "removing volume %s", name);
        return 0;
}

int volume_remove(struct volume_store *s, const char *name, int force, struct herr *err)
{
        if (volume_store_lock(s, err) < 0)
                return -1;
        if (!volume_name_valid(name) || !volume_exists(s, name)) {
                if (force)
                        return 0;
                return herr_set(err, 0, "no such volume: %s", name);
        }
        _cleanup_strv_ char **users = NULL;
        if (volume_users(s, name, &users)) {
                _cleanup_free_ char *list = xstrdup("");
                for (size_t i = 0; users[i]; i++) {
                        char *l = xasprintf("%s%s%.12s", list, i ? ", " : "", users[i]);
                        free(list);
                        list = l;
                }
                return herr_set(err, 0, "remove %s: volume is in use by container %s", name, list);
        }
        return volume_delete_locked(s, name, err);
}

static long long dir_bytes(int dfd)
{
        _cleanup_closedir_ DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return 0;
        }
        long long total = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                struct stat st;
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        int c = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (c >= 0)
                                total += dir_bytes(c);
                } else if (S_ISREG(st.st_mode)) {
                        total += st.st_size;
                }
        }
        return total;
}

/* What a crash between the steps of creating or removing a volume left:
 * .new-NAME and .rm-NAME directories, never listed or mounted. */
static void drop_leftovers(struct volume_store *s)
{
        int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        struct herr ignored;
        if (!d && fd >= 0)
                close(fd);
        while (d && (de = readdir(d)))
                if (!strncmp(de->d_name, ".new-", 5) || !strncmp(de->d_name, ".rm-", 4))
                        rm_rf_at(s->dirfd, de->d_name, &ignored);
}

int volume_prune(struct volume_store *s, int all, char ***ret_removed, long long *ret_bytes, struct herr *err)
{
        _cleanup_strv_ char **names = NULL;
        *ret_bytes = 0;
        if (volume_store_lock(s, err) < 0 || volume_names(s, &names, err) < 0)
                return -1;
        drop_leftovers(s);
        for (size_t i = 0; names[i]; i++) {
                _cleanup_json_ json_t *v = NULL;
                struct herr ignored;
                if (volume_inspect(s, names[i], &v, &ignored) < 0)
                        continue;
                if (!all && !json_object_get(json_object_get(v, "Labels"), VOLUME_ANON_LABEL))
                        continue;
                if (volume_in_use(s, names[i]))
                        continue;
                _cleanup_free_ char *data = xasprintf("%s/_data", names[i]);
                int dfd = openat(s->dirfd, data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                long long bytes = dfd >= 0 ? dir_bytes(dfd) : 0;
                if (volume_delete_locked(s, names[i], err) < 0)
                        return -1;
                *ret_bytes += bytes;
                strv_push(ret_removed, names[i]);
        }
        return 0;
}

void volumes_release(const struct engine_ctx *ctx, const char *id, json_t *mounts, int remove_anon)
{
        struct volume_store s;
        struct herr ignored;
        size_t i;
        json_t *m;
        int any = 0;
        json_array_foreach(mounts, i, m)
                any |= json_str(m, "Type") && !strcmp(json_str(m, "Type"), "volume");
        if (!any || volume_store_open(ctx, &s, &ignored) < 0)
                return;
        if (volume_store_lock(&s, &ignored) == 0) {
                json_array_foreach(mounts, i, m) {
                        const char *name = json_str(m, "Name");
                        if (!name || strcmp(json_str(m, "Type") ?: "", "volume"))
                                continue;
                        volume_unref(&s, name, id);
                        if (!remove_anon)
                                continue;
                        _cleanup_json_ json_t *v = NULL;
                        if (volume_inspect(&s, name, &v, &ignored) == 0 &&
                            json_object_get(json_object_get(v, "Labels"), VOLUME_ANON_LABEL) &&
                            !volume_in_use(&s, name))
                                volume_delete_locked(&s, name, &ignored);
                }
        }
        volume_store_close(&s);
}
