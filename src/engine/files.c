#include "engine/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"

const char hosts_default[] =
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "ff00::0\tip6-mcastprefix\n"
        "ff02::1\tip6-allnodes\n"
        "ff02::2\tip6-allrouters\n";

static int is_loopback_ns(const char *line)
{
        const char *p = line + strlen("nameserver");
        while (*p == ' ' || *p == '\t')
                p++;
        return !strncmp(p, "127.", 4) || !strncmp(p, "::1", 3);
}

char *resolv_conf_filter(const char *host)
{
        size_t cap = (host ? strlen(host) : 0) + 128;
        char *out = calloc(1, cap);
        if (!out)
                abort();
        int servers = 0;
        _cleanup_free_ char *copy = xstrdup(host ? host : "");
        char *save = NULL;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (!strncmp(l, "nameserver", 10)) {
                        if (is_loopback_ns(l))
                                continue;
                        servers++;
                }
                strcat(out, l);
                strcat(out, "\n");
        }
        if (!servers)
                strcat(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        return out;
}
