/* Links, addresses and routes over rtnetlink (libmnl): what `ip link`,
 * `ip addr` and `ip route` do, without running them.  Every call acts in
 * the network namespace the socket was opened in. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

struct nl;

int nl_open(struct nl **ret, struct herr *err);
void nl_close(struct nl *n);
#define _cleanup_nl_ __attribute__((cleanup(nl_closep)))
static inline void nl_closep(struct nl **n)
{
        if (*n)
                nl_close(*n);
}

/* A bridge named name (EEXIST is an error: callers check first). */
int nl_bridge_add(struct nl *n, const char *name, int mtu, struct herr *err);
/* A veth pair: host end `name` here, the peer created directly inside the
 * namespace netns_fd as `peer`. */
int nl_veth_add(struct nl *n, const char *name, const char *peer, int netns_fd, int mtu, struct herr *err);
/* Delete a link by name; a missing one is not an error. */
int nl_link_del(struct nl *n, const char *name, struct herr *err);
/* Up, and optionally: MTU (0 keeps), master (0 keeps), MAC (NULL keeps). */
int nl_link_up(struct nl *n, int ifindex, int mtu, int master, const uint8_t *mac, struct herr *err);
/* Let the bridge send a frame back out of the port it came in on: with
 * br_netfilter, a container reaching its own published port is DNATed
 * inside the bridge and leaves where it entered. */
int nl_brport_hairpin(struct nl *n, int ifindex, struct herr *err);
/* IPv4 address (network byte order) with its prefix. */
int nl_addr_add(struct nl *n, int ifindex, uint32_t addr, int prefix, struct herr *err);
int nl_route_default(struct nl *n, int ifindex, uint32_t gw, struct herr *err);

/* Every IPv4 route of the main table with a prefix (not the default
 * route), as (network, prefix) pairs in network byte order. */
struct nl_route {
        uint32_t dst;
        int prefix;
        char dev[16];
};
int nl_routes(struct nl *n, struct nl_route **ret, size_t *ret_n, struct herr *err);
