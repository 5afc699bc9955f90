/* One error convention for all of hull.
 *
 * Every fallible function returns an int: >= 0 on success, a negative value
 * on failure, and on failure fills the caller's struct herr with one line of
 * text and an exit-code class.  Callers add context with herr_wrap(); only
 * main() prints.  The struct is a fixed-size value so that the container
 * child can send it to the parent over the sync socket unchanged. */
#pragma once
#include <stdarg.h>

enum {
        HERR_ENGINE = 125,      /* hull itself failed */
        HERR_CANNOT_INVOKE = 126,
        HERR_NOT_FOUND = 127,
};

struct herr {
        int code;               /* exit status the CLI should use */
        int errnum;             /* errno that caused it, or 0 */
        char msg[1024];
};

/* Set the error; appends ": strerror(errnum)" when errnum != 0.
 * Always returns -1 (or -errnum when errnum > 0) so that callers can
 * `return herr_set(err, errno, "opening %s", p);`. */
int herr_set(struct herr *e, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Same as herr_set, with an explicit exit-code class. */
int herr_setc(struct herr *e, int code, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Prefix context: "fmt: <old message>".  Returns the same value herr_set would. */
int herr_wrap(struct herr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void herr_clear(struct herr *e);
