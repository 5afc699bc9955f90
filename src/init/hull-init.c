/* hull-init: a minimal PID 1 for containers started with `hull run --init`.
 *
 *   hull-init [--] CMD [ARGS...]
 *
 * It runs CMD as its only direct child and then does the two jobs a real init
 * does for the processes below it:
 *
 *  - reaps zombies: orphans in the PID namespace are reparented to PID 1, and
 *    nobody else will ever wait() for them;
 *  - forwards signals: the kernel drops signals sent to PID 1 from inside its
 *    namespace unless PID 1 handles them, so a plain `sleep` as PID 1 ignores
 *    SIGTERM; we receive every catchable signal and pass it on to CMD.
 *
 * When CMD exits, hull-init exits with CMD's status (128+N if CMD was killed
 * by signal N), which also tears down whatever is left in the namespace.
 *
 * Design: process groups are left alone. CMD stays in our process group and
 * session, so it keeps the terminal foreground if we had it, and job-control
 * shells can still set up their own groups. Signals are received synchronously
 * with sigwaitinfo(), so there are no handlers and no async-signal-safety
 * concerns. Plain libc only: this is linked statically and runs in any image.
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "hull-init"

/* Signals raised synchronously by a fault in our own code: leave them
 * unblocked so a bug in hull-init crashes loudly instead of hanging. */
static const int fault_signals[] = {
	SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS,
};

static void build_waited_set(sigset_t *ret_set)
{
	sigfillset(ret_set);
	for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++)
		sigdelset(ret_set, fault_signals[i]);
}

/* Map a wait status to a shell-style exit code. */
static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static _Noreturn void exec_child(char **argv, const sigset_t *orig_mask)
{
	/* CMD starts like a process in a fresh container: default dispositions
	 * (an ignored SIGINT inherited from whoever started us would otherwise
	 * survive execve and make CMD deaf to the SIGINT we forward) and the
	 * signal mask we were started with. */
	for (int sig = 1; sig < NSIG; sig++)
		(void) signal(sig, SIG_DFL); /* EINVAL for KILL, STOP, libc-internal */
	sigprocmask(SIG_SETMASK, orig_mask, NULL);
	execvp(argv[0], argv);
	int err = errno;
	dprintf(STDERR_FILENO, PROG ": exec %s: %s\n", argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* Reap every child that has exited. Returns true, with *ret_code set, once
 * the main child is among them. */
static bool reap_children(pid_t main_child, int *ret_code)
{
	bool found = false;

	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid == 0)
			break;          /* children left, none exited yet */
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;          /* ECHILD: nobody left */
		}
		if (pid == main_child) {
			*ret_code = exit_code_of(status);
			found = true;
		}
	}
	return found;
}

/* The terminal sends these to the whole foreground process group (Ctrl-C,
 * Ctrl-\, Ctrl-Z, a resize), so they already reached the child if it is still
 * in our group; forwarding would deliver them twice. A hangup is different:
 * the kernel sends SIGHUP only to the session leader, so it is forwarded. */
static bool child_already_got_it(const siginfo_t *si, pid_t child)
{
	switch (si->si_signo) {
	case SIGINT: case SIGQUIT: case SIGTSTP: case SIGWINCH:
		return si->si_code == SI_KERNEL && getpgid(child) == getpgrp();
	default:
		return false;
	}
}

static void forward_signal(const siginfo_t *si, pid_t child)
{
	if (si->si_signo == SIGTTIN || si->si_signo == SIGTTOU)
		return;         /* about our own terminal access, not CMD's */
	if (child_already_got_it(si, child))
		return;
	/* ESRCH just means the child is exiting; its SIGCHLD is on its way. */
	if (kill(child, si->si_signo) < 0 && errno != ESRCH)
		dprintf(STDERR_FILENO, PROG ": forward signal %d: %s\n",
			si->si_signo, strerror(errno));
}

static _Noreturn void supervise(pid_t child, const sigset_t *waited)
{
	for (;;) {
		siginfo_t si;
		int code = 1;

		if (sigwaitinfo(waited, &si) < 0) {
			if (errno == EINTR)
				continue;
			dprintf(STDERR_FILENO, PROG ": sigwaitinfo: %s\n", strerror(errno));
			exit(1);
		}
		if (si.si_signo != SIGCHLD)
			forward_signal(&si, child);
		else if (reap_children(child, &code))
			exit(code);
	}
}

int main(int argc, char **argv)
{
	char **cmd = argv + 1;
	sigset_t waited, orig_mask;
	pid_t child;

	if (argc > 1 && strcmp(cmd[0], "--") == 0)
		cmd++;
	if (cmd[0] == NULL) {
		dprintf(STDERR_FILENO, "usage: " PROG " [--] CMD [ARGS...]\n");
		return 2;
	}

	/* With SIGCHLD ignored, the kernel would reap children itself and we
	 * would never learn the main child's status. */
	signal(SIGCHLD, SIG_DFL);

	/* Block before fork so no signal slips through between fork and the
	 * first sigwaitinfo(); they stay pending until we collect them. */
	build_waited_set(&waited);
	if (sigprocmask(SIG_BLOCK, &waited, &orig_mask) < 0) {
		dprintf(STDERR_FILENO, PROG ": sigprocmask: %s\n", strerror(errno));
		return 1;
	}

	/* Outside a PID namespace (or when nested under another init), still
	 * adopt our orphaned descendants so they get reaped here. */
	if (getpid() != 1)
		(void) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* best effort */

	child = fork();
	if (child < 0) {
		dprintf(STDERR_FILENO, PROG ": fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0)
		exec_child(cmd, &orig_mask);

	supervise(child, &waited);
}
