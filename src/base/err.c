#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int ret_of(const struct herr *e)
{
        return e->errnum > 0 ? -e->errnum : -1;
}

static int vset(struct herr *e, int code, int errnum, const char *fmt, va_list ap)
{
        e->code = code;
        e->errnum = errnum;
        int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        if (n < 0)
                n = 0;
        if (errnum > 0 && (size_t)n < sizeof e->msg)
                snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
        return ret_of(e);
}

int herr_set(struct herr *e, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vset(e, HERR_ENGINE, errnum, fmt, ap);
        va_end(ap);
        return r;
}

int herr_setc(struct herr *e, int code, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = vset(e, code, errnum, fmt, ap);
        va_end(ap);
        return r;
}

int herr_wrap(struct herr *e, const char *fmt, ...)
{
        char prefix[sizeof e->msg], old[sizeof e->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof prefix, fmt, ap);
        va_end(ap);
        memcpy(old, e->msg, sizeof old);
        /* Truncation is fine here: the message is for a person. */
        size_t pl = strnlen(prefix, sizeof e->msg - 3);
        memcpy(e->msg, prefix, pl);
        memcpy(e->msg + pl, ": ", 2);
        size_t room = sizeof e->msg - pl - 3;
        size_t ol = strnlen(old, room);
        memcpy(e->msg + pl + 2, old, ol);
        e->msg[pl + 2 + ol] = '\0';
        return ret_of(e);
}

void herr_clear(struct herr *e)
{
        e->code = 0;
        e->errnum = 0;
        e->msg[0] = '\0';
}
