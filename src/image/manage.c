/* tag, rmi, prune, inspect, history and disk usage over the store.
 *
 * Removal counts references by recomputing them: a layer or blob stays
 * while any image record names it (layers through their chain ids, blobs
 * as configs or as the blob a kept layer was unpacked from).  Whatever is
 * left unreferenced - by rmi, or by a load that was killed - is removed by
 * store_gc() under the writer lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/strv.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"

static int write_tags(struct image_store *s, json_t *tags, struct herr *err)
{
        return store_tags_replace(s, tags, err);
}

int image_tag(struct image_store *s, const char *src, const char *target, struct herr *err)
{
        _cleanup_store_unlock_ struct image_store *locked = NULL;
        struct image *img = NULL;
        struct image_ref r;
        if (image_ref_parse(target, &r, err) < 0)
                return -1;
        if (r.digest[0])
                return herr_set(err, 0, "refusing to create a tag with a digest reference: %s", target);
        if (store_lock(s, err) < 0)
                return -1;
        locked = s;
        if (image_lookup(s, src, &img, err) < 0)
                return -1;
        _cleanup_free_ char *key = image_ref_string(&r);
        int ret = store_tag_set(s, key, img->id, err);
        image_free(img);
        return ret;
}

static int dir_names(struct image_store *s, const char *dir, char ***ret, struct herr *err)
{
        int fd = openat(s->dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s/%s", s->dir, dir);
        _cleanup_closedir_ DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return herr_set(err, errno, "listing %s/%s", s->dir, dir);
        }
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        struct dirent *de;
        if (!v)
                return herr_set(err, ENOMEM, "listing");
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && strv_push(&v, de->d_name) < 0)
                        return herr_set(err, ENOMEM, "listing");
        *ret = TAKE_PTR(v);
        return 0;
}

/* Chain hexes and blob hexes that image records refer to. */
static int referenced(struct image_store *s, char ***ret_chains, char ***ret_blobs, struct herr *err)
{
        _cleanup_strv_ char **recs = NULL, **chains = calloc(1, sizeof(char *)), **blobs = calloc(1, sizeof(char *));
        if (!chains || !blobs || dir_names(s, "images", &recs, err) < 0)
                return chains && blobs ? -1 : herr_set(err, ENOMEM, "listing");
        for (size_t i = 0; recs[i]; i++) {
                _cleanup_free_ char *name = xasprintf("images/%s", recs[i]);
                _cleanup_json_ json_t *rec = NULL;
                _cleanup_strv_ char **layers = NULL;
                size_t n = strlen(recs[i]);
                if (n != 69 || strcmp(recs[i] + 64, ".json"))
                        continue;
                if (json_load_path(s->dirfd, name, &rec, err) < 0 || json_strv(rec, "layers", &layers, err) < 0)
                        return herr_wrap(err, "image record %s", recs[i]);
                if (strv_consume(&blobs, strndup(recs[i], 64)) < 0)
                        return herr_set(err, ENOMEM, "listing");
                for (size_t k = 0; layers[k]; k++) {
                        struct layer_info li;
                        if (!image_digest_valid(layers[k]))
                                continue;
                        if (!strv_contains(chains, digest_hex(layers[k])) &&
                            strv_push(&chains, digest_hex(layers[k])) < 0)
                                return herr_set(err, ENOMEM, "listing");
                        if (layer_get(s, layers[k], &li, err) > 0 && strv_push(&blobs, digest_hex(li.blob)) < 0)
                                return herr_set(err, ENOMEM, "listing");
                }
        }
        *ret_chains = TAKE_PTR(chains);
        *ret_blobs = TAKE_PTR(blobs);
        return 0;
}

/* Moved into tmp/ first: a layer is gone at once, whole, even if we are
 * killed while deleting it (tmp/ is emptied by the next lock holder). */
static int remove_entry(struct image_store *s, const char *dir, const char *name, struct herr *err)
{
        _cleanup_free_ char *from = xasprintf("%s/%s", dir, name);
        _cleanup_free_ char *to = xasprintf("tmp/gc-%s-%s", dir[0] == 'b' ? "blob" : "layer", name);
        if (renameat(s->dirfd, from, s->dirfd, to) < 0)
                return errno == ENOENT ? 0 : herr_set(err, errno, "removing %s", from);
        return rm_rf_at(s->dirfd, to, err);
}

int store_gc(struct image_store *s, struct herr *err)
{
        _cleanup_strv_ char **chains = NULL, **blobs = NULL, **have_layers = NULL, **have_blobs = NULL;
        if (referenced(s, &chains, &blobs, err) < 0 || dir_names(s, "layers", &have_layers, err) < 0 ||
            dir_names(s, "blobs/sha256", &have_blobs, err) < 0)
                return -1;
        for (size_t i = 0; have_layers[i]; i++)
                if (!strv_contains(chains, have_layers[i]) && remove_entry(s, "layers", have_layers[i], err) < 0)
                        return -1;
        for (size_t i = 0; have_blobs[i]; i++)
                if (!strv_contains(blobs, have_blobs[i]) &&
                    remove_entry(s, "blobs/sha256", have_blobs[i], err) < 0)
                        return -1;
        return 0;
}

static int tags_of(const json_t *tags, const char *id, char ***ret)
{
        const char *k;
        json_t *v;
        *ret = calloc(1, sizeof(char *));
        if (!*ret)
                return -ENOMEM;
        json_object_foreach((json_t *)tags, k, v)
                if (!strcmp(json_string_value(v) ?: "", id) && strv_push(ret, k) < 0)
                        return -ENOMEM;
        return 0;
}

static int add_line(char ***out, char *line, struct herr *err)
{
        if (strv_consume(out, line) < 0) {
                free(line);
                return herr_set(err, ENOMEM, "removing");
        }
        return 0;
}

static int delete_record(struct image_store *s, const char *id, char ***out, struct herr *err)
{
        _cleanup_free_ char *name = xasprintf("images/%s.json", digest_hex(id));
        if (store_forget_image(s, id, err) < 0)
                return -1;
        if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
                return herr_set(err, errno, "removing image %s", id);
        return add_line(out, xasprintf("Deleted: %s", id), err);
}

/* Docker's rule: a name removes that tag, and the image goes with its last
 * tag; an id removes the image, which must then have at most one tag
 * unless forced.  in_use: a container uses the image, so the record (and
 * its layers) stay, only the tags go. */
static int remove_locked(struct image_store *s, const char *ref, int force, int in_use, char ***out,
                         struct herr *err)
{
        struct image *img = NULL;
        _cleanup_json_ json_t *tags = NULL;
        _cleanup_strv_ char **mine = NULL;
        struct image_ref r;
        struct herr perr;
        if (image_lookup(s, ref, &img, err) < 0 || store_tags_load(s, &tags, err) < 0) {
                image_free(img);
                return -1;
        }
        char id[80];
        snprintf(id, sizeof id, "%s", img->id);
        image_free(img);
        if (tags_of(tags, id, &mine) < 0)
                return herr_set(err, ENOMEM, "removing");
        const char *h = strncmp(ref, "sha256:", 7) ? ref : ref + 7;
        int by_id = !strncmp(digest_hex(id), h, strlen(h));
        _cleanup_free_ char *key = NULL;
        if (!by_id && image_ref_parse(ref, &r, &perr) == 0 && r.tag[0] && !r.digest[0])
                key = image_ref_string(&r);
        if (by_id && strv_len(mine) > 1 && !force)
                return herr_set(err, 0, "conflict: unable to delete %.12s (must be forced) - image is referenced in "
                                        "multiple repositories", digest_hex(id));
        /* Only taking away the last name (or the id) would take the image
         * from a container; removing one of several names never does. */
        int last = by_id || strv_len(mine) <= 1;
        if (in_use && last && !force)
                return herr_set(err, 0, "conflict: unable to remove repository reference \"%s\" (must force) - "
                                        "container is using its referenced image %.12s", ref, digest_hex(id));
        for (size_t i = 0; mine[i]; i++) {
                if (key && strcmp(key, mine[i]))
                        continue;
                json_object_del(tags, mine[i]);
                if (add_line(out, xasprintf("Untagged: %s", mine[i]), err) < 0)
                        return -1;
        }
        if (write_tags(s, tags, err) < 0)
                return -1;
        if (in_use || (key && strv_len(mine) > 1))
                return 0;       /* other tags, or a container, keep it */
        if (delete_record(s, id, out, err) < 0)
                return -1;
        return store_gc(s, err);
}

int image_remove(struct image_store *s, const char *ref, int force, int in_use, char ***out, struct herr *err)
{
        _cleanup_store_unlock_ struct image_store *locked = NULL;
        if (store_lock(s, err) < 0)
                return -1;
        locked = s;
        return remove_locked(s, ref, force, in_use, out, err);
}

int image_prune(struct image_store *s, int all, char *const *keep_ids, char ***out, long long *freed,
                struct herr *err)
{
        _cleanup_store_unlock_ struct image_store *locked = NULL;
        struct image **imgs = NULL;
        size_t n = 0;
        int ret = 0;
        if (store_lock(s, err) < 0)
                return -1;
        locked = s;
        if (image_list(s, &imgs, &n, err) < 0)
                return -1;
        long long before = 0, after = 0;
        image_disk_usage(s, &before);
        for (size_t i = 0; i < n && ret == 0; i++) {
                int tagged = imgs[i]->repo_tags && imgs[i]->repo_tags[0];
                if (strv_contains(keep_ids, imgs[i]->id) || (tagged && !all))
                        continue;
                for (size_t k = 0; tagged && imgs[i]->repo_tags[k] && ret == 0; k++)
                        ret = add_line(out, xasprintf("untagged: %s", imgs[i]->repo_tags[k]), err);
                if (ret == 0 && tagged) {
                        _cleanup_json_ json_t *tags = NULL;
                        ret = store_tags_load(s, &tags, err);
                        for (size_t k = 0; ret == 0 && imgs[i]->repo_tags[k]; k++)
                                json_object_del(tags, imgs[i]->repo_tags[k]);
                        if (ret == 0)
                                ret = write_tags(s, tags, err);
                }
                if (ret == 0)
                        ret = delete_record(s, imgs[i]->id, out, err);
        }
        image_list_free(imgs, n);
        if (ret == 0)
                ret = store_gc(s, err);
        image_disk_usage(s, &after);
        *freed = before > after ? before - after : 0;
        return ret;
}

static long long tree_size(int dfd)
{
        long long total = 0;
        int fd = dup(dfd);
        if (fd < 0)
                return 0;
        DIR *d = fdopendir(fd);
        struct dirent *de;
        if (!d) {
                close(fd);
                return 0;
        }
        while ((de = readdir(d))) {
                struct stat st;
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
                    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                total += (long long)st.st_blocks * 512;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                                                                  O_CLOEXEC);
                        if (sub >= 0)
                                total += tree_size(sub);
                }
        }
        closedir(d);
        return total;
}

void image_disk_usage(struct image_store *s, long long *ret)
{
        _cleanup_close_ int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        *ret = fd >= 0 ? tree_size(fd) : 0;
}

/* Docker's `image inspect` object. */
json_t *image_inspect_json(const struct image *img)
{
        json_t *cfg = json_object_get(img->config, "config");
        json_t *layers = json_array();
        _cleanup_json_ json_t *diff_ids = json_object_get(json_object_get(img->config, "rootfs"), "diff_ids");
        json_incref(diff_ids);
        if (json_is_array(diff_ids))
                json_array_extend(layers, diff_ids);
        return json_pack("{ss so so ss ss ss sO sO ss ss sI sI s{ss so} s{sI}}", "Id", img->id, "RepoTags",
                         json_from_strv(img->repo_tags), "RepoDigests", json_from_strv(img->repo_digests), "Parent", "", "Comment",
                         "", "Created", json_str(img->config, "created") ?: "", "ContainerConfig",
                         cfg ? cfg : json_null(), "Config", cfg ? cfg : json_null(), "Architecture",
                         json_str(img->config, "architecture") ?: "", "Os", json_str(img->config, "os") ?: "",
                         "Size", (json_int_t)img->size, "VirtualSize", (json_int_t)img->size, "RootFS", "Type",
                         "layers", "Layers", layers, "Metadata", "LastTagTime", (json_int_t)0);
}

/* Newest first, as `docker history`: the top entry carries the image id,
 * the others "<missing>"; each entry that made a layer gets its size. */
int image_history(struct image_store *s, const struct image *img, json_t **ret, struct herr *err)
{
        json_t *hist = json_object_get(img->config, "history");
        _cleanup_json_ json_t *out = json_array();
        size_t nh = json_array_size(hist), nl = strv_len(img->chain_ids), layer = 0;
        long long *sizes = calloc(nh + 1, sizeof *sizes);
        if (!out || !sizes) {
                free(sizes);
                return herr_set(err, ENOMEM, "history");
        }
        for (size_t i = 0; i < nh; i++) {
                json_t *h = json_array_get(hist, i);
                struct layer_info li;
                if (json_bool(h, "empty_layer", 0) || layer >= nl)
                        continue;
                if (layer_get(s, img->chain_ids[layer++], &li, err) > 0)
                        sizes[i] = li.size;
        }
        for (size_t i = nh; i > 0; i--) {
                json_t *h = json_array_get(hist, i - 1);
                json_array_append_new(out, json_pack("{ss ss ss sI ss}", "Id", i == nh ? img->id : "<missing>",
                                                     "Created", json_str(h, "created") ?: "", "CreatedBy",
                                                     json_str(h, "created_by") ?: "", "Size", (json_int_t)sizes[i - 1],
                                                     "Comment", json_str(h, "comment") ?: ""));
        }
        free(sizes);
        *ret = TAKE_PTR(out);
        return 0;
}
