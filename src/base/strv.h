/* NULL-terminated string vectors. */
#pragma once
#include <stddef.h>
#include "base/cleanup.h"

size_t strv_len(char *const *v);
/* Appends a copy of s; returns 0, or -ENOMEM leaving v unchanged. */
int strv_push(char ***v, const char *s);
/* Appends s itself (takes ownership on success). */
int strv_consume(char ***v, char *s);
char **strv_dup(char *const *v);
int strv_contains(char *const *v, const char *s);
