/* Loading hull-archive.so on first use (why: see archive_module.h). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "config.h"
#include "image/archive_module.h"

static const struct hull_archive_ops *loaded;

int archive_ops_load(const char *path, const struct hull_archive_ops **ret, struct herr *err)
{
        /* RTLD_LOCAL: libarchive's symbols stay out of hull's namespace. */
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return herr_set(err, 0, "loading %s: %s", path, dlerror());
        const struct hull_archive_ops *ops = dlsym(h, HULL_ARCHIVE_SYMBOL);
        if (!ops || ops->abi != HULL_ARCHIVE_ABI || ops->size < sizeof *ops) {
                dlclose(h);
                return herr_set(err, 0, "%s was built for another version of hull", path);
        }
        /* The handle stays open for the life of the process, and the
         * first module loaded is the one archive_ops_get() returns. */
        if (!loaded)
                loaded = ops;
        *ret = ops;
        return 0;
}

int archive_ops_get(const struct hull_archive_ops **ret, struct herr *err)
{
        if (loaded) {
                *ret = loaded;
                return 0;
        }
        /* Beside the binary (an install that keeps them together), the
         * build tree (src/cli/hull and src/image/hull-archive.so), then
         * the installed location. */
        _cleanup_free_ char *here = xasprintf("%s/" HULL_ARCHIVE_MODULE, self_dir());
        _cleanup_free_ char *build = xasprintf("%s/../image/" HULL_ARCHIVE_MODULE, self_dir());
        const char *paths[] = { here, build, HULL_LIBEXECDIR "/" HULL_ARCHIVE_MODULE };
        for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
                if (access(paths[i], F_OK) < 0)
                        continue;
                return archive_ops_load(paths[i], ret, err);
        }
        return herr_set(err, ENOENT, "archive support %s not found (tried %s, %s, %s)",
                        HULL_ARCHIVE_MODULE, paths[0], paths[1], paths[2]);
}

struct unpack_reply {
        int ok;
        struct hull_unpack_result res;
        struct herr err;
};

static __attribute__((noreturn)) void unpack_child(int wfd, int blob_fd, int dest_dirfd)
{
        struct unpack_reply rep = { 0 };
        const struct hull_archive_ops *ops;
        if (archive_ops_get(&ops, &rep.err) == 0 &&
            ops->unpack_layer(blob_fd, dest_dirfd, &rep.res, &rep.err) == 0)
                rep.ok = 1;
        /* Smaller than PIPE_BUF: one write, whole or not at all. */
        _exit(write(wfd, &rep, sizeof rep) == (ssize_t)sizeof rep && rep.ok ? 0 : 1);
}

static int read_reply(int fd, struct unpack_reply *rep)
{
        size_t got = 0;
        while (got < sizeof *rep) {
                ssize_t n = read(fd, (char *)rep + got, sizeof *rep - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                got += (size_t)n;
        }
        return 0;
}

static int wait_child(pid_t pid, struct herr *err)
{
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return herr_set(err, errno, "waiting for the unpacking process");
        if (WIFSIGNALED(status))
                return herr_set(err, 0, "unpacking process killed by signal %d (%s)", WTERMSIG(status),
                                strsignal(WTERMSIG(status)));
        return 0;
}

int archive_unpack_layer(int blob_fd, int dest_dirfd, struct hull_unpack_result *ret, struct herr *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return herr_set(err, errno, "creating pipe");
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(p[0]);
                close(p[1]);
                return herr_set(err, e, "forking to unpack");
        }
        if (pid == 0) {
                close(p[0]);
                unpack_child(p[1], blob_fd, dest_dirfd);
        }
        close(p[1]);
        _cleanup_close_ int rfd = p[0];
        struct unpack_reply rep;
        int r = read_reply(rfd, &rep);
        if (wait_child(pid, err) < 0)
                return -1;
        if (r < 0)
                return herr_set(err, 0, "unpacking process exited without a result");
        if (!rep.ok) {
                *err = rep.err;
                return err->errnum > 0 ? -err->errnum : -1;
        }
        *ret = rep.res;
        return 0;
}
