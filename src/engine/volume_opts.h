/* Docker's volume flags (-v, --mount, --tmpfs) turned into mount requests.
 * Pure parsing and validation, nothing touched on disk: a bad flag is one
 * clear error before anything is created.  Unit-tested. */
#pragma once
#include <stddef.h>
#include "base/err.h"

enum mount_kind {
        MOUNT_BIND,
        MOUNT_VOLUME,
        MOUNT_TMPFS,
};

struct mount_req {
        enum mount_kind kind;
        char *source;           /* bind: host path; volume: name, NULL for an anonymous one */
        char *target;           /* absolute, cleaned path in the container */
        int readonly;
        int from_v;             /* -v spelling: a missing bind source is created */
        int nocopy;             /* volume: no copy of the image's files */
        char *propagation;      /* bind: "rprivate" unless given */
        char *tmpfs_opts;       /* tmpfs: OCI options, comma-joined */
        char *mode;             /* Docker's Mode string for inspect ("ro", "z", "") */
};

struct mount_reqs {
        struct mount_req *v;
        size_t n;
};

void mount_reqs_free(struct mount_reqs *r);
int mount_reqs_add(struct mount_reqs *r, const struct mount_req *m);

/* Docker's rule for volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
int volume_name_valid(const char *name);

/* One -v / --volume value: /host:/ctr[:opts], NAME:/ctr[:opts] or /ctr. */
int mount_parse_volume(const char *spec, struct mount_req *ret, struct herr *err);
/* One --mount value: type=bind|volume|tmpfs,source=...,target=...,... */
int mount_parse_mount(const char *spec, struct mount_req *ret, struct herr *err);
/* One --tmpfs value: /ctr[:opts]. */
int mount_parse_tmpfs(const char *spec, struct mount_req *ret, struct herr *err);
/* All three lists, in the order Docker applies them; a destination given
 * twice is an error. */
int mount_reqs_parse(char *const *volumes, char *const *mounts, char *const *tmpfs, struct mount_reqs *ret,
                     struct herr *err);
void mount_req_clear(struct mount_req *m);
