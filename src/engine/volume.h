/* The volume store: <root>/volumes/
 *
 *   .lock                    flock()ed by everything that changes the store
 *   <name>/_data/            the volume's content (Mountpoint)
 *   <name>/volume.json       {"Name", "Driver", "CreatedAt", "Labels", "Options"}
 *   <name>/refs/<ctr id>     one empty file per container that mounts it
 *
 * A volume appears whole (made under .new-*, then renamed) and goes whole
 * (renamed to .rm-*, then removed without crossing a mount).  A volume is
 * in use while a ref names a container whose directory still exists, so a
 * container removed by any path (also after its monitor was killed) stops
 * holding it without any further step.  `hull volume rm` and prune are the
 * only ways a volume's data goes. */
#pragma once
#include <jansson.h>
#include "base/err.h"
#include "engine/engine.h"

/* Docker marks anonymous volumes with this label (since 23.0); prune
 * without -a takes only these, rm -v and --rm take only these. */
#define VOLUME_ANON_LABEL "com.docker.volume.anonymous"

struct volume_store {
        const struct engine_ctx *ctx;
        char *dir;                      /* <root>/volumes */
        int dirfd;
        int lockfd;                     /* held, or -1 */
};

int volume_store_open(const struct engine_ctx *ctx, struct volume_store *ret, struct herr *err);
void volume_store_close(struct volume_store *s);
int volume_store_lock(struct volume_store *s, struct herr *err);

/* Create NAME (NULL: an anonymous volume with a random 64-hex name).  An
 * existing volume is kept (its labels unchanged) and *ret_created is 0.
 * labels: KEY[=VALUE] strings, may be NULL.  Caller holds the lock. */
int volume_create_locked(struct volume_store *s, const char *name, char *const *labels, int anonymous,
                         char ret_name[256], int *ret_created, struct herr *err);
/* Docker's inspect object; "no such volume: NAME" (125) when missing. */
int volume_inspect(struct volume_store *s, const char *name, json_t **ret, struct herr *err);
/* Every volume's inspect object, by name. */
int volume_list(struct volume_store *s, json_t **ret, struct herr *err);
/* Refuses while a container (running or not) uses it, unless force. */
int volume_remove(struct volume_store *s, const char *name, int force, struct herr *err);
/* Remove unused volumes: anonymous ones, or every one with all set. */
int volume_prune(struct volume_store *s, int all, char ***ret_removed, long long *ret_bytes, struct herr *err);
/* Whether a container (that still exists) uses it. */
int volume_in_use(struct volume_store *s, const char *name);
/* Record / drop that container id mounts the volume.  Caller holds the
 * lock for ref. */
int volume_ref(struct volume_store *s, const char *name, const char *id, struct herr *err);
void volume_unref(struct volume_store *s, const char *name, const char *id);
/* <root>/volumes/<name>/_data */
char *volume_mountpoint(const struct volume_store *s, const char *name);

/* The container's Mounts (inspect shape) are released: its refs dropped,
 * and its anonymous volumes removed when remove_anon is set and nobody
 * else uses them.  Errors are ignored: the container is gone either way. */
void volumes_release(const struct engine_ctx *ctx, const char *id, json_t *mounts, int remove_anon);

/* What the `hull volume` commands call: one engine function each. */
int engine_volume_create(const struct engine_ctx *ctx, const char *name, char *const *labels, char ret_name[256],
                         struct herr *err);
int engine_volume_inspect(const struct engine_ctx *ctx, const char *name, json_t **ret, struct herr *err);
/* filters: "dangling=true|false", "name=SUBSTRING", "label=KEY[=VALUE]",
 * "driver=local"; all must hold. */
int engine_volume_list(const struct engine_ctx *ctx, char *const *filters, json_t **ret, struct herr *err);
int engine_volume_rm(const struct engine_ctx *ctx, const char *name, int force, struct herr *err);
int engine_volume_prune(const struct engine_ctx *ctx, int all, char ***ret_removed, long long *ret_bytes,
                        struct herr *err);
