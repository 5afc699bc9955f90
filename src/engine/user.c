#include "engine/user.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"

#define MAX_FIELDS 8

/* Split one colon-separated line in place; returns the field count. */
static int split_fields(char *line, char *f[MAX_FIELDS])
{
        int n = 0;
        f[n++] = line;
        for (char *c = line; *c && n < MAX_FIELDS; c++)
                if (*c == ':') {
                        *c = '\0';
                        f[n++] = c + 1;
                }
        return n;
}

static int parse_id(const char *s, unsigned long *ret)
{
        if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 10)
                return -1;
        *ret = strtoul(s, NULL, 10);
        return *ret > 0x7fffffffUL ? -1 : 0;
}

/* Visit each line of a passwd/group file.  cb returns 1 to stop. */
static int each_entry(const char *content, int (*cb)(char **f, int n, void *ud), void *ud)
{
        if (!content)
                return 0;
        _cleanup_free_ char *copy = xstrdup(content);
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (line[0] == '#' || !line[0])
                        continue;
                char *f[MAX_FIELDS];
                int n = split_fields(line, f);
                if (cb(f, n, ud))
                        return 1;
        }
        return 0;
}

struct pw_query {
        const char *name;       /* match by name, or ... */
        long uid;               /* ... by uid when >= 0 */
        char found_name[256];
        unsigned long uid_out, gid_out;
        char home[1024];
        int found;
};

static int pw_match(char **f, int n, void *ud)
{
        struct pw_query *q = ud;
        unsigned long uid, gid;
        if (n < 7 || parse_id(f[2], &uid) < 0 || parse_id(f[3], &gid) < 0)
                return 0;
        if (q->name ? strcmp(f[0], q->name) != 0 : (long)uid != q->uid)
                return 0;
        snprintf(q->found_name, sizeof q->found_name, "%s", f[0]);
        snprintf(q->home, sizeof q->home, "%s", f[5]);
        q->uid_out = uid;
        q->gid_out = gid;
        q->found = 1;
        return 1;
}

struct gr_query {
        const char *name;
        long gid;
        unsigned long gid_out;
        int found;
};

static int gr_match(char **f, int n, void *ud)
{
        struct gr_query *q = ud;
        unsigned long gid;
        if (n < 3 || parse_id(f[2], &gid) < 0)
                return 0;
        if (q->name ? strcmp(f[0], q->name) != 0 : (long)gid != q->gid)
                return 0;
        q->gid_out = gid;
        q->found = 1;
        return 1;
}

struct member_query {
        const char *user;
        struct user_info *u;
};

static int member_match(char **f, int n, void *ud)
{
        struct member_query *q = ud;
        unsigned long gid;
        if (n < 4 || parse_id(f[2], &gid) < 0)
                return 0;
        _cleanup_free_ char *members = xstrdup(f[3]);
        char *save = NULL;
        for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
                if (strcmp(m, q->user))
                        continue;
                gid_t *g = realloc(q->u->gids, (q->u->n_gids + 1) * sizeof *g);
                if (!g)
                        return 1;
                q->u->gids = g;
                q->u->gids[q->u->n_gids++] = (gid_t)gid;
                break;
        }
        return 0;
}

static int resolve_group(const char *spec, const char *group, gid_t *ret, struct herr *err)
{
        unsigned long id;
        struct gr_query q = { .gid = -1 };
        if (parse_id(spec, &id) == 0) {
                *ret = (gid_t)id;
                return 0;
        }
        q.name = spec;
        each_entry(group, gr_match, &q);
        if (!q.found)
                return herr_set(err, 0, "unable to find group %s: no matching entries in group file", spec);
        *ret = (gid_t)q.gid_out;
        return 0;
}

int user_resolve(const char *spec, const char *passwd, const char *group, struct user_info *ret,
                 struct herr *err)
{
        memset(ret, 0, sizeof *ret);
        _cleanup_free_ char *s = xstrdup(spec && *spec ? spec : "0");
        char *grp = strchr(s, ':');
        if (grp)
                *grp++ = '\0';
        if (!*s)
                return herr_set(err, 0, "invalid user \"%s\": empty user name", spec);
        if (grp && !*grp)
                return herr_set(err, 0, "invalid user \"%s\": empty group name", spec);
        unsigned long id;
        struct pw_query q = { .uid = -1 };
        int numeric = parse_id(s, &id) == 0;
        if (numeric)
                q.uid = (long)id;
        else
                q.name = s;
        each_entry(passwd, pw_match, &q);
        if (!q.found && !numeric)
                return herr_set(err, 0, "unable to find user %s: no matching entries in passwd file", s);
        ret->uid = (uid_t)(q.found ? q.uid_out : id);
        ret->gid = (gid_t)(q.found ? q.gid_out : 0);
        ret->home = xstrdup(q.found && q.home[0] ? q.home : "/");
        if (grp) {
                if (resolve_group(grp, group, &ret->gid, err) < 0) {
                        user_info_free(ret);
                        return -1;
                }
        } else if (q.found) {
                /* Supplementary groups come from the user's memberships, as
                 * with runc, only when no group was named explicitly. */
                struct member_query m = { .user = q.found_name, .u = ret };
                each_entry(group, member_match, &m);
        }
        /* The primary group is also a supplementary one, as login and
         * Docker's runtimes set it up, so `id` lists it under groups. */
        for (size_t i = 0; i < ret->n_gids; i++)
                if (ret->gids[i] == ret->gid)
                        return 0;
        gid_t *g = realloc(ret->gids, (ret->n_gids + 1) * sizeof *g);
        if (!g) {
                user_info_free(ret);
                return herr_set(err, ENOMEM, "supplementary groups");
        }
        memmove(g + 1, g, ret->n_gids * sizeof *g);
        g[0] = ret->gid;
        ret->gids = g;
        ret->n_gids++;
        return 0;
}

void user_info_free(struct user_info *u)
{
        free(u->gids);
        free(u->home);
        u->gids = NULL;
        u->home = NULL;
        u->n_gids = 0;
}
