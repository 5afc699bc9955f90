#include "runtime/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sync_send(int fd, int type, const struct herr *e, int pass_fd)
{
        struct sync_msg m = { .type = type };
        if (e)
                m.err = *e;
        struct iovec iov = { .iov_base = &m, .iov_len = sizeof m };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        if (pass_fd >= 0) {
                memset(&u, 0, sizeof u);
                msg.msg_control = u.buf;
                msg.msg_controllen = sizeof u.buf;
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
        }
        ssize_t n;
        do
                n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n == (ssize_t)sizeof m ? 0 : -1;
}

int sync_recv(int fd, struct sync_msg *ret, int *ret_fd, struct herr *err)
{
        memset(ret, 0, sizeof *ret);
        if (ret_fd)
                *ret_fd = -1;
        struct iovec iov = { .iov_base = ret, .iov_len = sizeof *ret };
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf,
        };
        ssize_t n;
        do
                n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return herr_set(err, errno, "reading from the container's set-up");
        if (n == 0) {
                ret->type = 0;
                return 0;
        }
        if (n != (ssize_t)sizeof *ret)
                return herr_set(err, 0, "short message from the container's set-up");
        ret->err.msg[sizeof ret->err.msg - 1] = '\0';
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_type == SCM_RIGHTS) {
                int pfd;
                memcpy(&pfd, CMSG_DATA(c), sizeof pfd);
                if (ret_fd)
                        *ret_fd = pfd;
                else
                        close(pfd);
        }
        return 0;
}
