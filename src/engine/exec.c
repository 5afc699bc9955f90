/* hull exec: the container's config and state -> the process to run ->
 * runtime (rt_exec) -> the foreground relay, or nothing with -d. */
#include "engine/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"
#include "base/strv.h"
#include "engine/options.h"
#include "engine/tty_relay.h"
#include "engine/user.h"
#include "runtime/exec.h"

int container_check_running(struct container *c, struct herr *err)
{
        container_state_refresh(c);
        switch (c->state.status) {
        case CTR_RUNNING:
                return 0;
        case CTR_PAUSED:
                return herr_set(err, 0, "container %.12s is paused, unpause the container first", c->id);
        case CTR_RESTARTING:
                return herr_set(err, 0, "container %.12s is restarting, wait until the container is running",
                                c->id);
        default:
                return herr_set(err, 0, "container %.12s is not running", c->id);
        }
}

int container_pid1_open(const struct container *c, struct herr *err)
{
        int fd = (int)syscall(SYS_pidfd_open, c->state.pid, 0);
        /* Checked after the pidfd exists: if the start time still matches,
         * the pidfd is of that very process. */
        if (fd < 0 || !proc_alive(c->state.pid, c->state.pid_start)) {
                closep(&fd);
                return herr_set(err, 0, "container %.12s is not running", c->id);
        }
        return fd;
}

/* A file of the container's own, read through its PID 1's root with every
 * symlink kept inside; NULL content when there is no such regular file. */
static int read_in_root(int rootfd, const char *path, char **ret, struct herr *err)
{
        struct open_how how = {
                .flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        struct stat st;
        *ret = NULL;
        _cleanup_close_ int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
        /* A FIFO or a device planted there must not hang or feed hull. */
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (16 << 20))
                return 0;
        return read_fd(fd, ret, NULL, err) < 0 ? herr_wrap(err, "reading the container's %s", path) : 0;
}

/* -u against the container's /etc/passwd and /etc/group as they are now
 * (the image's, plus what the container changed).  *ret_base_home: the
 * home of the container's own user, which the run put in HOME. */
static int resolve_user(const struct container *c, int pid1fd, const char *spec, uid_t base_uid,
                        struct user_info *ret, char **ret_base_home, struct herr *err)
{
        _cleanup_free_ char *root = xasprintf("/proc/%d/root", (int)c->state.pid);
        _cleanup_free_ char *passwd = NULL, *group = NULL, *base = xasprintf("%u", (unsigned)base_uid);
        _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        /* Still the same PID 1 after the open: the pid was not recycled. */
        if (rootfd < 0 || syscall(SYS_pidfd_send_signal, pid1fd, 0, NULL, 0) < 0)
                return herr_set(err, 0, "container %.12s is not running", c->id);
        if (read_in_root(rootfd, "/etc/passwd", &passwd, err) < 0 ||
            read_in_root(rootfd, "/etc/group", &group, err) < 0)
                return -1;
        struct user_info b;
        if (user_resolve(base, passwd, group, &b, err) < 0)
                return -1;
        *ret_base_home = TAKE_PTR(b.home);
        user_info_free(&b);
        return user_resolve(spec, passwd, group, ret, err);
}

/* Docker's: the container's environment, TERM for a terminal, HOME of
 * another user, then --env-file and -e. */
static int exec_env(const struct exec_opts *o, const struct rt_process *base, const struct user_info *u,
                    const char *base_home, char ***ret, struct herr *err)
{
        _cleanup_strv_ char **env = strv_dup(base->env);
        if (!env)
                return herr_set(err, ENOMEM, "environment");
        if (o->tty && !env_get(env, "TERM"))
                env_set(&env, "TERM=xterm");
        /* HOME follows -u, unless it is not the one the run derived from
         * the container's user (the image or -e set it). */
        const char *home = env_get(env, "HOME");
        if (u && (!home || (base_home && !strcmp(home, base_home)))) {
                _cleanup_free_ char *h = xasprintf("HOME=%s", u->home);
                env_set(&env, h);
        }
        if (env_apply_flags(&env, o->env_files, o->env, err) < 0)
                return -1;
        *ret = TAKE_PTR(env);
        return 0;
}

/* --privileged: every capability hull holds, in every set but ambient
 * (as the container's own with --privileged). */
static void privileged_caps(struct rt_process *p)
{
        uint64_t all = 0;
        for (int cap = 0; cap <= rt_cap_last(); cap++)
                if (rt_cap_held(cap))
                        all |= 1ULL << cap;
        p->has_caps = 1;
        p->caps[RT_CAP_BOUNDING] = p->caps[RT_CAP_EFFECTIVE] = p->caps[RT_CAP_PERMITTED] = all;
        p->caps[RT_CAP_INHERITABLE] = p->caps[RT_CAP_AMBIENT] = 0;
}

/* What the exec'd process owns beyond the borrowed parts of the spec's. */
struct exec_proc {
        struct rt_process p;
        char **env;
        struct user_info user;
        char *base_home;
};

static void exec_proc_free(struct exec_proc *x)
{
        strv_free(x->env);
        user_info_free(&x->user);
        free(x->base_home);
}

static int build_process(const struct exec_opts *o, const struct container *c, const struct oci_spec *spec,
                         int pid1fd, struct exec_proc *x, struct herr *err)
{
        struct rt_process *p = &x->p;
        *p = spec->process;
        p->args = o->cmd;
        p->cwd = o->workdir ? (char *)o->workdir : spec->process.cwd;
        p->terminal = o->tty && !o->detach;
        p->console_rows = p->console_cols = 0;
        if (p->terminal) {
                struct winsize ws = { 0 };
                ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
                p->console_rows = ws.ws_row;
                p->console_cols = ws.ws_col;
        }
        if (o->user) {
                if (resolve_user(c, pid1fd, o->user, spec->process.uid, &x->user, &x->base_home, err) < 0)
                        return -1;
                p->uid = x->user.uid;
                p->gid = x->user.gid;
                p->additional_gids = x->user.gids;
                p->n_additional_gids = x->user.n_gids;
        }
        if (o->privileged)
                privileged_caps(p);
        if (exec_env(o, &spec->process, o->user ? &x->user : NULL, x->base_home, &x->env, err) < 0)
                return -1;
        p->env = x->env;
        return 0;
}

static int check_opts(const struct exec_opts *o, struct herr *err)
{
        if (!o->cmd || !o->cmd[0] || !o->cmd[0][0])
                return herr_set(err, 0, "no command specified");
        if (o->workdir && o->workdir[0] != '/')
                return herr_set(err, 0, "the working directory '%s' is invalid, it needs to be an absolute path",
                                o->workdir);
        return 0;
}

static int exec_detached(const struct oci_spec *spec, const struct rt_process *p, struct rt_exec_opts *ro,
                         struct herr *err)
{
        _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0)
                return herr_set(err, errno, "opening /dev/null");
        ro->stdio[0] = ro->stdio[1] = ro->stdio[2] = null;
        struct rt_container rc;
        if (rt_exec(spec, p, ro, &rc, err) < 0)
                return -1;
        /* Nobody waits: once hull exits, whoever inherits it reaps it. */
        rt_release(&rc);
        return 0;
}

static int exec_foreground(const struct oci_spec *spec, const struct rt_process *p, int interactive,
                           struct rt_exec_opts *ro, int *ret_status, struct herr *err)
{
        sigset_t old;
        _cleanup_close_ int null = interactive ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int sfd = relay_signals(&old, err);
        struct term_state term = { 0 };
        struct rt_container rc;
        if (sfd < 0)
                return -1;
        ro->stdio[0] = interactive ? STDIN_FILENO : null;
        ro->stdio[1] = STDOUT_FILENO;
        ro->stdio[2] = STDERR_FILENO;
        int r = rt_exec(spec, p, ro, &rc, err);
        if (r == 0) {
                if (rc.pty_master >= 0 && interactive && isatty(STDIN_FILENO))
                        term_raw(&term, STDIN_FILENO);
                relay_run(&rc, interactive, sfd);
                r = rt_wait(&rc, err);
                term_restore(&term);
                if (r >= 0) {
                        *ret_status = r;
                        r = 0;
                }
                rt_release(&rc);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

static void container_closep(struct container *c)
{
        container_close(c);
}

int engine_exec(const struct engine_ctx *ctx, const char *ref, const struct exec_opts *o, int *ret_status,
                struct herr *err)
{
        __attribute__((cleanup(container_closep))) struct container c = CONTAINER_INIT;
        _cleanup_json_ json_t *config = NULL;
        _cleanup_spec_ struct oci_spec *spec = NULL;
        _cleanup_free_ char *cache = xasprintf("%s/cache/seccomp", ctx->root);
        *ret_status = 0;
        if (check_opts(o, err) < 0 || container_open(ctx, ref, &c, err) < 0 || container_check_running(&c, err) < 0)
                return -1;
        if (container_spec_load(&c, &config, err) < 0 || rt_spec_parse(config, c.dir, &spec, err) < 0)
                return -1;
        _cleanup_close_ int pid1fd = container_pid1_open(&c, err);
        if (pid1fd < 0)
                return -1;
        struct exec_proc x = { 0 };
        int r = build_process(o, &c, spec, pid1fd, &x, err);
        struct rt_exec_opts ro = { .pid1fd = pid1fd, .seccomp_cache_dir = cache };
        if (r == 0)
                r = o->detach ? exec_detached(spec, &x.p, &ro, err)
                              : exec_foreground(spec, &x.p, o->interactive, &ro, ret_status, err);
        exec_proc_free(&x);
        return r;
}
