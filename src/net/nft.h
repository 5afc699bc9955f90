/* hull's own nftables table, through libnftables: NAT for bridge
 * networks and published ports.  One table per hull root (so that roots
 * never fight over rules and removing one root's table touches nothing
 * else); its rules are fixed, and everything per network or per
 * container is an element of a set or map, added and deleted by key:
 *
 *   bridges   every bridge of this root        (hairpin/localhost masquerade)
 *   masq      bridges whose traffic out is masqueraded (not --internal)
 *   internal  bridges that may not reach beyond themselves
 *   intra     bridge . bridge: traffic within one network
 *   subnets   every network's subnet (hairpin masquerade)
 *   pub_any   proto . hostport        : container ip . port  (any local address)
 *   pub_addr  hostip . proto . hostport : container ip . port
 *
 * libnftables is loaded with dlopen on first use: a `hull run` that
 * publishes nothing never pays for it. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

/* Run nft commands (the nft language) in one atomic transaction. */
int nft_run(const char *cmds, struct herr *err);
/* Create the table if it does not exist yet. */
int nft_table_ensure(const char *table, struct herr *err);
/* Delete the table and everything in it; a missing table is fine. */
int nft_table_delete(const char *table, struct herr *err);
/* subnet: "10.77.0.0/24" */
int nft_bridge_add(const char *table, const char *bridge, const char *subnet, int internal, struct herr *err);
void nft_bridge_del(const char *table, const char *bridge, const char *subnet);

struct nft_port {
        uint32_t host_ip;       /* host order; 0: every local address */
        int udp;
        int host_port;
        uint32_t ctr_ip;
        int ctr_port;
};
/* Publish ports, all or none; a host port that is taken gives an error. */
int nft_ports_add(const char *table, const struct nft_port *p, size_t n, struct herr *err);
/* Withdraw them (each one on its own, so a missing one stops nothing). */
void nft_ports_del(const char *table, const struct nft_port *p, size_t n);
