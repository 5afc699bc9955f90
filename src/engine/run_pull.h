/* The image `hull run` and `hull create` start from, pulled first when
 * --pull says so (Docker's rule: missing by default). */
#pragma once
#include "engine/engine.h"
#include "image/image.h"

int run_image_get(const struct engine_ctx *ctx, struct image_store *s, const struct run_opts *o, struct image **ret,
                  struct herr *err);
