#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/json.h"

static const char *const kinds[] = {
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static int check_strings(json_t *h, const char *kind, size_t i, const char *key, struct herr *err)
{
        json_t *a = json_object_get(h, key);
        size_t k;
        json_t *v;
        if (!a || json_is_null(a))
                return 0;
        if (!json_is_array(a))
                return herr_set(err, 0, "hooks.%s[%zu].%s: expected an array of strings", kind, i, key);
        json_array_foreach(a, k, v) if (!json_is_string(v))
                return herr_set(err, 0, "hooks.%s[%zu].%s[%zu]: expected a string", kind, i, key, k);
        return 0;
}

int rt_hooks_check(json_t *hooks, struct herr *err)
{
        if (!hooks || json_is_null(hooks))
                return 0;
        if (!json_is_object(hooks))
                return herr_set(err, 0, "hooks: expected an object");
        for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
                json_t *list = json_object_get(hooks, kinds[k]), *h;
                size_t i;
                if (list && !json_is_array(list) && !json_is_null(list))
                        return herr_set(err, 0, "hooks.%s: expected an array", kinds[k]);
                json_array_foreach(list, i, h) {
                        const char *path = json_str(h, "path");
                        if (!path || path[0] != '/')
                                return herr_set(err, 0, "hooks.%s[%zu].path: must be an absolute path", kinds[k], i);
                        json_t *t = json_object_get(h, "timeout");
                        if (t && !json_is_null(t) && (!json_is_integer(t) || json_integer_value(t) <= 0))
                                return herr_set(err, 0, "hooks.%s[%zu].timeout: must be a positive integer",
                                                kinds[k], i);
                        if (check_strings(h, kinds[k], i, "args", err) < 0 ||
                            check_strings(h, kinds[k], i, "env", err) < 0)
                                return -1;
                }
        }
        return 0;
}

int rt_hooks_has(json_t *hooks, const char *kind)
{
        return json_array_size(json_object_get(hooks, kind)) > 0;
}

static _Noreturn void hook_child(json_t *h, int in)
{
        _cleanup_strv_ char **args = NULL, **env = NULL;
        struct herr ignored;
        if (dup2(in, 0) < 0 || dup2(2, 1) < 0)
                _exit(127);
        if (json_strv(h, "args", &args, &ignored) < 0 || json_strv(h, "env", &env, &ignored) < 0)
                _exit(127);
        const char *path = json_str(h, "path");
        char *argv0[] = { (char *)path, NULL };
        execve(path, args && args[0] ? args : argv0, env);
        _exit(127);
}

/* The status of pid, or -1 after timeout_ms (then it is killed). */
static int wait_hook(pid_t pid, int pidfd, int timeout_ms, int *ret_status)
{
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int r;
        do
                r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r == 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, ret_status, 0) < 0 && errno == EINTR)
                ;
        return r == 0 ? -1 : 0;
}

static int run_one(json_t *h, const char *kind, size_t i, const char *state, struct herr *err)
{
        const char *path = json_str(h, "path");
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return herr_set(err, errno, "hook %s[%zu] %s", kind, i, path);
        pid_t pid = fork();
        if (pid == 0) {
                close(pipefd[1]);
                hook_child(h, pipefd[0]);
        }
        close(pipefd[0]);
        _cleanup_close_ int w = pipefd[1];
        if (pid < 0)
                return herr_set(err, errno, "hook %s[%zu] %s", kind, i, path);
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        /* A hook that does not read its stdin must not block us: the
         * state is far below a pipe's buffer, and EPIPE is ignored. */
        sighandler_t old = signal(SIGPIPE, SIG_IGN);
        ssize_t n = write(w, state, strlen(state));
        (void)n;
        signal(SIGPIPE, old);
        close(TAKE_FD(w));
        json_t *t = json_object_get(h, "timeout");
        int timeout_ms = json_is_integer(t) ? (int)json_integer_value(t) * 1000 : -1;
        int status = 0;
        if (wait_hook(pid, pidfd, pidfd >= 0 ? timeout_ms : -1, &status) < 0)
                return herr_set(err, 0, "hook %s[%zu] %s: timed out after %ds", kind, i, path, timeout_ms / 1000);
        if (WIFSIGNALED(status))
                return herr_set(err, 0, "hook %s[%zu] %s: killed by signal %d", kind, i, path, WTERMSIG(status));
        if (WEXITSTATUS(status))
                return herr_set(err, 0, "hook %s[%zu] %s: exit status %d", kind, i, path, WEXITSTATUS(status));
        return 0;
}

int rt_hooks_run(json_t *hooks, const char *kind, const char *state, struct herr *err)
{
        json_t *list = json_object_get(hooks, kind), *h;
        size_t i;
        json_array_foreach(list, i, h) if (run_one(h, kind, i, state, err) < 0)
                return -1;
        return 0;
}

char *rt_state_json(const struct oci_spec *s, const char *id, const char *status, pid_t pid)
{
        json_t *ann = json_object_get(s->json, "annotations");
        ann = json_is_object(ann) ? json_incref(ann) : json_object();
        _cleanup_json_ json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:o}", "ociVersion", "1.0.2", "id",
                                             id ? id : "", "status", status, "pid", (int)pid, "bundle",
                                             s->bundle ? s->bundle : "", "annotations", ann);
        char *out = j ? json_dumps(j, JSON_COMPACT) : NULL;
        return out ? out : xstrdup("{}");
}
