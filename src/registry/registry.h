/* The operations hull-registry.so offers (its table: module.c). */
#pragma once
#include "image/registry_module.h"

int registry_pull(const char *root, const struct hull_pull_opts *o, char ret_id[IMAGE_DIGEST_LEN + 1],
                  struct herr *err);
int registry_push(const char *root, const struct hull_push_opts *o, struct herr *err);
int registry_login(const char *root, const struct hull_login_opts *o, struct herr *err);
int registry_logout(const char *root, const char *registry, struct herr *err);
