/* The engine: containers as users see them.  Composes image/ and
 * runtime/ (and later net/); the CLI calls exactly one function here per
 * command. */
#pragma once
#include "base/err.h"
#include "engine/limits.h"
#include "engine/net_opts.h"

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
        const char *network;            /* none, host, bridge, NAME, container:NAME; NULL: bridge */
        struct net_opts net;            /* -p, -P, --ip, --dns, ...; owned */
        struct limits limits;           /* resource flags; owned */
        const char *cgroup_parent;      /* NULL: "/hull" */
        int no_cgroup;                  /* --cgroups=disabled */
        int create_only;                /* hull create */
        const char *restart;            /* --restart */
        char **log_opts;                /* --log-opt KEY=VALUE */
        char **labels;                  /* --label KEY[=VALUE] */
        const char *health_cmd, *health_interval, *health_timeout, *health_start_period;
        int health_retries;             /* 0: not given */
        int no_healthcheck;
        const char *stop_signal;        /* --stop-signal */
        char **volumes, **mounts, **tmpfs, **volumes_from;  /* -v, --mount, --tmpfs, --volumes-from */
        const char *pull;               /* --pull missing|always|never; NULL: missing */
};

struct run_result {
        int status;                     /* exit code, or 128+N for signal N */
        int oom_killed;                 /* the OOM killer killed a process of it */
        char id[65];                    /* the container, for -d and create */
};

/* Runs the container in the foreground. */
int engine_run(const struct engine_ctx *ctx, const struct run_opts *o, struct run_result *ret, struct herr *err);

/* The lifecycle commands; ref is a full id, a unique id prefix or a name. */
int engine_start(const struct engine_ctx *ctx, const char *ref, int attach, int interactive, int *ret_status,
                 struct herr *err);
/* timeout < 0: the container's StopTimeout, else 10 s. */
int engine_stop(const struct engine_ctx *ctx, const char *ref, int timeout, struct herr *err);
int engine_kill(const struct engine_ctx *ctx, const char *ref, int sig, struct herr *err);
int engine_restart(const struct engine_ctx *ctx, const char *ref, int timeout, struct herr *err);
int engine_wait(const struct engine_ctx *ctx, const char *ref, int *ret_code, struct herr *err);
/* flags: ENGINE_RM_FORCE (1, as the old force argument), ENGINE_RM_VOLUMES
 * (rm -v: its anonymous volumes go too). */
#define ENGINE_RM_FORCE 1
#define ENGINE_RM_VOLUMES 2
int engine_rm(const struct engine_ctx *ctx, const char *ref, int flags, struct herr *err);
int engine_rename(const struct engine_ctx *ctx, const char *ref, const char *name, struct herr *err);
/* Docker's inspect object for one container. */
int engine_inspect(const struct engine_ctx *ctx, const char *ref, json_t **ret, struct herr *err);
/* Remove every stopped container; the removed ids are appended to *ret. */
int engine_prune(const struct engine_ctx *ctx, char ***ret, struct herr *err);
/* "SIGTERM", "TERM", "15" -> 15, or -1. */
int signal_from_name(const char *s);

struct engine_info {
        char storage_driver[32];
        char cgroup_kind[64];           /* "v2", "v1", "hybrid" */
        char kernel[128];
        int images;
        int containers;
};
int engine_info(const struct engine_ctx *ctx, struct engine_info *ret, struct herr *err);
