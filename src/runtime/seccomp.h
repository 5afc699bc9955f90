/* linux.seccomp of the OCI config, compiled to BPF with libseccomp.
 *
 * The filter is compiled in the parent, before the container exists, so
 * that a bad profile is a clean error and the child only has to install a
 * ready program (which needs no allocation).  Compiled programs are cached
 * by the hash of their JSON when a cache directory is given. */
#pragma once
#include <jansson.h>
#include <linux/filter.h>
#include "base/err.h"

struct rt_bpf {
        struct sock_filter *filter;
        unsigned short len;
        unsigned int flags;         /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
};

/* seccomp: the OCI linux.seccomp object.  cache_dir may be NULL. */
int rt_seccomp_compile(json_t *seccomp, const char *cache_dir, struct rt_bpf *ret, struct herr *err);
/* In the container child: install the program (seccomp(2), falling back to
 * prctl).  Must be the last thing before execve when no_new_privs is set. */
int rt_seccomp_install(const struct rt_bpf *bpf, struct herr *err);
void rt_bpf_free(struct rt_bpf *bpf);
