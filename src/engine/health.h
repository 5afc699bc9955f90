/* Healthchecks, run by the container's monitor, as Docker runs them:
 * Config.Healthcheck {Test, Interval, Timeout, StartPeriod, Retries} from
 * the image or --health-* flags; results in State.Health {Status,
 * FailingStreak, Log[{Start, End, ExitCode, Output}]} (last 5). */
#pragma once
#include <poll.h>
#include "base/err.h"
#include "engine/container.h"
#include "engine/engine.h"

struct health;

/* NULL in *ret when the container has no healthcheck (or NONE). */
int health_new(const struct engine_ctx *ctx, struct container *c, struct health **ret, struct herr *err);
/* Milliseconds until the monitor should call health_tick (-1: none). */
int health_timeout_ms(struct health *h);
/* The fd to poll while a check runs (or -1). */
int health_pollfd(struct health *h);
/* Start a due check, collect a finished one, kill one past its timeout;
 * updates the container's state.json (under its lock). */
void health_tick(struct health *h);
void health_free(struct health *h);
