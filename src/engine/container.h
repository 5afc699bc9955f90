/* The container store: <root>/containers/<id>/ holds a container's OCI
 * config (config.json), what hull knows of it in Docker's shapes
 * (hull.json: Created, Path, Args, Image, Config, HostConfig), its state
 * (state.json), its log (<id>-json.log), the overlay upper and work
 * directories and the files hull supplies (hostname, hosts, resolv.conf).
 * Names are reserved atomically as symlinks <root>/names/<name> -> <id>.
 *
 * Every write is atomic (temp file + rename); commands that change a
 * container hold the flock on its directory's "lock" file. */
#pragma once
#include <jansson.h>
#include <sys/types.h>
#include "base/err.h"
#include "engine/engine.h"

enum ctr_status {
        CTR_CREATED,
        CTR_RUNNING,
        CTR_PAUSED,
        CTR_RESTARTING,
        CTR_EXITED,
        CTR_DEAD,
        CTR_REMOVING,
};

struct ctr_state {
        enum ctr_status status;
        pid_t pid;                      /* the container's PID 1, host view; 0 when none */
        unsigned long long pid_start;   /* its start time (/proc/PID/stat), against pid reuse */
        pid_t monitor_pid;              /* the process that waits for it (monitor or foreground hull) */
        unsigned long long monitor_start;
        int exit_code;
        int oom_killed;
        char started_at[40];            /* RFC 3339 with nanoseconds; "" when never */
        char finished_at[40];
        int restart_count;
        int stopped_by_user;            /* stop/kill: restart policies other than always stay down */
        char error[1024];
        json_t *health;                 /* Docker's State.Health, or NULL */
};

struct container {
        char id[65];
        char name[129];
        char *dir;
        int dirfd;
        int lockfd;                     /* held flock, or -1 */
        json_t *meta;                   /* hull.json (NULL from container_list) */
        json_t *summary;                /* what ps shows, kept in state.json so that
                                         * listing reads one small file a container */
        struct ctr_state state;
};

#define CONTAINER_INIT { .dirfd = -1, .lockfd = -1 }

/* A new container directory and name (name NULL: generate one).  On error
 * nothing is left behind. */
int container_new(const struct engine_ctx *ctx, const char *name, struct container *ret, struct herr *err);
/* Find a container by full id, unique id prefix or name, and load its
 * meta and state ("No such container: REF", code 125, when there is none). */
int container_open(const struct engine_ctx *ctx, const char *ref, struct container *ret, struct herr *err);
/* Every container in the store, newest first (state and summary only). */
int container_list(const struct engine_ctx *ctx, struct container **ret, size_t *ret_n, struct herr *err);
void container_list_free(struct container *v, size_t n);
/* Remove the directory and the name.  Never crosses a mount point. */
int container_remove(const struct engine_ctx *ctx, struct container *c, struct herr *err);
void container_close(struct container *c);
int container_count(const struct engine_ctx *ctx);
/* Docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
int container_name_valid(const char *name);
/* Rename: the new name is reserved first, so a clash changes nothing. */
int container_rename(const struct engine_ctx *ctx, struct container *c, const char *name, struct herr *err);

/* Serialise changes to one container (flock on <dir>/lock). */
int container_lock(struct container *c, struct herr *err);
void container_unlock(struct container *c);
/* Re-read / write state.json (atomically). */
int container_state_load(struct container *c, struct herr *err);
int container_state_save(struct container *c, struct herr *err);
/* hull.json; also sets the summary from it (Name, Image, Command,
 * Created, Labels). */
int container_meta_save(struct container *c, struct herr *err);
/* Where the monitor's attach socket lives: <run_dir>/<id> (created). */
char *container_run_dir(const struct engine_ctx *ctx, const struct container *c);
/* The truth about a state that says running or paused: when its PID 1 (or
 * the monitor that waits for it) is gone, or the pid now belongs to another
 * process, the container has exited.  Changes only the in-memory state. */
void container_state_refresh(struct container *c);
/* The container's OCI config (config.json). */
int container_spec_load(const struct container *c, json_t **ret, struct herr *err);

const char *ctr_status_name(enum ctr_status s);
/* "Up 3 minutes", "Exited (0) 2 hours ago", "Created", ... as docker ps. */
void ctr_status_text(const struct ctr_state *s, char *buf, size_t len);
/* RFC 3339 with nanoseconds, UTC: 2026-11-29T07:30:15.123456789Z */
void rfc3339_now(char out[40]);
/* /proc/PID/stat start time, or 0 when the process is gone (or a zombie). */
unsigned long long proc_start_time(pid_t pid);
/* pid is still the process that had this start time (not a reuse of its
 * number); 0 for pid 0 or start 0 (never recorded). */
int proc_alive(pid_t pid, unsigned long long start);
