#ifndef CSOCKDIAG_H
#define CSOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/unix_diag.h>
#include <linux/netlink_diag.h>
#include <linux/packet_diag.h>
#include <linux/vm_sockets_diag.h>

// MARK: - Netlink macros Swift cannot import

static inline uint32_t CSockDiag_NLMSG_ALIGN(uint32_t len) { return NLMSG_ALIGN(len); }
static inline uint32_t CSockDiag_NLMSG_HDRLEN(void) { return NLMSG_HDRLEN; }
static inline uint32_t CSockDiag_NLA_ALIGN(uint32_t len) { return NLA_ALIGN(len); }
static inline uint32_t CSockDiag_NLA_HDRLEN(void) { return NLA_HDRLEN; }
static inline uint16_t CSockDiag_NLA_TYPE_MASK(void) { return (uint16_t)(NLA_TYPE_MASK & 0xFFFF); }
/// The extension bit that asks for attribute `type` (`1 << (type - 1)`), as `idiag_ext` wants it.
static inline uint8_t CSockDiag_ext_bit(uint16_t type) { return (uint8_t)(1u << (type - 1)); }

// MARK: - The dump

/// An open `NETLINK_SOCK_DIAG` socket with its receive buffer. Opaque to Swift.
typedef struct csd_socket csd_socket;

/// Opens a `NETLINK_SOCK_DIAG` socket; NULL with `errno` set on failure.
csd_socket *csd_open(void);
/// Opens a `NETLINK_SOCK_DIAG` socket inside the network namespace `nsfd` names (a netlink socket answers for
/// the namespace it was created in). A short-lived thread enters the namespace; the caller's stays as it is.
/// NULL with `errno` set on failure (EPERM without CAP_SYS_ADMIN, EINVAL when `nsfd` is not a network namespace).
csd_socket *csd_open_in(int nsfd);
/// The namespace inode behind `path` when it is an nsfs file (`/proc/PID/ns/net`, a mounted `/run/netns/NAME`):
/// 0, or `-errno` (`-EINVAL` when the file is not a namespace).
int csd_nsfs_inode(const char *path, uint64_t *inode);
/// `open(path, O_RDONLY|O_CLOEXEC)` from a short-lived thread inside the network namespace `nsfd`, so that
/// `/proc/thread-self/net/...` names that namespace's tables. -1 with `errno` set on failure.
int csd_open_file_in(int nsfd, const char *path);
void csd_close(csd_socket *sock);
/// Whether dumps are received on a second thread (the default) or on the caller's (a test's choice; a dump
/// also falls back to the caller's thread when no thread can be started).
void csd_set_pipelined(csd_socket *sock, int on);
/// The sequence number of the request sent last.
uint32_t csd_last_seq(const csd_socket *sock);

/// What a batch callback tells the dump loop.
enum {
    CSD_BATCH_DONE = 0,      // NLMSG_DONE seen, or the consumer wants no more
    CSD_BATCH_CONTINUE = 1,  // receive the next batch
};

/// Receives one datagram of netlink messages. Returns `CSD_BATCH_*`, or `-errno` to abort the dump.
typedef int (*csd_batch_fn)(const void *buf, size_t len, void *ctx);

/// One `SOCK_DIAG_BY_FAMILY` request for `AF_INET`/`AF_INET6`. The kernel struct is `inet_diag_req_v2`.
///
/// With `family` `AF_UNSPEC` (TCP only) the dump goes out as the kernel's compatibility request
/// `TCPDIAG_GETSOCK` (`inet_diag_req`), which the kernel runs with an unspecified family: one walk of the
/// TCP tables answers for IPv4 and IPv6 together, where two `SOCK_DIAG_BY_FAMILY` dumps walk them twice.
/// Its replies carry type `TCPDIAG_GETSOCK` and the same `inet_diag_msg`.
typedef struct csd_inet_request {
    uint8_t family;           // AF_INET, AF_INET6, or AF_UNSPEC for both (TCP only)
    uint8_t protocol;         // IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE...
    uint8_t ext;              // idiag_ext: 1 << (INET_DIAG_x - 1)
    uint32_t states;          // idiag_states: 1 << TCP_x
    const void *bytecode;     // INET_DIAG_REQ_BYTECODE payload, or NULL
    uint32_t bytecode_len;
    /// When nonzero, sent as `INET_DIAG_REQ_PROTOCOL` (for protocols above 255: MPTCP); `protocol` is then 0.
    uint32_t protocol_attr;
    /// `sdiag_raw_protocol` for raw_diag: the protocol to list, or IPPROTO_RAW (255) for every raw socket.
    uint8_t raw_protocol;
    /// Nonzero ports (host order) go into the request's `id.idiag_sport`/`idiag_dport`: the kernel
    /// then skips sockets with another local/remote port before it runs the bytecode or builds a message.
    uint16_t dump_sport;
    uint16_t dump_dport;
} csd_inet_request;

/// The reply type of a dump sent with `family` `AF_UNSPEC` (`TCPDIAG_GETSOCK`).
static inline uint16_t CSockDiag_TCPDIAG_GETSOCK(void) { return TCPDIAG_GETSOCK; }

/// Sends the dump `req` and hands every received batch to `fn` until it returns `CSD_BATCH_DONE`; the batches
/// are received on a second thread (Pipeline.c). Returns 0, or `-errno` (from send/recv, or from `fn`).
/// `EINTR` is retried here. Lookups by `id` are `csd_inet_lookup_many`'s.
int csd_inet_dump(csd_socket *sock, const csd_inet_request *req, csd_batch_fn fn, void *ctx);

/// Any other `SOCK_DIAG_BY_FAMILY` dump: the family's request struct as bytes (`unix_diag_req`,
/// `netlink_diag_req`, `packet_diag_req`, `vsock_diag_req`), always with `NLM_F_DUMP`.
int csd_family_dump(csd_socket *sock, const void *header, uint32_t header_len, csd_batch_fn fn, void *ctx);

// MARK: - Many lookups

/// One socket to look up by its addresses, without dumping the table. The kernel struct is `inet_diag_req_v2`
/// with an exact `id` and no `NLM_F_DUMP`; every state is accepted.
typedef struct csd_inet_lookup {
    uint8_t family;           // AF_INET or AF_INET6
    uint8_t protocol;         // IPPROTO_TCP, IPPROTO_UDP...
    uint8_t ext;              // idiag_ext: 1 << (INET_DIAG_x - 1)
    /// When nonzero, sent as `INET_DIAG_REQ_PROTOCOL` (protocols above 255: MPTCP); `protocol` is then 0.
    uint32_t protocol_attr;
    struct inet_diag_sockid id;
} csd_inet_lookup;

/// Receives the answer to `lookups[index]`: the reply's payload (an `inet_diag_msg` and its attributes, valid
/// only during the call) with `error` 0, or no payload and the kernel's errno (`ENOENT`: no such socket).
/// Returns 0 to go on, or `-errno` to stop.
typedef int (*csd_lookup_fn)(size_t index, const void *payload, size_t len, int error, void *ctx);

/// Looks up `count` sockets, many per sendmsg: each lookup is its own message with its own sequence number,
/// and each reply is matched to its lookup by that number. Batches are sized so that their replies fit the
/// receive queue; lookups whose replies were dropped anyway (`ENOBUFS`) are sent again. Every lookup gets one
/// call of `fn`, in no promised order. Returns 0, or `-errno` (send/recv, `-ENOBUFS` when replies kept being
/// dropped, or what `fn` returned).
int csd_inet_lookup_many(csd_socket *sock, const csd_inet_lookup *lookups, size_t count, csd_lookup_fn fn,
                         void *ctx);

// MARK: - Another process's descriptors

/// `pidfd_open(2)`: a descriptor for `pid`, or -1 with `errno` set. (A syscall glibc's Swift module lacks.)
int csd_pidfd_open(int pid);
/// `pidfd_getfd(2)`: a duplicate of `fd` in the process behind `pidfd`, close-on-exec; -1 with `errno` set.
/// Needs ptrace rights over that process (root, or the same user without Yama restrictions).
int csd_pidfd_getfd(int pidfd, int fd);

// MARK: - tcp_info, described from <linux/tcp.h> (which Swift must not import)

/// One field of `struct tcp_info`: where it is and how wide.
typedef struct csd_field {
    const char *name;   // the kernel's name without `tcpi_`
    uint16_t offset;    // byte offset in the struct
    uint8_t size;       // 1, 2, 4 or 8 bytes
    uint8_t shift;      // for bitfields: the low bit inside the byte
    uint8_t bits;       // for bitfields: the width; 0 for whole fields
} csd_field;

// F(name) is a whole field; B(name, byte, shift, bits) a bitfield at a byte offset checked in the .c file.
#define CSD_TCP_INFO_FIELDS(F, B) \
    F(state) F(ca_state) F(retransmits) F(probes) F(backoff) F(options) \
    B(snd_wscale, 6, 0, 4) B(rcv_wscale, 6, 4, 4) \
    B(delivery_rate_app_limited, 7, 0, 1) B(fastopen_client_fail, 7, 1, 2) \
    F(rto) F(ato) F(snd_mss) F(rcv_mss) \
    F(unacked) F(sacked) F(lost) F(retrans) F(fackets) \
    F(last_data_sent) F(last_ack_sent) F(last_data_recv) F(last_ack_recv) \
    F(pmtu) F(rcv_ssthresh) F(rtt) F(rttvar) F(snd_ssthresh) F(snd_cwnd) F(advmss) F(reordering) \
    F(rcv_rtt) F(rcv_space) F(total_retrans) \
    F(pacing_rate) F(max_pacing_rate) F(bytes_acked) F(bytes_received) F(segs_out) F(segs_in) \
    F(notsent_bytes) F(min_rtt) F(data_segs_in) F(data_segs_out) F(delivery_rate) \
    F(busy_time) F(rwnd_limited) F(sndbuf_limited) F(delivered) F(delivered_ce) \
    F(bytes_sent) F(bytes_retrans) F(dsack_dups) F(reord_seen) F(rcv_ooopack) F(snd_wnd)

#define CSD_ENUM_F(n) CSD_TCPI_##n,
#define CSD_ENUM_B(n, byte, shift, bits) CSD_TCPI_##n,
/// Index of a field in `csd_tcp_info_fields`.
typedef enum csd_tcpi { CSD_TCP_INFO_FIELDS(CSD_ENUM_F, CSD_ENUM_B) CSD_TCPI_COUNT } csd_tcpi;
#undef CSD_ENUM_F
#undef CSD_ENUM_B

extern const csd_field csd_tcp_info_fields[CSD_TCPI_COUNT];
/// `sizeof(struct tcp_info)` in the headers sockwatch was built with.
extern const uint32_t csd_tcp_info_size;

/// getxattr(2) (glibc's <sys/xattr.h> is not in the Glibc module): lsof's way to name a socket's protocol
/// (`system.sockprotoname`) when no /proc/net table has it.
long csd_getxattr(const char *path, const char *name, void *value, size_t size);

/// eventfd(2) with EFD_CLOEXEC (<sys/eventfd.h> is not in the Glibc module): the tests' anonymous inode.
int csd_eventfd(unsigned int initial);

/// This thread's effective capability set (capget(2), version 3: capabilities 0-63), or -1 with errno. No
/// descriptor is needed, so it answers under a spent descriptor limit.
int csd_effective_capabilities(uint64_t *effective);

#include "CSockDiagMonitor.h"

#endif
