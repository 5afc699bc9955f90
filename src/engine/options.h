/* Turning Docker-style options into concrete values: environment,
 * capabilities, env files.  Pure logic, unit-tested. */
#pragma once
#include <stdint.h>
#include <jansson.h>
#include "base/err.h"
#include "engine/engine.h"

/* Parse an --env-file: KEY=VALUE lines, '#' comments, blank lines skipped;
 * a bare KEY takes the host's value when set (as Docker does). */
int env_file_read(const char *path, char ***env, struct herr *err);
/* Set or replace KEY=VALUE in env (by key).  A bare "KEY" from -e takes
 * the host's value, or is dropped when the host has none. */
int env_set(char ***env, const char *kv);
const char *env_get(char *const *env, const char *key);
/* --env-file files, then -e values, over env (as Docker orders them). */
int env_apply_flags(char ***env, char *const *env_files, char *const *envs, struct herr *err);
/* The capability names for a container: Docker's default set, with
 * --cap-add / --cap-drop applied ("ALL", with or without the CAP_ prefix,
 * any case).  privileged gives every capability. */
int caps_compute(char *const *add, char *const *drop, int privileged, char ***ret, struct herr *err);
extern const char *const docker_default_caps[];

/* Go's duration syntax as Docker's flags take it: "30s", "1m30s", "500ms",
 * "2h" -> nanoseconds. */
int parse_duration_ns(const char *s, int64_t *ret);
/* Config.Healthcheck from the image's HEALTHCHECK and the --health-* /
 * --no-healthcheck flags (a flag overrides that field only); NULL in *ret
 * when there is none. */
int healthcheck_config(const struct run_opts *o, json_t *image_hc, json_t **ret, struct herr *err);
