#include "engine/net_opts.h"

#include <stdio.h>
#include <string.h>

#include "base/strv.h"
#include "net/ipam.h"
#include "net/ports.h"

const char *const net_opt_names[] = {
        "publish", "publish-all", "expose", "ip", "mac-address", "add-host", "dns", "dns-search", "dns-option",
        "network-alias", "net-alias", NULL,
};

static int mac_valid(const char *s)
{
        unsigned int b[6];
        char tail;
        return strlen(s) == 17 && sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                                         &tail) == 6;
}

/* Syntax is checked here, at parse time, so that a bad value is refused
 * before anything is made. */
int net_opts_set(struct net_opts *n, const char *name, const char *val, struct herr *err)
{
        uint32_t a;
        if (!strcmp(name, "publish")) {
                struct port_spec p;
                if (port_spec_parse(val, &p, err) < 0)
                        return -1;
                strv_push(&n->publish, val);
        } else if (!strcmp(name, "publish-all")) {
                n->publish_all = 1;
        } else if (!strcmp(name, "expose")) {
                int port, udp;
                if (port_key_parse(val, &port, &udp, err) < 0)
                        return -1;
                strv_push(&n->expose, val);
        } else if (!strcmp(name, "ip")) {
                if (ip4_parse(val, &a) < 0)
                        return herr_set(err, 0, "invalid IPv4 address: %s", val);
                n->ip = val;
        } else if (!strcmp(name, "mac-address")) {
                if (!mac_valid(val))
                        return herr_set(err, 0, "%s is not a valid mac address", val);
                n->mac = val;
        } else if (!strcmp(name, "add-host")) {
                const char *sep = strrchr(val, ':');
                if (!sep || sep == val || ip4_parse(sep + 1, &a) < 0)
                        return herr_set(err, 0, "invalid argument \"%s\" for \"--add-host\" flag: want HOST:IP", val);
                strv_push(&n->add_hosts, val);
        } else if (!strcmp(name, "dns")) {
                if (ip4_parse(val, &a) < 0)
                        return herr_set(err, 0, "%s is not an ip address", val);
                strv_push(&n->dns, val);
        } else if (!strcmp(name, "dns-search")) {
                strv_push(&n->dns_search, val);
        } else if (!strcmp(name, "dns-option")) {
                strv_push(&n->dns_opts, val);
        } else {
                strv_push(&n->aliases, val);
        }
        return 0;
}

void net_opts_free(struct net_opts *n)
{
        strv_free(n->publish);
        strv_free(n->expose);
        strv_free(n->add_hosts);
        strv_free(n->dns);
        strv_free(n->dns_search);
        strv_free(n->dns_opts);
        strv_free(n->aliases);
}
