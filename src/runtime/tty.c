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

struct pty {
        int master, slave;
        char name[64];
};

static void pty_close(struct pty *t)
{
        closep(&t->master);
        closep(&t->slave);
}

/* A pty of the devpts instance that /dev/ptmx reaches: the container's
 * own, once we are in its mount namespace. */
static int pty_open(const struct rt_process *p, struct pty *t, struct herr *err)
{
        t->master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (t->master < 0)
                return herr_set(err, errno, "opening /dev/ptmx");
        if (unlockpt(t->master) < 0)
                return herr_set(err, errno, "unlocking the pty");
        if (ptsname_r(t->master, t->name, sizeof t->name) != 0)
                return herr_set(err, errno, "naming the pty");
        t->slave = open(t->name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (t->slave < 0)
                return herr_set(err, errno, "opening %s", t->name);
        if (p->console_rows && p->console_cols) {
                struct winsize ws = { .ws_row = p->console_rows, .ws_col = p->console_cols };
                ioctl(t->slave, TIOCSWINSZ, &ws);
        }
        return 0;
}

/* Hand the master to the runtime, make the slave our controlling
 * terminal (we lead a new session) and our stdio. */
static int pty_attach(const struct pty *t, int sync_fd, struct herr *err)
{
        if (sync_send(sync_fd, SYNC_PTY, NULL, t->master) < 0)
                return herr_set(err, errno, "sending the pty");
        if (ioctl(t->slave, TIOCSCTTY, 0) < 0)
                return herr_set(err, errno, "making %s the controlling terminal", t->name);
        for (int i = 0; i < 3; i++)
                if (dup2(t->slave, i) < 0)
                        return herr_set(err, errno, "attaching the pty");
        return 0;
}

int rt_tty_setup(const struct rt_process *p, int sync_fd, struct herr *err)
{
        __attribute__((cleanup(pty_close))) struct pty t = { .master = -1, .slave = -1 };
        if (pty_open(p, &t, err) < 0)
                return -1;
        int cfd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (cfd >= 0)
                close(cfd);
        if (rt_bind_over(t.name, "/dev/console", 0, err) < 0)
                return herr_wrap(err, "binding the pty to /dev/console");
        return pty_attach(&t, sync_fd, err);
}

int rt_tty_setup_exec(const struct rt_process *p, int sync_fd, struct herr *err)
{
        __attribute__((cleanup(pty_close))) struct pty t = { .master = -1, .slave = -1 };
        if (pty_open(p, &t, err) < 0)
                return -1;
        return pty_attach(&t, sync_fd, err);
}
