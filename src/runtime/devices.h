/* Device nodes and /dev links inside the container, and sysctls. */
#pragma once
#include <jansson.h>
#include "base/err.h"
#include "runtime/spec.h"

/* The OCI default devices (null, zero, full, random, urandom, tty), the
 * config's linux.devices, and the standard links (fd, stdin, stdout,
 * stderr, ptmx).  rootfd is the container root before pivot_root. */
int rt_devices_create(int rootfd, const struct oci_spec *s, struct herr *err);
int rt_sysctl_apply(int rootfd, json_t *sysctl, struct herr *err);
