/* What the files hull supplies inside every container (/etc/hostname,
 * /etc/hosts, /etc/resolv.conf: written into the container directory by
 * engine/network_attach.c and bind-mounted, as Docker does) start from. */
#pragma once
#include "base/err.h"

/* Host resolv.conf contents with loopback nameservers dropped (they mean
 * nothing inside another network namespace); public defaults when nothing
 * is left.  Returns a malloc'd string. */
char *resolv_conf_filter(const char *host);
/* Docker's /etc/hosts for a container with a network of its own. */
extern const char hosts_default[];
