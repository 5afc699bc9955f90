/* Bridges and container interfaces: the netlink steps of a bridge
 * network, composed. */
#pragma once
#include <stdint.h>
#include "base/err.h"

struct bridge_cfg {
        const char *name;
        uint32_t gateway;       /* host order */
        int prefix;
        int mtu;
};
/* Create the bridge with the gateway address (or leave an existing one),
 * bring it up, and turn on forwarding and route_localnet for it.
 * Returns 1 when it had to be created, 0 when it was there. */
int bridge_ensure(const struct bridge_cfg *b, struct herr *err);
int bridge_delete(const char *name, struct herr *err);

struct endpoint_cfg {
        const char *netns;      /* path of the container's namespace */
        const char *bridge;
        const char *host_if;    /* the host end's name */
        const char *ifname;     /* inside: eth0, eth1, ... */
        uint32_t ip, gateway;   /* host order */
        int prefix, mtu;
        uint8_t mac[6];
        int default_route;
};
/* A veth pair from the bridge into the namespace, addressed and up (lo
 * too); on error nothing of it is left. */
int endpoint_add(const struct endpoint_cfg *e, struct herr *err);
/* Removing the host end removes the pair. */
void endpoint_del(const char *host_if);
/* Bring lo up in a namespace that has nothing else. */
int netns_lo_up(const char *netns, struct herr *err);
