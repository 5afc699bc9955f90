/* The built-in busybox image, from the layer tools/mkbusybox made at
 * build time: no network, and the same tarball gives the same image id
 * on every machine. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "config.h"
#include "image/builtin.h"
#include "image/image.h"
#include "image/layer.h"
#include "image/store.h"

/* The busybox in the layer is the host's, so the image is for the
 * host's architecture, named as Go (and so OCI) names it. */
#if defined(__x86_64__)
#define BUILTIN_ARCH "amd64"
#elif defined(__aarch64__)
#define BUILTIN_ARCH "arm64"
#elif defined(__i386__)
#define BUILTIN_ARCH "386"
#elif defined(__arm__)
#define BUILTIN_ARCH "arm"
#elif defined(__riscv) && __riscv_xlen == 64
#define BUILTIN_ARCH "riscv64"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BUILTIN_ARCH "ppc64le"
#elif defined(__s390x__)
#define BUILTIN_ARCH "s390x"
#else
#define BUILTIN_ARCH "unknown"
#endif

const char *image_host_arch(void)
{
        return BUILTIN_ARCH;
}

/* Beside the binary, in the build tree (src/cli/hull and
 * tools/busybox.tar), then where it is installed. */
static int builtin_find(char **ret, struct herr *err)
{
        _cleanup_free_ char *here = xasprintf("%s/" BUILTIN_TARBALL, self_dir());
        _cleanup_free_ char *build = xasprintf("%s/../../tools/" BUILTIN_TARBALL, self_dir());
        const char *paths[] = { here, build, HULL_DATADIR "/" BUILTIN_TARBALL };
        for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
                if (access(paths[i], R_OK) == 0) {
                        *ret = xstrdup(paths[i]);
                        return 0;
                }
        }
        return herr_set(err, ENOENT, "built-in image %s: %s not found (tried %s, %s, %s)", BUILTIN_IMAGE_REF,
                        BUILTIN_TARBALL, paths[0], paths[1], paths[2]);
}

/* An OCI image config.  Compact with sorted keys: the bytes, and so the
 * image id, depend on nothing but the layer. */
static char *builtin_config(const char *diff_id)
{
        _cleanup_json_ json_t *c = json_pack(
                "{ss ss ss s{s[s] s[s]} s{ss s[s]} s[{ss ss}]}",
                "architecture", BUILTIN_ARCH, "os", "linux", "created", BUILTIN_CREATED,
                "config", "Env", BUILTIN_PATH, "Cmd", "sh",
                "rootfs", "type", "layers", "diff_ids", diff_id,
                "history", "created", BUILTIN_CREATED,
                "created_by", "hull tools/mkbusybox: the build host's /bin/busybox, applet links, /etc/passwd, /etc/group");
        return c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

static int builtin_import(struct image_store *s, const char *tarball, struct herr *err)
{
        char blob[IMAGE_DIGEST_LEN + 1], id[IMAGE_DIGEST_LEN + 1];
        struct layer_info layer;
        _cleanup_close_ int fd = open(tarball, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s", tarball);
        if (blob_put_fd(s, fd, blob, err) < 0)
                return herr_wrap(err, "storing %s", tarball);
        /* mkbusybox writes an uncompressed tar, so the blob's digest is
         * also its diff_id: a layer unpacked before is found by it. */
        if (layer_create(s, blob, NULL, blob, &layer, err) < 0)
                return herr_wrap(err, "%s", tarball);
        _cleanup_free_ char *config = builtin_config(layer.diff_id);
        char *chains[] = { layer.chain_id, NULL };
        if (!config)
                return herr_set(err, ENOMEM, "making the busybox image config");
        if (image_record_create(s, config, strlen(config), chains, layer.size, id, err) < 0)
                return -1;
        return store_tag_set(s, BUILTIN_IMAGE_REF, id, err);
}

int image_ensure_builtin(struct image_store *s, struct herr *err)
{
        char id[IMAGE_DIGEST_LEN + 1];
        _cleanup_free_ char *tarball = NULL;
        _cleanup_store_unlock_ struct image_store *locked = NULL;
        int r = store_tag_get(s, BUILTIN_IMAGE_REF, id, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (builtin_find(&tarball, err) < 0)
                return -1;
        if (store_lock(s, err) < 0)
                return -1;
        locked = s;
        /* Another hull may have added it while we waited for the lock. */
        r = store_tag_get(s, BUILTIN_IMAGE_REF, id, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (builtin_import(s, tarball, err) < 0)
                return herr_wrap(err, "adding the built-in %s image", BUILTIN_IMAGE_REF);
        return 0;
}
