import Glibc

/// What both executables do before anything else opens a descriptor.
public enum ProcessStart {
    /// Puts the process in a known state: fds 0, 1 and 2 open, `RLIMIT_NOFILE` raised. Idempotent.
    public static func prepare() {
        openStandardDescriptors()
        raiseDescriptorLimit()
    }

    /// Opens /dev/null onto whichever of fds 0, 1, 2 is closed, so that no later socket, pidfd or file takes
    /// one of their numbers and receives the table.
    ///
    /// As gnulib's `stdopen` does, the stand-in is opened in the direction its stream never uses (stdin for
    /// writing, stdout and stderr for reading): a write to a closed stdout then fails with `EBADF`, as a
    /// write to `/dev/full` fails with `ENOSPC`, instead of vanishing into /dev/null with exit status 0.
    public static func openStandardDescriptors() {
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            let placeholder = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY)
            if placeholder < 0 {
                // No /dev/null (a bare chroot): nothing can hold the number; stop rather than write into a socket.
                _exit(127)
            }
            if placeholder != fd {
                // Lower numbers are open, so open() picks the lowest free: this only happens if one was closed
                // concurrently; move it where it belongs.
                _ = dup2(placeholder, fd)
                close(placeholder)
            }
        }
    }

    /// Raises the soft `RLIMIT_NOFILE` to the hard limit, as systemd and many tools do: reading a busy host's
    /// /proc and holding one netlink socket per namespace needs descriptors, and the soft default (1024) is a
    /// compatibility value for `select`, which sockwatch does not use.
    public static func raiseDescriptorLimit() {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(resource, &limit)
    }
}
