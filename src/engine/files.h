/* The files hull supplies inside every container: /etc/hostname,
 * /etc/hosts and /etc/resolv.conf, written into the container directory
 * and bind-mounted, as Docker does. */
#pragma once
#include "base/err.h"

int files_write(int dirfd, const char *hostname, int host_network, struct herr *err);
/* Host resolv.conf contents with loopback nameservers dropped (they mean
 * nothing inside another network namespace); public defaults when nothing
 * is left.  Returns a malloc'd string. */
char *resolv_conf_filter(const char *host);
/* Docker's /etc/hosts for a container with a network of its own. */
extern const char hosts_default[];
