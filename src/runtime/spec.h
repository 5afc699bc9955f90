/* The OCI runtime config (config.json) as the runtime layer sees it.
 *
 * This is the contract between the engine and the runtime: the engine
 * writes runtime-spec JSON, rt_spec_parse() validates it into this struct,
 * and nothing below knows about images or networks. */
#pragma once
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "base/err.h"

/* The hull-specific annotation carrying overlay options for the root: when
 * present, the runtime mounts overlayfs on root.path inside the container's
 * own mount namespace, so the mount vanishes with the namespace and can
 * never leak into the host's mount table.  Other runtimes ignore it. */
#define RT_ANNOTATION_OVERLAY "org.hull.rootfs.overlay"

enum rt_capset {
        RT_CAP_BOUNDING,
        RT_CAP_EFFECTIVE,
        RT_CAP_INHERITABLE,
        RT_CAP_PERMITTED,
        RT_CAP_AMBIENT,
        RT_CAP_NSETS,
};

struct rt_mount {
        char *destination;
        char *type;
        char *source;
        unsigned long flags;        /* MS_* for mount(2) */
        unsigned long propagation;  /* MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (| MS_REC) or 0 */
        int recursive_ro;           /* "rro" (and the other r* attributes): flags apply to every submount */
        char *data;                 /* filesystem-specific options, comma-joined */
};

struct rt_device {
        char *path;
        char type;                  /* 'c', 'b', 'u', 'p' */
        long long major, minor;
        mode_t mode;
        uid_t uid;
        gid_t gid;
};

struct rt_rlimit {
        int resource;
        uint64_t soft, hard;
};

struct rt_namespace {
        int type;                   /* CLONE_NEW* */
        char *path;                 /* join this one instead of creating */
};

struct rt_idmap {
        uint32_t container_id, host_id, size;
};

struct rt_process {
        int terminal;
        unsigned short console_rows, console_cols;
        uid_t uid;
        gid_t gid;
        gid_t *additional_gids;
        size_t n_additional_gids;
        int has_umask;
        mode_t umask;
        char **args;
        char **env;
        char *cwd;
        int has_caps;
        uint64_t caps[RT_CAP_NSETS];
        struct rt_rlimit *rlimits;
        size_t n_rlimits;
        int no_new_privileges;
        int has_oom_score_adj;
        int oom_score_adj;
};

struct oci_spec {
        json_t *json;               /* the whole config; owned */
        char *bundle;               /* directory relative paths resolve against */
        char *root_path;            /* absolute */
        int root_readonly;
        char *hostname;
        char *domainname;
        struct rt_process process;
        struct rt_mount *mounts;
        size_t n_mounts;
        struct rt_namespace *namespaces;
        size_t n_namespaces;
        struct rt_device *devices;
        size_t n_devices;
        char **masked_paths;
        char **readonly_paths;
        unsigned long rootfs_propagation;
        json_t *seccomp;            /* borrowed from json: linux.seccomp or NULL */
        json_t *sysctl;             /* borrowed: linux.sysctl or NULL */
        json_t *resources;          /* borrowed: linux.resources or NULL */
        char *cgroups_path;
        char *overlay;              /* RT_ANNOTATION_OVERLAY value or NULL */
        /* Appended for hull-runtime; zero in configs that lack them. */
        struct rt_idmap *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        int has_personality;
        unsigned long personality;  /* PER_LINUX or PER_LINUX32 | flags */
        json_t *hooks;              /* borrowed: hooks or NULL */
        int has_rootfs_propagation; /* linux.rootfsPropagation was given */
};

/* Takes a reference on config.  bundle may be NULL (root.path must then be
 * absolute). */
int rt_spec_parse(json_t *config, const char *bundle, struct oci_spec **ret, struct herr *err);
void rt_spec_free(struct oci_spec *s);
/* One "process" object (config.json's, or hull-runtime exec --process)
 * into p; what is there is freed by rt_process_free. */
int rt_process_parse(json_t *pj, struct rt_process *p, struct herr *err);
void rt_process_free(struct rt_process *p);
static inline void rt_spec_freep(struct oci_spec **s)
{
        rt_spec_free(*s);
}
#define _cleanup_spec_ __attribute__((cleanup(rt_spec_freep)))

/* Whether the config lists a namespace of this CLONE_NEW* type. */
int rt_spec_has_ns(const struct oci_spec *s, int type);

/* Lookup tables shared with the engine (and hull-runtime). */
int rt_cap_from_name(const char *name);         /* "CAP_CHOWN" -> 0, or -1 */
const char *rt_cap_name(int cap);               /* 0 -> "CAP_CHOWN", or NULL */
int rt_cap_last(void);                          /* highest cap the kernel knows */
int rt_cap_held(int cap);                       /* in our own bounding set? */
int rt_rlimit_from_name(const char *name);      /* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, or -1 */
