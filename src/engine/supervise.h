/* The foreground container: create, start, relay the terminal and
 * signals, collect the exit status.  `hull run` without -d is this. */
#pragma once
#include "base/err.h"
#include "engine/engine.h"
#include "runtime/spec.h"

int supervise_foreground(const struct oci_spec *spec, const struct run_opts *o, const char *seccomp_cache,
                         struct run_result *ret, struct herr *err);
