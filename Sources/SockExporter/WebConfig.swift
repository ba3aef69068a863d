import CWebAuth
import CommandSupport
import Glibc
import NIOCore
import NIOConcurrencyHelpers
import NIOSSL
import ProcIndex

/// The exporter-toolkit web configuration (`--web.config.file`, as node_exporter takes it): TLS and basic auth.
///
/// The keys are exporter-toolkit's: `tls_server_config` (`cert_file`, `key_file`, `client_auth_type`,
/// `client_ca_file`, `min_version`) and `basic_auth_users` (user: bcrypt hash). Relative paths are taken from
/// the file's directory, as exporter-toolkit does. A key this server does not know is an error, not ignored:
/// a misspelt `client_auth_type` must not silently serve without client certificates.
public struct WebConfig: Sendable {
    /// The TLS context, when `tls_server_config` is given.
    public var tls: NIOSSLContext?
    /// Users and their crypt(3) hashes; empty: no authentication.
    public var users: [String: String] = [:]

    public init() {}

    /// How exporter-toolkit spells the client certificate policy (Go's `tls.ClientAuthType`).
    enum ClientAuth: String {
        case none = "NoClientCert"
        case request = "RequestClientCert"
        case requireAny = "RequireAnyClientCert"
        case verifyIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerify = "RequireAndVerifyClientCert"
    }

    /// Reads and checks the file at `path`; every problem is one `CommandFailure` naming the file.
    public static func load(path: String) throws -> WebConfig {
        func failure(_ message: String) -> CommandFailure { CommandFailure("--web.config.file \(path): \(message)") }
        let bytes: [UInt8]
        do {
            bytes = try WholeFile.read(path)
        } catch {
            throw failure("cannot be read (\(String(cString: strerror(error.rawValue))))")
        }
        guard bytes.count <= 1 << 20 else { throw failure("cannot be read (\(String(cString: strerror(EFBIG))))") }
        let text = String(decoding: bytes, as: UTF8.self)
        let root: WebConfigYAML.Node?
        do {
            root = try WebConfigYAML.parse(text)
        } catch {
            throw failure("not YAML this server reads: \(error)")
        }
        var config = WebConfig()
        guard let root else { return config }  // an empty file: plain HTTP, no users
        guard let top = root.mapping else { throw failure("the top level is not a mapping") }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        func file(_ name: String) -> String { name.hasPrefix("/") ? name : "\(directory)/\(name)" }

        for (key, value) in top.map({ ($0.key, $0.value) }) {
            switch key {
            case "tls_server_config":
                guard let tls = value.mapping else { throw failure("tls_server_config is not a mapping") }
                config.tls = try makeTLS(tls, file: file, failure: failure)
            case "basic_auth_users":
                guard let users = value.mapping else { throw failure("basic_auth_users is not a mapping") }
                for (name, hash) in users.map({ ($0.key, $0.value.string) }) {
                    guard let hash, !name.isEmpty else {
                        throw failure("basic_auth_users: each entry is user: bcrypt-hash")
                    }
                    guard hash.hasPrefix("$2") else { throw failure("basic_auth_users: \(name)'s password is not a bcrypt hash") }
                    config.users[name] = hash
                }
            case "http_server_config":
                break  // HTTP/2 and headers: this server speaks HTTP/1.1 and sets no extra headers
            default:
                throw failure("unknown key \(key) (known: tls_server_config, basic_auth_users)")
            }
        }
        return config
    }

    private static func makeTLS(
        _ tls: [WebConfigYAML.Entry], file: (String) -> String, failure: (String) -> CommandFailure
    ) throws -> NIOSSLContext {
        var values: [String: String] = [:]
        for (name, value) in tls.map({ ($0.key, $0.value) }) {
            let known = ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version",
                         "cipher_suites", "curve_preferences", "prefer_server_cipher_suites", "cert", "key", "client_ca"]
            guard known.contains(name) else { throw failure("tls_server_config: unknown key \(name)") }
            guard ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version"].contains(name) else {
                throw failure("tls_server_config: \(name) is not supported by sockwatch (cert_file, key_file, client_auth_type, client_ca_file, min_version are)")
            }
            values[name] = value.string ?? ""
        }
        guard let cert = values["cert_file"], !cert.isEmpty, let key = values["key_file"], !key.isEmpty else {
            throw failure("tls_server_config needs cert_file and key_file")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(file(cert))
        } catch {
            throw failure("cert_file \(cert): \(error)")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            // PEM whatever the file is called (NIOSSL's .file source guesses the format from the extension).
            privateKey = try NIOSSLPrivateKey(file: file(key), format: .pem)
        } catch {
            throw failure("key_file \(key): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        switch values["min_version"] ?? "TLS12" {
        case "TLS10": configuration.minimumTLSVersion = .tlsv1
        case "TLS11": configuration.minimumTLSVersion = .tlsv11
        case "TLS12": configuration.minimumTLSVersion = .tlsv12
        case "TLS13": configuration.minimumTLSVersion = .tlsv13
        case let other: throw failure("min_version \(other): one of TLS10, TLS11, TLS12, TLS13")
        }
        let authText = values["client_auth_type"] ?? "NoClientCert"
        guard let auth = ClientAuth(rawValue: authText) else {
            throw failure("client_auth_type \(authText): one of NoClientCert, RequestClientCert, "
                + "VerifyClientCertIfGiven, RequireAndVerifyClientCert")
        }
        switch auth {
        case .none, .request: configuration.certificateVerification = .none
        case .verifyIfGiven: configuration.certificateVerification = .optionalVerification
        case .requireAndVerify: configuration.certificateVerification = .noHostnameVerification
        case .requireAny: throw failure("client_auth_type RequireAnyClientCert (unverified) is not supported; use RequireAndVerifyClientCert")
        }
        if let ca = values["client_ca_file"], !ca.isEmpty {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file(ca)))
            } catch {
                throw failure("client_ca_file \(ca): \(error)")
            }
        } else if auth == .verifyIfGiven || auth == .requireAndVerify {
            throw failure("client_auth_type \(authText) needs client_ca_file")
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw failure("TLS setup: \(error)")
        }
    }
}

/// Checks `Authorization: Basic …` against the configured users with libxcrypt's `crypt_r`.
///
/// bcrypt is slow by design (tens of milliseconds at cost 10): a pair that matched is remembered, so
/// Prometheus's every scrape does not pay it again; a wrong one is always checked afresh.
final class BasicAuth: Sendable {
    private let users: [String: String]
    private let matched = NIOLockedValueBox<Set<String>>([])

    init(users: [String: String]) {
        self.users = users
    }

    var isRequired: Bool { !users.isEmpty }

    /// Whether the header value (`Basic BASE64(user:password)`) names a user with that password.
    func allows(_ authorization: String?) -> Bool {
        guard let authorization, authorization.count > 6,
            authorization.prefix(6).lowercased() == "basic ",
            let decoded = Base64.decode(authorization.dropFirst(6).trimmingPrefix(" "))
        else { return false }
        guard let colon = decoded.firstIndex(of: 0x3A) else { return false }
        let user = String(decoding: decoded[..<colon], as: UTF8.self)
        let password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        guard let hash = users[user] else { return false }
        let pair = "\(user):\(password)"
        if matched.withLockedValue({ $0.contains(pair) }) { return true }
        guard cwebauth_check(password, hash) == 1 else { return false }
        matched.withLockedValue { if $0.count < 64 { $0.insert(pair) } }
        return true
    }
}

/// Standard base64 (RFC 4648), decoding only.
enum Base64 {
    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text.utf8 {
            let value: UInt32
            switch byte {
            case 0x41...0x5A: value = UInt32(byte - 0x41)
            case 0x61...0x7A: value = UInt32(byte - 0x61 + 26)
            case 0x30...0x39: value = UInt32(byte - 0x30 + 52)
            case 0x2B: value = 62
            case 0x2F: value = 63
            case 0x3D: continue
            default: return nil
            }
            buffer = buffer << 6 | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
