#include "base/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/fs.h"
#include "base/strv.h"

int json_load_path(int dirfd, const char *name, json_t **ret, struct herr *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (read_file_at(dirfd, name, &buf, &len, err) < 0)
                return -1;
        json_error_t je;
        json_t *j = json_loadb(buf, len, 0, &je);
        if (!j)
                return herr_set(err, 0, "parsing %s: line %d: %s", name, je.line, je.text);
        *ret = j;
        return 0;
}

int json_write_path(int dirfd, const char *name, json_t *j, int durable, struct herr *err)
{
        _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
        if (!s)
                return herr_set(err, ENOMEM, "serialising %s", name);
        return write_file_atomic(dirfd, name, s, strlen(s), 0644, durable, err);
}

const char *json_str(const json_t *obj, const char *key)
{
        return json_string_value(json_object_get(obj, key));
}

long long json_int(const json_t *obj, const char *key, long long dflt)
{
        json_t *v = json_object_get(obj, key);
        return json_is_integer(v) ? json_integer_value(v) : dflt;
}

int json_bool(const json_t *obj, const char *key, int dflt)
{
        json_t *v = json_object_get(obj, key);
        return json_is_boolean(v) ? json_is_true(v) : dflt;
}

int json_strv(const json_t *obj, const char *key, char ***ret, struct herr *err)
{
        json_t *a = json_object_get(obj, key);
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        if (!v)
                return herr_set(err, ENOMEM, "%s", key);
        if (a && !json_is_null(a)) {
                if (!json_is_array(a))
                        return herr_set(err, 0, "%s: expected an array of strings", key);
                size_t i;
                json_t *e;
                json_array_foreach(a, i, e) {
                        if (!json_is_string(e))
                                return herr_set(err, 0, "%s[%zu]: expected a string", key, i);
                        if (strv_push(&v, json_string_value(e)) < 0)
                                return herr_set(err, ENOMEM, "%s", key);
                }
        }
        *ret = TAKE_PTR(v);
        return 0;
}

json_t *json_from_strv(char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; v && v[i]; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}
