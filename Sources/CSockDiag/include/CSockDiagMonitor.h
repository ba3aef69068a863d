#ifndef CSOCKDIAG_MONITOR_H
#define CSOCKDIAG_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/inet_diag.h>

// MARK: - Destroy notifications and SOCK_DESTROY (sockwatch events, sockwatch --kill)

/// Opens a non-blocking `NETLINK_SOCK_DIAG` socket and joins the multicast groups in `groups` (bit `1 << (g - 1)`
/// for `SKNLGRP_*` group `g`; 0 for none), with a receive queue of `rcvbuf` bytes (forced past `rmem_max` where
/// permitted). Returns the descriptor, or `-errno`: joining a group needs `CAP_NET_ADMIN` (`EPERM`).
int csd_monitor_open(uint32_t groups, int rcvbuf);

/// The receive queue size the kernel granted (`SO_RCVBUF`), or `-errno`.
int csd_monitor_rcvbuf(int fd);

/// Receives one datagram without blocking. Returns its length, or `-errno` (`EAGAIN` when none is queued,
/// `ENOBUFS` when the queue overflowed and notifications were lost). `EINTR` is retried here.
ssize_t csd_monitor_recv(int fd, void *buf, size_t len);

/// Sends `SOCK_DESTROY` for the one socket `id` names (cookie included) and waits for the acknowledgement.
/// The kernel struct is `inet_diag_req_v2`. Returns 0, or the kernel's `-errno`: `EOPNOTSUPP` without
/// `CONFIG_INET_DIAG_DESTROY`, `EPERM` without `CAP_NET_ADMIN`, `ENOENT` when the socket is gone.
int csd_sock_destroy(int fd, uint32_t seq, uint8_t family, uint8_t protocol, const struct inet_diag_sockid *id);

#endif
