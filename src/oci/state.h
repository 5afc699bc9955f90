/* A container's state between hull-runtime commands: <root>/<id>/ holds
 *   state.json   pid, its start time, bundle, created time, started flag
 *   config.json  the config as create read it (exec, delete and the
 *                hooks need it after the bundle may have changed)
 *   start.sock   where the created container's process waits for `start`
 * The directory (mode 0700) is the lock: commands that change a container
 * flock it. */
#pragma once
#include <jansson.h>
#include <sys/types.h>
#include "base/err.h"
#include "runtime/spec.h"

enum oci_status { OCI_CREATED, OCI_RUNNING, OCI_PAUSED, OCI_STOPPED };

struct oci_state {
        char *id;
        char *dir;                      /* <root>/<id> */
        int dirfd;                      /* flocked when loaded with lock */
        pid_t pid;
        unsigned long long pid_start;   /* /proc/PID/stat starttime */
        char *bundle;
        char *created;                  /* RFC 3339 */
        int started;
        struct oci_spec *spec;          /* parsed config.json */
};

const char *oci_status_name(enum oci_status s);
/* The id rules of runc: letters, digits, "_", "+", "-", "."; not "." or "..". */
int oci_check_id(const char *id, struct herr *err);
/* Make <root>/<id> (an error naming the id when it exists). */
int oci_state_new(const char *root, const char *id, struct oci_state *st, struct herr *err);
/* Load an existing container (an error "container ID does not exist"
 * when it is not there), flocked when lock is set. */
int oci_state_load(const char *root, const char *id, int lock, struct oci_state *st, struct herr *err);
int oci_state_save(struct oci_state *st, struct herr *err);
/* Remove the directory (the state is gone afterwards). */
int oci_state_remove(struct oci_state *st, struct herr *err);
void oci_state_free(struct oci_state *st);
/* created / running / paused / stopped, from the process and its cgroup. */
enum oci_status oci_state_status(const struct oci_state *st);
/* The spec's state JSON (runc's fields); the caller frees it. */
json_t *oci_state_json(const struct oci_state *st);
/* A pidfd of the container's process, or -1 when it is gone (or another
 * process has its pid now). */
int oci_state_pidfd(const struct oci_state *st);
unsigned long long oci_proc_start(pid_t pid);
void oci_now_rfc3339(char *buf, size_t size);
