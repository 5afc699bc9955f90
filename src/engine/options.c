#include "engine/options.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strv.h"
#include "runtime/spec.h"

const char *const docker_default_caps[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL,
};

const char *env_get(char *const *env, const char *key)
{
        size_t kl = strlen(key);
        for (size_t i = 0; env && env[i]; i++)
                if (!strncmp(env[i], key, kl) && env[i][kl] == '=')
                        return env[i] + kl + 1;
        return NULL;
}

int env_set(char ***env, const char *kv)
{
        const char *eq = strchr(kv, '=');
        _cleanup_free_ char *own = NULL;
        if (!eq) {
                const char *host = getenv(kv);
                if (!host)
                        return 0;
                kv = own = xasprintf("%s=%s", kv, host);
                eq = strchr(kv, '=');
        }
        size_t kl = (size_t)(eq - kv);
        for (size_t i = 0; *env && (*env)[i]; i++)
                if (!strncmp((*env)[i], kv, kl) && (*env)[i][kl] == '=') {
                        char *n = xstrdup(kv);
                        free((*env)[i]);
                        (*env)[i] = n;
                        return 0;
                }
        return strv_push(env, kv);
}

int env_file_read(const char *path, char ***env, struct herr *err)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return herr_set(err, errno, "env file %s", path);
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int lineno = 0;
        while ((n = getline(&line, &cap, f)) >= 0) {
                lineno++;
                while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                        line[--n] = '\0';
                char *s = line;
                while (isspace((unsigned char)*s))
                        s++;
                if (!*s || *s == '#')
                        continue;
                if (*s == '=')
                        return herr_set(err, 0, "env file %s line %d: variable name is empty", path, lineno);
                for (char *c = s; *c && *c != '='; c++)
                        if (isspace((unsigned char)*c))
                                return herr_set(err, 0, "env file %s line %d: variable name has whitespace",
                                                path, lineno);
                if (env_set(env, s) < 0)
                        return herr_set(err, ENOMEM, "env file %s", path);
        }
        return 0;
}

int env_apply_flags(char ***env, char *const *env_files, char *const *envs, struct herr *err)
{
        for (size_t i = 0; env_files && env_files[i]; i++)
                if (env_file_read(env_files[i], env, err) < 0)
                        return -1;
        for (size_t i = 0; envs && envs[i]; i++) {
                if (envs[i][0] == '=' || !envs[i][0])
                        return herr_set(err, 0, "invalid environment variable: \"%s\"", envs[i]);
                if (env_set(env, envs[i]) < 0)
                        return herr_set(err, ENOMEM, "environment");
        }
        return 0;
}

static int cap_normalise(const char *in, char out[64])
{
        if (!strcasecmp(in, "ALL")) {
                strcpy(out, "ALL");
                return 0;
        }
        snprintf(out, 64, "%s%s", strncasecmp(in, "CAP_", 4) ? "CAP_" : "", in);
        for (char *c = out; *c; c++)
                *c = (char)toupper((unsigned char)*c);
        return rt_cap_from_name(out) < 0 ? -1 : 0;
}

/* "Every capability" is every one hull itself holds: a host (or an outer
 * container) may withhold some, and asking for those could only fail. */
static int all_caps(char ***ret)
{
        for (int c = 0; c <= rt_cap_last(); c++)
                if (rt_cap_held(c) && strv_push(ret, rt_cap_name(c)) < 0)
                        return -ENOMEM;
        return 0;
}

int caps_compute(char *const *add, char *const *drop, int privileged, char ***ret, struct herr *err)
{
        _cleanup_strv_ char **caps = calloc(1, sizeof(char *));
        char name[64];
        if (!caps)
                return herr_set(err, ENOMEM, "capabilities");
        if (privileged) {
                if (all_caps(&caps) < 0)
                        return herr_set(err, ENOMEM, "capabilities");
                *ret = TAKE_PTR(caps);
                return 0;
        }
        int drop_all = 0;
        for (size_t i = 0; drop && drop[i]; i++) {
                if (cap_normalise(drop[i], name) < 0)
                        return herr_set(err, 0, "unknown capability to drop: \"%s\"", drop[i]);
                drop_all |= !strcmp(name, "ALL");
        }
        if (!drop_all)
                for (size_t i = 0; docker_default_caps[i]; i++)
                        if (strv_push(&caps, docker_default_caps[i]) < 0)
                                return herr_set(err, ENOMEM, "capabilities");
        for (size_t i = 0; add && add[i]; i++) {
                if (cap_normalise(add[i], name) < 0)
                        return herr_set(err, 0, "unknown capability to add: \"%s\"", add[i]);
                if (!strcmp(name, "ALL")) {
                        strv_free(caps);
                        caps = calloc(1, sizeof(char *));
                        if (!caps || all_caps(&caps) < 0)
                                return herr_set(err, ENOMEM, "capabilities");
                } else if (!rt_cap_held(rt_cap_from_name(name))) {
                        return herr_set(err, 0, "cannot add %s: hull does not hold it on this host", name);
                } else if (!strv_contains(caps, name)) {
                        if (strv_push(&caps, name) < 0)
                                return herr_set(err, ENOMEM, "capabilities");
                }
        }
        /* Docker applies drops after adds, except that an explicit add
         * beats a drop of ALL. */
        for (size_t i = 0; drop && drop[i]; i++) {
                cap_normalise(drop[i], name);
                if (!strcmp(name, "ALL"))
                        continue;
                size_t n = strv_len(caps), w = 0;
                for (size_t k = 0; k < n; k++) {
                        if (!strcmp(caps[k], name))
                                free(caps[k]);
                        else
                                caps[w++] = caps[k];
                }
                caps[w] = NULL;
        }
        *ret = TAKE_PTR(caps);
        return 0;
}

int parse_duration_ns(const char *s, int64_t *ret)
{
        static const struct {
                const char *unit;
                int64_t ns;
        } units[] = { { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000LL },
                      { "m", 60000000000LL }, { "h", 3600000000000LL } };
        int64_t total = 0;
        if (!*s)
                return -1;
        while (*s) {
                char *end;
                errno = 0;
                double v = strtod(s, &end);
                if (errno || end == s || v < 0)
                        return -1;
                size_t best = 0, best_len = 0;
                for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
                        size_t l = strlen(units[i].unit);
                        if (!strncmp(end, units[i].unit, l) && l > best_len) {
                                best = i;
                                best_len = l;
                        }
                }
                if (!best_len)
                        return -1;
                total += (int64_t)(v * (double)units[best].ns);
                s = end + best_len;
        }
        *ret = total;
        return 0;
}

static int hc_duration(json_t *hc, const char *key, const char *flag, const char *v, struct herr *err)
{
        int64_t ns;
        if (!v)
                return 0;
        if (parse_duration_ns(v, &ns) < 0)
                return herr_set(err, 0, "invalid argument \"%s\" for \"--%s\" flag: not a duration such as 30s or 1m", v, flag);
        if (ns != 0 && ns < 1000000)
                return herr_set(err, 0, "--%s must be at least 1ms", flag);
        json_object_set_new(hc, key, json_integer(ns));
        return 0;
}

int healthcheck_config(const struct run_opts *o, json_t *image_hc, json_t **ret, struct herr *err)
{
        *ret = NULL;
        if (o->no_healthcheck) {
                if (o->health_cmd)
                        return herr_set(err, 0, "--no-healthcheck conflicts with --health-* options");
                *ret = json_pack("{s:[s]}", "Test", "NONE");
                return 0;
        }
        int flags = o->health_cmd || o->health_interval || o->health_timeout || o->health_start_period ||
                    o->health_retries;
        if (!flags && !json_is_object(image_hc))
                return 0;
        json_t *hc = json_is_object(image_hc) ? json_deep_copy(image_hc) : json_object();
        if (o->health_cmd)
                json_object_set_new(hc, "Test", json_pack("[s, s]", "CMD-SHELL", o->health_cmd));
        if (hc_duration(hc, "Interval", "health-interval", o->health_interval, err) < 0 ||
            hc_duration(hc, "Timeout", "health-timeout", o->health_timeout, err) < 0 ||
            hc_duration(hc, "StartPeriod", "health-start-period", o->health_start_period, err) < 0) {
                json_decref(hc);
                return -1;
        }
        if (o->health_retries < 0) {
                json_decref(hc);
                return herr_set(err, 0, "--health-retries cannot be negative");
        }
        if (o->health_retries)
                json_object_set_new(hc, "Retries", json_integer(o->health_retries));
        if (!json_object_get(hc, "Test")) {
                json_decref(hc);
                return herr_set(err, 0, "--health-* options need --health-cmd or an image with a healthcheck");
        }
        *ret = hc;
        return 0;
}
