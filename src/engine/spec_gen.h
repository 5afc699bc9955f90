/* Image config + run options -> the OCI runtime config: the contract the
 * runtime layer receives.  Pure: everything is decided by the caller and
 * passed in, so the output is testable byte for byte. */
#pragma once
#include <jansson.h>
#include "engine/engine.h"
#include "engine/user.h"

struct spec_input {
        const struct run_opts *o;
        const char *hostname;
        char **args;                    /* final process args */
        char **env;                     /* final environment */
        const char *cwd;
        const struct user_info *user;
        char **caps;                    /* bounding set (and effective/permitted for root) */
        const char *rootfs;             /* mount point of the root */
        const char *overlay;            /* overlay options, or NULL */
        const char *files_dir;          /* where hostname, hosts, resolv.conf are */
        const char *init_path;          /* host path of hull-init, with --init */
        json_t *seccomp;                /* linux.seccomp, or NULL */
        json_t *devices;                /* extra linux.devices, or NULL */
        const char *cgroups_path;       /* NULL: no cgroup of its own */
        json_t *resources;              /* linux.resources, or NULL */
        json_t *rlimits;                /* process.rlimits, or NULL */
        json_t *user_mounts;            /* volumes, binds, tmpfs (OCI mounts), or NULL */
        int host_network;
        const char *netns;      /* join this network namespace (a path) */
        unsigned short rows, cols;      /* terminal size, with -t */
};

json_t *spec_generate(const struct spec_input *in);
extern const char *const default_masked_paths[];
extern const char *const default_readonly_paths[];
