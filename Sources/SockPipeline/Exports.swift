import ProcIndex

// The values the join hands to renderers, named here so that renderers need not import ProcIndex.

/// A process holding a socket: one descriptor of one process.
public typealias SocketHolder = ProcIndex.SocketHolder
/// A network namespace a listing covers.
public typealias NetworkNamespace = ProcIndex.NetworkNamespace
/// One socket option found set on a socket (`getsockopt` through a duplicate of its descriptor).
public typealias SocketOption = SocketProbe.Option
/// What a duplicate of a socket descriptor says about it: family, addresses, options.
public typealias SocketReport = SocketProbe.Report
/// Every open file of one process (`pfiles`).
public typealias ProcessFiles = ProcIndex.ProcessFiles
/// One open file of a process.
public typealias OpenFile = ProcIndex.OpenFile
/// An address and port as a duplicate of a socket descriptor reports it (`getsockname`, `getpeername`).
public typealias SocketEndpoint = SocketProbe.Endpoint
/// A socket name as a duplicate of its descriptor reports it: INET, UNIX or another family.
public typealias SocketName = SocketProbe.Name
public typealias ContainerIdentity = ProcIndex.ContainerIdentity
public typealias CgroupPath = ProcIndex.CgroupPath
/// The host names of a listing's addresses, looked up many at a time within deadlines.
public typealias HostNames = ProcIndex.HostNames
/// The holders of a repeated pipeline's sockets, kept between its runs.
public typealias OwnerCache = ProcIndex.OwnerCache
/// One file of a process as lsof lists it (cwd, rtd, txt, mem, a descriptor).
public typealias ProcessFileEntry = ProcIndex.ProcessFileEntry
/// What `stat` says of a listed file.
public typealias FileStatus = ProcIndex.FileStatus
/// A raw, ICMP or packet socket's `/proc/net` line.
public typealias ProcNetSocket = ProcIndex.ProcNetSockets.Line
