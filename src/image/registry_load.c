/* Loading hull-registry.so on first use (why: see registry_module.h). */
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "config.h"
#include "image/registry_module.h"

static int load(const char *path, const struct hull_registry_ops **ret, struct herr *err)
{
        /* RTLD_LOCAL: libcurl's symbols stay out of hull's namespace.  The
         * handle stays open for the life of the process. */
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return herr_setc(err, HERR_ENGINE, 0, "loading %s: %s", path, dlerror());
        const struct hull_registry_ops *ops = dlsym(h, HULL_REGISTRY_SYMBOL);
        if (!ops || ops->abi != HULL_REGISTRY_ABI || ops->size < sizeof *ops) {
                dlclose(h);
                return herr_setc(err, HERR_ENGINE, 0, "%s was built for another version of hull", path);
        }
        *ret = ops;
        return 0;
}

int registry_ops_get(const struct hull_registry_ops **ret, struct herr *err)
{
        static const struct hull_registry_ops *loaded;
        if (loaded) {
                *ret = loaded;
                return 0;
        }
        _cleanup_free_ char *here = xasprintf("%s/" HULL_REGISTRY_MODULE, self_dir());
        _cleanup_free_ char *build = xasprintf("%s/../registry/" HULL_REGISTRY_MODULE, self_dir());
        const char *paths[] = { here, build, HULL_LIBEXECDIR "/" HULL_REGISTRY_MODULE };
        for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
                if (access(paths[i], F_OK) < 0)
                        continue;
                if (load(paths[i], &loaded, err) < 0)
                        return -1;
                *ret = loaded;
                return 0;
        }
        return herr_setc(err, HERR_ENGINE, ENOENT, "registry support %s not found (tried %s, %s, %s)",
                         HULL_REGISTRY_MODULE, paths[0], paths[1], paths[2]);
}
