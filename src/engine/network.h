/* Networks as users see them (Docker's bridge driver): the store under
 * <root>/networks/<name>/ (network.json, ips/ the address allocations,
 * endpoints/<container id> the members, lock), and what a container
 * needs of them.  The kernel work is src/net/'s. */
#pragma once
#include <jansson.h>
#include <stdint.h>
#include "base/err.h"
#include "engine/engine.h"
#include "net/ipam.h"

#define NET_DEFAULT_NAME "bridge"

struct network {
        char name[129];
        char id[65];
        char bridge[16];
        char *dir;
        json_t *j;              /* network.json */
        struct ip4net subnet;
        uint32_t gateway;
        int internal;
        int lockfd;
};
#define NETWORK_INIT { .lockfd = -1 }

/* By name, full id or unique id prefix ("network REF not found"). */
int network_open(const struct engine_ctx *ctx, const char *ref, struct network *ret, struct herr *err);
/* The default bridge network, created on first use. */
int network_open_default(const struct engine_ctx *ctx, struct network *ret, struct herr *err);
void network_close(struct network *n);
int network_lock(struct network *n, struct herr *err);
/* Re-create the bridge (and hull's rules) when it is gone, after a
 * reboot: cheap when it is there. */
int network_bridge_up(const struct engine_ctx *ctx, const struct network *n, struct herr *err);
/* This root's nftables table. */
char *network_table(const struct engine_ctx *ctx);
/* The ids of the containers attached. */
char **network_members(const struct network *n);

struct net_create_opts {
        const char *name, *subnet, *gateway;
        int internal;
        char **labels;
};
int engine_network_create(const struct engine_ctx *ctx, const struct net_create_opts *o, char ret_id[65],
                          struct herr *err);
/* Docker's network objects (with Containers), every network. */
int engine_network_list(const struct engine_ctx *ctx, json_t **ret, struct herr *err);
int engine_network_inspect(const struct engine_ctx *ctx, const char *ref, json_t **ret, struct herr *err);
int engine_network_rm(const struct engine_ctx *ctx, const char *ref, struct herr *err);
/* Remove user networks nobody uses; their names are appended to *ret. */
int engine_network_prune(const struct engine_ctx *ctx, char ***ret, struct herr *err);
/* Remove every network of this root, the default one too, and hull's
 * table (for a root about to be deleted; containers must be gone). */
int engine_network_reset(const struct engine_ctx *ctx, struct herr *err);
int engine_network_connect(const struct engine_ctx *ctx, const char *net, const char *ctr, const char *ip,
                           char **aliases, struct herr *err);
int engine_network_disconnect(const struct engine_ctx *ctx, const char *net, const char *ctr, struct herr *err);
/* NetworkSettings.Ports of a container. */
int engine_port(const struct engine_ctx *ctx, const char *ref, json_t **ret, struct herr *err);

/* For hull run / create and the container store (network_attach.c). */
struct container;
struct image;
/* Which namespace the spec names: a path, or NULL for a new one (none)
 * or none at all (host).  Checks the mode and the flags that go with it. */
int net_plan(const struct engine_ctx *ctx, const struct run_opts *o, const char *id, char **ret_netns,
             struct herr *err);
/* Namespace, interfaces, addresses, ports and the /etc files; recorded in
 * <container>/net.json first, so that net_release undoes any part. */
int net_setup(const struct engine_ctx *ctx, const struct run_opts *o, const struct image *img, struct container *c,
              const char *hostname, struct herr *err);
void net_release(const struct engine_ctx *ctx, const struct container *c);
/* Before a start: bring back what a reboot took (namespace, veth, rules). */
int net_ensure(const struct engine_ctx *ctx, const struct container *c, struct herr *err);
/* After a rename: the new name in its endpoints and its peers' hosts. */
void net_rename(const struct engine_ctx *ctx, const struct container *c);
/* PortsText and NetworksText in the container's meta, for ps. */
void net_summary(struct container *c);
/* inspect's NetworkSettings (and HostConfig.PortBindings). */
void net_inspect_fill(const struct container *c, json_t *inspect);
