/* Seccomp profiles in Docker's format, turned into the OCI config's
 * linux.seccomp for one container. */
#pragma once
#include <jansson.h>
#include "base/err.h"

/* The default profile (equivalent to Docker's default), for a container
 * whose bounding set holds caps (names like "CAP_SYS_ADMIN"). */
int seccomp_default_oci(char *const *caps, json_t **ret, struct herr *err);
/* A profile read from a file given with --security-opt seccomp=FILE
 * (Docker's format: defaultAction, architectures/archMap, syscalls with
 * names, action, args, errnoRet, includes/excludes).  *ret is left NULL
 * for a profile with neither defaultAction nor syscalls: no filter, as in
 * Docker. */
int seccomp_profile_to_oci(json_t *profile, char *const *caps, json_t **ret, struct herr *err);
