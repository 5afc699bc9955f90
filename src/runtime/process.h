/* The container's process: limits, user, working directory, exec. */
#pragma once
#include "base/err.h"
#include "runtime/spec.h"

int rt_process_limits(const struct rt_process *p, struct herr *err);
/* setgroups/setresgid/setresuid, keeping capabilities across the switch
 * so that rt_caps_apply can set exactly the configured ones. */
int rt_process_user(const struct rt_process *p, struct herr *err);
/* chdir to cwd as the container user and check it is inside the root. */
int rt_process_cwd(const struct rt_process *p, struct herr *err);
/* Search PATH of the process's environment, execve.  Only returns on
 * failure, with code 127 (not found) or 126 (cannot invoke). */
int rt_process_exec(const struct rt_process *p, struct herr *err);
/* Whether args[0] exists (through PATH of the environment), without
 * running it: 127 with exec's message when not. */
int rt_process_lookup(const struct rt_process *p, struct herr *err);
