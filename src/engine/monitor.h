/* The per-container monitor: the process that waits for a detached
 * container (as conmon does for Podman).  Double-forked, its own session,
 * child subreaper; owns the container's stdio (monitor_io.h), records its
 * exit, applies the restart policy, carries out --rm, runs healthchecks. */
#pragma once
#include "base/err.h"
#include "engine/container.h"
#include "engine/engine.h"

struct monitor_opts {
        int wait_attach;        /* start the process only once a client attached (start -a) */
        json_t *spec;           /* the config.json just written, if the caller has it (borrowed) */
};

/* Start container c (created or exited) under a new monitor.  Returns once
 * its process runs (or, with wait_attach, once the monitor listens for the
 * client), or with the error that stopped it. */
int monitor_start(const struct engine_ctx *ctx, struct container *c, const struct monitor_opts *mo,
                  struct herr *err);

/* Restart policy from --restart: no | on-failure[:N] | always | unless-stopped. */
int restart_policy_parse(const char *s, json_t **ret, struct herr *err);
