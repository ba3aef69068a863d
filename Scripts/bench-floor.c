/* The floor for Scripts/bench: the least a sock_diag socket lister can do.
 *
 *   gcc -O2 -o bench-floor Scripts/bench-floor.c && ./bench-floor [-i]
 *
 * Dumps every TCP socket (IPv4, then IPv6, every connection state) with SOCK_DIAG_BY_FAMILY inet_diag_req_v2
 * requests, receives into one 64 KiB buffer until NLMSG_DONE, counts the messages and prints the count
 * to stderr. No decoding, no output. With -i the requests also ask for tcp_info (INET_DIAG_INFO).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

static long dump(int fd, int family, int info) {
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } msg;
    memset(&msg, 0, sizeof msg);
    msg.nlh.nlmsg_len = sizeof msg;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.nlh.nlmsg_seq = (unsigned)family;
    msg.req.sdiag_family = (unsigned char)family;
    msg.req.sdiag_protocol = IPPROTO_TCP;
    /* TCP_ESTABLISHED (1) .. TCP_NEW_SYN_RECV (12): the states `ss -a` and `sockwatch -a` ask for. Not ~0:
     * bit 13 is TCP_BOUND_INACTIVE (Linux 6.8+), which makes the kernel also walk the bind hash (~30 ms
     * per family at 200k sockets) for sockets no lister here shows. */
    msg.req.idiag_states = 0x1FFEU;
    msg.req.idiag_ext = info ? 1U << (INET_DIAG_INFO - 1) : 0;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &msg, sizeof msg, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        perror("bench-floor: sendto");
        return -1;
    }
    static char buf[64 * 1024] __attribute__((aligned(NLMSG_ALIGNTO)));
    long count = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("bench-floor: recv");
            return -1;
        }
        int left = (int)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            if (h->nlmsg_type == NLMSG_DONE) return count;
            if (h->nlmsg_type == NLMSG_ERROR) {
                fprintf(stderr, "bench-floor: netlink error for family %d\n", family);
                return -1;
            }
            count++;
        }
    }
}

int main(int argc, char **argv) {
    int info = argc > 1 && strcmp(argv[1], "-i") == 0;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        perror("bench-floor: socket");
        return 1;
    }
    long v4 = dump(fd, AF_INET, info);
    long v6 = v4 < 0 ? -1 : dump(fd, AF_INET6, info);
    if (v6 < 0) return 1;
    fprintf(stderr, "%ld\n", v4 + v6);
    return 0;
}
