/* Loading hull-archive.so on first use (why: see archive_module.h). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/proc.h"
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

/* The reply of a child: its error, then res_size bytes of result. */
struct reply_head {
        int ok;
        struct herr err;
};

static __attribute__((noreturn)) void call_child(int wfd, archive_child_fn fn, void *arg, void *res, size_t res_size)
{
        struct reply_head h = { 0 };
        const struct hull_archive_ops *ops;
        if (archive_ops_get(&ops, &h.err) == 0 && fn(ops, arg, res, &h.err) == 0)
                h.ok = 1;
        int bad = fd_write_all(wfd, &h, sizeof h) < 0 || (res_size && fd_write_all(wfd, res, res_size) < 0);
        _exit(!bad && h.ok ? 0 : 1);
}

static int wait_child(pid_t pid, struct herr *err)
{
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return herr_set(err, errno, "waiting for the archive process");
        if (WIFSIGNALED(status))
                return herr_set(err, 0, "archive process killed by signal %d (%s)", WTERMSIG(status),
                                strsignal(WTERMSIG(status)));
        return 0;
}

static int cmp_int(const void *a, const void *b)
{
        return *(const int *)a - *(const int *)b;
}

/* Close every fd but stdio and keep[]: a child that reads a pipe must not
 * hold the write end of another child's pipe, or that child never sees
 * its end of input. */
static void close_all_but(const int *keep, size_t n)
{
        int k[9];
        size_t m = 0;
        for (size_t i = 0; i < n && m < ARRAY_SIZE(k); i++)
                if (keep[i] > 2)
                        k[m++] = keep[i];
        qsort(k, m, sizeof *k, cmp_int);
        unsigned from = 3;
        for (size_t i = 0; i < m; i++) {
                if ((unsigned)k[i] > from)
                        syscall(SYS_close_range, from, (unsigned)k[i] - 1, 0);
                from = (unsigned)k[i] + 1;
        }
        syscall(SYS_close_range, from, ~0U, 0);
}

int archive_start(archive_child_fn fn, void *arg, void *res, size_t res_size, const int *keep, size_t n_keep,
                  struct archive_job *job, struct herr *err)
{
        int fd;
        pid_t pid = fork_tied(&fd, err);
        if (pid < 0)
                return herr_wrap(err, "archive work");
        if (pid == 0) {
                if (keep) {
                        int all[8 + 1];
                        size_t m = 0;
                        for (size_t i = 0; i < n_keep && m < ARRAY_SIZE(all) - 1; i++)
                                all[m++] = keep[i];
                        all[m++] = fd;
                        close_all_but(all, m);
                }
                call_child(fd, fn, arg, res, res_size);
        }
        *job = (struct archive_job){ .pid = pid, .reply = fd, .res = res, .res_size = res_size };
        return 0;
}

int archive_finish(struct archive_job *job, struct herr *err)
{
        struct reply_head h;
        _cleanup_close_ int rfd = TAKE_FD(job->reply);
        int r = fd_read_all(rfd, &h, sizeof h);
        if (r == 0 && job->res_size && fd_read_all(rfd, job->res, job->res_size) < 0 && h.ok)
                r = -1;
        pid_t pid = job->pid;
        job->pid = 0;
        if (wait_child(pid, err) < 0)
                return -1;
        if (r < 0)
                return herr_set(err, 0, "archive process exited without a result");
        if (!h.ok) {
                *err = h.err;
                return err->errnum > 0 ? -err->errnum : -1;
        }
        return 0;
}

void archive_kill(struct archive_job *job)
{
        if (job->pid <= 0)
                return;
        kill(job->pid, SIGKILL);
        while (waitpid(job->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        job->pid = 0;
        if (job->reply >= 0)
                close(job->reply);
        job->reply = -1;
}

int archive_call(archive_child_fn fn, void *arg, void *res, size_t res_size, struct herr *err)
{
        struct archive_job job;
        if (archive_start(fn, arg, res, res_size, NULL, 0, &job, err) < 0)
                return -1;
        return archive_finish(&job, err);
}

struct unpack_args {
        int blob_fd, dest_dirfd;
        struct hull_unpack_opts o;
};

static int unpack_fn(const struct hull_archive_ops *ops, void *arg, void *res, struct herr *err)
{
        struct unpack_args *a = arg;
        return ops->unpack_layer(a->blob_fd, a->dest_dirfd, &a->o, res, err);
}

int archive_unpack_layer(int blob_fd, int dest_dirfd, struct hull_unpack_result *ret, struct herr *err)
{
        struct unpack_args a = { blob_fd, dest_dirfd, { .tee_fd = -1 } };
        return archive_call(unpack_fn, &a, ret, sizeof *ret, err);
}

int archive_unpack_layer_start(int in_fd, int tee_fd, int dest_dirfd, struct hull_unpack_result *ret,
                               struct archive_job *job, struct herr *err)
{
        /* The child has its own copy of a: it was forked after a was set. */
        struct unpack_args a = { in_fd, dest_dirfd, { .tee_fd = tee_fd } };
        const int keep[] = { in_fd, tee_fd, dest_dirfd };
        return archive_start(unpack_fn, &a, ret, sizeof *ret, keep, ARRAY_SIZE(keep), job, err);
}

struct tree_args {
        int dirfd, out_fd;
        unsigned flags;
};

static int tree_fn(const struct hull_archive_ops *ops, void *arg, void *res, struct herr *err)
{
        struct tree_args *a = arg;
        return ops->tar_tree(a->dirfd, a->out_fd, a->flags, res, err);
}

int archive_tar_tree(int dirfd, int out_fd, unsigned flags, struct hull_tar_result *ret, struct herr *err)
{
        struct tree_args a = { dirfd, out_fd, flags };
        return archive_call(tree_fn, &a, ret, sizeof *ret, err);
}

struct members_args {
        int out_fd;
        const struct hull_tar_member *m;
        size_t n;
};

static int members_fn(const struct hull_archive_ops *ops, void *arg, void *res, struct herr *err)
{
        struct members_args *a = arg;
        return ops->tar_members(a->out_fd, a->m, a->n, err);
}

int archive_tar_members(int out_fd, const struct hull_tar_member *m, size_t n, struct herr *err)
{
        struct members_args a = { out_fd, m, n };
        return archive_call(members_fn, &a, NULL, 0, err);
}

struct decompress_args {
        int in_fd, out_fd;
};

static int decompress_fn(const struct hull_archive_ops *ops, void *arg, void *res, struct herr *err)
{
        struct decompress_args *a = arg;
        return ops->decompress(a->in_fd, a->out_fd, err);
}

int archive_decompress(int in_fd, int out_fd, struct herr *err)
{
        struct decompress_args a = { in_fd, out_fd };
        return archive_call(decompress_fn, &a, NULL, 0, err);
}
