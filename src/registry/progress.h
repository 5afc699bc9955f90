/* What a person watches during a pull or push: one line per layer, as
 * Docker prints them.  On a terminal the lines are redrawn in place (with
 * bytes and a bar while downloading); otherwise each change of state is
 * one plain line; quiet prints nothing. */
#pragma once
#include <stddef.h>
#include <stdio.h>

enum prog_state {
        PROG_WAITING,
        PROG_EXISTS,
        PROG_DOWNLOADING,
        PROG_VERIFYING,
        PROG_DOWNLOADED,
        PROG_EXTRACTING,
        PROG_DONE,
        PROG_PUSHING,
        PROG_PUSHED,
        PROG_MOUNTED,
        PROG_RETRYING,
};

struct progress;

struct progress *progress_new(FILE *out, size_t n, int quiet, int push);
/* Line i shows digest (shortened to 12 hex digits). */
void progress_name(struct progress *p, size_t i, const char *digest);
void progress_set(struct progress *p, size_t i, enum prog_state st, long long done, long long total);
/* Leave the terminal below the lines, for the messages that follow. */
void progress_end(struct progress *p);
void progress_free(struct progress *p);
