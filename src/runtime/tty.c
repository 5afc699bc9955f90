#include "runtime/tty.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "runtime/mounts.h"
#include "runtime/sync.h"

int rt_tty_setup(const struct rt_process *p, int sync_fd, struct herr *err)
{
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return herr_set(err, errno, "opening /dev/ptmx");
        if (unlockpt(master) < 0)
                return herr_set(err, errno, "unlocking the pty");
        char name[64];
        if (ptsname_r(master, name, sizeof name) != 0)
                return herr_set(err, errno, "naming the pty");
        _cleanup_close_ int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return herr_set(err, errno, "opening %s", name);
        if (p->console_rows && p->console_cols) {
                struct winsize ws = { .ws_row = p->console_rows, .ws_col = p->console_cols };
                ioctl(slave, TIOCSWINSZ, &ws);
        }
        int cfd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (cfd >= 0)
                close(cfd);
        if (rt_bind_over(name, "/dev/console", 0, err) < 0)
                return herr_wrap(err, "binding the pty to /dev/console");
        if (sync_send(sync_fd, SYNC_PTY, NULL, master) < 0)
                return herr_set(err, errno, "sending the pty");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return herr_set(err, errno, "making %s the controlling terminal", name);
        for (int i = 0; i < 3; i++)
                if (dup2(slave, i) < 0)
                        return herr_set(err, errno, "attaching the pty");
        return 0;
}
