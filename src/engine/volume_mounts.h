/* A container's volumes, binds and tmpfs mounts: from the flags, the
 * containers of --volumes-from and the image's VOLUME list to OCI mounts
 * (what the runtime mounts, inside the container's mount namespace) and
 * Docker's Mounts (what inspect shows). */
#pragma once
#include <jansson.h>
#include "base/err.h"
#include "engine/engine.h"
#include "engine/volume_opts.h"
#include "image/image.h"

struct volume_plan {
        struct mount_reqs reqs;         /* sorted parents first */
        json_t *oci;                    /* OCI mounts, in mount order */
        json_t *docker;                 /* inspect's Mounts */
        char *mountpoints;              /* an extra lower layer holding the missing
                                         * mount point directories, or NULL */
};

void volume_plan_free(struct volume_plan *p);

/* Everything that can be checked before anything exists: the flags, the
 * --volumes-from containers, bind sources (--mount refuses a missing one,
 * -v will create it), a file mounted where the image has a directory (or
 * the reverse).  Creates nothing. */
int volume_plan_check(const struct engine_ctx *ctx, const struct run_opts *o, const struct image *img,
                      struct volume_plan *p, struct herr *err);
/* Create what the plan needs for container id: missing -v bind sources,
 * named and anonymous volumes (filled from the image when new and empty),
 * and the refs that mark them in use.  dry_run creates nothing.  What was
 * done is in p->docker even on failure, for volumes_release(). */
int volume_plan_apply(const struct engine_ctx *ctx, const struct image *img, const char *id, int dry_run,
                      struct volume_plan *p, struct herr *err);
/* Mount points that the image lacks would be made by the runtime in the
 * container's upper directory at every start (and removed with it): on a
 * busy ext4 that is most of what a mount costs.  Instead they are made
 * once, in a small read-only layer under <root>/cache/mountpoints/ keyed by
 * the list of directories, which goes on top of the image's layers.  Only
 * for paths that are plain directories or absent all the way down in the
 * image: a target through a symlink is left to the runtime, which resolves
 * it inside the root. */
int volume_plan_mountpoints(const struct engine_ctx *ctx, const struct image *img, struct volume_plan *p,
                            struct herr *err);
/* linux.rootfsPropagation as Docker sets it: "rshared" when a bind asks
 * for shared propagation, "rslave" for slave, else left at rprivate. */
void volume_plan_spec(const struct volume_plan *p, json_t *spec);
/* HostConfig.Binds and friends, and Config.Volumes (the anonymous
 * volumes' paths), added to the container's hull.json. */
void volume_plan_meta(const struct volume_plan *p, const struct run_opts *o, json_t *meta);
