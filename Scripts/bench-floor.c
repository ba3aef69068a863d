/* The floor for Scripts/bench: the least a sock_diag socket lister can do.
 *
 *   gcc -O2 -pthread -o bench-floor Scripts/bench-floor.c && ./bench-floor [-i] [--one-walk] [--sport PORT] [--proc]
 *
 * Dumps every TCP socket (IPv4, then IPv6, every connection state) with SOCK_DIAG_BY_FAMILY inet_diag_req_v2
 * requests, receives into one 64 KiB buffer until NLMSG_DONE, counts the messages and prints the count
 * to stderr. No decoding, no output. With -i the requests also ask for tcp_info (INET_DIAG_INFO).
 *
 * --one-walk sends the kernel's compatibility request TCPDIAG_GETSOCK instead, which the kernel dumps with an
 * unspecified family: one walk of the TCP tables for IPv4 and IPv6 together (what sockwatch sends for TCP).
 * --sport PORT puts PORT in the request's id.idiag_sport: the kernel still walks every socket of the tables
 * but builds messages only for that local port (the least a one-port filter can cost).
 *
 * --proc also reads the link of every descriptor of every process (`-p`'s join, the floor of `-tanp`) on a
 * second thread while the dump runs, and on this thread too once it is done: the table's size is fstat of
 * /proc/PID/fd (Linux 6.2+) and its links are read by number until that many are found (the least a
 * lister must read: no directory listing). Prints the link count too. Needs -pthread.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

/* family AF_UNSPEC: both families in one walk (TCPDIAG_GETSOCK). */
static long dump(int fd, int family, int info, int sport) {
    union {
        struct {
            struct nlmsghdr nlh;
            struct inet_diag_req_v2 req;
        } v2;
        struct {
            struct nlmsghdr nlh;
            struct inet_diag_req req;
        } compat;
    } msg;
    memset(&msg, 0, sizeof msg);
    /* TCP_ESTABLISHED (1) .. TCP_NEW_SYN_RECV (12): the states `ss -a` and `sockwatch -a` ask for. Not ~0:
     * bit 13 is TCP_BOUND_INACTIVE (Linux 6.8+), which makes the kernel also walk the bind hash (~30 ms
     * per family at 200k sockets) for sockets no lister here shows. */
    unsigned states = 0x1FFEU;
    unsigned char ext = info ? 1U << (INET_DIAG_INFO - 1) : 0;
    size_t length;
    if (family == AF_UNSPEC) {
        length = sizeof msg.compat;
        msg.compat.nlh.nlmsg_type = TCPDIAG_GETSOCK;
        msg.compat.req.idiag_family = AF_INET;
        msg.compat.req.idiag_states = states;
        msg.compat.req.idiag_ext = ext;
        msg.compat.req.id.idiag_sport = htons((unsigned short)sport);
    } else {
        length = sizeof msg.v2;
        msg.v2.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        msg.v2.req.sdiag_family = (unsigned char)family;
        msg.v2.req.sdiag_protocol = IPPROTO_TCP;
        msg.v2.req.idiag_states = states;
        msg.v2.req.idiag_ext = ext;
        msg.v2.req.id.idiag_sport = htons((unsigned short)sport);
    }
    msg.v2.nlh.nlmsg_len = (unsigned)length;
    msg.v2.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.v2.nlh.nlmsg_seq = (unsigned)family + 1;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &msg, length, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
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

static int *pids;
static int npids;
static atomic_int cursor;
static atomic_long links;

/* Reads every descriptor link of the pids handed out by `cursor`. */
static void *scan(void *unused) {
    (void)unused;
    char path[64], target[128], number[16];
    for (;;) {
        int i = atomic_fetch_add(&cursor, 1);
        if (i >= npids) return NULL;
        snprintf(path, sizeof path, "/proc/%d/fd", pids[i]);
        int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) continue;
        struct stat st;
        long want = fstat(dfd, &st) == 0 ? (long)st.st_size : 0, found = 0;
        for (int fd = 0, misses = 0; found < want && misses < 1024; fd++) {
            snprintf(number, sizeof number, "%d", fd);
            if (readlinkat(dfd, number, target, sizeof target) > 0) {
                found++;
                misses = 0;
            } else {
                misses++;
            }
        }
        close(dfd);
        atomic_fetch_add(&links, found);
    }
}

/* The numeric entries of /proc. */
static void list_pids(void) {
    DIR *proc = opendir("/proc");
    struct dirent *e;
    int cap = 1024;
    pids = malloc(sizeof *pids * (size_t)cap);
    while (proc && (e = readdir(proc))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        if (npids == cap) pids = realloc(pids, sizeof *pids * (size_t)(cap *= 2));
        pids[npids++] = atoi(e->d_name);
    }
    if (proc) closedir(proc);
}

int main(int argc, char **argv) {
    int info = 0, one_walk = 0, sport = 0, proc = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-i") == 0) {
            info = 1;
        } else if (strcmp(argv[i], "--one-walk") == 0) {
            one_walk = 1;
        } else if (strcmp(argv[i], "--proc") == 0) {
            proc = 1;
        } else if (strcmp(argv[i], "--sport") == 0 && i + 1 < argc) {
            sport = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench-floor [-i] [--one-walk] [--sport PORT] [--proc]\n");
            return 2;
        }
    }
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        perror("bench-floor: socket");
        return 1;
    }
    pthread_t reader;
    int started = 0;
    if (proc) {
        list_pids();
        started = pthread_create(&reader, NULL, scan, NULL) == 0;
    }
    long total;
    if (one_walk) {
        total = dump(fd, AF_UNSPEC, info, sport);
    } else {
        long v4 = dump(fd, AF_INET, info, sport);
        long v6 = v4 < 0 ? -1 : dump(fd, AF_INET6, info, sport);
        total = v6 < 0 ? -1 : v4 + v6;
    }
    if (proc) {
        scan(NULL);
        if (started) pthread_join(reader, NULL);
    }
    if (total < 0) return 1;
    if (proc) {
        fprintf(stderr, "%ld %ld\n", total, atomic_load(&links));
    } else {
        fprintf(stderr, "%ld\n", total);
    }
    return 0;
}
