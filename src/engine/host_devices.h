/* The host's device nodes, for --privileged (Docker gives a privileged
 * container every device the host has). */
#pragma once
#include <jansson.h>
#include "base/err.h"

int host_devices(json_t **ret, struct herr *err);
