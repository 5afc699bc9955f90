#include "net/ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"

int ip4_parse(const char *s, uint32_t *ret)
{
        struct in_addr in;
        if (!s || inet_pton(AF_INET, s, &in) != 1)
                return -1;
        *ret = ntohl(in.s_addr);
        return 0;
}

const char *ip4_fmt(uint32_t a, char buf[16])
{
        snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
        return buf;
}

uint32_t cidr_mask(int prefix)
{
        return prefix <= 0 ? 0 : ~0u << (32 - prefix);
}

int cidr_parse(const char *s, struct ip4net *ret, struct herr *err)
{
        const char *slash = strchr(s, '/');
        char *end = NULL;
        long p = slash ? strtol(slash + 1, &end, 10) : -1;
        if (!slash || !slash[1] || *end || p < 0 || p > 32)
                return herr_set(err, 0, "invalid subnet %s: want an IPv4 CIDR such as 10.1.0.0/24", s);
        _cleanup_free_ char *addr = strndup(s, (size_t)(slash - s));
        uint32_t a;
        if (ip4_parse(addr, &a) < 0)
                return herr_set(err, 0, "invalid subnet %s: want an IPv4 CIDR such as 10.1.0.0/24", s);
        if (a & ~cidr_mask((int)p)) {
                char b[16];
                return herr_set(err, 0, "invalid subnet %s: it has host bits set (the network is %s/%ld)", s,
                                ip4_fmt(a & cidr_mask((int)p), b), p);
        }
        ret->addr = a;
        ret->prefix = (int)p;
        return 0;
}

int cidr_contains(const struct ip4net *n, uint32_t a)
{
        return (a & cidr_mask(n->prefix)) == n->addr;
}

int cidr_overlap(const struct ip4net *a, const struct ip4net *b)
{
        int p = a->prefix < b->prefix ? a->prefix : b->prefix;
        return (a->addr & cidr_mask(p)) == (b->addr & cidr_mask(p));
}

uint32_t cidr_first_host(const struct ip4net *n)
{
        return n->prefix >= 31 ? n->addr : n->addr + 1;
}

uint32_t cidr_last_host(const struct ip4net *n)
{
        uint32_t bcast = n->addr | ~cidr_mask(n->prefix);
        return n->prefix >= 31 ? bcast : bcast - 1;
}

static int take_one(int dirfd, uint32_t a, const char *owner)
{
        char name[16];
        ip4_fmt(a, name);
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        ssize_t w = write(fd, owner, strlen(owner));
        close(fd);
        if (w != (ssize_t)strlen(owner)) {
                unlinkat(dirfd, name, 0);
                return -EIO;
        }
        return 0;
}

int ipam_take(int dirfd, const struct ip4net *n, uint32_t skip, uint32_t want, const char *owner, uint32_t *ret,
              struct herr *err)
{
        char b[16];
        if (want) {
                int r = take_one(dirfd, want, owner);
                if (r == -EEXIST)
                        return herr_set(err, 0, "address %s is already in use", ip4_fmt(want, b));
                if (r < 0)
                        return herr_set(err, -r, "allocating address %s", ip4_fmt(want, b));
                *ret = want;
                return 0;
        }
        for (uint32_t a = cidr_first_host(n); a <= cidr_last_host(n) && a >= n->addr; a++) {
                if (a == skip)
                        continue;
                int r = take_one(dirfd, a, owner);
                if (r == 0) {
                        *ret = a;
                        return 0;
                }
                if (r != -EEXIST)
                        return herr_set(err, -r, "allocating an address");
                if (a == 0xffffffffu)
                        break;
        }
        return herr_set(err, 0, "no available IPv4 addresses on this network's address pools: %s/%d",
                        ip4_fmt(n->addr, b), n->prefix);
}

void ipam_release(int dirfd, uint32_t a, const char *owner)
{
        char name[16], *held = NULL;
        struct herr ignored;
        ip4_fmt(a, name);
        if (read_file_at(dirfd, name, &held, NULL, &ignored) < 0)
                return;
        if (!strcmp(held, owner))
                unlinkat(dirfd, name, 0);
        free(held);
}
