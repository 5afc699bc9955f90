/* `-c CHANGE` of import and commit: the Dockerfile instructions that only
 * change the image config (Docker's list: CMD, ENTRYPOINT, ENV, EXPOSE,
 * LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR). */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "image/image.h"

static const char *skip_space(const char *p)
{
        while (isspace((unsigned char)*p))
                p++;
        return p;
}

/* ["a", "b"] (JSON form) or shell form, as a Dockerfile reads it. */
static json_t *exec_or_shell(const char *arg)
{
        if (*arg == '[') {
                json_t *j = json_loads(arg, 0, NULL);
                size_t i;
                json_t *v;
                if (json_is_array(j)) {
                        int ok = 1;
                        json_array_foreach(j, i, v) ok &= json_is_string(v);
                        if (ok)
                                return j;
                }
                json_decref(j);
        }
        return json_pack("[sss]", "/bin/sh", "-c", arg);
}

static json_t *sub(json_t *cfg, const char *key)
{
        json_t *o = json_object_get(cfg, key);
        if (!json_is_object(o)) {
                o = json_object();
                json_object_set_new(cfg, key, o);
        }
        return o;
}

/* KEY=VALUE ... (quotes removed), or the old "KEY VALUE" form when the
 * first word holds no "=". */
static int key_values(const char *arg, int (*put)(json_t *, const char *, const char *), json_t *cfg,
                      struct herr *err)
{
        const char *sp = strpbrk(arg, " \t");
        const char *eq = strchr(arg, '=');
        if (!eq || (sp && sp < eq)) {
                if (!sp)
                        return herr_set(err, 0, "missing value in \"%s\"", arg);
                _cleanup_free_ char *k = strndup(arg, (size_t)(sp - arg));
                return put(cfg, k, skip_space(sp));
        }
        for (const char *p = arg; *(p = skip_space(p));) {
                _cleanup_free_ char *k = NULL, *v = calloc(1, strlen(p) + 1);
                const char *e = strchr(p, '=');
                if (!e || !v)
                        return herr_set(err, 0, "expected KEY=VALUE in \"%s\"", arg);
                k = strndup(p, (size_t)(e - p));
                size_t n = 0;
                char q = 0;
                for (p = e + 1; *p && (q || !isspace((unsigned char)*p)); p++) {
                        if (!q && (*p == '"' || *p == '\''))
                                q = *p;
                        else if (q && *p == q)
                                q = 0;
                        else if (*p == '\\' && p[1] && q != '\'')
                                v[n++] = *++p;
                        else
                                v[n++] = *p;
                }
                if (put(cfg, k, v) < 0)
                        return herr_set(err, ENOMEM, "applying change");
        }
        return 0;
}

static int put_env(json_t *cfg, const char *k, const char *v)
{
        json_t *env = json_object_get(cfg, "Env");
        size_t kl = strlen(k), i;
        json_t *e;
        if (!json_is_array(env)) {
                env = json_array();
                json_object_set_new(cfg, "Env", env);
        }
        _cleanup_free_ char *kv = xasprintf("%s=%s", k, v);
        json_array_foreach(env, i, e) {
                const char *s = json_string_value(e);
                if (s && !strncmp(s, k, kl) && s[kl] == '=')
                        return json_array_set_new(env, i, json_string(kv));
        }
        return json_array_append_new(env, json_string(kv));
}

static int put_label(json_t *cfg, const char *k, const char *v)
{
        return json_object_set_new(sub(cfg, "Labels"), k, json_string(v));
}

static int words_into(json_t *cfg, const char *key, const char *arg, int add_proto)
{
        json_t *o = sub(cfg, key);
        json_t *list = *arg == '[' ? json_loads(arg, 0, NULL) : NULL;
        size_t i;
        json_t *v;
        if (json_is_array(list)) {
                json_array_foreach(list, i, v) if (json_is_string(v)) json_object_set_new(o, json_string_value(v),
                                                                                           json_object());
                json_decref(list);
                return 0;
        }
        json_decref(list);
        _cleanup_free_ char *copy = xstrdup(arg);
        char *save = NULL;
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                _cleanup_free_ char *k = add_proto && !strchr(w, '/') ? xasprintf("%s/tcp", w) : xstrdup(w);
                json_object_set_new(o, k, json_object());
        }
        return 0;
}

int image_config_change(json_t *cfg, const char *change, struct herr *err)
{
        const char *p = skip_space(change);
        size_t n = strcspn(p, " \t");
        const char *arg = skip_space(p + n);
        char word[16];
        if (n == 0 || n >= sizeof word)
                return herr_set(err, 0, "invalid change \"%s\"", change);
        memcpy(word, p, n);
        word[n] = '\0';
        if (!*arg)
                return herr_set(err, 0, "change \"%s\" has no argument", change);
        if (!strcasecmp(word, "CMD") || !strcasecmp(word, "ENTRYPOINT")) {
                return json_object_set_new(cfg, !strcasecmp(word, "CMD") ? "Cmd" : "Entrypoint",
                                           exec_or_shell(arg)) < 0 ? herr_set(err, ENOMEM, "applying change") : 0;
        }
        if (!strcasecmp(word, "ENV"))
                return key_values(arg, put_env, cfg, err);
        if (!strcasecmp(word, "LABEL"))
                return key_values(arg, put_label, cfg, err);
        if (!strcasecmp(word, "EXPOSE"))
                return words_into(cfg, "ExposedPorts", arg, 1);
        if (!strcasecmp(word, "VOLUME"))
                return words_into(cfg, "Volumes", arg, 0);
        if (!strcasecmp(word, "USER") || !strcasecmp(word, "WORKDIR") || !strcasecmp(word, "STOPSIGNAL")) {
                const char *key = !strcasecmp(word, "USER") ? "User"
                                  : !strcasecmp(word, "WORKDIR") ? "WorkingDir" : "StopSignal";
                return json_object_set_new(cfg, key, json_string(arg)) < 0 ? herr_set(err, ENOMEM, "applying change")
                                                                           : 0;
        }
        if (!strcasecmp(word, "ONBUILD")) {
                json_t *ob = json_object_get(cfg, "OnBuild");
                if (!json_is_array(ob)) {
                        ob = json_array();
                        json_object_set_new(cfg, "OnBuild", ob);
                }
                return json_array_append_new(ob, json_string(arg)) < 0 ? herr_set(err, ENOMEM, "applying change") : 0;
        }
        return herr_set(err, 0, "%s is not a valid change command (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, "
                                "STOPSIGNAL, USER, VOLUME, WORKDIR)", word);
}
