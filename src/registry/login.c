/* hull login / logout: credentials checked against the registry, then
 * kept in the auth file (authfile.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "registry/authfile.h"
#include "registry/client.h"
#include "registry/registry.h"

static const char *cred_key(const char *registry)
{
        if (!registry || !*registry || !strcmp(registry, "docker.io") || !strcmp(registry, "index.docker.io") ||
            !strcmp(registry, "registry-1.docker.io") || !strcmp(registry, AUTH_HUB_KEY))
                return AUTH_HUB_KEY;
        return registry;
}

int registry_login(const char *root, const struct hull_login_opts *o, struct herr *err)
{
        const char *key = cred_key(o->registry);
        const char *domain = !strcmp(key, AUTH_HUB_KEY) ? "" : key;
        if (!o->user || !*o->user || !o->password || !*o->password)
                return herr_set(err, 0, "login to %s: a user name and a password are needed", key);
        _cleanup_free_ char *pair = xasprintf("%s:%s", o->user, o->password);
        _cleanup_free_ char *basic = base64_encode(pair, strlen(pair));
        struct reg_client c;
        /* reg_open answers the registry's challenge with these credentials:
         * a Basic one by GET /v2/ again, a Bearer one by asking the token
         * service, either of which fails on a wrong password. */
        if (reg_open(&c, root, domain, "", "", basic, &o->conn, err) < 0)
                return herr_wrap(err, "login to %s", key);
        reg_close(&c);
        if (auth_set(root, key, o->user, o->password, err) < 0)
                return -1;
        printf("Login Succeeded\n");
        return 0;
}

int registry_logout(const char *root, const char *registry, struct herr *err)
{
        const char *key = cred_key(registry);
        int r = auth_remove(root, key, err);
        if (r < 0)
                return -1;
        if (r == 0)
                printf("Not logged in to %s\n", key);
        else
                printf("Removing login credentials for %s\n", key);
        return 0;
}
