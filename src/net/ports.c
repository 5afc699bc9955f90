#include "net/ports.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "net/ipam.h"

static int port_num(const char *s, int *ret)
{
        char *end;
        if (!*s || strspn(s, "0123456789") != strlen(s))
                return -1;
        long v = strtol(s, &end, 10);
        if (v < 1 || v > 65535)
                return -1;
        *ret = (int)v;
        return 0;
}

int port_key_parse(const char *s, int *ret_port, int *ret_udp, struct herr *err)
{
        _cleanup_free_ char *copy = xstrdup(s);
        char *slash = strchr(copy, '/');
        *ret_udp = 0;
        if (slash) {
                *slash = 0;
                if (!strcmp(slash + 1, "udp"))
                        *ret_udp = 1;
                else if (strcmp(slash + 1, "tcp"))
                        return herr_set(err, 0, "invalid proto: %s", slash + 1);
        }
        if (port_num(copy, ret_port) < 0)
                return herr_set(err, 0, "invalid containerPort: %s", copy);
        return 0;
}

int port_spec_parse(const char *s, struct port_spec *ret, struct herr *err)
{
        memset(ret, 0, sizeof *ret);
        _cleanup_free_ char *copy = xstrdup(s);
        /* Split from the right: CONTAINERPORT[/proto], HOSTPORT, IP. */
        char *last = strrchr(copy, ':');
        const char *cport = last ? last + 1 : copy;
        if (port_key_parse(cport, &ret->ctr_port, &ret->udp, err) < 0)
                return -1;
        if (!last)
                return 0;
        *last = 0;
        char *mid = strrchr(copy, ':');
        const char *hport = mid ? mid + 1 : copy;
        if (*hport && port_num(hport, &ret->host_port) < 0)
                return herr_set(err, 0, "invalid hostPort: %s", hport);
        if (!mid)
                return 0;
        *mid = 0;
        if (*copy && ip4_parse(copy, &ret->host_ip) < 0)
                return herr_set(err, 0, "invalid IP address in %s: %s", s, copy);
        return 0;
}

static int bind_probe(const struct port_spec *p, int port, int *ret_port)
{
        _cleanup_close_ int fd = socket(AF_INET, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* Like a server restarting on it: TIME_WAIT leftovers are no
         * owner, a listener or a bound socket is. */
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                  .sin_addr.s_addr = htonl(p->host_ip) };
        if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
                return -errno;
        socklen_t len = sizeof sa;
        if (ret_port && getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
                *ret_port = ntohs(sa.sin_port);
        return 0;
}

int port_check_free(const struct port_spec *p, struct herr *err)
{
        int r = bind_probe(p, p->host_port, NULL);
        char ip[16];
        if (r == -EADDRINUSE)
                return herr_set(err, 0, "Bind for %s:%d failed: port is already allocated", ip4_fmt(p->host_ip, ip),
                                p->host_port);
        if (r < 0)
                return herr_set(err, -r, "Bind for %s:%d failed", ip4_fmt(p->host_ip, ip), p->host_port);
        return 0;
}

int port_choose(const struct port_spec *p, int *ret, struct herr *err)
{
        int r = bind_probe(p, 0, ret);
        return r < 0 ? herr_set(err, -r, "choosing a free host port") : 0;
}
