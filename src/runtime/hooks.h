/* OCI hooks (config.json "hooks"): programs run at fixed points of a
 * container's life with its state JSON on stdin.
 *
 *   createRuntime, prestart   the runtime's namespaces, after the mounts,
 *                             before pivot_root (rt_create's parent side)
 *   createContainer           the container's namespaces, before pivot_root
 *   startContainer            the container's namespaces, just before exec
 *   poststart, poststop       the runtime's namespaces (the front end) */
#pragma once
#include <jansson.h>
#include <sys/types.h>
#include "base/err.h"
#include "runtime/spec.h"

/* Validate the "hooks" object (each entry: absolute path, string args and
 * env, positive timeout), before anything runs. */
int rt_hooks_check(json_t *hooks, struct herr *err);
/* 1 when hooks has at least one entry of kind. */
int rt_hooks_has(json_t *hooks, const char *kind);
/* Run every hook of kind in order, each with state on stdin; the first
 * that fails (non-zero exit, signal, timeout) is the error. */
int rt_hooks_run(json_t *hooks, const char *kind, const char *state, struct herr *err);
/* The runtime-spec state: ociVersion, id, status, pid, bundle,
 * annotations.  Free the result. */
char *rt_state_json(const struct oci_spec *s, const char *id, const char *status, pid_t pid);
