#define _GNU_SOURCE
#include "CSockDiag.h"
#include "csd_socket.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>

// MARK: - Many lookups per send
//
// A lookup (a request with an exact `id` and no NLM_F_DUMP) is answered inside sendmsg(): sock_diag runs each
// message of the buffer in turn and queues one reply datagram per message (the socket's `inet_diag_msg`, or
// NLMSG_ERROR). So many lookups can share one sendmsg, and their replies are all queued when it returns. A
// batch is bounded so that its replies fit the receive queue; a reply the kernel could not queue (the queue was
// full: ENOBUFS on the next recv) is asked again.

/// Receive-queue bytes budgeted per reply: the kernel sizes each reply's buffer for every attribute
/// (`inet_sk_attr_size`) and charges the queue its true size (measured: 1.2 KiB on 6.18); with room to spare.
#define CSD_LOOKUP_REPLY_COST 2048u
/// Lookups per sendmsg at most (80 bytes each at most: 80 KiB, inside the default 208 KiB send buffer).
#define CSD_LOOKUP_BATCH 1024u
/// Times in a row a batch may get no reply at all before the lookups give up.
#define CSD_LOOKUP_RETRIES 3

/// The bytes of one lookup request: header, `inet_diag_req_v2`, an optional `INET_DIAG_REQ_PROTOCOL`.
#define CSD_LOOKUP_REQUEST_SIZE \
    (MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_req_v2)) + MNL_ATTR_HDRLEN + sizeof(uint32_t))

/// Lookups per sendmsg for this socket, worked out from its buffer sizes on the first call (they do not change).
static size_t csd_lookup_batch_size(csd_socket *sock) {
    if (sock->lookup_batch) return sock->lookup_batch;
    int fd = mnl_socket_get_fd(sock->nl);
    // SO_RCVBUF reports what the queue may hold (twice what was set).
    int rcvbuf = csd_monitor_rcvbuf(fd);
    if (rcvbuf <= 0) rcvbuf = 212992;
    int sndbuf = 0;
    socklen_t len = sizeof(sndbuf);
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0 || sndbuf <= 0) sndbuf = 212992;
    size_t by_rcv = (size_t)rcvbuf / CSD_LOOKUP_REPLY_COST;
    // netlink refuses a message longer than the send buffer less 32 bytes.
    size_t by_snd = ((size_t)sndbuf - 64) / CSD_LOOKUP_REQUEST_SIZE;
    size_t n = by_rcv < by_snd ? by_rcv : by_snd;
    if (n > CSD_LOOKUP_BATCH) n = CSD_LOOKUP_BATCH;
    sock->lookup_batch = n > 0 ? n : 1;
    return sock->lookup_batch;
}

/// Appends the request for `l` at `out`; returns its length.
static size_t csd_lookup_put(char *out, const csd_inet_lookup *l, uint32_t seq) {
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(out);
    nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    nlh->nlmsg_seq = seq;
    struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
    r->sdiag_family = l->family;
    r->sdiag_protocol = l->protocol_attr ? 0 : l->protocol;
    r->idiag_ext = l->ext;
    r->idiag_states = ~0u;
    r->id = l->id;
    if (l->protocol_attr) mnl_attr_put_u32(nlh, INET_DIAG_REQ_PROTOCOL, l->protocol_attr);
    return nlh->nlmsg_len;
}

/// Sends the lookups `which[0..<n]` in one sendmsg and hands their replies to `fn`. On return `*left` holds
/// how many got no reply (dropped for want of queue space); they are then the last `*left` of `which`.
static int csd_lookup_batch(csd_socket *sock, const csd_inet_lookup *lookups, size_t *which, size_t n,
                            char *out, unsigned char *answered, csd_lookup_fn fn, void *ctx, size_t *left) {
    uint32_t base = sock->seq + 1;
    sock->seq += (uint32_t)n;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += csd_lookup_put(out + len, &lookups[which[i]], base + (uint32_t)i);
        answered[i] = 0;
    }

    ssize_t sent;
    do {
        sent = mnl_socket_sendto(sock->nl, out, len);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return -errno;

    // Every reply was queued (or dropped) before sendmsg returned: read until the queue is empty.
    size_t pending = n;
    int fd = mnl_socket_get_fd(sock->nl);
    while (pending > 0) {
        ssize_t got = csd_monitor_recv(fd, sock->buf, sizeof(sock->buf));
        if (got == -ENOBUFS) continue;  // some replies were dropped
        if (got == -EAGAIN) break;
        if (got < 0) return (int)got;
        if (got == 0) return -EPIPE;
        size_t offset = 0, total = (size_t)got;
        while (offset < total) {
            size_t room = total - offset;
            if (room < sizeof(struct nlmsghdr)) return -EBADMSG;
            struct nlmsghdr header;
            memcpy(&header, sock->buf + offset, sizeof(header));
            if (header.nlmsg_len < sizeof(struct nlmsghdr) || header.nlmsg_len > room) return -EBADMSG;
            const unsigned char *payload = sock->buf + offset + NLMSG_HDRLEN;
            size_t payload_len = header.nlmsg_len - NLMSG_HDRLEN;
            offset += NLMSG_ALIGN(header.nlmsg_len);

            uint32_t i = header.nlmsg_seq - base;  // wraps to a large number for older sequences
            if (i >= n || answered[i] || header.nlmsg_type == NLMSG_NOOP || header.nlmsg_type == NLMSG_DONE)
                continue;
            int error = 0;
            if (header.nlmsg_type == NLMSG_ERROR) {
                int32_t code = -EBADMSG;
                if (payload_len >= sizeof(code)) memcpy(&code, payload, sizeof(code));
                if (code == 0) continue;  // an acknowledgement: not the answer
                error = code < 0 ? -code : code;
                payload = NULL;
                payload_len = 0;
            } else if (header.nlmsg_type != SOCK_DIAG_BY_FAMILY) {
                error = EPROTO;  // not an answer to a lookup
                payload = NULL;
                payload_len = 0;
            }
            answered[i] = 1;
            pending--;
            int rc = fn(which[i], payload, payload_len, error, ctx);
            if (rc < 0) return rc;
        }
    }

    // The unanswered ones move to the end of `which`, for the caller to send again.
    size_t back = n;
    for (size_t i = n; i-- > 0 && back > n - pending; )
        if (!answered[i]) which[--back] = which[i];
    *left = pending;
    return 0;
}

int csd_inet_lookup_many(csd_socket *sock, const csd_inet_lookup *lookups, size_t count, csd_lookup_fn fn,
                         void *ctx) {
    if (count == 0) return 0;
    if (sock->unfinished_seq) csd_drain(sock);
    size_t batch = csd_lookup_batch_size(sock);
    if (batch > count) batch = count;
    char *out = calloc(batch, CSD_LOOKUP_REQUEST_SIZE);
    size_t *which = malloc(count * sizeof(*which));
    unsigned char *answered = malloc(batch);
    int rc = 0;
    if (!out || !which || !answered) { rc = -ENOMEM; goto done; }
    for (size_t i = 0; i < count; i++) which[i] = i;

    // which[start..<count] are still to be asked.
    int stalls = 0;
    for (size_t start = 0; start < count; ) {
        size_t n = count - start < batch ? count - start : batch;
        size_t left = 0;
        rc = csd_lookup_batch(sock, lookups, which + start, n, out, answered, fn, ctx, &left);
        if (rc < 0) break;
        start += n - left;
        if (left == 0) continue;
        // Replies were dropped: the queue held `n - left` of them; ask the rest in batches that size.
        if (n - left > 0) {
            batch = n - left;
            stalls = 0;
        } else if (++stalls > CSD_LOOKUP_RETRIES) {
            rc = -ENOBUFS;
            break;
        }
    }
done:
    free(out);
    free(which);
    free(answered);
    return rc;
}
