/* The network flags of run/create (Docker's): parsed by the CLI through
 * net_opts_set, used by engine/network.c. */
#pragma once
#include "base/err.h"

struct net_opts {
        char **publish;         /* -p, as given */
        int publish_all;        /* -P */
        char **expose;          /* --expose */
        const char *ip;         /* --ip */
        const char *mac;        /* --mac-address */
        char **add_hosts;       /* --add-host HOST:IP */
        char **dns, **dns_search, **dns_opts;
        char **aliases;         /* --network-alias */
};

/* The long names (without the dashes) net_opts_set takes; all take a
 * value except publish-all. */
extern const char *const net_opt_names[];
int net_opts_set(struct net_opts *n, const char *name, const char *val, struct herr *err);
void net_opts_free(struct net_opts *n);
