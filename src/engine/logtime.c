/* Times in the json-file log and in --since / --until, as Docker reads
 * them (its timetypes.GetTimestamp). */
#include "engine/logfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Exactly n digits. */
static int digits(const char **s, int n, int *ret)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (!isdigit((unsigned char)(*s)[i]))
                        return -1;
                v = v * 10 + ((*s)[i] - '0');
        }
        *s += n;
        *ret = v;
        return 0;
}

/* Up to nine fraction digits after a '.', as nanoseconds; more are cut. */
static int fraction(const char **s, long *ret)
{
        const char *p = *s + 1;
        long ns = 0;
        int n = 0;
        for (; isdigit((unsigned char)*p); p++, n++)
                if (n < 9)
                        ns = ns * 10 + (*p - '0');
        if (n == 0)
                return -1;
        for (; n < 9; n++)
                ns *= 10;
        *s = p;
        *ret = ns;
        return 0;
}

/* "Z" or "+hh:mm" / "-hh:mm": seconds east of UTC; 1 when there is no zone. */
static int zone(const char **s, long *ret_off)
{
        const char *p = *s;
        if (!*p)
                return 1;
        if (*p == 'Z' || *p == 'z') {
                *ret_off = 0;
                *s = p + 1;
                return 0;
        }
        if (*p != '+' && *p != '-')
                return -1;
        int h, m;
        const char *q = p + 1;
        if (digits(&q, 2, &h) < 0 || *q++ != ':' || digits(&q, 2, &m) < 0)
                return -1;
        *ret_off = (h * 3600L + m * 60L) * (*p == '-' ? -1 : 1);
        *s = q;
        return 0;
}

/* YYYY-MM-DD[THH[:MM[:SS[.frac]]]][zone], the forms Docker's --since
 * takes; *ret_local says there was no zone (local time). */
static int date_time(const char *s, struct timespec *ret, int *ret_local)
{
        struct tm tm = { 0 };
        int y, mo, d, h = 0, mi = 0, sec = 0;
        long ns = 0, off = 0;
        if (digits(&s, 4, &y) < 0 || *s++ != '-' || digits(&s, 2, &mo) < 0 || *s++ != '-' ||
            digits(&s, 2, &d) < 0)
                return -1;
        if (*s == 'T' || *s == 't') {
                s++;
                if (digits(&s, 2, &h) < 0)
                        return -1;
                if (*s == ':' && (s++, digits(&s, 2, &mi) < 0))
                        return -1;
                if (*s == ':' && (s++, digits(&s, 2, &sec) < 0))
                        return -1;
                if (*s == '.' && fraction(&s, &ns) < 0)
                        return -1;
        }
        int local = zone(&s, &off);
        if (local < 0 || *s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
                return -1;
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = sec;
        tm.tm_isdst = -1;
        time_t t = local ? mktime(&tm) : timegm(&tm) - off;
        ret->tv_sec = t;
        ret->tv_nsec = ns;
        *ret_local = local;
        return 0;
}

int log_time_parse(const char *s, struct timespec *ret)
{
        int local;
        if (date_time(s, ret, &local) < 0 || local)
                return -1;
        return 0;
}

/* Go's time.ParseDuration: [-+]? then (number unit)+, or "0". */
static int go_duration(const char *s, long double *ret_ns)
{
        static const struct { const char *name; long double ns; } units[] = {
                { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 }, { "ms", 1e6 },
                { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
        };
        int neg = *s == '-';
        if (*s == '-' || *s == '+')
                s++;
        if (!strcmp(s, "0")) {
                *ret_ns = 0;
                return 0;
        }
        long double total = 0;
        if (!*s)
                return -1;
        while (*s) {
                long double v = 0, scale = 1;
                int any = 0;
                for (; isdigit((unsigned char)*s); s++, any = 1)
                        v = v * 10 + (*s - '0');
                if (*s == '.')
                        for (s++; isdigit((unsigned char)*s); s++, any = 1)
                                v += (*s - '0') * (scale /= 10);
                size_t i;
                /* In table order, so that "ms" wins over "m". */
                for (i = 0; i < sizeof units / sizeof units[0]; i++)
                        if (!strncmp(s, units[i].name, strlen(units[i].name)))
                                break;
                if (!any || i == sizeof units / sizeof units[0])
                        return -1;
                total += v * units[i].ns;
                s += strlen(units[i].name);
        }
        *ret_ns = neg ? -total : total;
        return 0;
}

/* Unix seconds with an optional fraction: "1732800000", "1732800000.5". */
static int unix_time(const char *s, struct timespec *ret)
{
        char *end;
        errno = 0;
        long long sec = strtoll(s, &end, 10);
        if (errno || end == s || (*end && *end != '.'))
                return -1;
        long ns = 0;
        if (*end == '.') {
                const char *p = end;
                if (fraction(&p, &ns) < 0 || *p)
                        return -1;
        }
        ret->tv_sec = (time_t)sec;
        ret->tv_nsec = ns;
        return 0;
}

int log_time_arg(const char *s, const struct timespec *now, struct timespec *ret, struct herr *err)
{
        long double ns;
        int local;
        if (strcmp(s, "0") && go_duration(s, &ns) == 0) {
                long double t = (long double)now->tv_sec * 1e9L + now->tv_nsec - ns;
                ret->tv_sec = (time_t)(t / 1e9L);
                ret->tv_nsec = (long)(t - (long double)ret->tv_sec * 1e9L);
                if (ret->tv_nsec < 0) {
                        ret->tv_sec--;
                        ret->tv_nsec += 1000000000L;
                }
                return 0;
        }
        if (date_time(s, ret, &local) == 0 || (!strchr(s, '-') && unix_time(s, ret) == 0))
                return 0;
        return herr_set(err, 0, "failed to parse value as time or duration: \"%s\"", s);
}
