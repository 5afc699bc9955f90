/* Network namespaces that outlive their processes: bind-mounted on a file
 * (as `ip netns add` and Podman do), so that an engine can configure one
 * before the container starts and a restart finds it again. */
#pragma once
#include "base/err.h"

/* A new, empty namespace bound at path (whose directory must exist). */
int netns_create(const char *path, struct herr *err);
/* Unmount and unlink; a missing one is fine. */
void netns_remove(const char *path);
/* Run fn inside the namespace at path, back in our own afterwards. */
int netns_enter(const char *path, int (*fn)(void *, struct herr *), void *data, struct herr *err);
