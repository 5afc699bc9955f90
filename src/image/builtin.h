/* The built-in busybox image: shared by tools/mkbusybox, which makes its
 * layer at build time, and builtin.c, which stores it as an image. */
#pragma once

#define BUILTIN_IMAGE_REF "busybox:latest"
#define BUILTIN_TARBALL "busybox.tar"
/* Every entry's mtime and the image's "created": a constant, so that
 * every build of the same busybox gives the same bytes and image id. */
#define BUILTIN_EPOCH 1704067200        /* 2024-01-01T00:00:00Z */
#define BUILTIN_CREATED "2024-01-01T00:00:00Z"
#define BUILTIN_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* The unprivileged user and its extra group, for tests of --user. */
#define BUILTIN_USER_UID 1000
#define BUILTIN_USERS_GID 100
