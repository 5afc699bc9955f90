/* ps filters: parsed and checked once, then matched against each
 * container's state and its summary (or meta) without touching the disk. */
#include "engine/filter.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "image/ref.h"

enum fkey { F_STATUS, F_NAME, F_ID, F_ANCESTOR, F_LABEL, F_EXITED, F_HEALTH, F_NKEYS };

static const char *const key_names[F_NKEYS] = {
        [F_STATUS] = "status", [F_NAME] = "name",   [F_ID] = "id",         [F_ANCESTOR] = "ancestor",
        [F_LABEL] = "label",   [F_EXITED] = "exited", [F_HEALTH] = "health",
};

/* Docker's keys that hull does not filter on yet. */
static const char *const unsupported[] = { "before", "since", "volume", "network",
                                           "publish", "expose", "is-task", "isolation" };

static const char *const health_names[] = { "starting", "healthy", "unhealthy", "none" };

struct fvalue {
        char *s;
        regex_t re;             /* name= */
        int has_re;
        long code;              /* exited= */
        char *ref;              /* ancestor=: the normalized "name:tag", or NULL */
};

struct filter {
        struct fvalue *v[F_NKEYS];
        size_t n[F_NKEYS];
};

void filter_free(struct filter *f)
{
        if (!f)
                return;
        for (int k = 0; k < F_NKEYS; k++) {
                for (size_t i = 0; i < f->n[k]; i++) {
                        free(f->v[k][i].s);
                        free(f->v[k][i].ref);
                        if (f->v[k][i].has_re)
                                regfree(&f->v[k][i].re);
                }
                free(f->v[k]);
        }
        free(f);
}

static int invalid(struct herr *err, const char *key, const char *value)
{
        return herr_set(err, 0, "invalid filter '%s=%s'", key, value);
}

static int one_of(const char *s, const char *const *names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(s, names[i]))
                        return 1;
        return 0;
}

/* "busybox", "docker.io/library/busybox:latest" -> "busybox:latest";
 * NULL when s is no image reference. */
static char *normalized_ref(const char *s)
{
        struct image_ref r;
        struct herr ignored;
        if (!s || !*s || image_ref_parse(s, &r, &ignored) < 0)
                return NULL;
        return image_ref_string(&r);
}

static int check_value(enum fkey k, struct fvalue *v, struct herr *err)
{
        static const char *const states[] = { "created", "restarting", "running", "removing",
                                              "paused",  "exited",     "dead" };
        switch (k) {
        case F_STATUS:
                return one_of(v->s, states, ARRAY_SIZE(states)) ? 0 : invalid(err, "status", v->s);
        case F_HEALTH:
                return one_of(v->s, health_names, ARRAY_SIZE(health_names)) ? 0 : invalid(err, "health", v->s);
        case F_EXITED: {
                char *end;
                v->code = strtol(v->s, &end, 10);
                return *v->s && !*end ? 0 : invalid(err, "exited", v->s);
        }
        case F_NAME:
                if (regcomp(&v->re, v->s, REG_EXTENDED | REG_NOSUB) != 0)
                        return herr_set(err, 0, "invalid filter 'name=%s': not a regular expression", v->s);
                v->has_re = 1;
                return 0;
        case F_ANCESTOR:
                v->ref = normalized_ref(v->s);
                return v->s[0] ? 0 : invalid(err, "ancestor", v->s);
        case F_LABEL:
                return v->s[0] && v->s[0] != '=' ? 0 : invalid(err, "label", v->s);
        default:
                return 0;
        }
}

/* Docker's reading of one spec: the key lower-cased, both sides trimmed. */
static int parse_one(struct filter *f, const char *spec, struct herr *err)
{
        const char *eq = strchr(spec, '=');
        if (!eq)
                return herr_set(err, 0, "bad format of filter '%s' (expected name=value)", spec);
        char key[64];
        while (isspace((unsigned char)*spec))
                spec++;
        size_t kl = (size_t)(eq - spec);
        while (kl && isspace((unsigned char)spec[kl - 1]))
                kl--;
        snprintf(key, sizeof key, "%.*s", (int)kl, spec);
        for (char *p = key; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        const char *val = eq + 1;
        while (isspace((unsigned char)*val))
                val++;
        size_t vl = strlen(val);
        while (vl && isspace((unsigned char)val[vl - 1]))
                vl--;
        for (int k = 0; k < F_NKEYS; k++) {
                if (strcmp(key, key_names[k]))
                        continue;
                f->v[k] = realloc(f->v[k], (f->n[k] + 1) * sizeof *f->v[k]);
                if (!f->v[k])
                        abort();
                struct fvalue *v = &f->v[k][f->n[k]++];
                *v = (struct fvalue){ .s = strndup(val, vl) };
                return check_value((enum fkey)k, v, err);
        }
        if (one_of(key, unsupported, ARRAY_SIZE(unsupported)))
                return herr_set(err, 0, "the filter '%s' is not supported by hull yet", key);
        return herr_set(err, 0, "invalid filter '%s'", key);
}

int filter_parse(char **specs, struct filter **ret, struct herr *err)
{
        struct filter *f = calloc(1, sizeof *f);
        if (!f)
                return herr_set(err, ENOMEM, "parsing filters");
        for (size_t i = 0; specs && specs[i]; i++)
                if (parse_one(f, specs[i], err) < 0) {
                        filter_free(f);
                        return -1;
                }
        *ret = f;
        return 0;
}

int filter_implies_all(const struct filter *f)
{
        return f && f->n[F_STATUS] > 0;
}

/* ------------------------------------------------------------ matching */

/* What filters need of a container: meta when loaded (container_open),
 * else the summary that container_list reads. */
struct facts {
        const char *image_ref, *image_id;
        json_t *labels;
        const char *health;
};

static void gather(const struct container *c, struct facts *x)
{
        if (c->meta) {
                x->image_ref = json_str(c->meta, "ImageName");
                x->image_id = json_str(c->meta, "Image");
                x->labels = json_object_get(json_object_get(c->meta, "Config"), "Labels");
        } else {
                x->image_ref = json_str(c->summary, "Image");
                x->image_id = json_str(c->summary, "ImageID");
                x->labels = json_object_get(c->summary, "Labels");
        }
        x->health = c->state.health ? json_str(c->state.health, "Status") : NULL;
        if (!x->health || !*x->health)
                x->health = "none";
}

static int match_name(const struct fvalue *v, const struct container *c)
{
        char slashed[sizeof c->name + 1];
        snprintf(slashed, sizeof slashed, "/%s", c->name);
        return regexec(&v->re, c->name, 0, NULL, 0) == 0 || regexec(&v->re, slashed, 0, NULL, 0) == 0;
}

static const char *hex_of(const char *id)
{
        return id && !strncmp(id, "sha256:", 7) ? id + 7 : id;
}

static int match_ancestor(const struct fvalue *v, const struct facts *x)
{
        if (v->ref && x->image_ref) {
                _cleanup_free_ char *mine = normalized_ref(x->image_ref);
                if (mine && !strcmp(mine, v->ref))
                        return 1;
        }
        const char *want = hex_of(v->s), *have = hex_of(x->image_id);
        return have && image_hex_prefix_valid(want) && !strncmp(have, want, strlen(want));
}

/* Every label filter must match (Docker's MatchKVList). */
static int match_labels(const struct filter *f, const struct facts *x)
{
        for (size_t i = 0; i < f->n[F_LABEL]; i++) {
                const char *s = f->v[F_LABEL][i].s, *eq = strchr(s, '=');
                char key[1024];
                snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - s) : (int)strlen(s), s);
                json_t *have = json_object_get(x->labels, key);
                if (!have || (eq && strcmp(json_string_value(have) ?: "", eq + 1)))
                        return 0;
        }
        return 1;
}

static int match_one(enum fkey k, const struct fvalue *v, const struct container *c, const struct facts *x)
{
        const struct ctr_state *s = &c->state;
        switch (k) {
        case F_STATUS: return !strcmp(ctr_status_name(s->status), v->s);
        case F_NAME: return match_name(v, c);
        case F_ID: return !strncmp(c->id, v->s, strlen(v->s));
        case F_ANCESTOR: return match_ancestor(v, x);
        case F_HEALTH: return !strcmp(x->health, v->s);
        case F_EXITED:
                /* Docker: not running, has run, and ended with that code. */
                return s->status != CTR_RUNNING && s->status != CTR_PAUSED && s->status != CTR_RESTARTING &&
                       s->started_at[0] && s->exit_code == v->code;
        default: return 0;
        }
}

int filter_match(const struct filter *f, const struct container *c)
{
        if (!f)
                return 1;
        struct facts x;
        gather(c, &x);
        for (int k = 0; k < F_NKEYS; k++) {
                if (!f->n[k] || k == F_LABEL)
                        continue;
                int any = 0;
                for (size_t i = 0; i < f->n[k] && !any; i++)
                        any = match_one((enum fkey)k, &f->v[k][i], c, &x);
                if (!any)
                        return 0;
        }
        return match_labels(f, &x);
}
