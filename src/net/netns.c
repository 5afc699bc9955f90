#include "net/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/cleanup.h"

int netns_create(const char *path, struct herr *err)
{
        _cleanup_close_ int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (own < 0)
                return herr_set(err, errno, "opening our network namespace");
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
        if (fd < 0)
                return herr_set(err, errno, "creating %s", path);
        close(fd);
        /* unshare moves this thread only; setns below moves it back, so
         * hull itself never stays in the new namespace. */
        if (unshare(CLONE_NEWNET) < 0) {
                int e = errno;
                unlink(path);
                return herr_set(err, e, "creating a network namespace");
        }
        int r = mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL);
        int e = errno;
        if (setns(own, CLONE_NEWNET) < 0)
                abort();        /* continuing in the wrong namespace would be worse */
        if (r < 0) {
                unlink(path);
                return herr_set(err, e, "binding the network namespace on %s", path);
        }
        return 0;
}

void netns_remove(const char *path)
{
        umount2(path, MNT_DETACH);
        unlink(path);
}

int netns_enter(const char *path, int (*fn)(void *, struct herr *), void *data, struct herr *err)
{
        _cleanup_close_ int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
        if (own < 0 || target < 0)
                return herr_set(err, errno, "opening network namespace %s", path);
        if (setns(target, CLONE_NEWNET) < 0)
                return herr_set(err, errno, "entering network namespace %s", path);
        int r = fn(data, err);
        if (setns(own, CLONE_NEWNET) < 0)
                abort();
        return r;
}
