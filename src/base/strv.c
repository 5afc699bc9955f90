#include "base/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

size_t strv_len(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

int strv_consume(char ***v, char *s)
{
        size_t n = strv_len(*v);
        char **nv = realloc(*v, (n + 2) * sizeof *nv);
        if (!nv)
                return -ENOMEM;
        nv[n] = s;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

int strv_push(char ***v, const char *s)
{
        char *c = strdup(s);
        if (!c)
                return -ENOMEM;
        int r = strv_consume(v, c);
        if (r < 0)
                free(c);
        return r;
}

char **strv_dup(char *const *v)
{
        size_t n = strv_len(v);
        char **d = calloc(n + 1, sizeof *d);
        if (!d)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                d[i] = strdup(v[i]);
                if (!d[i]) {
                        strv_free(d);
                        return NULL;
                }
        }
        return d;
}

int strv_contains(char *const *v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (strcmp(v[i], s) == 0)
                        return 1;
        return 0;
}
