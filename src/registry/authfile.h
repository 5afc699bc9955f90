/* Stored registry credentials, in Docker's config.json shape:
 *   {"auths": {"host:port": {"auth": "<base64 of user:password>"}}}
 *
 * hull's own file is $HULL_AUTH_FILE, else <root>/auth.json, written with
 * mode 0600.  When it holds nothing for a registry, Docker's file is read
 * too ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), so that a
 * `docker login` already done serves hull; hull never writes Docker's. */
#pragma once
#include <stddef.h>
#include "base/err.h"

#define AUTH_HUB_KEY "https://index.docker.io/v1/"

char *auth_file_path(const char *root);
/* 1 and *ret (base64 "user:password") when credentials are stored for
 * key, 0 when none are. */
int auth_get(const char *root, const char *key, char **ret, struct herr *err);
int auth_set(const char *root, const char *key, const char *user, const char *password, struct herr *err);
/* 1 when credentials were removed, 0 when there were none. */
int auth_remove(const char *root, const char *key, struct herr *err);

char *base64_encode(const void *data, size_t len);
