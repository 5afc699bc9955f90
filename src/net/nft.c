#include "net/nft.h"

#include <dlfcn.h>
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "net/ipam.h"

struct nft_api {
        struct nft_ctx *(*ctx_new)(uint32_t);
        void (*ctx_free)(struct nft_ctx *);
        int (*buffer_output)(struct nft_ctx *);
        int (*buffer_error)(struct nft_ctx *);
        const char *(*get_error)(struct nft_ctx *);
        int (*run)(struct nft_ctx *, const char *);
};

static int nft_load(struct nft_api *a, struct herr *err)
{
        /* Kept open for the life of the process: its symbols stay valid. */
        void *h = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return herr_set(err, 0, "loading libnftables: %s", dlerror());
        a->ctx_new = (struct nft_ctx * (*)(uint32_t)) dlsym(h, "nft_ctx_new");
        a->ctx_free = (void (*)(struct nft_ctx *))dlsym(h, "nft_ctx_free");
        a->buffer_output = (int (*)(struct nft_ctx *))dlsym(h, "nft_ctx_buffer_output");
        a->buffer_error = (int (*)(struct nft_ctx *))dlsym(h, "nft_ctx_buffer_error");
        a->get_error = (const char *(*)(struct nft_ctx *))dlsym(h, "nft_ctx_get_error_buffer");
        a->run = (int (*)(struct nft_ctx *, const char *))dlsym(h, "nft_run_cmd_from_buffer");
        if (!a->ctx_new || !a->ctx_free || !a->buffer_output || !a->buffer_error || !a->get_error || !a->run)
                return herr_set(err, 0, "libnftables lacks an expected function");
        return 0;
}

/* The first line of nft's error text (it adds the command and a caret). */
static void first_line(const char *s, char *out, size_t len)
{
        size_t n = strcspn(s ? s : "", "\n");
        snprintf(out, len, "%.*s", (int)n, s ? s : "");
}

int nft_run(const char *cmds, struct herr *err)
{
        static struct nft_api api;
        if (!api.run && nft_load(&api, err) < 0)
                return -1;
        struct nft_ctx *ctx = api.ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return herr_set(err, ENOMEM, "nftables context");
        api.buffer_output(ctx);
        api.buffer_error(ctx);
        int r = api.run(ctx, cmds);
        if (r != 0) {
                char line[512];
                first_line(api.get_error(ctx), line, sizeof line);
                herr_set(err, 0, "nftables: %s", line);
        }
        api.ctx_free(ctx);
        return r != 0 ? -1 : 0;
}

static const char table_body[] =
        "add set ip %1$s bridges { type ifname; }\n"
        "add set ip %1$s masq { type ifname; }\n"
        "add set ip %1$s internal { type ifname; }\n"
        "add set ip %1$s intra { type ifname . ifname; }\n"
        "add set ip %1$s subnets { type ipv4_addr; flags interval; }\n"
        "add map ip %1$s pub_any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
        "add map ip %1$s pub_addr { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
        "add chain ip %1$s prerouting { type nat hook prerouting priority dstnat; policy accept; }\n"
        "add chain ip %1$s output { type nat hook output priority -100; policy accept; }\n"
        "add chain ip %1$s postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
        "add chain ip %1$s forward { type filter hook forward priority filter; policy accept; }\n"
        "add chain ip %1$s published\n"
        /* Published ports answer on every local address, from outside
         * (prerouting) and from the host itself (output), 127.0.0.1
         * included: the bridge has route_localnet set for that. */
        "add rule ip %1$s prerouting fib daddr type local jump published\n"
        "add rule ip %1$s output fib daddr type local jump published\n"
        "add rule ip %1$s published meta l4proto { tcp, udp } dnat ip to ip daddr . meta l4proto . th dport map @pub_addr\n"
        "add rule ip %1$s published meta l4proto { tcp, udp } dnat ip to meta l4proto . th dport map @pub_any\n"
        /* A connection from 127.0.0.1 cannot be answered by the container
         * (its own loopback), nor one from a container to itself through
         * the host (hairpin): both leave with the bridge's address.  (By
         * source address: with br_netfilter a hairpin never has an iif.) */
        "add rule ip %1$s postrouting oifname @bridges ip saddr 127.0.0.0/8 masquerade\n"
        "add rule ip %1$s postrouting oifname @bridges ct status dnat ip saddr @subnets masquerade\n"
        "add rule ip %1$s postrouting iifname @masq oifname != @bridges masquerade\n"
        /* Networks are isolated from each other (every hull bridge of every
         * root is named hull*), published ports excepted.  Only this root's
         * bridges are matched on the way in: with br_netfilter, traffic
         * within another root's bridge passes through this chain too. */
        "add rule ip %1$s forward ct status dnat accept\n"
        /* With br_netfilter loaded, traffic between two containers of one
         * bridge passes here too, in and out on that bridge. */
        "add rule ip %1$s forward iifname . oifname @intra accept\n"
        "add rule ip %1$s forward iifname @internal drop\n"
        "add rule ip %1$s forward oifname @internal drop\n"
        "add rule ip %1$s forward iifname @bridges oifname \"hull*\" drop\n";

int nft_table_ensure(const char *table, struct herr *err)
{
        /* One transaction that starts with `create table`: it either makes
         * the whole table or, when the table exists, changes nothing. */
        _cleanup_free_ char *body = xasprintf(table_body, table);
        _cleanup_free_ char *cmds = xasprintf("create table ip %s\n%s", table, body);
        struct herr e;
        if (nft_run(cmds, &e) == 0)
                return 0;
        if (strstr(e.msg, "File exists"))
                return 0;
        *err = e;
        return herr_wrap(err, "creating nftables table %s", table);
}

int nft_table_delete(const char *table, struct herr *err)
{
        _cleanup_free_ char *cmds = xasprintf("delete table ip %s\n", table);
        struct herr e;
        if (nft_run(cmds, &e) == 0 || strstr(e.msg, "No such file"))
                return 0;
        *err = e;
        return -1;
}

int nft_bridge_add(const char *table, const char *bridge, const char *subnet, int internal, struct herr *err)
{
        _cleanup_free_ char *cmds = xasprintf("add element ip %1$s bridges { \"%2$s\" }\n"
                                              "add element ip %1$s intra { \"%2$s\" . \"%2$s\" }\n"
                                              "add element ip %1$s subnets { %4$s }\n"
                                              "add element ip %1$s %3$s { \"%2$s\" }\n",
                                              table, bridge, internal ? "internal" : "masq", subnet);
        return nft_run(cmds, err);
}

void nft_bridge_del(const char *table, const char *bridge, const char *subnet)
{
        static const char *const sets[] = { "bridges", "masq", "internal" };
        struct herr ignored;
        for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
                _cleanup_free_ char *cmds = xasprintf("delete element ip %s %s { \"%s\" }\n", table, sets[i], bridge);
                nft_run(cmds, &ignored);
        }
        _cleanup_free_ char *intra = xasprintf("delete element ip %1$s intra { \"%2$s\" . \"%2$s\" }\n", table, bridge);
        nft_run(intra, &ignored);
        _cleanup_free_ char *sub = xasprintf("delete element ip %s subnets { %s }\n", table, subnet);
        nft_run(sub, &ignored);
}

static char *port_elem(const char *verb, const char *table, const struct nft_port *p, int with_value)
{
        char h[16], c[16];
        const char *proto = p->udp ? "udp" : "tcp";
        _cleanup_free_ char *val = with_value ? xasprintf(" : %s . %d", ip4_fmt(p->ctr_ip, c), p->ctr_port)
                                              : xstrdup("");
        if (p->host_ip)
                return xasprintf("%s element ip %s pub_addr { %s . %s . %d%s }\n", verb, table, ip4_fmt(p->host_ip, h),
                                 proto, p->host_port, val);
        return xasprintf("%s element ip %s pub_any { %s . %d%s }\n", verb, table, proto, p->host_port, val);
}

int nft_ports_add(const char *table, const struct nft_port *p, size_t n, struct herr *err)
{
        /* One at a time, so that a taken port is named; on failure the
         * ones already added are withdrawn: all or none. */
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *cmds = port_elem("create", table, &p[i], 1);
                struct herr e;
                if (nft_run(cmds, &e) == 0)
                        continue;
                nft_ports_del(table, p, i);
                char ip[16];
                if (strstr(e.msg, "File exists"))
                        return herr_set(err, 0, "Bind for %s:%d failed: port is already allocated",
                                        ip4_fmt(p[i].host_ip, ip), p[i].host_port);
                *err = e;
                return herr_wrap(err, "publishing ports");
        }
        return 0;
}

void nft_ports_del(const char *table, const struct nft_port *p, size_t n)
{
        struct herr ignored;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *cmds = port_elem("delete", table, &p[i], 0);
                nft_run(cmds, &ignored);
        }
}
