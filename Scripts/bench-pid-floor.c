/* The floor for `sockwatch --pid P` in Scripts/bench: the least a sock_diag lister can do for one process.
 *
 *   gcc -O2 -pthread -o bench-pid-floor Scripts/bench-pid-floor.c && ./bench-pid-floor PID [THREADS]
 *
 * sock_diag has no request by process or by inode, so a lister that shows one process's TCP sockets without
 * walking the host's whole table does, for each descriptor of the process:
 *   readlinkat(/proc/PID/fd, N)            which descriptors are sockets, and their inodes;
 *   pidfd_getfd, getsockname, getpeername,  the socket's addresses, from a duplicate of the descriptor;
 *   close
 *   one lookup (an inet_diag_req_v2 with     the socket's state and queues, as a dump would give them;
 *   the exact id), 512 per sendmsg, and
 *   the reply's recv
 * This program does exactly that on THREADS threads (default 2, each with its own netlink socket and a share
 * of the descriptors), checks each reply's inode, decodes nothing else, prints nothing but the count of
 * sockets found (to stderr). It assumes every socket is TCP (as `sockwatch -t` does).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#define BATCH 512

static int fd_dir, pidfd;
static int *fds;
static size_t fd_count;

struct share {
    size_t begin, end;
    long found;
};

struct lookup {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
};

/* Sends `n` lookups in one sendmsg and reads their replies; returns how many found their socket. */
static long lookup_batch(int nl, struct lookup *out, const unsigned *inodes, int n, unsigned seq) {
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(nl, out, (size_t)n * sizeof *out, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        perror("bench-pid-floor: sendto");
        exit(1);
    }
    static __thread char buf[16 * 1024] __attribute__((aligned(NLMSG_ALIGNTO)));
    long found = 0;
    for (int pending = n; pending > 0;) {
        ssize_t got = recv(nl, buf, sizeof buf, MSG_DONTWAIT);
        if (got < 0) {
            if (errno == EINTR || errno == ENOBUFS) continue;
            if (errno == EAGAIN) break; /* every reply was queued before sendmsg returned */
            perror("bench-pid-floor: recv");
            exit(1);
        }
        int left = (int)got;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
            pending--;
            unsigned i = h->nlmsg_seq - seq;
            if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || i >= (unsigned)n) continue;
            const struct inet_diag_msg *m = NLMSG_DATA(h);
            if (m->idiag_inode == inodes[i]) found++;
        }
    }
    return found;
}

static void *run(void *arg) {
    struct share *share = arg;
    int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0) {
        perror("bench-pid-floor: socket");
        exit(1);
    }
    /* Room in the receive queue for a whole batch of replies (about 1.2 KiB each). */
    int rcvbuf = BATCH * 2048;
    setsockopt(nl, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    static __thread struct lookup out[BATCH];
    unsigned inodes[BATCH];
    unsigned seq = 1;
    int n = 0;
    for (size_t k = share->begin; k < share->end; k++) {
        char name[16], link[64];
        snprintf(name, sizeof name, "%d", fds[k]);
        ssize_t len = readlinkat(fd_dir, name, link, sizeof link - 1);
        if (len < 9 || memcmp(link, "socket:[", 8) != 0) continue;
        link[len] = 0;
        unsigned inode = (unsigned)strtoul(link + 8, NULL, 10);

        int dup = (int)syscall(SYS_pidfd_getfd, pidfd, fds[k], 0);
        if (dup < 0) continue;
        struct sockaddr_in6 local, peer;
        socklen_t llen = sizeof local, plen = sizeof peer;
        memset(&peer, 0, sizeof peer);
        int ok = getsockname(dup, (struct sockaddr *)&local, &llen) == 0;
        getpeername(dup, (struct sockaddr *)&peer, &plen); /* ENOTCONN for a listener: peer stays zero */
        close(dup);
        if (!ok || (local.sin6_family != AF_INET && local.sin6_family != AF_INET6)) continue;

        struct lookup *l = &out[n];
        memset(l, 0, sizeof *l);
        l->nlh.nlmsg_len = sizeof *l;
        l->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        l->nlh.nlmsg_flags = NLM_F_REQUEST;
        l->nlh.nlmsg_seq = seq + (unsigned)n;
        l->req.sdiag_family = (unsigned char)local.sin6_family;
        l->req.sdiag_protocol = IPPROTO_TCP;
        l->req.idiag_states = ~0U;
        l->req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
        l->req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
        if (local.sin6_family == AF_INET) {
            const struct sockaddr_in *a = (const void *)&local, *b = (const void *)&peer;
            l->req.id.idiag_sport = a->sin_port;
            l->req.id.idiag_dport = b->sin_port;
            memcpy(l->req.id.idiag_src, &a->sin_addr, 4);
            memcpy(l->req.id.idiag_dst, &b->sin_addr, 4);
        } else {
            l->req.id.idiag_sport = local.sin6_port;
            l->req.id.idiag_dport = peer.sin6_port;
            memcpy(l->req.id.idiag_src, &local.sin6_addr, 16);
            memcpy(l->req.id.idiag_dst, &peer.sin6_addr, 16);
        }
        inodes[n++] = inode;
        if (n == BATCH) {
            share->found += lookup_batch(nl, out, inodes, n, seq);
            seq += BATCH;
            n = 0;
        }
    }
    if (n > 0) share->found += lookup_batch(nl, out, inodes, n, seq);
    close(nl);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: bench-pid-floor PID [THREADS]\n");
        return 2;
    }
    int pid = atoi(argv[1]);
    int threads = argc == 3 ? atoi(argv[2]) : 2;
    if (threads < 1 || threads > 64) threads = 2;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", pid);
    fd_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd_dir < 0 || pidfd < 0) {
        perror("bench-pid-floor: open");
        return 1;
    }
    /* The descriptor numbers, from getdents64 of /proc/PID/fd. */
    size_t capacity = 1024;
    fds = malloc(capacity * sizeof *fds);
    DIR *dir = fdopendir(dup(fd_dir));
    for (struct dirent *e; dir && (e = readdir(dir));) {
        if (e->d_name[0] == '.') continue;
        if (fd_count == capacity) fds = realloc(fds, (capacity *= 2) * sizeof *fds);
        fds[fd_count++] = atoi(e->d_name);
    }
    if (dir) closedir(dir);

    pthread_t tids[64];
    struct share shares[64];
    for (int t = 0; t < threads; t++) {
        shares[t] = (struct share){fd_count * (size_t)t / (size_t)threads, fd_count * (size_t)(t + 1) / (size_t)threads, 0};
        if (t > 0) pthread_create(&tids[t], NULL, run, &shares[t]);
    }
    run(&shares[0]);
    long found = shares[0].found;
    for (int t = 1; t < threads; t++) {
        pthread_join(tids[t], NULL);
        found += shares[t].found;
    }
    fprintf(stderr, "%ld\n", found);
    return 0;
}
