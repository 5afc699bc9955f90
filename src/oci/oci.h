/* hull-runtime: runc's command line over hull's runtime layer.
 *
 * One file per group of verbs, each parsing its options into locals and
 * calling the runtime layer (src/runtime); the container's state between
 * commands lives in <root>/<id>/ (state.c).  Only main() prints errors. */
#pragma once
#include <sys/types.h>
#include "base/err.h"

struct oci_global {
        const char *root;               /* --root, default /run/hull-runtime */
        const char *log;                /* --log FILE or NULL */
        int log_json;                   /* --log-format json */
        int debug;
        int systemd_cgroup;             /* --systemd-cgroup: "slice:prefix:name" paths */
};

/* One option of a verb: --name / -name / -s, with or without a value
 * (--name=value, --name value).  Booleans also take --name=true|false. */
struct oci_opt {
        const char *name;
        char short_name;
        int has_arg;
};

struct oci_args {
        int argc;
        char **argv;
        int i;                          /* next argument to look at */
};

/* The index in opts of the next option (its value in *ret_val, or NULL),
 * -1 at the first operand or after "--", or -2 (err set) for an unknown
 * option or a missing value. */
int oci_opt_next(struct oci_args *a, const struct oci_opt *opts, const char **ret_val, struct herr *err);
/* A boolean option's value: absent or "true" is 1, "false" 0. */
int oci_opt_bool(const char *val);
/* The next operand, or NULL. */
const char *oci_arg_next(struct oci_args *a);

typedef int (*oci_cmd_fn)(const struct oci_global *g, struct oci_args *a, struct herr *err);

int cmd_create(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_start(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_run(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_state(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_list(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_ps(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_kill(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_delete(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_pause(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_resume(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_update(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_exec(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_spec(const struct oci_global *g, struct oci_args *a, struct herr *err);
int cmd_features(const struct oci_global *g, struct oci_args *a, struct herr *err);

/* Send the pty master over the unix socket at path (SCM_RIGHTS), as runc
 * does for containerd and conmon. */
int oci_send_console(const char *path, int master, struct herr *err);
/* Write pid (decimal, no newline) to path atomically. */
int oci_write_pid_file(const char *path, pid_t pid, struct herr *err);
/* systemd's "machine-x.slice:libpod:ID" -> "/machine.slice/machine-x.slice/libpod-ID.scope"
 * (where the systemd driver would put it; hull-runtime drives cgroupfs
 * directly).  NULL when path is not of that form. */
char *oci_systemd_cgroup_path(const char *path);
/* "TERM", "SIGTERM", "15" -> 15; -1 when unknown. */
int oci_parse_signal(const char *s);
