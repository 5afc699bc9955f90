#include "engine/container.h"
#include "engine/network.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"

static const char *const adjectives[] = {
        "admiring", "amazing", "awesome", "blissful", "bold", "brave", "busy", "calm",
        "charming", "clever", "cool", "compassionate", "dazzling", "determined", "eager",
        "ecstatic", "elegant", "epic", "fervent", "festive", "focused", "friendly", "gallant",
        "gifted", "happy", "hardcore", "heuristic", "hopeful", "inspiring", "jolly", "keen",
        "kind", "laughing", "loving", "lucid", "magical", "modest", "nifty", "nostalgic",
        "optimistic", "peaceful", "practical", "quirky", "relaxed", "serene", "sharp",
        "stoic", "sweet", "tender", "trusting", "upbeat", "vibrant", "vigilant", "wizardly",
        "wonderful", "youthful", "zealous", "zen",
};

static const char *const surnames[] = {
        "agnesi", "allen", "archimedes", "babbage", "bardeen", "bartik", "bhabha", "booth",
        "borg", "bose", "brahmagupta", "cerf", "chandrasekhar", "clarke", "curie", "darwin",
        "dijkstra", "einstein", "euclid", "euler", "fermat", "feynman", "franklin", "galileo",
        "gauss", "goldberg", "goodall", "hamilton", "hawking", "heisenberg", "hopper",
        "hypatia", "johnson", "kalam", "kepler", "knuth", "lamarr", "lovelace", "mayer",
        "meitner", "mirzakhani", "newton", "noether", "pascal", "pike", "raman", "ritchie",
        "shannon", "sinoussi", "thompson", "torvalds", "turing", "wilson", "wozniak", "yalow",
};

int container_name_valid(const char *name)
{
        size_t n = strlen(name);
        if (n < 2 || n > 128)
                return 0;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!alnum && (i == 0 || !strchr("_.-", c)))
                        return 0;
        }
        return 1;
}

static int random_id(char out[65], struct herr *err)
{
        unsigned char b[32];
        if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
                return herr_set(err, errno, "generating a container id");
        for (size_t i = 0; i < sizeof b; i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
        return 0;
}

/* The symlink is the reservation: symlinkat fails with EEXIST for the
 * loser of two racing runs, so a name can never be taken twice. */
static int reserve_name(int namesfd, const char *name, const char *id)
{
        return symlinkat(id, namesfd, name) < 0 ? -errno : 0;
}

static int pick_name(int namesfd, const char *want, const char *id, char out[129], struct herr *err)
{
        if (want) {
                if (!container_name_valid(want))
                        return herr_set(err, 0, "invalid container name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                                        want);
                int r = reserve_name(namesfd, want, id);
                if (r == -EEXIST)
                        return herr_set(err, 0, "the container name \"%s\" is already in use", want);
                if (r < 0)
                        return herr_set(err, -r, "reserving the name %s", want);
                snprintf(out, 129, "%s", want);
                return 0;
        }
        for (int attempt = 0; attempt < 64; attempt++) {
                unsigned int r[2];
                if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
                        return herr_set(err, errno, "generating a name");
                snprintf(out, 129, "%s_%s", adjectives[r[0] % ARRAY_SIZE(adjectives)],
                         surnames[r[1] % ARRAY_SIZE(surnames)]);
                if (attempt >= 8)
                        snprintf(out + strlen(out), 129 - strlen(out), "%u", r[0] % 10);
                int res = reserve_name(namesfd, out, id);
                if (res == 0)
                        return 0;
                if (res != -EEXIST)
                        return herr_set(err, -res, "reserving the name %s", out);
        }
        return herr_set(err, 0, "could not find a free container name");
}

static int open_dir(const char *root, const char *sub, struct herr *err)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", root, sub);
        if (mkdir_p(p, 0700, err) < 0)
                return -1;
        int fd = open(p, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return herr_set(err, errno, "opening %s", p);
        return fd;
}

int container_new(const struct engine_ctx *ctx, const char *name, struct container *c, struct herr *err)
{
        _cleanup_close_ int namesfd = open_dir(ctx->root, "names", err);
        if (namesfd < 0)
                return -1;
        if (random_id(c->id, err) < 0 || pick_name(namesfd, name, c->id, c->name, err) < 0)
                return -1;
        c->dir = xasprintf("%s/containers/%s", ctx->root, c->id);
        static const char *const subdirs[] = { "", "/upper", "/work", "/rootfs" };
        for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
                _cleanup_free_ char *p = xasprintf("%s%s", c->dir, subdirs[i]);
                if (mkdir_p(p, i == 0 ? 0700 : 0755, err) < 0)
                        goto fail;
        }
        c->dirfd = open(c->dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (c->dirfd < 0) {
                herr_set(err, errno, "opening %s", c->dir);
                goto fail;
        }
        return 0;
fail:;
        struct herr ignored;
        rm_rf(c->dir, &ignored);
        unlinkat(namesfd, c->name, 0);
        free(c->dir);
        c->dir = NULL;
        return -1;
}

int container_remove(const struct engine_ctx *ctx, struct container *c, struct herr *err)
{
        container_unlock(c);
        if (c->dirfd >= 0) {
                close(c->dirfd);
                c->dirfd = -1;
        }
        /* Interfaces, addresses, rules and the namespace go first: they
         * are found through the directory removed below. */
        net_release(ctx, c);
        _cleanup_free_ char *run = xasprintf("%s/%s", ctx->run_dir, c->id);
        struct herr ignored;
        rm_rf(run, &ignored);
        if (c->dir && rm_rf(c->dir, err) < 0)
                return herr_wrap(err, "removing container %.12s", c->id);
        _cleanup_free_ char *link = xasprintf("%s/names/%s", ctx->root, c->name);
        if (c->name[0] && unlink(link) < 0 && errno != ENOENT)
                return herr_set(err, errno, "releasing the name %s", c->name);
        return 0;
}

void container_close(struct container *c)
{
        container_unlock(c);
        if (c->dirfd >= 0)
                close(c->dirfd);
        c->dirfd = -1;
        free(c->dir);
        c->dir = NULL;
        json_decref(c->meta);
        json_decref(c->summary);
        json_decref(c->state.health);
        c->meta = c->summary = c->state.health = NULL;
}

int container_count(const struct engine_ctx *ctx)
{
        _cleanup_free_ char *p = xasprintf("%s/containers", ctx->root);
        _cleanup_closedir_ DIR *d = opendir(p);
        int n = 0;
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        return n;
}
