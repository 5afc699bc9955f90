/* Paying the v1 attach's RCU grace period early, off the critical path.
 *
 * Moving a process into a v1 cgroup (a write to cgroup.procs) takes the
 * kernel's cgroup_threadgroup_rwsem for writing.  That per-CPU rwsem's
 * writer first waits for an RCU grace period (rcu_sync_enter) unless
 * another writer went through less than about a grace period ago — here
 * 6 to 15 ms of a 20 ms `hull run -d`, spent doing nothing.  v2 hosts never
 * pay it: clone3(CLONE_INTO_CGROUP) places the child without a migration.
 *
 * So on hosts with v1 hierarchies the engine calls rt_cgroup_warm() as
 * soon as it knows it will start a container: a short-lived child process
 * writes its own pid into the cgroup.procs it is already in.  The
 * migration is a no-op, but the grace period it waits for overlaps the
 * image lookup, the config generation and the fork of the monitor, and the
 * real attach a few milliseconds later finds the rwsem still in its
 * writer-friendly state.  A child process, not a thread: the container's
 * init is made by a raw clone3(), which would inherit any libc lock a
 * thread held at that moment.  Nothing depends on the child; a failure is
 * only a missed optimisation. */
#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"

#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"

/* Our own cgroup in the v1 hierarchy h, from /proc/self/cgroup
 * ("ID:CONTROLLERS:PATH" lines; CONTROLLERS are the hierarchy's options). */
static int own_path(const struct cg_hier *h, char *out, size_t size)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        char line[1024];
        while (f && fgets(line, sizeof line, f)) {
                char *ctrls = strchr(line, ':');
                char *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
                if (!path)
                        continue;
                *path++ = '\0';
                if (strcmp(ctrls + 1, h->opts) != 0)
                        continue;
                path[strcspn(path, "\n")] = '\0';
                return snprintf(out, size, "%s", path) < (int)size ? 0 : -1;
        }
        return -1;
}

pid_t rt_cgroup_warm(void)
{
        struct herr err;
        const struct cg_host *host = cg_host_get(&err);
        if (!host || (host->mode != RT_CGROUP_V1 && host->mode != RT_CGROUP_HYBRID))
                return -1;
        const struct cg_hier *h = NULL;
        for (size_t i = 0; i < host->n && !h; i++)
                if (!host->h[i].v2 && host->h[i].ctrls)
                        h = &host->h[i];
        char path[512];
        if (!h || own_path(h, path, sizeof path) < 0)
                return -1;
        char procs[1024];
        if (snprintf(procs, sizeof procs, "%s%s/cgroup.procs", h->mnt, path) >= (int)sizeof procs)
                return -1;
        int fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                char buf[16];
                int n = snprintf(buf, sizeof buf, "%d", (int)getpid());
                _exit(write(fd, buf, (size_t)n) == n ? 0 : 1);
        }
        close(fd);
        return pid;
}

void rt_cgroup_warm_end(pid_t pid)
{
        if (pid > 0)
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
}
