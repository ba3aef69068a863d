// Private to the shim: the layout behind the opaque `csd_socket`, shared by CSockDiag.c and Pipeline.c.
#ifndef CSD_SOCKET_H
#define CSD_SOCKET_H

#include <stdint.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

// The kernel never sends a dump datagram larger than ~32 KiB; twice that leaves room.
#define CSD_RECV_SIZE (64u * 1024u)

struct csd_pipeline;

struct csd_socket {
    struct mnl_socket *nl;
    uint32_t seq;
    struct csd_pipeline *pipeline;  // made on the first pipelined dump, reused after
    int pipelined;                  // dumps are received on a second thread (csd_set_pipelined)
    uint32_t unfinished_seq;        // a dump the caller stopped reading before its end (0: none)
    size_t lookup_batch;            // lookups per sendmsg, from the buffer sizes (0: not yet worked out)
    unsigned char buf[CSD_RECV_SIZE];
};

/// Returned by csd_run_pipelined when it could not start (no memory, no thread): nothing was received, and
/// the caller receives the dump itself.
#define CSD_NOT_PIPELINED 1

/// Receives the replies to the request just sent (sequence `seq`) on a second thread while the caller's
/// thread hands each datagram to `fn`. Same contract as the single-threaded loop in CSockDiag.c (csd_run).
int csd_run_pipelined(struct csd_socket *sock, uint32_t seq, csd_batch_fn fn, void *ctx);
void csd_pipeline_free(struct csd_pipeline *pipeline);
/// Reads and drops the rest of a dump the caller stopped reading (`unfinished_seq`), before another request.
void csd_drain(struct csd_socket *sock);
/// Whether the datagram ends the dump `seq` (see Pipeline.c).
int csd_batch_is_last(const unsigned char *buf, size_t len, uint32_t seq);

#endif
