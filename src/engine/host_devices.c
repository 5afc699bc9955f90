#include "engine/host_devices.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"

static int walk(const char *dir, json_t *out, int depth)
{
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d || depth > 4)
                return 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, de->d_name);
                struct stat st;
                if (lstat(p, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        /* These get their own fresh instances in the container. */
                        if (!strcmp(p, "/dev/pts") || !strcmp(p, "/dev/shm") || !strcmp(p, "/dev/mqueue"))
                                continue;
                        walk(p, out, depth + 1);
                        continue;
                }
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        continue;
                if (!strcmp(p, "/dev/console") || !strcmp(p, "/dev/ptmx"))
                        continue;
                json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:i}", "path", p, "type",
                                                     S_ISCHR(st.st_mode) ? "c" : "b", "major", (json_int_t)major(st.st_rdev), "minor",
                                                     (json_int_t)minor(st.st_rdev), "fileMode",
                                                     (int)(st.st_mode & 07777), "uid", (int)st.st_uid, "gid",
                                                     (int)st.st_gid));
        }
        return 0;
}

int host_devices(json_t **ret, struct herr *err)
{
        json_t *out = json_array();
        if (!out)
                return herr_set(err, ENOMEM, "listing host devices");
        walk("/dev", out, 0);
        *ret = out;
        return 0;
}
