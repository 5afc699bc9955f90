/* The registry client, behind a module loaded on demand.
 *
 * Every use of libcurl (and the TLS library under it) lives in
 * hull-registry.so, for the reason archive_module.h gives for libarchive:
 * linking them into hull would cost every `hull run` the time to load and
 * relocate libcurl, its TLS stack and their dependencies, while only
 * pull, push, login and logout ever talk to a registry.  The module
 * exports one table, HULL_REGISTRY_SYMBOL, of this type; the code behind
 * it is in src/registry/. */
#pragma once
#include <stddef.h>
#include <stdio.h>
#include "base/err.h"
#include "image/ref.h"

#define HULL_REGISTRY_ABI 1
#define HULL_REGISTRY_SYMBOL "hull_registry_ops"
#define HULL_REGISTRY_MODULE "hull-registry.so"

/* How to reach a registry. */
struct hull_registry_conn {
        /* 1: HTTPS with verified certificates only; 0: --tls-verify=false
         * (unverified HTTPS, falling back to plain HTTP); -1: the default,
         * which is 1 except for loopback registries and those named in
         * $HULL_INSECURE_REGISTRIES, treated as 0 the way Docker does. */
        int tls_verify;
};

struct hull_pull_opts {
        const char *ref;        /* NAME[:TAG|@DIGEST] */
        const char *platform;   /* "os/arch[/variant]" or NULL for the host's */
        int quiet;              /* print only the pulled reference */
        struct hull_registry_conn conn;
        FILE *out;              /* progress and messages; NULL: stdout (`hull run` sends them to stderr) */
};

struct hull_push_opts {
        const char *ref;        /* NAME[:TAG] to push to */
        int quiet;
        struct hull_registry_conn conn;
        const char *source;     /* the stored image to push, when not ref (podman's push SRC DEST) */
};

struct hull_login_opts {
        const char *registry;   /* host[:port]; NULL for Docker Hub */
        const char *user;
        const char *password;
        struct hull_registry_conn conn;
};

struct hull_registry_ops {
        unsigned abi;   /* HULL_REGISTRY_ABI: a module from another hull is refused */
        size_t size;    /* sizeof the module's table: members are only ever appended */
        /* Pull into the store under root; ret_id gets the image id. */
        int (*pull)(const char *root, const struct hull_pull_opts *o, char ret_id[IMAGE_DIGEST_LEN + 1],
                    struct herr *err);
        int (*push)(const char *root, const struct hull_push_opts *o, struct herr *err);
        /* Check the credentials against the registry, then store them. */
        int (*login)(const char *root, const struct hull_login_opts *o, struct herr *err);
        int (*logout)(const char *root, const char *registry, struct herr *err);
};

/* Load the module once (beside the binary, in the build tree's
 * src/registry/, then in HULL_LIBEXECDIR). */
int registry_ops_get(const struct hull_registry_ops **ret, struct herr *err);

/* The table itself: defined by the module only. */
extern const struct hull_registry_ops hull_registry_ops;
