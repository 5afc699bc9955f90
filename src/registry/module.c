/* The table hull-registry.so exports (why a module: registry_module.h). */
#include "registry/registry.h"

__attribute__((visibility("default"))) const struct hull_registry_ops hull_registry_ops = {
        .abi = HULL_REGISTRY_ABI,
        .size = sizeof(struct hull_registry_ops),
        .pull = registry_pull,
        .push = registry_push,
        .login = registry_login,
        .logout = registry_logout,
};
