/// The kernel's numbers and sizes, spelled out from <linux/netlink.h> and <linux/inet_diag.h>.
///
/// The fuzzer writes its seeds from these rather than from the structs the decoder imports, so a wrong offset in
/// the decoder shows up as a seed that does not decode.
public enum Wire {
    // MARK: - nlmsghdr

    /// `sizeof(struct nlmsghdr)`: len u32, type u16, flags u16, seq u32, pid u32.
    public static let headerSize = 16
    /// `NLMSG_NOOP`.
    public static let noop: UInt16 = 1
    /// `NLMSG_ERROR`.
    public static let error: UInt16 = 2
    /// `NLMSG_DONE`.
    public static let done: UInt16 = 3
    /// `NLMSG_OVERRUN`.
    public static let overrun: UInt16 = 4
    /// `SOCK_DIAG_BY_FAMILY`: one socket.
    public static let sockDiagByFamily: UInt16 = 20
    /// `NLM_F_MULTI`.
    public static let multi: UInt16 = 0x2
    /// `NLM_F_DUMP_INTR`.
    public static let dumpInterrupted: UInt16 = 0x10

    // MARK: - inet_diag_msg

    /// `sizeof(struct inet_diag_msg)`.
    public static let inetDiagMsgSize = 72
    /// `sizeof(struct nlattr)`.
    public static let attributeHeaderSize = 4

    // MARK: - INET_DIAG_* attribute types

    public static let memInfo: UInt16 = 1
    public static let info: UInt16 = 2
    public static let vegasInfo: UInt16 = 3
    public static let cong: UInt16 = 4
    public static let tos: UInt16 = 5
    public static let tclass: UInt16 = 6
    public static let skMemInfo: UInt16 = 7
    public static let shutdown: UInt16 = 8
    public static let dctcpInfo: UInt16 = 9
    public static let protocolID: UInt16 = 10
    public static let v6only: UInt16 = 11
    public static let locals: UInt16 = 12
    public static let peers: UInt16 = 13
    public static let pad: UInt16 = 14
    public static let mark: UInt16 = 15
    public static let bbrInfo: UInt16 = 16
    public static let classID: UInt16 = 17
    public static let md5sig: UInt16 = 18
    public static let ulpInfo: UInt16 = 19
    public static let sockopt: UInt16 = 22
    public static let cgroupID: UInt16 = 21

    /// `NLA_F_NESTED` and `NLA_F_NET_BYTEORDER`: flag bits the decoder masks off the type.
    public static let attributeFlags: [UInt16] = [0x8000, 0x4000]
}
