#include "image/ref.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/fs.h"

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c)
{
        return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9');
}

static bool is_word(char c)
{
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

int image_hex_prefix_valid(const char *s)
{
        size_t n = strlen(s);
        if (n == 0 || n > 64)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (!is_hex(s[i]))
                        return 0;
        return 1;
}

int image_digest_valid(const char *s)
{
        return strncmp(s, "sha256:", 7) == 0 && strlen(s + 7) == 64 &&
               image_hex_prefix_valid(s + 7);
}

/* [a-z0-9]+ ( ("." | "_" | "__" | "-"+) [a-z0-9]+ )* */
static bool component_valid(const char *c, size_t n)
{
        size_t i = 0;
        if (n == 0)
                return false;
        while (i < n) {
                if (!is_lower_alnum(c[i]))
                        return false;
                while (i < n && is_lower_alnum(c[i]))
                        i++;
                if (i == n)
                        return true;
                if (c[i] == '.') {
                        i++;
                } else if (c[i] == '_') {
                        i += (i + 1 < n && c[i + 1] == '_') ? 2 : 1;
                } else if (c[i] == '-') {
                        while (i < n && c[i] == '-')
                                i++;
                } else {
                        return false;
                }
        }
        return false;   /* ended on a separator */
}

/* One DNS label: [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9] */
static bool label_valid(const char *c, size_t n)
{
        if (n == 0 || c[0] == '-' || c[n - 1] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_lower_alnum(c[i]) && !(c[i] >= 'A' && c[i] <= 'Z') && c[i] != '-')
                        return false;
        return true;
}

static bool port_valid(const char *p, size_t n)
{
        if (n == 0 || n > 5)
                return false;
        for (size_t i = 0; i < n; i++)
                if (p[i] < '0' || p[i] > '9')
                        return false;
        return true;
}

/* host[:port], where host is dot-separated labels or "[ipv6]". */
static bool domain_valid(const char *d, size_t n)
{
        size_t host_end;
        if (d[0] == '[') {
                const char *close = memchr(d, ']', n);
                if (!close || close == d + 1)
                        return false;
                for (const char *p = d + 1; p < close; p++)
                        if (!is_hex(*p) && !(*p >= 'A' && *p <= 'F') && *p != ':' && *p != '.')
                                return false;
                host_end = (size_t)(close - d) + 1;
        } else {
                const char *colon = memchr(d, ':', n);
                host_end = colon ? (size_t)(colon - d) : n;
                for (size_t s = 0; s <= host_end;) {
                        const char *dot = memchr(d + s, '.', host_end - s);
                        size_t e = dot ? (size_t)(dot - d) : host_end;
                        if (!label_valid(d + s, e - s))
                                return false;
                        s = e + 1;
                }
        }
        if (host_end == n)
                return true;
        return d[host_end] == ':' && port_valid(d + host_end + 1, n - host_end - 1);
}

static bool tag_valid(const char *t)
{
        size_t n = strlen(t);
        if (n == 0 || n > IMAGE_REF_TAG_MAX || t[0] == '.' || t[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_word(t[i]) && t[i] != '.' && t[i] != '-')
                        return false;
        return true;
}

static int path_check(const char *ref, const char *path, struct herr *err)
{
        for (const char *p = path; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        return herr_set(err, 0, "invalid reference format: repository name (%s) must be lowercase",
                                        path);
        if (strlen(path) == 64 && image_hex_prefix_valid(path))
                return herr_set(err, 0, "invalid repository name (%s): cannot be a 64-character hexadecimal string",
                                path);
        for (const char *c = path;;) {
                const char *slash = strchr(c, '/');
                size_t n = slash ? (size_t)(slash - c) : strlen(c);
                if (!component_valid(c, n))
                        return herr_set(err, 0, "invalid reference format \"%s\": bad repository name component \"%.*s\" "
                                        "(want [a-z0-9] separated by '.', '_', '__' or '-')",
                                        ref, (int)n, c);
                if (!slash)
                        return 0;
                c = slash + 1;
        }
}

/* Split "name" into domain and path the way Docker does: the first part
 * is a registry only if it looks like a host, so "UPPER/case" stays a
 * (bad, upper-case) repository path rather than becoming a registry. */
static void split_domain(const char *name, struct image_ref *r)
{
        const char *slash = strchr(name, '/');
        size_t n = slash ? (size_t)(slash - name) : 0;
        if (slash && (memchr(name, '.', n) || memchr(name, ':', n) ||
                      (n == 9 && strncmp(name, "localhost", 9) == 0))) {
                snprintf(r->domain, sizeof r->domain, "%.*s", (int)n, name);
                snprintf(r->path, sizeof r->path, "%s", slash + 1);
        } else {
                r->domain[0] = '\0';
                snprintf(r->path, sizeof r->path, "%s", name);
        }
}

/* Docker Hub names are shown short: docker.io/library/x -> x. */
static void familiarise(struct image_ref *r)
{
        if (!strcmp(r->domain, "docker.io") || !strcmp(r->domain, "index.docker.io"))
                r->domain[0] = '\0';
        if (!r->domain[0] && !strncmp(r->path, "library/", 8) && !strchr(r->path + 8, '/'))
                memmove(r->path, r->path + 8, strlen(r->path + 8) + 1);
        if (r->domain[0])
                snprintf(r->name, sizeof r->name, "%s/%s", r->domain, r->path);
        else
                snprintf(r->name, sizeof r->name, "%s", r->path);
}

static int split_digest(const char *ref, char *rest, struct image_ref *r, struct herr *err)
{
        char *at = strchr(rest, '@');
        if (!at)
                return 0;
        *at = '\0';
        if (!image_digest_valid(at + 1))
                return herr_set(err, 0, "invalid digest \"%s\" in \"%s\": want sha256: and 64 lower-case hex digits",
                                at + 1, ref);
        snprintf(r->digest, sizeof r->digest, "%s", at + 1);
        return 0;
}

/* A ':' after the last '/' starts the tag; one before it is a registry port. */
static int split_tag(const char *ref, char *rest, struct image_ref *r, struct herr *err)
{
        char *colon = strrchr(rest, ':');
        char *slash = strrchr(rest, '/');
        if (!colon || (slash && colon < slash))
                return 0;
        *colon = '\0';
        if (!colon[1])
                return herr_set(err, 0, "invalid reference format \"%s\": empty tag after ':'", ref);
        if (!tag_valid(colon + 1))
                return herr_set(err, 0, "invalid tag \"%s\" in \"%s\": want [A-Za-z0-9_][A-Za-z0-9_.-], "
                                "at most 128 characters", colon + 1, ref);
        snprintf(r->tag, sizeof r->tag, "%s", colon + 1);
        return 0;
}

int image_ref_parse(const char *s, struct image_ref *ret, struct herr *err)
{
        struct image_ref r = { 0 };
        if (!*s)
                return herr_set(err, 0, "invalid reference format: empty reference");
        if (strlen(s) > 2 * IMAGE_REF_NAME_MAX)
                return herr_set(err, 0, "invalid reference format: reference too long");
        char rest[2 * IMAGE_REF_NAME_MAX + 1];
        snprintf(rest, sizeof rest, "%s", s);
        if (split_digest(s, rest, &r, err) < 0 || split_tag(s, rest, &r, err) < 0)
                return -1;
        if (!rest[0])
                return herr_set(err, 0, "invalid reference format \"%s\": missing repository name", s);
        if (strlen(rest) > IMAGE_REF_NAME_MAX)
                return herr_set(err, 0, "invalid reference format \"%s\": repository name longer than %d characters",
                                s, IMAGE_REF_NAME_MAX);
        split_domain(rest, &r);
        if (r.domain[0] && !domain_valid(r.domain, strlen(r.domain)))
                return herr_set(err, 0, "invalid reference format \"%s\": bad registry \"%s\"", s, r.domain);
        if (!r.path[0])
                return herr_set(err, 0, "invalid reference format \"%s\": missing repository name", s);
        if (path_check(s, r.path, err) < 0)
                return -1;
        familiarise(&r);
        if (!r.tag[0] && !r.digest[0])
                strcpy(r.tag, "latest");
        *ret = r;
        return 0;
}

char *image_ref_string(const struct image_ref *r)
{
        return xasprintf("%s%s%s%s%s", r->name, r->tag[0] ? ":" : "", r->tag,
                         r->digest[0] ? "@" : "", r->digest);
}
