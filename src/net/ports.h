/* -p / --publish and --expose: parsing (pure) and host port checks. */
#pragma once
#include <stdint.h>
#include "base/err.h"

struct port_spec {
        uint32_t host_ip;       /* host order; 0: every address */
        int host_port;          /* 0: let hull choose */
        int ctr_port;
        int udp;
};

/* [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp], also IP::CONTAINERPORT. */
int port_spec_parse(const char *s, struct port_spec *ret, struct herr *err);
/* "80", "80/tcp", "53/udp" (--expose, an image's ExposedPorts key). */
int port_key_parse(const char *s, int *ret_port, int *ret_udp, struct herr *err);
/* Fail when something on the host holds the port (a listener, a bound
 * UDP socket) or the address is not local. */
int port_check_free(const struct port_spec *p, struct herr *err);
/* A free port from the kernel's ephemeral range, as docker-proxy's
 * allocator hands out. */
int port_choose(const struct port_spec *p, int *ret, struct herr *err);
