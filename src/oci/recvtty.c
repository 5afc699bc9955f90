/* Test helper (not installed): the console-socket end of hull-runtime,
 * as conmon or containerd's shim would be.  Listens on SOCKET, takes one
 * pty master over SCM_RIGHTS, writes INPUT to it (if given) and copies
 * what the container writes to stdout until it closes its terminal.
 *
 *   hull-recvtty SOCKET [INPUT] &   then   hull-runtime create --console-socket SOCKET ... */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int recv_fd(int conn)
{
        char data[256];
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
        if (recvmsg(conn, &msg, 0) < 0)
                return -1;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_type != SCM_RIGHTS)
                return -1;
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
        return fd;
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: hull-recvtty SOCKET [INPUT]\n");
                return 2;
        }
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[1]);
        int l = socket(AF_UNIX, SOCK_STREAM, 0);
        unlink(argv[1]);
        if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0) {
                perror("hull-recvtty: listen");
                return 1;
        }
        /* Bounded: a test that never connects must not hang forever. */
        struct pollfd p = { .fd = l, .events = POLLIN };
        if (poll(&p, 1, 30000) <= 0) {
                fprintf(stderr, "hull-recvtty: nobody connected\n");
                return 1;
        }
        int conn = accept(l, NULL, NULL);
        int master = conn >= 0 ? recv_fd(conn) : -1;
        if (master < 0) {
                perror("hull-recvtty: receiving the terminal");
                return 1;
        }
        if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0)
                perror("hull-recvtty: write");
        char buf[4096];
        for (;;) {
                struct pollfd m = { .fd = master, .events = POLLIN };
                if (poll(&m, 1, 30000) <= 0)
                        break;
                ssize_t n = read(master, buf, sizeof buf);
                if (n <= 0)
                        break;      /* EIO: the last slave fd closed */
                if (write(1, buf, (size_t)n) < 0)
                        break;
        }
        return 0;
}
