/* Stored registry credentials (format and places: authfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "registry/authfile.h"

char *base64_encode(const void *data, size_t len)
{
        static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *p = data;
        char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
        if (!out)
                abort();
        for (size_t i = 0; i < len; i += 3) {
                unsigned v = (unsigned)p[i] << 16;
                if (i + 1 < len)
                        v |= (unsigned)p[i + 1] << 8;
                if (i + 2 < len)
                        v |= p[i + 2];
                *o++ = tbl[(v >> 18) & 63];
                *o++ = tbl[(v >> 12) & 63];
                *o++ = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
                *o++ = i + 2 < len ? tbl[v & 63] : '=';
        }
        *o = '\0';
        return out;
}

char *auth_file_path(const char *root)
{
        const char *env = getenv("HULL_AUTH_FILE");
        if (env && *env)
                return xstrdup(env);
        return xasprintf("%s/auth.json", root);
}

static char *docker_config_path(void)
{
        const char *dir = getenv("DOCKER_CONFIG");
        if (dir && *dir)
                return xasprintf("%s/config.json", dir);
        const char *home = getenv("HOME");
        return home && *home ? xasprintf("%s/.docker/config.json", home) : NULL;
}

/* A missing file reads as empty. */
static int load(const char *path, json_t **ret, struct herr *err)
{
        if (access(path, F_OK) < 0 && errno == ENOENT) {
                *ret = json_object();
                return 0;
        }
        if (json_load_path(AT_FDCWD, path, ret, err) < 0)
                return herr_wrap(err, "reading credentials");
        if (!json_is_object(*ret)) {
                json_decref(*ret);
                return herr_set(err, 0, "reading credentials %s: not a JSON object", path);
        }
        return 0;
}

static int lookup(const char *path, const char *key, char **ret, struct herr *err)
{
        _cleanup_json_ json_t *j = NULL;
        if (load(path, &j, err) < 0)
                return -1;
        const char *a = json_str(json_object_get(json_object_get(j, "auths"), key), "auth");
        if (!a || !*a)
                return 0;
        *ret = xstrdup(a);
        return 1;
}

int auth_get(const char *root, const char *key, char **ret, struct herr *err)
{
        _cleanup_free_ char *own = auth_file_path(root);
        _cleanup_free_ char *docker = docker_config_path();
        int r = lookup(own, key, ret, err);
        if (r != 0 || !docker)
                return r;
        /* Docker's file is a courtesy: one it cannot read is no error. */
        struct herr ignored;
        return lookup(docker, key, ret, &ignored) > 0;
}

static int store(const char *path, json_t *j, struct herr *err)
{
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir_p(dir, 0700, err) < 0)
                        return herr_wrap(err, "storing credentials");
        }
        _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(8) | JSON_SORT_KEYS);
        if (!text)
                return herr_set(err, ENOMEM, "storing credentials");
        /* 0600: the file holds passwords, as good as in clear text. */
        if (write_file_atomic(AT_FDCWD, path, text, strlen(text), 0600, 1, err) < 0)
                return herr_wrap(err, "storing credentials");
        return 0;
}

int auth_set(const char *root, const char *key, const char *user, const char *password, struct herr *err)
{
        _cleanup_free_ char *path = auth_file_path(root);
        _cleanup_free_ char *pair = xasprintf("%s:%s", user, password);
        _cleanup_json_ json_t *j = NULL;
        if (load(path, &j, err) < 0)
                return -1;
        json_t *auths = json_object_get(j, "auths");
        if (!json_is_object(auths)) {
                auths = json_object();
                json_object_set_new(j, "auths", auths);
        }
        _cleanup_free_ char *enc = base64_encode(pair, strlen(pair));
        json_object_set_new(auths, key, json_pack("{s:s}", "auth", enc));
        return store(path, j, err);
}

int auth_remove(const char *root, const char *key, struct herr *err)
{
        _cleanup_free_ char *path = auth_file_path(root);
        _cleanup_json_ json_t *j = NULL;
        if (load(path, &j, err) < 0)
                return -1;
        json_t *auths = json_object_get(j, "auths");
        if (!json_object_get(auths, key))
                return 0;
        json_object_del(auths, key);
        return store(path, j, err) < 0 ? -1 : 1;
}
