/* The engine side of `hull volume create|ls|inspect|rm|prune`. */
#include "engine/volume.h"

#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "engine/volume_opts.h"

static void storep(struct volume_store *s)
{
        volume_store_close(s);
}
#define _cleanup_vstore_ __attribute__((cleanup(storep)))

int engine_volume_create(const struct engine_ctx *ctx, const char *name, char *const *labels, char ret_name[256],
                         struct herr *err)
{
        _cleanup_vstore_ struct volume_store s = { .dirfd = -1, .lockfd = -1 };
        int created;
        if (name && !volume_name_valid(name))
                return herr_set(err, 0,
                                "create %s: \"%s\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed",
                                name, name);
        if (volume_store_open(ctx, &s, err) < 0 || volume_store_lock(&s, err) < 0)
                return -1;
        return volume_create_locked(&s, name, labels, 0, ret_name, &created, err);
}

int engine_volume_inspect(const struct engine_ctx *ctx, const char *name, json_t **ret, struct herr *err)
{
        _cleanup_vstore_ struct volume_store s = { .dirfd = -1, .lockfd = -1 };
        if (volume_store_open(ctx, &s, err) < 0)
                return -1;
        return volume_inspect(&s, name, ret, err);
}

static int label_match(json_t *labels, const char *want)
{
        const char *eq = strchr(want, '=');
        _cleanup_free_ char *k = eq ? strndup(want, (size_t)(eq - want)) : xstrdup(want);
        json_t *v = json_object_get(labels, k);
        return v && (!eq || !strcmp(json_string_value(v) ?: "", eq + 1));
}

static int filter_match(struct volume_store *s, json_t *v, const char *f, struct herr *err)
{
        const char *eq = strchr(f, '=');
        if (!eq)
                return herr_set(err, 0, "bad format of filter (expected name=value): %s", f);
        const char *val = eq + 1;
        size_t kl = (size_t)(eq - f);
        if (kl == 8 && !strncmp(f, "dangling", 8)) {
                int want = !strcmp(val, "true") || !strcmp(val, "1");
                if (!want && strcmp(val, "false") && strcmp(val, "0"))
                        return herr_set(err, 0, "invalid filter 'dangling=%s'", val);
                return (!volume_in_use(s, json_str(v, "Name"))) == want;
        }
        if (kl == 4 && !strncmp(f, "name", 4))
                return strstr(json_str(v, "Name"), val) != NULL;
        if (kl == 5 && !strncmp(f, "label", 5))
                return label_match(json_object_get(v, "Labels"), val);
        if (kl == 6 && !strncmp(f, "driver", 6))
                return !strcmp(val, "local");
        return herr_set(err, 0, "invalid filter '%.*s'", (int)kl, f);
}

int engine_volume_list(const struct engine_ctx *ctx, char *const *filters, json_t **ret, struct herr *err)
{
        _cleanup_vstore_ struct volume_store s = { .dirfd = -1, .lockfd = -1 };
        _cleanup_json_ json_t *all = NULL;
        if (volume_store_open(ctx, &s, err) < 0 || volume_list(&s, &all, err) < 0)
                return -1;
        json_t *out = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(all, i, v) {
                int keep = 1;
                for (size_t k = 0; filters && filters[k] && keep > 0; k++)
                        keep = filter_match(&s, v, filters[k], err);
                if (keep < 0) {
                        json_decref(out);
                        return -1;
                }
                if (keep)
                        json_array_append(out, v);
        }
        *ret = out;
        return 0;
}

int engine_volume_rm(const struct engine_ctx *ctx, const char *name, int force, struct herr *err)
{
        _cleanup_vstore_ struct volume_store s = { .dirfd = -1, .lockfd = -1 };
        if (volume_store_open(ctx, &s, err) < 0)
                return -1;
        return volume_remove(&s, name, force, err);
}

int engine_volume_prune(const struct engine_ctx *ctx, int all, char ***ret_removed, long long *ret_bytes,
                        struct herr *err)
{
        _cleanup_vstore_ struct volume_store s = { .dirfd = -1, .lockfd = -1 };
        if (volume_store_open(ctx, &s, err) < 0)
                return -1;
        return volume_prune(&s, all, ret_removed, ret_bytes, err);
}
