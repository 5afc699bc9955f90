/* Reading one file through a stack of unpacked layers, the way overlayfs
 * would show it, without mounting anything. */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strv.h"

static int open_in(int dirfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static int is_whiteout(int layerfd, const char *path)
{
        struct stat st;
        _cleanup_close_ int fd = open_in(layerfd, path, O_PATH | O_NOFOLLOW);
        return fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

/* An opaque directory on the path hides everything below it in lower
 * layers. */
static int opaque_parent(int layerfd, const char *path)
{
        _cleanup_free_ char *p = xstrdup(path);
        char *slash;
        while ((slash = strrchr(p, '/'))) {
                *slash = '\0';
                _cleanup_close_ int fd = open_in(layerfd, *p ? p : ".", O_RDONLY | O_DIRECTORY);
                char v[2];
                if (fd >= 0 && fgetxattr(fd, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y')
                        return 1;
        }
        return 0;
}

int image_read_file(const struct image *img, const char *path, char **ret, struct herr *err)
{
        *ret = NULL;
        while (*path == '/')
                path++;
        for (size_t i = strv_len(img->layers); i > 0; i--) {
                _cleanup_close_ int layer = open(img->layers[i - 1], O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (layer < 0)
                        return herr_set(err, errno, "opening layer %s", img->layers[i - 1]);
                if (is_whiteout(layer, path))
                        return 0;
                _cleanup_close_ int fd = open_in(layer, path, O_RDONLY);
                if (fd >= 0)
                        return read_fd(fd, ret, NULL, err) < 0 ? herr_wrap(err, "/%s", path) : 0;
                if (errno != ENOENT && errno != ENOTDIR)
                        return herr_set(err, errno, "reading /%s from the image", path);
                if (opaque_parent(layer, path))
                        return 0;
        }
        return 0;
}
