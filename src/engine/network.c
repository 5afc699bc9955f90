/* The network store: create, open, list, remove. */
#include "engine/network.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/strv.h"
#include "config.h"
#include "engine/container.h"
#include "net/link.h"
#include "net/netlink.h"
#include "net/nft.h"

/* The pool automatic subnets come from: /24s of 10.77.0.0-10.79.255.0,
 * clear of Docker's (172.17-31, 192.168) and Podman's (10.88, 10.89). */
#define POOL_FIRST 0x0a4d0000u
#define POOL_LAST 0x0a4fff00u

/* Serialises subnet choice and bridge creation between every hull on the
 * machine (two roots must not pick the same subnet). */
#define MACHINE_LOCK HULL_DEFAULT_RUNDIR "/network.lock"

static int lock_file(const char *path, struct herr *err)
{
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return herr_set(err, errno, "opening %s", path);
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR) {
                        int e = errno;
                        close(fd);
                        return herr_set(err, e, "locking %s", path);
                }
        return fd;
}

char *network_table(const struct engine_ctx *ctx)
{
        if (!strcmp(ctx->root, HULL_DEFAULT_ROOT))
                return xstrdup("hull");
        char hex[SHA256_HEX_LEN + 1];
        sha256_hex(ctx->root, strlen(ctx->root), hex);
        return xasprintf("hull_%.10s", hex);
}

static int network_parse(struct network *n, struct herr *err)
{
        snprintf(n->name, sizeof n->name, "%s", json_str(n->j, "Name") ?: "");
        snprintf(n->id, sizeof n->id, "%s", json_str(n->j, "Id") ?: "");
        json_t *opts = json_object_get(n->j, "Options");
        snprintf(n->bridge, sizeof n->bridge, "%s", json_str(opts, "com.docker.network.bridge.name") ?: "");
        json_t *cfg = json_array_get(json_object_get(json_object_get(n->j, "IPAM"), "Config"), 0);
        n->internal = json_bool(n->j, "Internal", 0);
        if (cidr_parse(json_str(cfg, "Subnet") ?: "", &n->subnet, err) < 0 ||
            ip4_parse(json_str(cfg, "Gateway"), &n->gateway) < 0)
                return herr_set(err, 0, "network %s: damaged network.json", n->name);
        return 0;
}

static int open_by_name(const struct engine_ctx *ctx, const char *name, struct network *ret, struct herr *err)
{
        free(ret->dir);
        ret->dir = xasprintf("%s/networks/%s", ctx->root, name);
        _cleanup_free_ char *path = xasprintf("%s/network.json", ret->dir);
        if (json_load_path(AT_FDCWD, path, &ret->j, err) < 0)
                return -1;
        return network_parse(ret, err);
}

static char **network_names(const struct engine_ctx *ctx)
{
        _cleanup_free_ char *p = xasprintf("%s/networks", ctx->root);
        _cleanup_closedir_ DIR *d = opendir(p);
        char **v = calloc(1, sizeof(char *));
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        strv_push(&v, de->d_name);
        return v;
}

int network_open(const struct engine_ctx *ctx, const char *ref, struct network *ret, struct herr *err)
{
        struct herr e;
        if (!strchr(ref, '/') && ref[0] != '.' && open_by_name(ctx, ref, ret, &e) == 0)
                return 0;
        /* An id or a unique prefix of one. */
        _cleanup_strv_ char **names = network_names(ctx);
        int found = 0;
        for (size_t i = 0; names[i] && strlen(ref) >= 1; i++) {
                struct network n = NETWORK_INIT;
                if (open_by_name(ctx, names[i], &n, &e) == 0 && !strncmp(n.id, ref, strlen(ref))) {
                        if (found++) {
                                network_close(&n);
                                network_close(ret);
                                return herr_set(err, 0, "network %s is ambiguous (%d matches found)", ref, found);
                        }
                        network_close(ret);
                        *ret = n;
                        continue;
                }
                network_close(&n);
        }
        if (!found)
                return herr_set(err, 0, "network %s not found", ref);
        return 0;
}

void network_close(struct network *n)
{
        if (n->lockfd >= 0)
                close(n->lockfd);
        n->lockfd = -1;
        free(n->dir);
        n->dir = NULL;
        json_decref(n->j);
        n->j = NULL;
}

int network_lock(struct network *n, struct herr *err)
{
        if (n->lockfd >= 0)
                return 0;
        _cleanup_free_ char *p = xasprintf("%s/lock", n->dir);
        int fd = lock_file(p, err);
        if (fd < 0)
                return -1;
        n->lockfd = fd;
        return 0;
}

char **network_members(const struct network *n)
{
        _cleanup_free_ char *p = xasprintf("%s/endpoints", n->dir);
        _cleanup_closedir_ DIR *d = opendir(p);
        char **v = calloc(1, sizeof(char *));
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        strv_push(&v, de->d_name);
        return v;
}

int network_bridge_up(const struct engine_ctx *ctx, const struct network *n, struct herr *err)
{
        struct bridge_cfg b = { n->bridge, n->gateway, n->subnet.prefix, 1500 };
        int made = bridge_ensure(&b, err);
        if (made <= 0)
                return made;
        _cleanup_free_ char *table = network_table(ctx);
        char a[16];
        _cleanup_free_ char *subnet = xasprintf("%s/%d", ip4_fmt(n->subnet.addr, a), n->subnet.prefix);
        if (nft_table_ensure(table, err) < 0 || nft_bridge_add(table, n->bridge, subnet, n->internal, err) < 0) {
                struct herr ignored;
                bridge_delete(n->bridge, &ignored);
                return -1;
        }
        return 0;
}

/* Every subnet in use: this root's networks and the host's routes
 * (other roots' bridges, Docker's, Podman's, the LAN). */
struct taken {
        struct ip4net *v;
        char (*what)[160];
        size_t n;
};

static void taken_add(struct taken *t, struct ip4net net, const char *what)
{
        t->v = realloc(t->v, (t->n + 1) * sizeof *t->v);
        t->what = realloc(t->what, (t->n + 1) * sizeof *t->what);
        if (!t->v || !t->what)
                abort();
        t->v[t->n] = net;
        snprintf(t->what[t->n], sizeof t->what[t->n], "%s", what);
        t->n++;
}

static int taken_collect(const struct engine_ctx *ctx, struct taken *t, struct herr *err)
{
        _cleanup_strv_ char **names = network_names(ctx);
        for (size_t i = 0; names[i]; i++) {
                struct network n = NETWORK_INIT;
                struct herr ignored;
                if (open_by_name(ctx, names[i], &n, &ignored) == 0) {
                        _cleanup_free_ char *w = xasprintf("network %s", n.name);
                        taken_add(t, n.subnet, w);
                }
                network_close(&n);
        }
        _cleanup_nl_ struct nl *nl = NULL;
        struct nl_route *r = NULL;
        size_t nr = 0;
        if (nl_open(&nl, err) < 0 || nl_routes(nl, &r, &nr, err) < 0)
                return -1;
        for (size_t i = 0; i < nr; i++) {
                struct ip4net net = { ntohl(r[i].dst), r[i].prefix };
                _cleanup_free_ char *w = xasprintf("a route on the host (dev %s)", r[i].dev);
                taken_add(t, net, w);
        }
        free(r);
        return 0;
}

static const char *taken_clash(const struct taken *t, const struct ip4net *net)
{
        for (size_t i = 0; i < t->n; i++)
                if (cidr_overlap(&t->v[i], net))
                        return t->what[i];
        return NULL;
}

static int pick_subnet(const struct engine_ctx *ctx, const char *want, struct ip4net *ret, struct herr *err)
{
        struct taken t = { 0 };
        int r = taken_collect(ctx, &t, err);
        if (r == 0 && want) {
                r = cidr_parse(want, ret, err);
                const char *clash = r == 0 ? taken_clash(&t, ret) : NULL;
                if (clash && !strncmp(clash, "network ", 8))
                        r = herr_set(err, 0, "Pool overlaps with other one on this address space (%s)", clash);
                else if (clash)
                        r = herr_set(err, 0, "subnet %s overlaps with %s", want, clash);
                else if (r == 0 && ret->prefix > 30)
                        r = herr_set(err, 0, "subnet %s is too small: a network needs a /30 or larger", want);
        } else if (r == 0) {
                r = -1;
                for (uint32_t a = POOL_FIRST; a <= POOL_LAST && r < 0; a += 256) {
                        struct ip4net cand = { a, 24 };
                        if (!taken_clash(&t, &cand)) {
                                *ret = cand;
                                r = 0;
                        }
                }
                if (r < 0)
                        herr_set(err, 0, "could not find an available, non-overlapping IPv4 address pool");
        }
        free(t.v);
        free(t.what);
        return r;
}

static int pick_gateway(const struct ip4net *s, const char *want, uint32_t *ret, struct herr *err)
{
        if (!want) {
                *ret = cidr_first_host(s);
                return 0;
        }
        if (ip4_parse(want, ret) < 0)
                return herr_set(err, 0, "invalid gateway %s", want);
        if (!cidr_contains(s, *ret) || *ret < cidr_first_host(s) || *ret > cidr_last_host(s))
                return herr_set(err, 0, "gateway %s is not a host address of the subnet", want);
        return 0;
}

static int random_hex(char out[65], struct herr *err)
{
        unsigned char b[32];
        if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
                return herr_set(err, errno, "getrandom");
        for (size_t i = 0; i < sizeof b; i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
        return 0;
}

static json_t *network_json(const struct net_create_opts *o, const char *id, const struct ip4net *s, uint32_t gw,
                            const char *bridge)
{
        char now[40], sub[16], g[16];
        rfc3339_now(now);
        _cleanup_free_ char *subnet = xasprintf("%s/%d", ip4_fmt(s->addr, sub), s->prefix);
        json_t *labels = json_object();
        for (size_t i = 0; o->labels && o->labels[i]; i++) {
                const char *eq = strchr(o->labels[i], '=');
                _cleanup_free_ char *k = eq ? strndup(o->labels[i], (size_t)(eq - o->labels[i])) : xstrdup(o->labels[i]);
                json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
        }
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:{}, s:[{s:s, s:s}]}, s:b, s:b, s:b, s:{s:s},"
                         " s:b, s:{s:s, s:s}, s:o}",
                         "Name", o->name, "Id", id, "Created", now, "Scope", "local", "Driver", "bridge",
                         "EnableIPv6", 0, "IPAM", "Driver", "default", "Options", "Config", "Subnet", subnet,
                         "Gateway", ip4_fmt(gw, g), "Internal", o->internal, "Attachable", 0, "Ingress", 0,
                         "ConfigFrom", "Network", "", "ConfigOnly", 0, "Options", "com.docker.network.bridge.name",
                         bridge, "com.docker.network.driver.mtu", "1500", "Labels", labels);
}

/* Under the root's and the machine's lock: choose, write to a temporary
 * directory, make the bridge and rules, then rename into place. */
static int network_make(const struct engine_ctx *ctx, const struct net_create_opts *o, int is_default,
                        char ret_id[65], struct herr *err)
{
        struct ip4net s;
        uint32_t gw;
        char id[65];
        if (pick_subnet(ctx, o->subnet, &s, err) < 0 || pick_gateway(&s, o->gateway, &gw, err) < 0 ||
            random_hex(id, err) < 0)
                return -1;
        char bridge[16];
        if (is_default && !strcmp(ctx->root, HULL_DEFAULT_ROOT))
                snprintf(bridge, sizeof bridge, "hull0");
        else
                snprintf(bridge, sizeof bridge, "hull%.11s", id);
        _cleanup_json_ json_t *j = network_json(o, id, &s, gw, bridge);
        _cleanup_free_ char *tmp = xasprintf("%s/networks/.new-%s", ctx->root, id);
        _cleanup_free_ char *dst = xasprintf("%s/networks/%s", ctx->root, o->name);
        _cleanup_free_ char *ips = xasprintf("%s/ips", tmp), *eps = xasprintf("%s/endpoints", tmp);
        struct network n = NETWORK_INIT;
        int r = mkdir_p(ips, 0700, err);
        if (r == 0)
                r = mkdir_p(eps, 0700, err);
        _cleanup_free_ char *jpath = xasprintf("%s/network.json", tmp);
        if (r == 0)
                r = json_write_path(AT_FDCWD, jpath, j, 1, err);
        if (r == 0) {
                n.j = json_incref(j);
                r = network_parse(&n, err);
        }
        int bridge_made = 0;
        if (r == 0) {
                r = network_bridge_up(ctx, &n, err);
                bridge_made = r == 0;
        }
        if (r == 0 && rename(tmp, dst) < 0)
                r = herr_set(err, errno, "creating network %s", o->name);
        if (r < 0) {
                struct herr ignored;
                if (bridge_made) {
                        _cleanup_free_ char *table = network_table(ctx);
                        char a[16];
                        _cleanup_free_ char *subnet = xasprintf("%s/%d", ip4_fmt(s.addr, a), s.prefix);
                        nft_bridge_del(table, bridge, subnet);
                        bridge_delete(bridge, &ignored);
                }
                rm_rf(tmp, &ignored);
        } else if (ret_id) {
                memcpy(ret_id, id, 65);
        }
        network_close(&n);
        return r;
}

static int valid_name(const char *name)
{
        return container_name_valid(name) || (strlen(name) == 1 && strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                                                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
}

static int create_locked(const struct engine_ctx *ctx, const struct net_create_opts *o, int is_default,
                         char ret_id[65], struct herr *err)
{
        _cleanup_free_ char *dir = xasprintf("%s/networks", ctx->root);
        if (mkdir_p(dir, 0700, err) < 0)
                return -1;
        _cleanup_free_ char *lockp = xasprintf("%s/.lock", dir);
        _cleanup_close_ int root_lock = lock_file(lockp, err);
        if (root_lock < 0)
                return -1;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, o->name);
        if (access(path, F_OK) == 0)
                return is_default ? 0 : herr_set(err, 0, "network with name %s already exists", o->name);
        if (mkdir_p(HULL_DEFAULT_RUNDIR, 0700, err) < 0)
                return -1;
        _cleanup_close_ int machine_lock = lock_file(MACHINE_LOCK, err);
        if (machine_lock < 0)
                return -1;
        return network_make(ctx, o, is_default, ret_id, err);
}

int engine_network_create(const struct engine_ctx *ctx, const struct net_create_opts *o, char ret_id[65],
                          struct herr *err)
{
        if (!valid_name(o->name))
                return herr_set(err, 0, "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                o->name);
        if (!strcmp(o->name, "host") || !strcmp(o->name, "none") || !strcmp(o->name, NET_DEFAULT_NAME) ||
            !strcmp(o->name, "default"))
                return herr_set(err, 0, "%s is a pre-defined network and cannot be created", o->name);
        if (o->gateway && !o->subnet)
                return herr_set(err, 0, "--gateway needs --subnet");
        return create_locked(ctx, o, 0, ret_id, err);
}

int network_open_default(const struct engine_ctx *ctx, struct network *ret, struct herr *err)
{
        struct herr e;
        if (open_by_name(ctx, NET_DEFAULT_NAME, ret, &e) == 0)
                return 0;
        struct net_create_opts o = { .name = NET_DEFAULT_NAME };
        if (create_locked(ctx, &o, 1, NULL, err) < 0)
                return herr_wrap(err, "creating the default network");
        return open_by_name(ctx, NET_DEFAULT_NAME, ret, err);
}

static json_t *network_object(const struct network *n)
{
        json_t *j = json_deep_copy(n->j);
        json_t *ctrs = json_object();
        _cleanup_strv_ char **m = network_members(n);
        for (size_t i = 0; m[i]; i++) {
                _cleanup_free_ char *p = xasprintf("%s/endpoints/%s", n->dir, m[i]);
                json_t *ep = NULL;
                struct herr ignored;
                if (json_load_path(AT_FDCWD, p, &ep, &ignored) < 0)
                        continue;
                _cleanup_free_ char *v4 = xasprintf("%s/%d", json_str(ep, "IPAddress") ?: "", n->subnet.prefix);
                json_object_set_new(ctrs, m[i],
                                    json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", json_str(ep, "Name") ?: "",
                                              "EndpointID", json_str(ep, "EndpointID") ?: "", "MacAddress",
                                              json_str(ep, "MacAddress") ?: "", "IPv4Address", v4, "IPv6Address",
                                              ""));
                json_decref(ep);
        }
        json_object_set_new(j, "Containers", ctrs);
        return j;
}

int engine_network_list(const struct engine_ctx *ctx, json_t **ret, struct herr *err)
{
        _cleanup_strv_ char **names = network_names(ctx);
        json_t *a = json_array();
        for (size_t i = 0; names[i]; i++) {
                struct network n = NETWORK_INIT;
                struct herr ignored;
                if (open_by_name(ctx, names[i], &n, &ignored) == 0)
                        json_array_append_new(a, network_object(&n));
                network_close(&n);
        }
        *ret = a;
        return 0;
}

int engine_network_inspect(const struct engine_ctx *ctx, const char *ref, json_t **ret, struct herr *err)
{
        struct network n = NETWORK_INIT;
        int r = network_open(ctx, ref, &n, err);
        if (r == 0)
                *ret = network_object(&n);
        network_close(&n);
        return r;
}

/* With the network's lock held and no member left. */
static int network_destroy(const struct engine_ctx *ctx, struct network *n, struct herr *err)
{
        _cleanup_free_ char *table = network_table(ctx);
        char a[16];
        _cleanup_free_ char *subnet = xasprintf("%s/%d", ip4_fmt(n->subnet.addr, a), n->subnet.prefix);
        nft_bridge_del(table, n->bridge, subnet);
        if (bridge_delete(n->bridge, err) < 0)
                return -1;
        /* Renamed away first: a half-removed directory is never a network. */
        _cleanup_free_ char *gone = xasprintf("%s/networks/.rm-%s", ctx->root, n->id);
        if (rename(n->dir, gone) < 0)
                return herr_set(err, errno, "removing network %s", n->name);
        struct herr ignored;
        rm_rf(gone, &ignored);
        _cleanup_strv_ char **left = network_names(ctx);
        if (!left[0])
                nft_table_delete(table, &ignored);
        return 0;
}

static int remove_one(const struct engine_ctx *ctx, struct network *n, int builtin_ok, struct herr *err)
{
        if (!builtin_ok && !strcmp(n->name, NET_DEFAULT_NAME))
                return herr_set(err, 0, "%s is a pre-defined network and cannot be removed", n->name);
        if (network_lock(n, err) < 0)
                return -1;
        _cleanup_strv_ char **m = network_members(n);
        if (m[0])
                return herr_set(err, 0, "error while removing network: network %s id %.12s has active endpoints",
                                n->name, n->id);
        return network_destroy(ctx, n, err);
}

static int root_locked(const struct engine_ctx *ctx, struct herr *err)
{
        _cleanup_free_ char *dir = xasprintf("%s/networks", ctx->root);
        if (mkdir_p(dir, 0700, err) < 0)
                return -1;
        _cleanup_free_ char *lockp = xasprintf("%s/.lock", dir);
        return lock_file(lockp, err);
}

int engine_network_rm(const struct engine_ctx *ctx, const char *ref, struct herr *err)
{
        _cleanup_close_ int root_lock = root_locked(ctx, err);
        if (root_lock < 0)
                return -1;
        struct network n = NETWORK_INIT;
        int r = network_open(ctx, ref, &n, err);
        if (r == 0)
                r = remove_one(ctx, &n, 0, err);
        network_close(&n);
        return r;
}

static int remove_unused(const struct engine_ctx *ctx, int builtin_too, char ***ret, struct herr *err)
{
        _cleanup_close_ int root_lock = root_locked(ctx, err);
        if (root_lock < 0)
                return -1;
        _cleanup_strv_ char **names = network_names(ctx);
        int r = 0;
        for (size_t i = 0; names[i]; i++) {
                struct network n = NETWORK_INIT;
                struct herr e;
                if (open_by_name(ctx, names[i], &n, &e) == 0 && (builtin_too || strcmp(n.name, NET_DEFAULT_NAME))) {
                        _cleanup_strv_ char **m = network_members(&n);
                        if (!m[0] && remove_one(ctx, &n, 1, &e) == 0) {
                                if (ret)
                                        strv_push(ret, n.name);
                        } else if (builtin_too) {
                                *err = e;
                                r = m[0] ? herr_set(err, 0, "network %s is still in use", n.name) : -1;
                        }
                }
                network_close(&n);
        }
        return r;
}

int engine_network_prune(const struct engine_ctx *ctx, char ***ret, struct herr *err)
{
        return remove_unused(ctx, 0, ret, err);
}

int engine_network_reset(const struct engine_ctx *ctx, struct herr *err)
{
        if (remove_unused(ctx, 1, NULL, err) < 0)
                return -1;
        _cleanup_free_ char *table = network_table(ctx);
        return nft_table_delete(table, err);
}
