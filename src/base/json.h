/* Small helpers over jansson. */
#pragma once
#include <jansson.h>
#include "base/err.h"

#define _cleanup_json_ __attribute__((cleanup(json_decrefp)))

int json_load_path(int dirfd, const char *name, json_t **ret, struct herr *err);
/* Atomic write of the compact JSON form. */
int json_write_path(int dirfd, const char *name, json_t *j, int durable, struct herr *err);
/* Typed getters: NULL / dflt when missing or of another type. */
const char *json_str(const json_t *obj, const char *key);
long long json_int(const json_t *obj, const char *key, long long dflt);
int json_bool(const json_t *obj, const char *key, int dflt);
/* Copy a JSON array of strings into a new strv (NULL-terminated).  Missing
 * key gives an empty vector; a non-string element is an error. */
int json_strv(const json_t *obj, const char *key, char ***ret, struct herr *err);
json_t *json_from_strv(char *const *v);
