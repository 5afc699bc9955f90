#include "net/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"

struct nl {
        struct mnl_socket *sock;
        unsigned int portid, seq;
};

int nl_open(struct nl **ret, struct herr *err)
{
        struct nl *n = calloc(1, sizeof *n);
        if (!n)
                abort();
        n->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!n->sock || mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
                int e = errno;
                if (n->sock)
                        mnl_socket_close(n->sock);
                free(n);
                return herr_set(err, e, "netlink socket");
        }
        n->portid = mnl_socket_get_portid(n->sock);
        n->seq = (unsigned int)time(NULL);
        *ret = n;
        return 0;
}

void nl_close(struct nl *n)
{
        mnl_socket_close(n->sock);
        free(n);
}

/* Send one request and read until its ACK (or error). cb, when given,
 * sees every data message (dumps). */
static int nl_talk(struct nl *n, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
        h->nlmsg_seq = ++n->seq;
        /* A dump ends with NLMSG_DONE; everything else asks for an ACK. */
        h->nlmsg_flags |= NLM_F_REQUEST | ((h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP ? 0 : NLM_F_ACK);
        if (mnl_socket_sendto(n->sock, h, h->nlmsg_len) < 0)
                return -errno;
        char buf[MNL_SOCKET_BUFFER_SIZE];
        for (;;) {
                ssize_t len = mnl_socket_recvfrom(n->sock, buf, sizeof buf);
                if (len < 0)
                        return -errno;
                int r = mnl_cb_run(buf, (size_t)len, h->nlmsg_seq, n->portid, cb, data);
                if (r < 0)
                        return -errno;
                if (r == MNL_CB_STOP)
                        return 0;
        }
}

static struct nlmsghdr *msg_link(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = type;
        h->nlmsg_flags = flags;
        struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        return h;
}

int nl_bridge_add(struct nl *n, const char *name, int mtu, struct herr *err)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = msg_link(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        if (mtu)
                mnl_attr_put_u32(h, IFLA_MTU, (uint32_t)mtu);
        struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
        mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(h, li);
        int r = nl_talk(n, h, NULL, NULL);
        return r < 0 ? herr_set(err, -r, "creating bridge %s", name) : 0;
}

int nl_veth_add(struct nl *n, const char *name, const char *peer, int netns_fd, int mtu, struct herr *err)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = msg_link(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        mnl_attr_put_u32(h, IFLA_MTU, (uint32_t)mtu);
        struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
        mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
        struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
        struct nlattr *pi = mnl_attr_nest_start(h, VETH_INFO_PEER);
        /* The peer's own ifinfomsg, then its attributes. */
        struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(h, sizeof *pifi);
        pifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(h, IFLA_IFNAME, peer);
        mnl_attr_put_u32(h, IFLA_MTU, (uint32_t)mtu);
        mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)netns_fd);
        mnl_attr_nest_end(h, pi);
        mnl_attr_nest_end(h, data);
        mnl_attr_nest_end(h, li);
        int r = nl_talk(n, h, NULL, NULL);
        return r < 0 ? herr_set(err, -r, "creating veth pair %s", name) : 0;
}

int nl_link_del(struct nl *n, const char *name, struct herr *err)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = msg_link(buf, RTM_DELLINK, 0, 0);
        mnl_attr_put_strz(h, IFLA_IFNAME, name);
        int r = nl_talk(n, h, NULL, NULL);
        if (r < 0 && r != -ENODEV)
                return herr_set(err, -r, "deleting link %s", name);
        return 0;
}

int nl_link_up(struct nl *n, int ifindex, int mtu, int master, const uint8_t *mac, struct herr *err)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = msg_link(buf, RTM_NEWLINK, 0, ifindex);
        struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        if (mtu)
                mnl_attr_put_u32(h, IFLA_MTU, (uint32_t)mtu);
        if (master)
                mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
        if (mac)
                mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
        int r = nl_talk(n, h, NULL, NULL);
        return r < 0 ? herr_set(err, -r, "setting up link %d", ifindex) : 0;
}

int nl_brport_hairpin(struct nl *n, int ifindex, struct herr *err)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = msg_link(buf, RTM_SETLINK, 0, ifindex);
        struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
        ifi->ifi_family = AF_BRIDGE;
        struct nlattr *pi = mnl_attr_nest_start(h, IFLA_PROTINFO);
        mnl_attr_put_u8(h, IFLA_BRPORT_MODE, 1);
        mnl_attr_nest_end(h, pi);
        int r = nl_talk(n, h, NULL, NULL);
        return r < 0 ? herr_set(err, -r, "setting hairpin mode on link %d", ifindex) : 0;
}

int nl_addr_add(struct nl *n, int ifindex, uint32_t addr, int prefix, struct herr *err)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = RTM_NEWADDR;
        h->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof *ifa);
        ifa->ifa_family = AF_INET;
        ifa->ifa_prefixlen = (unsigned char)prefix;
        ifa->ifa_index = (unsigned int)ifindex;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        mnl_attr_put_u32(h, IFA_LOCAL, addr);
        mnl_attr_put_u32(h, IFA_ADDRESS, addr);
        uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
        if (prefix < 31)
                mnl_attr_put_u32(h, IFA_BROADCAST, addr | ~mask);
        int r = nl_talk(n, h, NULL, NULL);
        return r < 0 ? herr_set(err, -r, "adding address to link %d", ifindex) : 0;
}

int nl_route_default(struct nl *n, int ifindex, uint32_t gw, struct herr *err)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = RTM_NEWROUTE;
        h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
        struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);
        rt->rtm_family = AF_INET;
        rt->rtm_table = RT_TABLE_MAIN;
        rt->rtm_protocol = RTPROT_BOOT;
        rt->rtm_scope = RT_SCOPE_UNIVERSE;
        rt->rtm_type = RTN_UNICAST;
        mnl_attr_put_u32(h, RTA_GATEWAY, gw);
        mnl_attr_put_u32(h, RTA_OIF, (uint32_t)ifindex);
        int r = nl_talk(n, h, NULL, NULL);
        return r < 0 ? herr_set(err, -r, "adding the default route") : 0;
}

struct route_acc {
        struct nl_route *v;
        size_t n;
};

static int route_attr(const struct nlattr *a, void *data)
{
        const struct nlattr **tb = data;
        int type = mnl_attr_get_type(a);
        if (type <= RTA_MAX)
                tb[type] = a;
        return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *h, void *data)
{
        struct route_acc *acc = data;
        struct rtmsg *rt = mnl_nlmsg_get_payload(h);
        if (rt->rtm_family != AF_INET || rt->rtm_table != RT_TABLE_MAIN || rt->rtm_dst_len == 0)
                return MNL_CB_OK;
        const struct nlattr *tb[RTA_MAX + 1] = { 0 };
        mnl_attr_parse(h, sizeof *rt, route_attr, tb);
        if (!tb[RTA_DST])
                return MNL_CB_OK;
        struct nl_route *v = realloc(acc->v, (acc->n + 1) * sizeof *v);
        if (!v)
                abort();
        acc->v = v;
        memset(&v[acc->n], 0, sizeof v[acc->n]);
        v[acc->n].dst = mnl_attr_get_u32(tb[RTA_DST]);
        v[acc->n].prefix = rt->rtm_dst_len;
        if (tb[RTA_OIF])
                if_indextoname(mnl_attr_get_u32(tb[RTA_OIF]), v[acc->n].dev);
        acc->n++;
        return MNL_CB_OK;
}

int nl_routes(struct nl *n, struct nl_route **ret, size_t *ret_n, struct herr *err)
{
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
        h->nlmsg_type = RTM_GETROUTE;
        h->nlmsg_flags = NLM_F_DUMP;
        struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);
        rt->rtm_family = AF_INET;
        struct route_acc acc = { 0 };
        int r = nl_talk(n, h, route_cb, &acc);
        if (r < 0) {
                free(acc.v);
                return herr_set(err, -r, "listing routes");
        }
        *ret = acc.v;
        *ret_n = acc.n;
        return 0;
}
