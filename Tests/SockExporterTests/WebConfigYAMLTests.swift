import Testing

@testable import SockExporter

/// The web config's YAML subset: what exporter-toolkit's documented examples write, and a line-numbered refusal
/// for what this reader does not take.
struct WebConfigYAMLTests {
    typealias Node = WebConfigYAML.Node

    func entries(_ node: Node?) -> [String: Node] {
        var result: [String: Node] = [:]
        for entry in node?.mapping ?? [] { result[entry.key] = entry.value }
        return result
    }

    @Test func exporterToolkitExample() throws {
        let text = """
            # exporter-toolkit's web-config.yml, abridged
            ---
            tls_server_config:
              cert_file: "server.crt"   # quoted
              key_file: 'server.key'
              client_auth_type: RequireAndVerifyClientCert
              cipher_suites:
                - TLS_AES_128_GCM_SHA256
                - "TLS_CHACHA20_POLY1305_SHA256"
              curve_preferences: [X25519, 'CurveP256']
            http_server_config:
              http2: true
              headers: {X-Frame-Options: deny}
            basic_auth_users:
              alice: $2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze
              'bob smith': "$2b$12$hNf2lSsxfm0.i4a.1kVpSOVyBCfIB51VRjgBUyv6kdnyTlgWj81Ay"
              "carol#1": x # not a comment inside the key
            ...
            ignored: after the end marker
            """
        let root = try #require(try WebConfigYAML.parse(text))
        let top = entries(root)
        #expect(root.mapping?.map(\.key) == ["tls_server_config", "http_server_config", "basic_auth_users"])
        let tls = entries(top["tls_server_config"])
        #expect(tls["cert_file"] == .scalar("server.crt"))
        #expect(tls["key_file"] == .scalar("server.key"))
        #expect(tls["client_auth_type"] == .scalar("RequireAndVerifyClientCert"))
        #expect(tls["cipher_suites"] == .sequence([.scalar("TLS_AES_128_GCM_SHA256"), .scalar("TLS_CHACHA20_POLY1305_SHA256")]))
        #expect(tls["curve_preferences"] == .sequence([.scalar("X25519"), .scalar("CurveP256")]))
        #expect(entries(top["http_server_config"])["headers"] == .mapping([.init(key: "X-Frame-Options", value: .scalar("deny"))]))
        let users = entries(top["basic_auth_users"])
        #expect(users["alice"] == .scalar("$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze"))
        #expect(users["bob smith"] == .scalar("$2b$12$hNf2lSsxfm0.i4a.1kVpSOVyBCfIB51VRjgBUyv6kdnyTlgWj81Ay"))
        #expect(users["carol#1"] == .scalar("x"))
        #expect(top["ignored"] == nil)
    }

    @Test func scalarsAndNesting() throws {
        let text = "a:\n- x\n- k: v\n  j: 'it''s'\n-\n  - deep\nb: ~\nc:\nd: \"q\\\"\\u00e9\\t\"\ne: []\nf: {}\ng: http://host:9100/x\r\n"
        let top = entries(try WebConfigYAML.parse(text))
        #expect(top["a"] == .sequence([
            .scalar("x"),
            .mapping([.init(key: "k", value: .scalar("v")), .init(key: "j", value: .scalar("it's"))]),
            .sequence([.scalar("deep")]),
        ]))
        #expect(top["b"] == .null)
        #expect(top["c"] == .null)
        #expect(top["d"] == .scalar("q\"é\t"))
        #expect(top["e"] == .sequence([]))
        #expect(top["f"] == .mapping([]))
        #expect(top["g"] == .scalar("http://host:9100/x"))
        #expect(try WebConfigYAML.parse("") == nil)
        #expect(try WebConfigYAML.parse("# only a comment\n\n---\n") == nil)
    }

    @Test func refusalsNameTheLine() {
        func failure(_ text: String) -> WebConfigYAML.Failure? {
            do {
                _ = try WebConfigYAML.parse(text)
                return nil
            } catch {
                return error
            }
        }
        #expect(failure("a: 1\na: 2")?.line == 2)
        #expect(failure("a: 1\na: 2")?.message == "a appears twice")
        #expect(failure("a:\n\tb: 1")?.message.contains("tab") == true)
        #expect(failure("a: |\n  text")?.message.contains("block scalars") == true)
        #expect(failure("a: &x 1")?.message.contains("anchors") == true)
        #expect(failure("a: 'open")?.line == 1)
        #expect(failure("a: b: c")?.message.contains("quote it") == true)
        #expect(failure("a: 1\n  b: 2")?.line == 2)
        #expect(failure("a: plain\n  continued")?.message.contains("multi-line") == true)
        #expect(failure("just text") != nil)
        #expect(failure("a: [x, [y]]")?.message.contains("nested") == true)
        #expect(failure("a: 1\n---\nb: 2")?.message == "more than one document")
        #expect(failure("a: \"\\q\"")?.message.contains("escape") == true)
    }
}
