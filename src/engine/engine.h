/* The engine: containers as users see them.  Composes image/ and
 * runtime/ (and later net/); the CLI calls exactly one function here per
 * command. */
#pragma once
#include "base/err.h"
#include "engine/limits.h"

/* Where state lives; from --root / HULL_ROOT.  Passed down, never global. */
struct engine_ctx {
        const char *root;       /* durable state, e.g. /var/lib/hull */
        const char *run_dir;    /* runtime state, e.g. /run/hull */
};

struct run_opts {
        const char *image;
        char **cmd;                     /* NULL: the image's Cmd */
        const char *entrypoint;         /* NULL: the image's; "" clears it */
        int interactive, tty, rm, detach, init, privileged, read_only, dry_run;
        int no_new_privileges;
        const char *seccomp;            /* NULL: default; "unconfined" or a file */
        const char *name;
        char **env;                     /* -e, in order */
        char **env_files;
        const char *workdir;
        const char *user;
        const char *hostname;
        char **cap_add, **cap_drop;
        const char *network;            /* "none", "host"; NULL: the default */
        struct limits limits;           /* resource flags; owned */
        const char *cgroup_parent;      /* NULL: "/hull" */
        int no_cgroup;                  /* --cgroups=disabled */
};

struct run_result {
        int status;                     /* exit code, or 128+N for signal N */
        int oom_killed;                 /* the OOM killer killed a process of it */
};

/* Runs the container in the foreground. */
int engine_run(const struct engine_ctx *ctx, const struct run_opts *o, struct run_result *ret, struct herr *err);

struct engine_info {
        char storage_driver[32];
        char cgroup_kind[64];           /* "v2", "v1", "hybrid" */
        char kernel[128];
        int images;
        int containers;
};
int engine_info(const struct engine_ctx *ctx, struct engine_info *ret, struct herr *err);
