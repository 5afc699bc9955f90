#include "runtime/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"

int rt_process_limits(const struct rt_process *p, struct herr *err)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
                if (setrlimit(p->rlimits[i].resource, &rl) < 0)
                        return herr_set(err, errno, "setting rlimit %d to %llu:%llu", p->rlimits[i].resource,
                                        (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
        }
        if (p->has_oom_score_adj) {
                _cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                char buf[16];
                int n = snprintf(buf, sizeof buf, "%d", p->oom_score_adj);
                if (fd < 0 || write(fd, buf, (size_t)n) < 0)
                        return herr_set(err, errno, "setting oom_score_adj");
        }
        if (p->has_umask)
                umask(p->umask);
        return 0;
}

int rt_process_user(const struct rt_process *p, struct herr *err)
{
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return herr_set(err, errno, "keeping capabilities");
        if (setgroups(p->n_additional_gids, p->additional_gids) < 0)
                return herr_set(err, errno, "setting supplementary groups");
        if (setresgid(p->gid, p->gid, p->gid) < 0)
                return herr_set(err, errno, "setting gid %u", (unsigned)p->gid);
        if (setresuid(p->uid, p->uid, p->uid) < 0)
                return herr_set(err, errno, "setting uid %u", (unsigned)p->uid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return herr_set(err, errno, "resetting keep-capabilities");
        return 0;
}

int rt_process_cwd(const struct rt_process *p, struct herr *err)
{
        if (chdir(p->cwd) < 0)
                return herr_setc(err, HERR_CANNOT_INVOKE, errno, "working directory %s", p->cwd);
        /* getcwd fails for a directory that is not below our root: the
         * CVE-2024-21626 shape, where a leaked fd let the cwd sit outside. */
        char buf[PATH_MAX];
        if (!getcwd(buf, sizeof buf) || buf[0] != '/')
                return herr_setc(err, HERR_CANNOT_INVOKE, 0, "working directory %s is outside the container",
                                 p->cwd);
        return 0;
}

static const char *env_path(char *const *env)
{
        for (size_t i = 0; env && env[i]; i++)
                if (!strncmp(env[i], "PATH=", 5))
                        return env[i] + 5;
        return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static int exec_error(const char *cmd, int e, struct herr *err)
{
        if (e == ENOENT || e == ENOTDIR)
                return herr_setc(err, HERR_NOT_FOUND, 0, "exec \"%s\": %s", cmd,
                                 strchr(cmd, '/') ? "no such file or directory"
                                                  : "executable file not found in $PATH");
        return herr_setc(err, HERR_CANNOT_INVOKE, e, "exec \"%s\"", cmd);
}

int rt_process_lookup(const struct rt_process *p, struct herr *err)
{
        const char *cmd = p->args[0];
        if (strchr(cmd, '/'))
                return access(cmd, F_OK) == 0 ? 0 : exec_error(cmd, errno, err);
        const char *path = env_path(p->env);
        while (*path) {
                const char *end = strchrnul(path, ':');
                char full[PATH_MAX];
                int n = snprintf(full, sizeof full, "%.*s/%s", (int)(end - path), end == path ? "." : path, cmd);
                if (n > 0 && (size_t)n < sizeof full && access(full, F_OK) == 0)
                        return 0;
                path = *end ? end + 1 : end;
        }
        return exec_error(cmd, ENOENT, err);
}

int rt_process_exec(const struct rt_process *p, struct herr *err)
{
        const char *cmd = p->args[0];
        if (strchr(cmd, '/')) {
                execve(cmd, p->args, p->env);
                return exec_error(cmd, errno, err);
        }
        const char *path = env_path(p->env);
        int seen_eacces = 0, last = ENOENT;
        while (*path) {
                const char *end = strchrnul(path, ':');
                char full[PATH_MAX];
                int n = snprintf(full, sizeof full, "%.*s/%s", (int)(end - path), end == path ? "." : path, cmd);
                if (n > 0 && (size_t)n < sizeof full) {
                        execve(full, p->args, p->env);
                        if (errno == EACCES)
                                seen_eacces = 1;
                        else if (errno != ENOENT && errno != ENOTDIR)
                                last = errno;
                        if (last != ENOENT)
                                break;
                }
                path = *end ? end + 1 : end;
        }
        return exec_error(cmd, seen_eacces && last == ENOENT ? EACCES : last, err);
}
