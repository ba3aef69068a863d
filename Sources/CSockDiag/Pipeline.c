#define _GNU_SOURCE
#include "CSockDiag.h"
#include "csd_socket.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

// MARK: - Pipelined dump
//
// The kernel builds a dump's next datagram inside recvmsg(), after copying out the current one: the dump's
// whole cost is paid in the receiving thread. Receiving on a second thread into a small ring of buffers lets
// that work run on one core while the caller decodes and formats on the other, so a listing takes about
// max(kernel, user) instead of their sum.

#define CSD_RING 8

// A consumer asleep on an empty ring is woken once this many datagrams wait (or the dump ends), not at each:
// the consumer decodes faster than the kernel dumps, so it empties the ring and sleeps again and again, and
// every wake-up is a futex call that the receiving thread, the one bounding the listing's time, pays.
#define CSD_WAKE_BATCH 4

struct csd_pipeline {
    pthread_mutex_t lock;
    pthread_cond_t filled;         // the consumer waits for a datagram
    pthread_cond_t freed;          // the receiver waits for a free slot
    _Atomic unsigned head, tail;   // slots filled / consumed so far (head - tail in flight)
    size_t len[CSD_RING];
    _Atomic int ended;             // the receiver stopped (after the dump's last datagram, or an error)
    int status;                    // its reason: 0 for the dump's end, or -errno (written before `ended`)
    int finished;                  // it received the dump's last datagram (written before `ended`)
    _Atomic int stop;              // the consumer needs no more
    _Atomic int consumer_waits;    // the consumer sleeps on `filled`: the receiver must signal
    _Atomic int receiver_waits;    // the receiver sleeps on `freed`
    int wake;                      // eventfd: interrupts a receiver waiting in poll() when the consumer stops
    int fd;
    uint32_t seq;
    unsigned char *bufs;           // CSD_RING * CSD_RECV_SIZE
};

void csd_pipeline_free(struct csd_pipeline *p) {
    if (!p) return;
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->filled);
    pthread_cond_destroy(&p->freed);
    close(p->wake);
    free(p->bufs);
    free(p);
}

static struct csd_pipeline *csd_pipeline_make(int fd) {
    struct csd_pipeline *p = calloc(1, sizeof(*p));
    if (!p) return NULL;
    p->bufs = malloc((size_t)CSD_RING * CSD_RECV_SIZE);
    p->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!p->bufs || p->wake < 0) {
        free(p->bufs);
        if (p->wake >= 0) close(p->wake);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->filled, NULL);
    pthread_cond_init(&p->freed, NULL);
    p->fd = fd;
    return p;
}

/// Whether the datagram ends the dump for `seq`, by the rules the Swift walker (`NetlinkBatch.walk`) applies:
/// `NLMSG_DONE`, an `NLMSG_ERROR` that is not an acknowledgement, `NLMSG_OVERRUN`, or malformed bytes.
int csd_batch_is_last(const unsigned char *buf, size_t len, uint32_t seq) {
    size_t offset = 0;
    while (offset < len) {
        size_t left = len - offset;
        if (left < sizeof(struct nlmsghdr)) return 1;
        struct nlmsghdr header;
        memcpy(&header, buf + offset, sizeof(header));
        if (header.nlmsg_len < sizeof(struct nlmsghdr) || header.nlmsg_len > left) return 1;
        const unsigned char *payload = buf + offset + NLMSG_HDRLEN;
        size_t payload_len = header.nlmsg_len - NLMSG_HDRLEN;
        offset += NLMSG_ALIGN(header.nlmsg_len);
        if (header.nlmsg_seq != seq) continue;
        switch (header.nlmsg_type) {
        case NLMSG_DONE:
        case NLMSG_OVERRUN:
            return 1;
        case NLMSG_ERROR: {
            if (payload_len < sizeof(int32_t)) return 1;
            int32_t code;
            memcpy(&code, payload, sizeof(code));
            if (code != 0) return 1;
            break;
        }
        default:
            break;
        }
    }
    return 0;
}

/// One datagram into `buf`, waiting in poll() so that a stopping consumer can interrupt the wait.
static ssize_t csd_pipeline_recv(struct csd_pipeline *p, unsigned char *buf) {
    for (;;) {
        ssize_t n = recv(p->fd, buf, CSD_RECV_SIZE, MSG_DONTWAIT);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
        struct pollfd fds[2] = { { .fd = p->fd, .events = POLLIN }, { .fd = p->wake, .events = POLLIN } };
        if (poll(fds, 2, -1) < 0 && errno != EINTR) return -errno;
        if (fds[1].revents & POLLIN) return -ECANCELED;
    }
}

// Waiting spins this many rounds before sleeping: the other side usually moves on within them (the ring is
// rarely empty or full for long), and every sleep costs the other thread a futex wake.
#define CSD_SPINS 2000

#if defined(__x86_64__) || defined(__i386__)
#define csd_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define csd_relax() __asm__ __volatile__("yield")
#else
#define csd_relax() ((void)0)
#endif

/// Waits until `*counter` differs from `seen` or `*flag` is set; sleeps on `cond` after a short spin.
/// The other side changes the counter or flag, then signals only when `*waits` is set (all seq_cst, so a
/// sleeper is never missed).
static void csd_wait(struct csd_pipeline *p, _Atomic unsigned *counter, unsigned seen, _Atomic int *flag,
                     _Atomic int *waits, pthread_cond_t *cond) {
    for (int i = 0; i < CSD_SPINS; i++) {
        if (atomic_load(counter) != seen || atomic_load(flag)) return;
        csd_relax();
    }
    pthread_mutex_lock(&p->lock);
    atomic_store(waits, 1);
    while (atomic_load(counter) == seen && !atomic_load(flag)) pthread_cond_wait(cond, &p->lock);
    atomic_store(waits, 0);
    pthread_mutex_unlock(&p->lock);
}

/// Wakes the other side if it sleeps on `cond`; called after changing what it waits for.
static void csd_wake(struct csd_pipeline *p, _Atomic int *waits, pthread_cond_t *cond) {
    if (!atomic_load(waits)) return;
    pthread_mutex_lock(&p->lock);
    pthread_cond_signal(cond);
    pthread_mutex_unlock(&p->lock);
}

static void *csd_pipeline_receive(void *arg) {
    struct csd_pipeline *p = arg;
    int status = 0;
    for (;;) {
        // Checked first: a consumer that stops with the ring full never frees a slot, and csd_wait returns
        // at once on `stop`; checked after the full-ring wait, this loop would spin forever.
        if (atomic_load(&p->stop)) break;
        unsigned head = atomic_load(&p->head);
        unsigned tail = atomic_load(&p->tail);
        if (head - tail == CSD_RING) {
            csd_wait(p, &p->tail, tail, &p->stop, &p->receiver_waits, &p->freed);
            continue;
        }

        unsigned slot = head % CSD_RING;
        unsigned char *buf = p->bufs + (size_t)slot * CSD_RECV_SIZE;
        ssize_t n = csd_pipeline_recv(p, buf);
        if (n < 0) { status = (int)n; break; }
        if (n == 0) { status = -EPIPE; break; }
        int last = csd_batch_is_last(buf, (size_t)n, p->seq);

        p->len[slot] = (size_t)n;
        atomic_store(&p->head, head + 1);
        // Every path still wakes it: the batch fills up, or the ring does (the batch is at most the ring),
        // or the dump ends below (`ended`).
        if (last || head + 1 - atomic_load(&p->tail) >= CSD_WAKE_BATCH)
            csd_wake(p, &p->consumer_waits, &p->filled);
        if (last) { p->finished = 1; break; }
    }
    p->status = status;
    atomic_store(&p->ended, 1);
    csd_wake(p, &p->consumer_waits, &p->filled);
    return NULL;
}

int csd_run_pipelined(struct csd_socket *sock, uint32_t seq, csd_batch_fn fn, void *ctx) {
    if (!sock->pipeline) {
        sock->pipeline = csd_pipeline_make(mnl_socket_get_fd(sock->nl));
        if (!sock->pipeline) return CSD_NOT_PIPELINED;
    }
    struct csd_pipeline *p = sock->pipeline;
    uint64_t drained;
    while (read(p->wake, &drained, sizeof(drained)) > 0) {}
    atomic_store(&p->head, 0);
    atomic_store(&p->tail, 0);
    atomic_store(&p->ended, 0);
    atomic_store(&p->stop, 0);
    p->status = 0;
    p->finished = 0;
    p->seq = seq;

    // Signals stay with the caller's threads: the receiver blocks them all.
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, csd_pipeline_receive, p);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (rc != 0) return CSD_NOT_PIPELINED;  // (a thread limit, say): nothing was received

    int result;
    for (unsigned tail = 0;; ) {
        if (atomic_load(&p->head) == tail) {
            if (atomic_load(&p->ended)) {
                // The head is final once `ended` is set: nothing left, and `fn` never saw the dump's end.
                if (atomic_load(&p->head) != tail) continue;
                result = p->status < 0 ? p->status : -EPIPE;
                break;
            }
            csd_wait(p, &p->head, tail, &p->ended, &p->consumer_waits, &p->filled);
            continue;
        }
        unsigned slot = tail % CSD_RING;
        int verdict = fn(p->bufs + (size_t)slot * CSD_RECV_SIZE, p->len[slot], ctx);
        atomic_store(&p->tail, ++tail);
        csd_wake(p, &p->receiver_waits, &p->freed);
        if (verdict < 0) { result = verdict; break; }
        if (verdict == CSD_BATCH_DONE) { result = 0; break; }
    }

    atomic_store(&p->stop, 1);
    csd_wake(p, &p->receiver_waits, &p->freed);
    uint64_t one = 1;
    (void)!write(p->wake, &one, sizeof(one));
    pthread_join(thread, NULL);
    // Stopped early (the caller threw): the kernel still runs the dump and would refuse the next request
    // with EBUSY; the next request drains it first.
    if (!p->finished) sock->unfinished_seq = seq;
    return result;
}
