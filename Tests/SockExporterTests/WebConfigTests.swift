import ExporterArguments
import Foundation
import Glibc
import ProcIndex
import SockDiag
import SockTestSupport
import Testing

@testable import SockExporter

/// `--web.config.file`: the real server with TLS (certificates made by openssl here) and basic auth (a bcrypt
/// hash made by Python's crypt), fetched by curl.
@Suite(.enabled(if: access("/usr/bin/openssl", X_OK) == 0 && access("/usr/bin/curl", X_OK) == 0, "needs openssl and curl"))
struct WebConfigTests {
    /// Runs a bash script; its stdout, trimmed, and its status.
    static func bash(_ script: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let output = try ChildProcess.run("/bin/bash", ["-c", script])
        let text = String(decoding: output.stdout, as: UTF8.self)
        return (output.status, text.trimmingCharacters(in: .whitespacesAndNewlines), String(decoding: output.stderr, as: UTF8.self))
    }

    /// A directory with a CA, a server certificate for 127.0.0.1, a client certificate, and `web.yml`.
    static func makeDirectory(clientAuth: String = "RequireAndVerifyClientCert") throws -> String {
        let directory = "/tmp/sockwatch-web-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let script = """
            set -e
            mkdir -p '\(directory)' && cd '\(directory)'
            key() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null; }
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=sockwatch-test-ca 2>/dev/null
            key server 127.0.0.1
            printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile server.ext 2>/dev/null
            key client prometheus
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 2>/dev/null
            hash=$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))')
            cat > web.yml <<EOF
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: \(clientAuth)
              client_ca_file: ca.crt
              min_version: TLS12
            basic_auth_users:
              prom: '$hash'
            EOF
            """
        let made = try bash(script)
        try #require(made.status == 0, "openssl: \(made.stderr)")
        return directory
    }

    /// The HTTP status curl got (`000` when the connection or handshake failed).
    static func curl(_ directory: String, port: Int, _ options: String) throws -> String {
        try bash("cd '\(directory)' && curl -s -o /dev/null -w '%{http_code}' --max-time 20 \(options) https://127.0.0.1:\(port)/metrics").stdout
    }

    @Test func tlsWithClientCertificateAndBasicAuth() throws {
        let directory = try Self.makeDirectory()
        defer { _ = try? Self.bash("rm -rf '\(directory)'") }
        let web = try WebConfig.load(path: "\(directory)/web.yml")
        #expect(web.tls != nil)
        #expect(web.users.keys.sorted() == ["prom"])
        let namespace = try NetworkNamespace.current()
        let exporter = Exporter(collector: try SocketCollector(namespace: namespace, top: 5))
        let server = try MetricsServer.start(
            exporter, listen: ListenAddress(host: "127.0.0.1", port: 0, isIPv6: false), web: web)
        defer { server.shutdown() }
        let port = server.port
        let certificate = "--cacert ca.crt --cert client.crt --key client.key"

        #expect(try Self.curl(directory, port: port, "\(certificate) -u prom:s3cret") == "200")
        let body = try Self.bash(
            "cd '\(directory)' && curl -s --max-time 20 \(certificate) -u prom:s3cret https://127.0.0.1:\(port)/metrics")
        #expect(body.stdout.contains("sockwatch_sockets{"))
        // Without valid credentials: 401 (a wrong password, an unknown user, none at all).
        #expect(try Self.curl(directory, port: port, "\(certificate) -u prom:wrong") == "401")
        #expect(try Self.curl(directory, port: port, "\(certificate) -u nobody:s3cret") == "401")
        #expect(try Self.curl(directory, port: port, certificate) == "401")
        // A remembered good pair does not let a wrong one through afterwards.
        #expect(try Self.curl(directory, port: port, "\(certificate) -u prom:s3cret") == "200")
        #expect(try Self.curl(directory, port: port, "\(certificate) -u prom:s3cre") == "401")
        // Without a client certificate the handshake is refused: no HTTP status at all.
        #expect(try Self.curl(directory, port: port, "--cacert ca.crt -u prom:s3cret") == "000")
        // Plain HTTP on the TLS port gets no metrics.
        let plain = try Self.bash("curl -s -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:\(port)/metrics").stdout
        #expect(plain != "200")
    }

    @Test func badConfigurationsAreOneLineNamingTheFile() throws {
        let directory = try Self.makeDirectory()
        defer { _ = try? Self.bash("rm -rf '\(directory)'") }
        func failure(_ yaml: String) throws -> String {
            let path = "\(directory)/bad.yml"
            _ = try Self.bash("cat > '\(path)' <<'EOF'\n\(yaml)\nEOF")
            do {
                _ = try WebConfig.load(path: path)
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        let typo = try failure("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth: RequireAndVerifyClientCert")
        #expect(typo.contains("bad.yml") && typo.contains("unknown key client_auth"), "\(typo)")
        let noCA = try failure("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert")
        #expect(noCA.contains("needs client_ca_file"), "\(noCA)")
        let plainPassword = try failure("basic_auth_users:\n  prom: s3cret")
        #expect(plainPassword.contains("not a bcrypt hash"), "\(plainPassword)")
        let missing = try failure("tls_server_config:\n  cert_file: nothere.crt\n  key_file: server.key")
        #expect(missing.contains("cert_file nothere.crt"), "\(missing)")
        #expect(try failure("").contains("loaded"))
    }
}
