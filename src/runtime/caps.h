/* Capabilities and no_new_privs for the container's process. */
#pragma once
#include "base/err.h"
#include "runtime/spec.h"

/* Drop from the bounding set what the config leaves out.  Needs
 * CAP_SETPCAP, so it runs before the switch of user. */
int rt_caps_bound(const struct rt_process *p, struct herr *err);
/* Set effective, permitted, inheritable and ambient after the user switch. */
int rt_caps_apply(const struct rt_process *p, struct herr *err);
