/* ps filters as Docker reads them: -f key=value, repeatable.  The same key
 * repeated matches any of its values, different keys must all match;
 * label= is the exception, as in Docker: every label filter must match.
 *
 *   status=created|restarting|running|removing|paused|exited|dead
 *   name=REGEX        POSIX extended regexp, anywhere in the name (or "/name")
 *   id=PREFIX         a prefix of the full id
 *   ancestor=IMAGE    name[:tag] (":latest" when none) or an image id prefix
 *   label=KEY, label=KEY=VALUE
 *   exited=N          exited (after having started) with code N
 *   health=starting|healthy|unhealthy|none
 *
 * Docker's other keys (before, since, volume, network, publish, expose,
 * is-task, isolation) are refused as not supported yet; an unknown key or
 * value is "invalid filter 'key=value'" (code 125). */
#pragma once
#include "base/err.h"
#include "engine/container.h"

struct filter;

/* specs: NULL-terminated "key=value" strings (NULL or empty: match all). */
int filter_parse(char **specs, struct filter **ret, struct herr *err);
/* Uses c->meta when loaded, else c->summary (container_list); f NULL
 * matches everything. */
int filter_match(const struct filter *f, const struct container *c);
/* A status filter lists stopped containers without -a, as Docker does. */
int filter_implies_all(const struct filter *f);
void filter_free(struct filter *f);
