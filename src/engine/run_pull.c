/* --pull missing|always|never for run and create (interface: run_pull.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/run_pull.h"
#include "image/ref.h"
#include "image/registry_module.h"

/* The registry module is loaded only here, when an image is to be pulled:
 * a run of a stored image never pays for libcurl. */
static int pull(const struct engine_ctx *ctx, const char *ref, struct herr *err)
{
        const struct hull_registry_ops *ops;
        char id[IMAGE_DIGEST_LEN + 1];
        /* The container's output owns stdout: progress goes to stderr. */
        struct hull_pull_opts po = { .ref = ref, .conn = { .tls_verify = -1 }, .out = stderr };
        if (registry_ops_get(&ops, err) < 0)
                return -1;
        return ops->pull(ctx->root, &po, id, err);
}

int run_image_get(const struct engine_ctx *ctx, struct image_store *s, const struct run_opts *o, struct image **ret,
                  struct herr *err)
{
        const char *mode = o->pull ? o->pull : "missing";
        if (strcmp(mode, "missing") && strcmp(mode, "always") && strcmp(mode, "never"))
                return herr_setc(err, HERR_ENGINE, 0, "invalid pull option: '%s': must be one of \"always\", "
                                 "\"missing\" or \"never\"", mode);
        if (!strcmp(mode, "always"))
                return pull(ctx, o->image, err) < 0 ? -1 : image_lookup(s, o->image, ret, err);
        int r = image_lookup(s, o->image, ret, err);
        if (r != -ENOENT || !strcmp(mode, "never"))
                return r;
        /* Docker names it with its tag: 'busybox:latest'. */
        struct image_ref ref;
        struct herr ignored;
        char *shown = image_ref_parse(o->image, &ref, &ignored) == 0 ? image_ref_string(&ref) : NULL;
        fprintf(stderr, "Unable to find image '%s' locally\n", shown ? shown : o->image);
        free(shown);
        if (pull(ctx, o->image, err) < 0)
                return -1;
        return image_lookup(s, o->image, ret, err);
}
