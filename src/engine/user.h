/* -u/--user resolved against the container's own /etc/passwd and
 * /etc/group (never the host's), with runc's rules. */
#pragma once
#include <sys/types.h>
#include "base/err.h"

struct user_info {
        uid_t uid;
        gid_t gid;
        gid_t *gids;            /* supplementary groups */
        size_t n_gids;
        char *home;
};

/* spec: "", "name", "uid", "name:group", "uid:gid", ...  passwd and group
 * are the files' contents, or NULL when the image has none. */
int user_resolve(const char *spec, const char *passwd, const char *group, struct user_info *ret,
                 struct herr *err);
void user_info_free(struct user_info *u);
