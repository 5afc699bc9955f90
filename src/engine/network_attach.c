/* A container's side of networking: its namespace, endpoints, published
 * ports and /etc files.  Everything made is recorded in the container's
 * net.json before it is made, so that net_release can undo any part of
 * it: after rm, rm -f of a container whose monitor was killed, or a
 * create that failed half-way. */
#include "engine/network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/strv.h"
#include "config.h"
#include "engine/container.h"
#include "engine/files.h"
#include "image/image.h"
#include "net/link.h"
#include "net/netns.h"
#include "net/nft.h"
#include "net/ports.h"

#define DEFAULT_MODE "bridge"

enum net_mode { MODE_NONE, MODE_HOST, MODE_CONTAINER, MODE_BRIDGE };

static enum net_mode mode_of(const char *m)
{
        if (!strcmp(m, "none"))
                return MODE_NONE;
        if (!strcmp(m, "host"))
                return MODE_HOST;
        if (!strncmp(m, "container:", 10))
                return MODE_CONTAINER;
        return MODE_BRIDGE;
}

static const char *mode_name(const struct run_opts *o)
{
        return o->network && *o->network ? o->network : DEFAULT_MODE;
}

/* The default bridge answers to "bridge" and "default". */
static int open_mode_network(const struct engine_ctx *ctx, const char *m, struct network *n, struct herr *err)
{
        if (!strcmp(m, "bridge") || !strcmp(m, "default"))
                return network_open_default(ctx, n, err);
        return network_open(ctx, m, n, err);
}

/* Under /run for every root (ids are unique): a namespace is runtime
 * state, gone at reboot (net_ensure makes it again), and its bind mount
 * must not sit inside a root that a test or an admin deletes. */
#define NETNS_DIR HULL_DEFAULT_RUNDIR "/netns"

static char *netns_path(const struct engine_ctx *ctx, const char *id)
{
        return xasprintf("%s/%s", NETNS_DIR, id);
}

static int load_net(const char *cdir, json_t **ret)
{
        _cleanup_free_ char *p = xasprintf("%s/net.json", cdir);
        struct herr ignored;
        return json_load_path(AT_FDCWD, p, ret, &ignored);
}

static int save_net(const char *cdir, json_t *j, struct herr *err)
{
        _cleanup_free_ char *p = xasprintf("%s/net.json", cdir);
        return json_write_path(AT_FDCWD, p, j, 0, err);
}

/* The namespace another container's network lives in. */
static int other_netns(const struct engine_ctx *ctx, const char *ref, char **ret, struct herr *err)
{
        struct container oc = CONTAINER_INIT;
        if (container_open(ctx, ref, &oc, err) < 0)
                return -1;
        container_state_refresh(&oc);
        int r = 0;
        _cleanup_json_ json_t *nj = NULL;
        if (oc.state.status != CTR_RUNNING && oc.state.status != CTR_PAUSED)
                r = herr_set(err, 0, "cannot join network of a non running container: %.12s", oc.id);
        else if (load_net(oc.dir, &nj) == 0 && json_str(nj, "SandboxKey") && *json_str(nj, "SandboxKey"))
                *ret = xstrdup(json_str(nj, "SandboxKey"));
        else if (json_str(nj, "Mode") && !strcmp(json_str(nj, "Mode"), "host"))
                r = herr_set(err, 0, "container %.12s uses the host network: use --network host", oc.id);
        else
                *ret = xasprintf("/proc/%d/ns/net", oc.state.pid);
        container_close(&oc);
        return r;
}

static int check_ports_allowed(const struct run_opts *o, enum net_mode m, struct herr *err)
{
        const struct net_opts *n = &o->net;
        if (m == MODE_BRIDGE)
                return 0;
        if (n->publish || n->publish_all)
                return herr_set(err, 0, "conflicting options: port publishing and the container type network mode");
        if (n->ip || n->mac || n->aliases)
                return herr_set(err, 0, "conflicting options: --ip, --mac-address and --network-alias need a "
                                        "bridge network");
        return 0;
}

int net_plan(const struct engine_ctx *ctx, const struct run_opts *o, const char *id, char **ret_netns,
             struct herr *err)
{
        const char *m = mode_name(o);
        enum net_mode mode = mode_of(m);
        *ret_netns = NULL;
        if (check_ports_allowed(o, mode, err) < 0)
                return -1;
        if (mode == MODE_CONTAINER)
                return other_netns(ctx, m + 10, ret_netns, err);
        if (mode != MODE_BRIDGE)
                return 0;
        int is_default = !strcmp(m, "bridge") || !strcmp(m, "default");
        if (is_default && o->net.aliases)
                return herr_set(err, 0, "network-scoped alias is supported only for containers in user defined networks");
        if (is_default && o->net.ip)
                return herr_set(err, 0, "user specified IP address is supported on user defined networks only");
        if (!is_default) {
                struct network n = NETWORK_INIT;
                int r = network_open(ctx, m, &n, err);
                uint32_t ip;
                if (r == 0 && o->net.ip && ip4_parse(o->net.ip, &ip) == 0 &&
                    (!cidr_contains(&n.subnet, ip) || ip < cidr_first_host(&n.subnet) ||
                     ip > cidr_last_host(&n.subnet) || ip == n.gateway))
                        r = herr_set(err, 0, "no configured subnet contains the IP address %s (network %s)", o->net.ip,
                                     n.name);
                network_close(&n);
                if (r < 0)
                        return -1;
        }
        *ret_netns = netns_path(ctx, id);
        return 0;
}

/* ---- /etc/hosts: the container's own part, then its peers ---- */

static void append(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(char **s, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *add = NULL;
        if (vasprintf(&add, fmt, ap) < 0)
                abort();
        va_end(ap);
        char *n = xasprintf("%s%s", *s ? *s : "", add);
        free(add);
        free(*s);
        *s = n;
}

/* Peers on every user network the container is on (Docker resolves
 * names there, not on the default bridge). */
static char *hosts_render(const struct engine_ctx *ctx, const char *cid)
{
        _cleanup_free_ char *cdir = xasprintf("%s/containers/%s", ctx->root, cid);
        _cleanup_free_ char *base = NULL;
        struct herr ignored;
        _cleanup_json_ json_t *nj = NULL;
        _cleanup_free_ char *bpath = xasprintf("%s/hosts.base", cdir);
        if (read_file_at(AT_FDCWD, bpath, &base, NULL, &ignored) < 0 ||
            load_net(cdir, &nj) < 0)
                return NULL;
        char *out = xstrdup(base);
        const char *name;
        json_t *ep;
        json_object_foreach(json_object_get(nj, "Networks"), name, ep) {
                if (!strcmp(name, NET_DEFAULT_NAME))
                        continue;
                struct network n = NETWORK_INIT;
                if (network_open(ctx, name, &n, &ignored) == 0) {
                        _cleanup_strv_ char **m = network_members(&n);
                        for (size_t i = 0; m[i]; i++) {
                                if (!strcmp(m[i], cid))
                                        continue;
                                _cleanup_free_ char *p = xasprintf("%s/endpoints/%s", n.dir, m[i]);
                                _cleanup_json_ json_t *pe = NULL;
                                if (json_load_path(AT_FDCWD, p, &pe, &ignored) < 0)
                                        continue;
                                append(&out, "%s\t%s", json_str(pe, "IPAddress") ?: "", json_str(pe, "Name") ?: "");
                                size_t k;
                                json_t *a;
                                json_array_foreach(json_object_get(pe, "Aliases"), k, a)
                                        append(&out, " %s", json_string_value(a) ?: "");
                                append(&out, "\n");
                        }
                }
                network_close(&n);
        }
        return out;
}

/* In place: the file is bind-mounted into the running container, so its
 * inode must stay (a rename would leave the container the old one). */
static void hosts_refresh(const struct engine_ctx *ctx, const char *cid)
{
        _cleanup_free_ char *text = hosts_render(ctx, cid);
        _cleanup_free_ char *p = xasprintf("%s/containers/%s/hosts", ctx->root, cid);
        if (!text)
                return;
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0 && write(fd, text, strlen(text)) < 0)
                return;
}

static void members_refresh(const struct engine_ctx *ctx, const struct network *n, const char *except)
{
        if (!strcmp(n->name, NET_DEFAULT_NAME))
                return;
        _cleanup_strv_ char **m = network_members(n);
        for (size_t i = 0; m[i]; i++)
                if (!except || strcmp(m[i], except))
                        hosts_refresh(ctx, m[i]);
}

/* ---- endpoints ---- */

static void host_if_name(const char *cid, const char *net_id, char out[16])
{
        struct sha256 s;
        char hex[SHA256_HEX_LEN + 1];
        sha256_begin(&s);
        sha256_add(&s, cid, strlen(cid));
        sha256_add(&s, net_id, strlen(net_id));
        sha256_end_hex(&s, hex);
        snprintf(out, 16, "hv%.13s", hex);
}

static int mac_for(const char *want, uint32_t ip, uint8_t mac[6], char text[18])
{
        unsigned int b[6] = { 0x02, 0x42, ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255 };
        if (want && sscanf(want, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
                return -1;
        for (int i = 0; i < 6; i++)
                mac[i] = (uint8_t)b[i];
        snprintf(text, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
        return 0;
}

struct attach_req {
        const char *ip, *mac;
        char **aliases;
        int primary;
};

/* Join c to network n (locked by the caller). */
static int attach(const struct engine_ctx *ctx, struct container *c, json_t *nj, struct network *n,
                  const struct attach_req *rq, struct herr *err)
{
        json_t *nets = json_object_get(nj, "Networks");
        if (json_object_get(nets, n->name))
                return herr_set(err, 0, "endpoint with name %s already exists in network %s", c->name, n->name);
        uint32_t want = 0, ip;
        if (rq->ip && ip4_parse(rq->ip, &want) < 0)
                return herr_set(err, 0, "invalid IPv4 address: %s", rq->ip);
        if (want && (!cidr_contains(&n->subnet, want) || want == n->gateway))
                return herr_set(err, 0, "no configured subnet contains the IP address %s (network %s)", rq->ip,
                                n->name);
        _cleanup_free_ char *ipsdir = xasprintf("%s/ips", n->dir);
        _cleanup_close_ int ipsfd = open(ipsdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ipsfd < 0)
                return herr_set(err, errno, "opening %s", ipsdir);
        if (ipam_take(ipsfd, &n->subnet, n->gateway, want, c->id, &ip, err) < 0)
                return herr_wrap(err, "network %s", n->name);
        struct endpoint_cfg e = { .netns = json_str(nj, "SandboxKey"), .bridge = n->bridge, .ip = ip,
                                  .gateway = n->gateway, .prefix = n->subnet.prefix, .mtu = 1500,
                                  .default_route = rq->primary };
        char host_if[16], ifname[16], mac[18], ips[16], gws[16], epid[65];
        host_if_name(c->id, n->id, host_if);
        snprintf(ifname, sizeof ifname, "eth%zu", json_object_size(nets));
        e.host_if = host_if;
        e.ifname = ifname;
        if (mac_for(rq->mac, ip, e.mac, mac) < 0) {
                ipam_release(ipsfd, ip, c->id);
                return herr_set(err, 0, "%s is not a valid mac address", rq->mac);
        }
        unsigned char rb[32];
        if (getrandom(rb, sizeof rb, 0) != (ssize_t)sizeof rb)
                memset(rb, 0, sizeof rb);
        for (size_t i = 0; i < sizeof rb; i++)
                snprintf(epid + 2 * i, 3, "%02x", rb[i]);
        json_t *aliases = json_from_strv(rq->aliases);
        if (strcmp(n->name, NET_DEFAULT_NAME))
                json_array_append_new(aliases, json_sprintf("%.12s", c->id));
        json_object_set_new(nets, n->name,
                            json_pack("{s:o, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:o}", "IPAMConfig",
                                      rq->ip ? json_pack("{s:s}", "IPv4Address", rq->ip) : json_null(), "NetworkID",
                                      n->id, "EndpointID", epid, "Gateway", ip4_fmt(n->gateway, gws), "IPPrefixLen",
                                      n->subnet.prefix, "IPAddress", ip4_fmt(ip, ips), "MacAddress", mac, "HostIf",
                                      host_if, "IfName", ifname, "Name", c->name, "Aliases", aliases));
        if (save_net(c->dir, nj, err) < 0 || endpoint_add(&e, err) < 0)
                return -1;      /* net.json names the address: release gives it back */
        _cleanup_free_ char *epfile = xasprintf("endpoints/%s", c->id);
        _cleanup_close_ int dfd = open(n->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        json_t *epj = json_pack("{s:s, s:s, s:s, s:s, s:O}", "Name", c->name, "EndpointID", epid, "IPAddress", ips,
                                "MacAddress", mac, "Aliases", aliases);
        int r = dfd < 0 ? herr_set(err, errno, "opening %s", n->dir) : json_write_path(dfd, epfile, epj, 0, err);
        json_decref(epj);
        return r;
}

/* Leave network n (locked by the caller); what is missing is skipped. */
static void detach(const struct engine_ctx *ctx, const char *cid, json_t *ep, struct network *n)
{
        if (json_str(ep, "HostIf"))
                endpoint_del(json_str(ep, "HostIf"));
        _cleanup_free_ char *ipsdir = xasprintf("%s/ips", n->dir);
        _cleanup_close_ int ipsfd = open(ipsdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        uint32_t ip;
        if (ipsfd >= 0 && ip4_parse(json_str(ep, "IPAddress"), &ip) == 0)
                ipam_release(ipsfd, ip, cid);
        _cleanup_free_ char *epfile = xasprintf("%s/endpoints/%s", n->dir, cid);
        unlink(epfile);
        members_refresh(ctx, n, cid);
}

/* ---- published ports ---- */

static int add_port(json_t *ports, const struct port_spec *p, struct herr *err)
{
        struct port_spec q = *p;
        if (q.host_port && port_check_free(&q, err) < 0)
                return -1;
        if (!q.host_port && port_choose(&q, &q.host_port, err) < 0)
                return -1;
        char hip[16];
        json_array_append_new(ports, json_pack("{s:s, s:i, s:i, s:s}", "HostIp", ip4_fmt(q.host_ip, hip), "HostPort",
                                               q.host_port, "ContainerPort", q.ctr_port, "Proto",
                                               q.udp ? "udp" : "tcp"));
        return 0;
}

static int ports_plan(const struct run_opts *o, const struct image *img, json_t **ret, struct herr *err)
{
        _cleanup_json_ json_t *ports = json_array();
        for (size_t i = 0; o->net.publish && o->net.publish[i]; i++) {
                struct port_spec p;
                if (port_spec_parse(o->net.publish[i], &p, err) < 0 || add_port(ports, &p, err) < 0)
                        return -1;
        }
        if (o->net.publish_all) {
                _cleanup_strv_ char **keys = strv_dup(o->net.expose);
                const char *k;
                json_t *v;
                json_object_foreach(json_object_get(json_object_get(img->config, "config"), "ExposedPorts"), k, v)
                        strv_push(&keys, k);
                for (size_t i = 0; keys && keys[i]; i++) {
                        struct port_spec p = { 0 };
                        if (port_key_parse(keys[i], &p.ctr_port, &p.udp, err) < 0 || add_port(ports, &p, err) < 0)
                                return -1;
                }
        }
        *ret = TAKE_PTR(ports);
        return 0;
}

static size_t nft_ports(json_t *ports, const char *ctr_ip, struct nft_port **ret)
{
        size_t n = json_array_size(ports), i;
        struct nft_port *v = calloc(n + 1, sizeof *v);
        json_t *p;
        if (!v)
                abort();
        json_array_foreach(ports, i, p) {
                ip4_parse(json_str(p, "HostIp"), &v[i].host_ip);
                ip4_parse(ctr_ip, &v[i].ctr_ip);
                v[i].udp = !strcmp(json_str(p, "Proto") ?: "", "udp");
                v[i].host_port = (int)json_int(p, "HostPort", 0);
                v[i].ctr_port = (int)json_int(p, "ContainerPort", 0);
        }
        *ret = v;
        return n;
}

/* ---- the /etc files ---- */

static char *resolv_compose(const struct run_opts *o, int host)
{
        char *host_resolv = NULL;
        struct herr ignored;
        read_file_at(AT_FDCWD, "/etc/resolv.conf", &host_resolv, NULL, &ignored);
        _cleanup_free_ char *base = host ? xstrdup(host_resolv ?: "") : resolv_conf_filter(host_resolv);
        free(host_resolv);
        const struct net_opts *n = &o->net;
        if (!n->dns && !n->dns_search && !n->dns_opts)
                return TAKE_PTR(base);
        /* Docker: each flag given replaces that kind of line. */
        char *out = xstrdup("");
        char *save = NULL;
        for (char *l = strtok_r(base, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if ((n->dns && !strncmp(l, "nameserver", 10)) || (n->dns_search && !strncmp(l, "search", 6)) ||
                    (n->dns_opts && !strncmp(l, "options", 7)))
                        continue;
                append(&out, "%s\n", l);
        }
        for (size_t i = 0; n->dns && n->dns[i]; i++)
                append(&out, "nameserver %s\n", n->dns[i]);
        if (n->dns_search) {
                append(&out, "search");
                for (size_t i = 0; n->dns_search[i]; i++)
                        append(&out, " %s", n->dns_search[i]);
                append(&out, "\n");
        }
        if (n->dns_opts) {
                append(&out, "options");
                for (size_t i = 0; n->dns_opts[i]; i++)
                        append(&out, " %s", n->dns_opts[i]);
                append(&out, "\n");
        }
        return out;
}

static char *hosts_base(const struct run_opts *o, enum net_mode mode)
{
        char *out = NULL;
        struct herr ignored;
        if (mode != MODE_HOST || read_file_at(AT_FDCWD, "/etc/hosts", &out, NULL, &ignored) < 0)
                out = xstrdup(hosts_default);
        for (size_t i = 0; o->net.add_hosts && o->net.add_hosts[i]; i++) {
                const char *h = o->net.add_hosts[i], *sep = strrchr(h, ':');
                append(&out, "%s\t%.*s\n", sep + 1, (int)(sep - h), h);
        }
        return out;
}

static int copy_file(const char *from_dir, int dirfd, const char *name, struct herr *err)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", from_dir, name), *data = NULL;
        size_t len;
        if (read_file_at(AT_FDCWD, p, &data, &len, err) < 0)
                return -1;
        return write_file_new(dirfd, name, data, len, 0644, err);
}

static int files_from_container(const struct engine_ctx *ctx, const char *ref, struct container *c, struct herr *err)
{
        struct container oc = CONTAINER_INIT;
        if (container_open(ctx, ref, &oc, err) < 0)
                return -1;
        int r = copy_file(oc.dir, c->dirfd, "hosts", err) < 0 || copy_file(oc.dir, c->dirfd, "resolv.conf", err) < 0
                        ? -1 : 0;
        container_close(&oc);
        return r;
}

static int setup_bridge(const struct engine_ctx *ctx, const struct run_opts *o, const struct image *img,
                        struct container *c, json_t *nj, const char *m, struct herr *err)
{
        struct network n = NETWORK_INIT;
        int r = open_mode_network(ctx, m, &n, err);
        if (r == 0)
                r = network_bridge_up(ctx, &n, err);
        if (r == 0)
                r = network_lock(&n, err);
        _cleanup_json_ json_t *ports = NULL;
        if (r == 0)
                r = ports_plan(o, img, &ports, err);
        if (r == 0) {
                _cleanup_free_ char *ns = netns_path(ctx, c->id);
                json_object_set_new(nj, "SandboxKey", json_string(ns));
                r = mkdir_p(NETNS_DIR, 0700, err) < 0 || save_net(c->dir, nj, err) < 0 ||
                                    netns_create(json_str(nj, "SandboxKey"), err) < 0
                            ? -1 : 0;
        }
        struct attach_req rq = { o->net.ip, o->net.mac, o->net.aliases, 1 };
        if (r == 0)
                r = attach(ctx, c, nj, &n, &rq, err);
        if (r == 0 && json_array_size(ports)) {
                const char *ip = json_str(json_object_get(json_object_get(nj, "Networks"), n.name), "IPAddress");
                json_t *pp;
                size_t i;
                json_array_foreach(ports, i, pp)
                        json_object_set_new(pp, "ContainerIp", json_string(ip));
                json_object_set(nj, "Ports", ports);
                struct nft_port *v = NULL;
                size_t np = nft_ports(ports, ip, &v);
                _cleanup_free_ char *table = network_table(ctx);
                r = save_net(c->dir, nj, err) < 0 || nft_table_ensure(table, err) < 0 ||
                                    nft_ports_add(table, v, np, err) < 0
                            ? -1 : 0;
                if (r < 0)
                        json_object_del(nj, "Ports");   /* none of them was added */
                save_net(c->dir, nj, &(struct herr){ 0 });
                free(v);
        }
        if (r == 0)
                members_refresh(ctx, &n, c->id);
        network_close(&n);
        return r;
}

int net_setup(const struct engine_ctx *ctx, const struct run_opts *o, const struct image *img, struct container *c,
              const char *hostname, struct herr *err)
{
        const char *m = mode_name(o);
        enum net_mode mode = mode_of(m);
        _cleanup_free_ char *hn = xasprintf("%s\n", hostname);
        if (write_file_new(c->dirfd, "hostname", hn, strlen(hn), 0644, err) < 0)
                return -1;
        if (mode == MODE_CONTAINER)
                return files_from_container(ctx, m + 10, c, err);
        _cleanup_free_ char *resolv = resolv_compose(o, mode == MODE_HOST);
        _cleanup_free_ char *base = hosts_base(o, mode);
        if (write_file_new(c->dirfd, "resolv.conf", resolv, strlen(resolv), 0644, err) < 0)
                return -1;
        if (mode != MODE_BRIDGE)
                return write_file_new(c->dirfd, "hosts", base, strlen(base), 0644, err);
        _cleanup_json_ json_t *nj = json_pack("{s:s, s:s, s:{}}", "Mode", m, "Hostname", hostname, "Networks");
        if (save_net(c->dir, nj, err) < 0)
                return -1;
        /* The container's own name line comes after the address is known;
         * hosts.base is what every later rewrite starts from. */
        if (setup_bridge(ctx, o, img, c, nj, m, err) < 0)
                return -1;
        json_t *first = NULL;
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(nj, "Networks"), k, v) if (!first) first = v;
        append(&base, "%s\t%s\n", json_str(first, "IPAddress") ?: "", hostname);
        if (write_file_atomic(c->dirfd, "hosts.base", base, strlen(base), 0644, 0, err) < 0)
                return -1;
        hosts_refresh(ctx, c->id);
        return 0;
}

void net_release(const struct engine_ctx *ctx, const struct container *c)
{
        _cleanup_json_ json_t *nj = NULL;
        if (!c->dir || load_net(c->dir, &nj) < 0)
                return;
        json_t *ports = json_object_get(nj, "Ports");
        if (json_array_size(ports)) {
                struct nft_port *v = NULL;
                size_t np = nft_ports(ports, json_str(json_array_get(ports, 0), "ContainerIp"), &v);
                _cleanup_free_ char *table = network_table(ctx);
                nft_ports_del(table, v, np);
                free(v);
        }
        const char *name;
        json_t *ep;
        json_object_foreach(json_object_get(nj, "Networks"), name, ep) {
                struct network n = NETWORK_INIT;
                struct herr ignored;
                if (network_open(ctx, name, &n, &ignored) == 0 && network_lock(&n, &ignored) == 0)
                        detach(ctx, c->id, ep, &n);
                else if (json_str(ep, "HostIf"))
                        endpoint_del(json_str(ep, "HostIf"));
                network_close(&n);
        }
        if (json_str(nj, "SandboxKey"))
                netns_remove(json_str(nj, "SandboxKey"));
        _cleanup_free_ char *p = xasprintf("%s/net.json", c->dir);
        unlink(p);
}

/* ---- inspect, port, connect, disconnect ---- */

static json_t *ports_docker(json_t *ports)
{
        json_t *out = json_object(), *p;
        size_t i;
        json_array_foreach(ports, i, p) {
                _cleanup_free_ char *k = xasprintf("%lld/%s", json_int(p, "ContainerPort", 0), json_str(p, "Proto"));
                _cleanup_free_ char *hp = xasprintf("%lld", json_int(p, "HostPort", 0));
                json_t *a = json_object_get(out, k);
                if (!a)
                        json_object_set_new(out, k, a = json_array());
                json_array_append_new(a, json_pack("{s:s, s:s}", "HostIp", json_str(p, "HostIp"), "HostPort", hp));
        }
        return out;
}

void net_inspect_fill(const struct container *c, json_t *inspect)
{
        _cleanup_json_ json_t *nj = NULL;
        if (load_net(c->dir, &nj) < 0)
                return;
        json_t *nets = json_deep_copy(json_object_get(nj, "Networks"));
        json_t *first = NULL, *ep;
        const char *k;
        json_object_foreach(nets, k, ep) {
                if (!first)
                        first = ep;
                json_object_del(ep, "HostIf");
                json_object_del(ep, "IfName");
                json_object_del(ep, "Name");
        }
        json_t *ports = ports_docker(json_object_get(nj, "Ports"));
        json_t *ns = json_pack("{s:s, s:s, s:O, s:s, s:I, s:s, s:s, s:o}", "Bridge", "", "SandboxKey",
                               json_str(nj, "SandboxKey") ?: "", "Ports", ports, "IPAddress",
                               json_str(first, "IPAddress") ?: "", "IPPrefixLen", json_int(first, "IPPrefixLen", 0),
                               "Gateway", json_str(first, "Gateway") ?: "", "MacAddress",
                               json_str(first, "MacAddress") ?: "", "Networks", nets);
        json_object_set_new(inspect, "NetworkSettings", ns);
        json_object_del(inspect, "PortsText");
        json_object_del(inspect, "NetworksText");
        json_t *hc = json_object_get(inspect, "HostConfig");
        if (hc) {
                json_object_set_new(hc, "NetworkMode", json_string(json_str(nj, "Mode") ?: "bridge"));
                json_object_set(hc, "PortBindings", ports);
        }
        json_decref(ports);
}

void net_rename(const struct engine_ctx *ctx, const struct container *c)
{
        _cleanup_json_ json_t *nj = NULL;
        if (load_net(c->dir, &nj) < 0)
                return;
        const char *name;
        json_t *ep;
        json_object_foreach(json_object_get(nj, "Networks"), name, ep) {
                struct network n = NETWORK_INIT;
                struct herr ignored;
                json_object_set_new(ep, "Name", json_string(c->name));
                _cleanup_free_ char *epfile = NULL;
                _cleanup_json_ json_t *epj = NULL;
                if (network_open(ctx, name, &n, &ignored) == 0 && network_lock(&n, &ignored) == 0) {
                        epfile = xasprintf("%s/endpoints/%s", n.dir, c->id);
                        if (json_load_path(AT_FDCWD, epfile, &epj, &ignored) == 0) {
                                json_object_set_new(epj, "Name", json_string(c->name));
                                json_write_path(AT_FDCWD, epfile, epj, 0, &ignored);
                        }
                        members_refresh(ctx, &n, c->id);
                }
                network_close(&n);
        }
        save_net(c->dir, nj, &(struct herr){ 0 });
}

void net_summary(struct container *c)
{
        _cleanup_json_ json_t *nj = NULL;
        if (load_net(c->dir, &nj) < 0)
                return;
        char *ports = xstrdup(""), *nets = xstrdup("");
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(nj, "Ports"), i, p)
                append(&ports, "%s%s:%lld->%lld/%s", i ? ", " : "", json_str(p, "HostIp"), json_int(p, "HostPort", 0),
                       json_int(p, "ContainerPort", 0), json_str(p, "Proto"));
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(nj, "Networks"), k, v) append(&nets, "%s%s", *nets ? "," : "", k);
        json_object_set_new(c->meta, "PortsText", json_string(ports));
        json_object_set_new(c->meta, "NetworksText", json_string(nets));
        free(ports);
        free(nets);
}

int engine_port(const struct engine_ctx *ctx, const char *ref, json_t **ret, struct herr *err)
{
        struct container c = CONTAINER_INIT;
        if (container_open(ctx, ref, &c, err) < 0)
                return -1;
        _cleanup_json_ json_t *nj = NULL;
        *ret = load_net(c.dir, &nj) == 0 ? json_incref(json_object_get(nj, "Ports")) : NULL;
        if (!*ret)
                *ret = json_array();
        container_close(&c);
        return 0;
}

static int open_member(const struct engine_ctx *ctx, const char *net, const char *ctr, struct container *c,
                       struct network *n, json_t **nj, struct herr *err)
{
        if (container_open(ctx, ctr, c, err) < 0 || container_lock(c, err) < 0 ||
            open_mode_network(ctx, net, n, err) < 0)
                return -1;
        if (load_net(c->dir, nj) < 0 || !json_str(*nj, "SandboxKey"))
                return herr_set(err, 0, "container %s has no bridge network of its own (its network mode is not bridge)",
                                c->name);
        return network_lock(n, err);
}

int engine_network_connect(const struct engine_ctx *ctx, const char *net, const char *ctr, const char *ip,
                           char **aliases, struct herr *err)
{
        struct container c = CONTAINER_INIT;
        struct network n = NETWORK_INIT;
        _cleanup_json_ json_t *nj = NULL;
        int r = open_member(ctx, net, ctr, &c, &n, &nj, err);
        if (r == 0 && json_object_get(json_object_get(nj, "Networks"), n.name))
                r = herr_set(err, 0, "endpoint with name %s already exists in network %s", c.name, n.name);
        if (r == 0 && (ip || aliases) && !strcmp(n.name, NET_DEFAULT_NAME))
                r = herr_set(err, 0, "--ip and --alias are supported on user defined networks only");
        if (r == 0)
                r = network_bridge_up(ctx, &n, err);
        struct attach_req rq = { ip, NULL, aliases, 0 };
        if (r == 0 && (r = attach(ctx, &c, nj, &n, &rq, err)) < 0) {
                json_t *ep = json_object_get(json_object_get(nj, "Networks"), n.name);
                if (ep && !strcmp(json_str(ep, "NetworkID") ?: "", n.id)) {
                        detach(ctx, c.id, ep, &n);
                        json_object_del(json_object_get(nj, "Networks"), n.name);
                        save_net(c.dir, nj, &(struct herr){ 0 });
                }
        }
        if (r == 0) {
                hosts_refresh(ctx, c.id);
                members_refresh(ctx, &n, c.id);
        }
        network_close(&n);
        container_close(&c);
        return r;
}

int engine_network_disconnect(const struct engine_ctx *ctx, const char *net, const char *ctr, struct herr *err)
{
        struct container c = CONTAINER_INIT;
        struct network n = NETWORK_INIT;
        _cleanup_json_ json_t *nj = NULL;
        int r = open_member(ctx, net, ctr, &c, &n, &nj, err);
        json_t *ep = r == 0 ? json_object_get(json_object_get(nj, "Networks"), n.name) : NULL;
        if (r == 0 && !ep)
                r = herr_set(err, 0, "container %s is not connected to network %s", c.name, n.name);
        if (r == 0) {
                detach(ctx, c.id, ep, &n);
                json_object_del(json_object_get(nj, "Networks"), n.name);
                r = save_net(c.dir, nj, err);
                hosts_refresh(ctx, c.id);
        }
        network_close(&n);
        container_close(&c);
        return r;
}

/* After a reboot the namespace, the interfaces, the bridge and the rules
 * are gone while the store still has them: make them again, with the
 * addresses the container holds. */
int net_ensure(const struct engine_ctx *ctx, const struct container *c, struct herr *err)
{
        _cleanup_json_ json_t *nj = NULL;
        if (load_net(c->dir, &nj) < 0 || !json_str(nj, "SandboxKey"))
                return 0;
        const char *ns = json_str(nj, "SandboxKey");
        struct statfs sf;
        if (statfs(ns, &sf) == 0 && sf.f_type == 0x6e736673 /* NSFS_MAGIC */)
                return 0;
        unlink(ns);
        if (mkdir_p(NETNS_DIR, 0700, err) < 0 || netns_create(ns, err) < 0)
                return herr_wrap(err, "restoring the network of %.12s", c->id);
        const char *name;
        json_t *ep;
        json_object_foreach(json_object_get(nj, "Networks"), name, ep) {
                struct network n = NETWORK_INIT;
                struct endpoint_cfg e = { .netns = ns, .host_if = json_str(ep, "HostIf"),
                                          .ifname = json_str(ep, "IfName"), .mtu = 1500 };
                char mac[18];
                int r = network_open(ctx, name, &n, err);
                if (r == 0)
                        r = network_bridge_up(ctx, &n, err);
                if (r == 0 && (!e.host_if || !e.ifname || ip4_parse(json_str(ep, "IPAddress"), &e.ip) < 0 ||
                               mac_for(json_str(ep, "MacAddress"), e.ip, e.mac, mac) < 0))
                        r = herr_set(err, 0, "damaged net.json");
                if (r == 0) {
                        e.bridge = n.bridge;
                        e.gateway = n.gateway;
                        e.prefix = n.subnet.prefix;
                        e.default_route = !strcmp(e.ifname, "eth0");
                        endpoint_del(e.host_if);
                        r = endpoint_add(&e, err);
                }
                network_close(&n);
                if (r < 0)
                        return herr_wrap(err, "restoring the network of %.12s", c->id);
        }
        json_t *ports = json_object_get(nj, "Ports");
        if (json_array_size(ports)) {
                struct nft_port *v = NULL;
                size_t np = nft_ports(ports, json_str(json_array_get(ports, 0), "ContainerIp"), &v);
                _cleanup_free_ char *table = network_table(ctx);
                nft_ports_del(table, v, np);
                int r = nft_table_ensure(table, err) < 0 || nft_ports_add(table, v, np, err) < 0 ? -1 : 0;
                free(v);
                if (r < 0)
                        return -1;
        }
        return 0;
}
