#include "net/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "net/netlink.h"
#include "net/netns.h"

/* Write a sysctl unless it already holds the value (no write, no
 * change: forwarding may have been set by the admin). */
static int sysctl_set(const char *path, const char *val, struct herr *err)
{
        char cur[16] = "";
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s", path);
        ssize_t n = read(fd, cur, sizeof cur - 1);
        if (n > 0 && !strncmp(cur, val, strlen(val)))
                return 0;
        if (pwrite(fd, val, strlen(val), 0) < 0)
                return herr_set(err, errno, "writing %s", path);
        return 0;
}

/* IPv4 only, as Docker without --ipv6: no link-local address, no router
 * solicitations or MLD reports on the wire (a container's traffic
 * counters stay at zero until it talks).  Before the link goes up, so
 * that it never starts; /proc/sys/net is the namespace of whoever opens
 * it.  A kernel without IPv6 has no file. */
static void ipv6_off(const char *ifname)
{
        _cleanup_free_ char *p = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
        struct herr ignored;
        if (access(p, F_OK) == 0)
                sysctl_set(p, "1", &ignored);
}

int bridge_ensure(const struct bridge_cfg *b, struct herr *err)
{
        _cleanup_nl_ struct nl *n = NULL;
        if (nl_open(&n, err) < 0)
                return -1;
        int idx = (int)if_nametoindex(b->name);
        int made = 0;
        if (!idx) {
                if (nl_bridge_add(n, b->name, b->mtu, err) < 0)
                        return -1;
                made = 1;
                ipv6_off(b->name);
                idx = (int)if_nametoindex(b->name);
                if (!idx)
                        return herr_set(err, errno, "bridge %s vanished", b->name);
        }
        _cleanup_free_ char *localnet = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", b->name);
        if (nl_addr_add(n, idx, htonl(b->gateway), b->prefix, err) < 0 || nl_link_up(n, idx, 0, 0, NULL, err) < 0 ||
            sysctl_set(localnet, "1", err) < 0 || sysctl_set("/proc/sys/net/ipv4/ip_forward", "1", err) < 0) {
                struct herr ignored;
                if (made)
                        nl_link_del(n, b->name, &ignored);
                return -1;
        }
        return made;
}

int bridge_delete(const char *name, struct herr *err)
{
        _cleanup_nl_ struct nl *n = NULL;
        if (nl_open(&n, err) < 0)
                return -1;
        return nl_link_del(n, name, err);
}

static int lo_up(struct nl *n, struct herr *err)
{
        int lo = (int)if_nametoindex("lo");
        return lo ? nl_link_up(n, lo, 0, 0, NULL, err) : herr_set(err, errno, "no loopback");
}

/* Inside the namespace: the peer's MAC, address, route; lo up. */
static int endpoint_inside(void *data, struct herr *err)
{
        const struct endpoint_cfg *e = data;
        _cleanup_nl_ struct nl *n = NULL;
        if (nl_open(&n, err) < 0 || lo_up(n, err) < 0)
                return -1;
        int idx = (int)if_nametoindex(e->ifname);
        if (!idx)
                return herr_set(err, errno, "%s is missing in the container", e->ifname);
        ipv6_off(e->ifname);
        if (nl_link_up(n, idx, 0, 0, e->mac, err) < 0 || nl_addr_add(n, idx, htonl(e->ip), e->prefix, err) < 0)
                return -1;
        if (e->default_route && nl_route_default(n, idx, htonl(e->gateway), err) < 0)
                return -1;
        return 0;
}

int endpoint_add(const struct endpoint_cfg *e, struct herr *err)
{
        _cleanup_nl_ struct nl *n = NULL;
        _cleanup_close_ int nsfd = open(e->netns, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return herr_set(err, errno, "opening %s", e->netns);
        if (nl_open(&n, err) < 0 || nl_veth_add(n, e->host_if, e->ifname, nsfd, e->mtu, err) < 0)
                return -1;
        int idx = (int)if_nametoindex(e->host_if), br = (int)if_nametoindex(e->bridge);
        int r = !idx || !br ? herr_set(err, ENODEV, "attaching %s to %s", e->host_if, e->bridge) : 0;
        if (r == 0) {
                ipv6_off(e->host_if);
                r = nl_link_up(n, idx, 0, br, NULL, err);
        }
        if (r == 0)
                r = nl_brport_hairpin(n, idx, err);
        if (r == 0)
                r = netns_enter(e->netns, endpoint_inside, (void *)e, err);
        if (r < 0) {
                struct herr ignored;
                nl_link_del(n, e->host_if, &ignored);
        }
        return r;
}

void endpoint_del(const char *host_if)
{
        _cleanup_nl_ struct nl *n = NULL;
        struct herr ignored;
        if (nl_open(&n, &ignored) == 0)
                nl_link_del(n, host_if, &ignored);
}

static int lo_only(void *data, struct herr *err)
{
        _cleanup_nl_ struct nl *n = NULL;
        return nl_open(&n, err) < 0 ? -1 : lo_up(n, err);
}

int netns_lo_up(const char *netns, struct herr *err)
{
        return netns_enter(netns, lo_only, NULL, err);
}
