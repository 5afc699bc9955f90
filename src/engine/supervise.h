/* The foreground container: create, start, relay the terminal and
 * signals, collect the exit status.  `hull run` without -d is this. */
#pragma once
#include "base/err.h"
#include "engine/container.h"
#include "engine/engine.h"
#include "runtime/spec.h"

/* c's state records the run (running with this process as the one that
 * waits for it, then exited), so ps, stop and inspect work on it too. */
int supervise_foreground(const struct oci_spec *spec, const struct run_opts *o, const char *seccomp_cache,
                         struct container *c, struct run_result *ret, struct herr *err);
