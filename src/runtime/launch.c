#include "runtime/launch.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "runtime/process.h"

int rt_launch(const struct rt_process *p, const struct rt_bpf *bpf, struct herr *err)
{
        if (rt_caps_bound(p, err) < 0)
                return -1;
        /* Without no_new_privs, installing a filter needs CAP_SYS_ADMIN,
         * which the user switch is about to drop; so install it now. */
        if (bpf->len && !p->no_new_privileges && rt_seccomp_install(bpf, err) < 0)
                return -1;
        if (rt_process_user(p, err) < 0)
                return -1;
        /* Still hull's binary until execve: the user switch made us as
         * dumpable as fs.suid_dumpable says, and on a host where that is
         * 1 a process of the new user could open /proc/PID/exe.  Ignored
         * when a seccomp profile forbids prctl (the default allows it). */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (rt_caps_apply(p, err) < 0)
                return -1;
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return herr_set(err, errno, "setting no_new_privs");
        if (rt_process_cwd(p, err) < 0)
                return -1;
        if (bpf->len && p->no_new_privileges && rt_seccomp_install(bpf, err) < 0)
                return -1;
        return rt_process_exec(p, err);
}

void rt_child_exit(int code)
{
        syscall(SYS_exit_group, code);
        /* A seccomp profile that denies exit_group too leaves a trap:
         * the signal ends the process where a libc _exit (or a
         * sanitizer's) would spin. */
        __builtin_trap();
}

void rt_reset_signals(void)
{
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
}
