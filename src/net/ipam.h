/* IPv4 subnets and address allocation.  Parsing and arithmetic are pure;
 * the allocator keeps one file per address in a directory, created with
 * O_EXCL, so two commands can never take the same address (no lock, no
 * read-modify-write) and an allocation survives restarts of hull. */
#pragma once
#include <stdint.h>
#include <stddef.h>
#include "base/err.h"

/* Addresses are kept in host byte order here. */
struct ip4net {
        uint32_t addr;          /* the network address (host bits zero) */
        int prefix;
};

int ip4_parse(const char *s, uint32_t *ret);
/* "a.b.c.d" into buf (16 bytes). */
const char *ip4_fmt(uint32_t a, char buf[16]);
/* "10.0.0.0/24"; host bits set are an error, as in Docker. */
int cidr_parse(const char *s, struct ip4net *ret, struct herr *err);
uint32_t cidr_mask(int prefix);
int cidr_contains(const struct ip4net *n, uint32_t a);
int cidr_overlap(const struct ip4net *a, const struct ip4net *b);
/* The usable hosts: network+1 .. broadcast-1 (all of a /31 and /32). */
uint32_t cidr_first_host(const struct ip4net *n);
uint32_t cidr_last_host(const struct ip4net *n);

/* Take an address in dirfd for owner: want (when non-zero) or the lowest
 * free host address other than skip (the gateway).  "no address left"
 * (EADDRNOTAVAIL) or "already in use" errors. */
int ipam_take(int dirfd, const struct ip4net *n, uint32_t skip, uint32_t want, const char *owner, uint32_t *ret,
              struct herr *err);
/* Give an address back if owner holds it. */
void ipam_release(int dirfd, uint32_t a, const char *owner);
