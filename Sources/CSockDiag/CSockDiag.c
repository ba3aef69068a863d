#define _GNU_SOURCE
#include "CSockDiag.h"
#include "csd_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/eventfd.h>
#include <sys/xattr.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/tcp.h>
#include <libmnl/libmnl.h>

// MARK: - tcp_info layout

_Static_assert(offsetof(struct tcp_info, tcpi_options) + 1 == 6, "snd/rcv_wscale byte moved");
_Static_assert(offsetof(struct tcp_info, tcpi_rto) == 8, "delivery_rate_app_limited byte moved");

#define CSD_ROW_F(n) \
    [CSD_TCPI_##n] = { #n, offsetof(struct tcp_info, tcpi_##n), sizeof(((struct tcp_info *)0)->tcpi_##n), 0, 0 },
#define CSD_ROW_B(n, byte, sh, width) [CSD_TCPI_##n] = { #n, byte, 1, sh, width },
const csd_field csd_tcp_info_fields[CSD_TCPI_COUNT] = { CSD_TCP_INFO_FIELDS(CSD_ROW_F, CSD_ROW_B) };
const uint32_t csd_tcp_info_size = sizeof(struct tcp_info);

// MARK: - Socket

csd_socket *csd_open(void) {
    csd_socket *sock = calloc(1, sizeof(*sock));
    if (!sock) return NULL;
    sock->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
    if (!sock->nl) { int e = errno; free(sock); errno = e; return NULL; }
    if (mnl_socket_bind(sock->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno; mnl_socket_close(sock->nl); free(sock); errno = e; return NULL;
    }
    // A larger queue means fewer stalls between the kernel filling and us draining; best effort.
    int rcvbuf = 4 * 1024 * 1024;
    int fd = mnl_socket_get_fd(sock->nl);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sock->seq = (uint32_t)time(NULL);
    sock->pipelined = 1;
    return sock;
}

// MARK: - Network namespaces

// setns(CLONE_NEWNET) changes only the calling thread, so a throwaway thread does the work there.
struct csd_ns_job {
    int nsfd;
    const char *path;      // NULL: open a sock_diag socket
    csd_socket *sock;
    int fd;
    int err;
};

static void *csd_ns_thread(void *arg) {
    struct csd_ns_job *job = arg;
    if (setns(job->nsfd, CLONE_NEWNET) < 0) { job->err = errno; return NULL; }
    if (job->path) {
        job->fd = open(job->path, O_RDONLY | O_CLOEXEC);
        if (job->fd < 0) job->err = errno;
    } else {
        job->sock = csd_open();
        if (!job->sock) job->err = errno;
    }
    return NULL;
}

static int csd_run_in(struct csd_ns_job *job) {
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, csd_ns_thread, job);
    if (rc != 0) { job->err = rc; return -1; }
    pthread_join(thread, NULL);
    return job->err ? -1 : 0;
}

#define CSD_NSFS_MAGIC 0x6e736673

int csd_nsfs_inode(const char *path, uint64_t *inode) {
    struct stat st;
    struct statfs fs;
    if (stat(path, &st) < 0 || statfs(path, &fs) < 0) return -errno;
    if ((unsigned long)fs.f_type != CSD_NSFS_MAGIC) return -EINVAL;
    *inode = (uint64_t)st.st_ino;
    return 0;
}

csd_socket *csd_open_in(int nsfd) {
    if (nsfd < 0) return csd_open();
    struct csd_ns_job job = { .nsfd = nsfd, .path = NULL, .sock = NULL, .fd = -1, .err = 0 };
    if (csd_run_in(&job) < 0) { errno = job.err; return NULL; }
    return job.sock;
}

int csd_open_file_in(int nsfd, const char *path) {
    if (nsfd < 0) return open(path, O_RDONLY | O_CLOEXEC);
    struct csd_ns_job job = { .nsfd = nsfd, .path = path, .sock = NULL, .fd = -1, .err = 0 };
    if (csd_run_in(&job) < 0) { errno = job.err; return -1; }
    return job.fd;
}

void csd_close(csd_socket *sock) {
    if (!sock) return;
    mnl_socket_close(sock->nl);
    csd_pipeline_free(sock->pipeline);
    free(sock);
}

uint32_t csd_last_seq(const csd_socket *sock) { return sock->seq; }

// MARK: - Dump

/// Reads and drops the rest of a dump the caller stopped reading (`unfinished_seq`).
void csd_drain(csd_socket *sock) {
    uint32_t seq = sock->unfinished_seq;
    sock->unfinished_seq = 0;
    for (;;) {
        ssize_t n = csd_monitor_recv(mnl_socket_get_fd(sock->nl), sock->buf, sizeof(sock->buf));
        if (n == -ENOBUFS) continue;  // messages were lost, but the dump goes on
        if (n <= 0) return;  // -EAGAIN: the kernel holds nothing more (the dump ended with its last datagram)
        if (csd_batch_is_last(sock->buf, (size_t)n, seq)) return;
    }
}

void csd_set_pipelined(csd_socket *sock, int on) { sock->pipelined = on; }

/// The next dump's sequence number; never 0, which `unfinished_seq` keeps for "none".
static uint32_t csd_next_seq(csd_socket *sock) {
    if (++sock->seq == 0) ++sock->seq;
    return sock->seq;
}

static int csd_run(csd_socket *sock, const struct nlmsghdr *nlh, csd_batch_fn fn, void *ctx) {
    if (sock->unfinished_seq) csd_drain(sock);
    ssize_t sent;
    do {
        sent = mnl_socket_sendto(sock->nl, nlh, nlh->nlmsg_len);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return -errno;
    uint32_t seq = nlh->nlmsg_seq;
    // A dump is produced inside recvmsg: receive on a second thread so the kernel's work overlaps decoding.
    // (Lookups go through csd_inet_lookup_many, many per send.)
    if (sock->pipelined) {
        int rc = csd_run_pipelined(sock, seq, fn, ctx);
        if (rc != CSD_NOT_PIPELINED) return rc;
    }
    // Here, without a second thread: receive, hand over, repeat.
    for (;;) {
        ssize_t n;
        do {
            n = recv(mnl_socket_get_fd(sock->nl), sock->buf, sizeof(sock->buf), 0);
        } while (n < 0 && errno == EINTR);
        int rc = n < 0 ? -errno : n == 0 ? -EPIPE : 0;
        int last = rc == 0 && csd_batch_is_last(sock->buf, (size_t)n, seq);
        int verdict = rc == 0 ? fn(sock->buf, (size_t)n, ctx) : rc;
        if (verdict < 0 || verdict == CSD_BATCH_DONE) {
            // Stopped before the dump's end: the next request drains it first (as csd_run_pipelined does).
            if (!last) sock->unfinished_seq = seq;
            return verdict < 0 ? verdict : 0;
        }
        if (last) return -EPIPE;  // the dump ended and `fn` never saw its end
    }
}

int csd_inet_dump(csd_socket *sock, const csd_inet_request *req, csd_batch_fn fn, void *ctx) {
    // Header, request and an optional bytecode attribute; bytecode is bounded by the caller.
    size_t request = sizeof(struct inet_diag_req_v2) > sizeof(struct inet_diag_req)
        ? sizeof(struct inet_diag_req_v2) : sizeof(struct inet_diag_req);  // the compatibility request is larger
    size_t need = MNL_NLMSG_HDRLEN + MNL_ALIGN(request)
        + MNL_ATTR_HDRLEN + MNL_ALIGN(req->bytecode_len) + MNL_ATTR_HDRLEN + sizeof(uint32_t);
    if (req->bytecode_len > 0xFFFF - 64) return -EMSGSIZE;
    if (req->family == AF_UNSPEC && (req->protocol != IPPROTO_TCP || req->protocol_attr)) return -EINVAL;
    char *out = calloc(1, need);
    if (!out) return -ENOMEM;

    struct nlmsghdr *nlh = mnl_nlmsg_put_header(out);
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = csd_next_seq(sock);

    struct inet_diag_sockid id = {0};
    id.idiag_sport = htons(req->dump_sport);
    id.idiag_dport = htons(req->dump_dport);
    if (req->family == AF_UNSPEC) {
        // The kernel's compatibility path (inet_diag_dump_compat) dumps with sdiag_family = AF_UNSPEC.
        nlh->nlmsg_type = TCPDIAG_GETSOCK;
        struct inet_diag_req *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
        r->idiag_family = AF_INET;
        r->idiag_ext = req->ext;
        r->idiag_states = req->states;
        r->id = id;
    } else {
        nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
        struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
        r->sdiag_family = req->family;
        r->sdiag_protocol = req->protocol_attr ? 0 : req->protocol;
        r->idiag_ext = req->ext;
        r->pad = req->raw_protocol;  // sdiag_raw_protocol in raw_diag's inet_diag_req_raw
        r->idiag_states = req->states;
        r->id = id;
    }
    if (req->bytecode && req->bytecode_len > 0)
        mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, req->bytecode_len, req->bytecode);
    if (req->protocol_attr) mnl_attr_put_u32(nlh, INET_DIAG_REQ_PROTOCOL, req->protocol_attr);

    int rc = csd_run(sock, nlh, fn, ctx);
    free(out);
    return rc;
}

int csd_family_dump(csd_socket *sock, const void *header, uint32_t header_len, csd_batch_fn fn, void *ctx) {
    if (header_len > 256) return -EMSGSIZE;
    char out[MNL_NLMSG_HDRLEN + 256];
    memset(out, 0, sizeof(out));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(out);
    nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = csd_next_seq(sock);
    void *r = mnl_nlmsg_put_extra_header(nlh, header_len);
    memcpy(r, header, header_len);
    return csd_run(sock, nlh, fn, ctx);
}

// MARK: - Another process's descriptors

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

int csd_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

int csd_pidfd_getfd(int pidfd, int fd) { return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0); }

long csd_getxattr(const char *path, const char *name, void *value, size_t size) {
    return (long)getxattr(path, name, value, size);
}

int csd_eventfd(unsigned int initial) {
    return eventfd(initial, EFD_CLOEXEC);
}

int csd_effective_capabilities(uint64_t *effective) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    *effective = (uint64_t)data[1].effective << 32 | data[0].effective;
    return 0;
}
