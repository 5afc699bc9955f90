/* What every command prints the same way: errors, ages, sizes. */
#include <stdarg.h>
#include <stdio.h>

#include "base/cleanup.h"
#include "cli/cli.h"

int cli_fail(const struct herr *err)
{
        fprintf(stderr, "hull: %s\n", err->msg);
        return err->code ? err->code : HERR_ENGINE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
        va_list ap;
        fputs("hull: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nSee 'hull %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
        return HERR_ENGINE;
}

void cli_human_age(long long s, char *buf, size_t len)
{
        if (s < 1)
                snprintf(buf, len, "Less than a second ago");
        else if (s < 60)
                snprintf(buf, len, "%lld second%s ago", s, s == 1 ? "" : "s");
        else if (s < 120)
                snprintf(buf, len, "About a minute ago");
        else if (s < 3600)
                snprintf(buf, len, "%lld minutes ago", s / 60);
        else if (s < 7200)
                snprintf(buf, len, "About an hour ago");
        else if (s < 48 * 3600)
                snprintf(buf, len, "%lld hours ago", s / 3600);
        else if (s < 14 * 86400)
                snprintf(buf, len, "%lld days ago", s / 86400);
        else if (s < 60 * 86400)
                snprintf(buf, len, "%lld weeks ago", s / (7 * 86400));
        else if (s < 730 * 86400)
                snprintf(buf, len, "%lld months ago", s / (30 * 86400));
        else
                snprintf(buf, len, "%lld years ago", s / (365 * 86400));
}

void cli_human_size(long long b, char *buf, size_t len)
{
        static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
        double v = (double)b;
        size_t u = 0;
        while (v >= 1000 && u + 1 < ARRAY_SIZE(units)) {
                v /= 1000;
                u++;
        }
        snprintf(buf, len, u == 0 ? "%.0f%s" : "%.3g%s", v, units[u]);
}
