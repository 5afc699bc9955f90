#include "base/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

pid_t fork_tied(int *ret_fd, struct herr *err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return herr_set(err, errno, "creating a pipe");
        fflush(NULL);   /* the child must not write our buffered output twice */
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(p[0]);
                close(p[1]);
                return herr_set(err, e, "forking");
        }
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(1);       /* we died before the line above took effect */
                close(p[0]);
                *ret_fd = p[1];
                return 0;
        }
        close(p[1]);
        *ret_fd = p[0];
        return pid;
}
