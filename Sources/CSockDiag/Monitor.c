#include "CSockDiag.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

// MARK: - Multicast listener

int csd_monitor_open(uint32_t groups, int rcvbuf) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
    if (fd < 0) return -errno;
    struct sockaddr_nl local = { .nl_family = AF_NETLINK };
    if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) { int e = errno; close(fd); return -e; }
    if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    for (int group = 1; group <= 32; group++) {
        if (!(groups & (1u << (group - 1)))) continue;
        if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
            int e = errno; close(fd); return -e;
        }
    }
    return fd;
}

int csd_monitor_rcvbuf(int fd) {
    int size = 0;
    socklen_t len = sizeof(size);
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0) return -errno;
    return size;
}

ssize_t csd_monitor_recv(int fd, void *buf, size_t len) {
    ssize_t n;
    do {
        n = recv(fd, buf, len, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

// MARK: - SOCK_DESTROY

int csd_sock_destroy(int fd, uint32_t seq, uint8_t family, uint8_t protocol, const struct inet_diag_sockid *id) {
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } msg;
    memset(&msg, 0, sizeof(msg));
    msg.nlh.nlmsg_len = sizeof(msg);
    msg.nlh.nlmsg_type = SOCK_DESTROY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    msg.nlh.nlmsg_seq = seq;
    msg.req.sdiag_family = family;
    msg.req.sdiag_protocol = protocol;
    msg.req.idiag_states = ~0u;
    msg.req.id = *id;

    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    ssize_t sent;
    do {
        sent = sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel));
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return -errno;

    // The answer is one NLMSG_ERROR (0 for success); skip anything of another sequence.
    char buf[8192] __attribute__((aligned(4)));
    for (;;) {
        // The descriptor is non-blocking: wait for the answer (the kernel answers at once; 5 s is a safety net).
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int ready;
        do {
            ready = poll(&pfd, 1, 5000);
        } while (ready < 0 && errno == EINTR);
        if (ready < 0) return -errno;
        if (ready == 0) return -ETIMEDOUT;
        ssize_t n = csd_monitor_recv(fd, buf, sizeof(buf));
        if (n == -EAGAIN) continue;
        if (n < 0) return (int)n;
        if (n == 0) return -EPIPE;
        size_t left = (size_t)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_seq != seq) continue;
            if (h->nlmsg_type == NLMSG_ERROR) {
                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int))) return -EBADMSG;
                const struct nlmsgerr *err = NLMSG_DATA(h);
                return err->error;
            }
        }
    }
}
