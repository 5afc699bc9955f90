/* Docker's resource flags, parsed and checked before anything exists, and
 * turned into the OCI config's linux.resources and process.rlimits. */
#pragma once
#include <stdint.h>
#include <jansson.h>
#include "base/err.h"

/* What the resource flags asked for; 0 / NULL / -2 mean "not given". */
struct limits {
        int64_t memory, memory_swap, memory_reservation;   /* bytes; swap -1 = unlimited */
        int64_t cpu_shares, cpu_period, cpu_quota;
        char *cpus;                     /* --cpus, kept for the error message */
        char *cpuset_cpus, *cpuset_mems;
        int64_t pids_limit;             /* -2 not given, -1/0 unlimited */
        int oom_kill_disable;
        int has_oom_score_adj;
        int oom_score_adj;
        json_t *rlimits;                /* process.rlimits from --ulimit */
        json_t *devices;                /* linux.devices from --device */
        json_t *device_rules;           /* extra linux.resources.devices rules */
};

void limits_init(struct limits *l);
void limits_free(struct limits *l);

/* Docker's RAMInBytes: "512k", "1g", "100MB", "4096" (binary units). */
int parse_bytes(const char *s, int64_t *ret);
/* Each of these takes the flag's value and records it in l, or fails
 * with Docker-like wording naming the flag and the value. */
int limits_set(struct limits *l, const char *flag, const char *value, struct herr *err);
/* Cross-flag checks (--memory-swap needs -m and is at least it, ...) and
 * the host's facts (--cpus above its CPU count, a --cpuset-cpus CPU it
 * lacks).  online_cpus: the host's online list ("0-1"), NULL to read it. */
int limits_check(const struct limits *l, const char *online_cpus, struct herr *err);
/* linux.resources for these limits plus the device rules (Docker's
 * default allow list, or everything when privileged). */
json_t *limits_resources(const struct limits *l, int privileged);
/* Parse a cpu list ("0-2,4") into a bit set of up to 1024 CPUs. */
int cpu_list_parse(const char *s, uint64_t set[16]);
