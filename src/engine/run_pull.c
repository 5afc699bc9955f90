/* --pull missing|always|never for run and create (interface: run_pull.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/proc.h"
#include "engine/run_pull.h"
#include "image/ref.h"
#include "image/registry_module.h"

/* The registry module is loaded only here, when an image is to be pulled,
 * and in a child: libcurl, its TLS stack and libarchive leave with it
 * instead of staying mapped in this process, and in the monitor that a
 * `run -d` forks from it, for the life of the container. */
static int pull(const struct engine_ctx *ctx, const char *ref, struct herr *err)
{
        int fd;
        pid_t pid = fork_tied(&fd, err);
        if (pid < 0)
                return herr_wrap(err, "pulling %s", ref);
        if (pid == 0) {
                const struct hull_registry_ops *ops;
                char id[IMAGE_DIGEST_LEN + 1];
                /* The container's output owns stdout: progress goes to stderr. */
                struct hull_pull_opts po = { .ref = ref, .conn = { .tls_verify = -1 }, .out = stderr };
                struct herr e = { 0 };
                int r = registry_ops_get(&ops, &e) < 0 ? -1 : ops->pull(ctx->root, &po, id, &e);
                fflush(NULL);
                if (r < 0 && fd_write_all(fd, &e, sizeof e) < 0)
                        _exit(2);
                _exit(r < 0 ? 1 : 0);
        }
        struct herr e;
        int got = fd_read_all(fd, &e, sizeof e) == 0;
        close(fd);
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return herr_set(err, errno, "pulling %s", ref);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (got) {
                *err = e;
                return -1;
        }
        if (WIFSIGNALED(status))
                return herr_set(err, 0, "pulling %s: the pull was killed by signal %d", ref, WTERMSIG(status));
        return herr_set(err, 0, "pulling %s: the pull failed without saying why", ref);
}

int run_image_get(const struct engine_ctx *ctx, struct image_store *s, const struct run_opts *o, struct image **ret,
                  struct herr *err)
{
        const char *mode = o->pull ? o->pull : "missing";
        if (strcmp(mode, "missing") && strcmp(mode, "always") && strcmp(mode, "never"))
                return herr_setc(err, HERR_ENGINE, 0, "invalid pull option: '%s': must be one of \"always\", "
                                 "\"missing\" or \"never\"", mode);
        if (!strcmp(mode, "always"))
                return pull(ctx, o->image, err) < 0 ? -1 : image_lookup(s, o->image, ret, err);
        int r = image_lookup(s, o->image, ret, err);
        if (r != -ENOENT || !strcmp(mode, "never"))
                return r;
        /* Docker names it with its tag: 'busybox:latest'. */
        struct image_ref ref;
        struct herr ignored;
        char *shown = image_ref_parse(o->image, &ref, &ignored) == 0 ? image_ref_string(&ref) : NULL;
        fprintf(stderr, "Unable to find image '%s' locally\n", shown ? shown : o->image);
        free(shown);
        if (pull(ctx, o->image, err) < 0)
                return -1;
        return image_lookup(s, o->image, ret, err);
}
