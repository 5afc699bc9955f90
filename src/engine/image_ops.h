/* Image commands that involve containers: commit, export, and the
 * in-use checks of rmi and image prune. */
#pragma once
#include "base/err.h"
#include "engine/engine.h"
#include "image/image.h"

struct commit_opts {
        const char *container;
        int pause;              /* freeze a running container while its changes are read */
        struct image_new img;   /* tag, -c changes, -m message */
};

/* The new image's id ("sha256:...") in ret_id. */
int engine_commit(const struct engine_ctx *ctx, const struct commit_opts *o, char ret_id[72], struct herr *err);
/* A flat tar of the container's filesystem (its layers and changes; no
 * volume content) to out_fd. */
int engine_export(const struct engine_ctx *ctx, const char *ref, int out_fd, struct herr *err);
/* The image ids any container uses. */
int engine_images_in_use(const struct engine_ctx *ctx, char ***ret, struct herr *err);
int engine_rmi(const struct engine_ctx *ctx, const char *ref, int force, char ***out, struct herr *err);
int engine_image_prune(const struct engine_ctx *ctx, int all, char ***out, long long *freed, struct herr *err);
