#include "oci/oci.h"

#include "base/cleanup.h"
#include "base/fs.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static int match(const struct oci_opt *opts, const char *name, size_t len, int is_short)
{
        for (int k = 0; opts[k].name; k++) {
                if (is_short && len == 1 && opts[k].short_name == name[0])
                        return k;
                if (strlen(opts[k].name) == len && !strncmp(opts[k].name, name, len))
                        return k;
        }
        return -1;
}

int oci_opt_next(struct oci_args *a, const struct oci_opt *opts, const char **ret_val, struct herr *err)
{
        *ret_val = NULL;
        if (a->i >= a->argc)
                return -1;
        const char *arg = a->argv[a->i];
        if (!strcmp(arg, "--")) {
                a->i++;
                return -1;
        }
        if (arg[0] != '-' || !arg[1])
                return -1;
        /* urfave/cli, which runc uses, takes -name as well as --name. */
        const char *name = arg + (arg[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        int k = match(opts, name, len, arg[1] != '-');
        if (k < 0)
                return herr_set(err, 0, "unknown option %s", arg), -2;
        a->i++;
        if (eq) {
                *ret_val = eq + 1;
        } else if (opts[k].has_arg) {
                if (a->i >= a->argc)
                        return herr_set(err, 0, "option %s needs a value", arg), -2;
                *ret_val = a->argv[a->i++];
        }
        return k;
}

int oci_opt_bool(const char *val)
{
        return !val || strcmp(val, "false") != 0;
}

const char *oci_arg_next(struct oci_args *a)
{
        return a->i < a->argc ? a->argv[a->i++] : NULL;
}

int oci_parse_signal(const char *s)
{
        char *end;
        long n = strtol(s, &end, 10);
        if (*s && !*end)
                return n > 0 && n < NSIG ? (int)n : -1;
        if (!strncasecmp(s, "SIG", 3))
                s += 3;
        for (int sig = 1; sig < NSIG; sig++) {
                const char *abbrev = sigabbrev_np(sig);
                if (abbrev && !strcasecmp(s, abbrev))
                        return sig;
        }
        if (!strncasecmp(s, "RTMIN+", 6))
                return SIGRTMIN + atoi(s + 6) <= SIGRTMAX ? SIGRTMIN + atoi(s + 6) : -1;
        return -1;
}

char *oci_systemd_cgroup_path(const char *path)
{
        const char *c1 = strchr(path, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (path[0] == '/' || !c2 || strchr(c2 + 1, ':') || strchr(path, '/'))
                return NULL;
        _cleanup_free_ char *slice = strndup(path, (size_t)(c1 - path));
        _cleanup_free_ char *prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
        if (!*slice) {
                free(slice);
                slice = xstrdup("system.slice");
        }
        size_t len = strlen(slice);
        if (len < 6 || strcmp(slice + len - 6, ".slice"))
                return NULL;
        /* a-b-c.slice lives in a.slice/a-b.slice/a-b-c.slice; -.slice is the root. */
        _cleanup_free_ char *dirs = xstrdup("");
        if (strcmp(slice, "-.slice")) {
                for (const char *dash = slice; (dash = strchr(dash, '-')); dash++) {
                        char *n = xasprintf("%s/%.*s.slice", dirs, (int)(dash - slice), slice);
                        free(dirs);
                        dirs = n;
                }
                char *n = xasprintf("%s/%s", dirs, slice);
                free(dirs);
                dirs = n;
        }
        return *prefix ? xasprintf("%s/%s-%s.scope", dirs, prefix, c2 + 1) : xasprintf("%s/%s", dirs, c2 + 1);
}
