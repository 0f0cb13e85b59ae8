import Crypto
import CryptoExtras
import Foundation
import GraphWire
import PolicyModel

/// A certificate credential: the leaf certificate (DER) and its RSA private key, loaded from one PEM
/// file as the Azure SDKs expect for `AZURE_CLIENT_CERTIFICATE_PATH`.
public struct ClientCertificate: Sendable {
    /// The leaf certificate in DER form (the first `CERTIFICATE` block).
    public let certificateDER: Data
    let privateKey: _RSA.Signing.PrivateKey

    /// Base64url SHA-256 thumbprint of the certificate, for the `x5t#S256` header.
    public var sha256Thumbprint: String { Base64URL.encode(Data(SHA256.hash(data: certificateDER))) }
    /// Base64url SHA-1 thumbprint, for the legacy `x5t` header.
    public var sha1Thumbprint: String { Base64URL.encode(Data(Insecure.SHA1.hash(data: certificateDER))) }
    /// Hex SHA-1 thumbprint as the Azure portal shows it.
    public var portalThumbprint: String {
        Insecure.SHA1.hash(data: certificateDER).map { String(format: "%02X", $0) }.joined()
    }

    /// Loads a PEM holding a certificate and an RSA private key (`PRIVATE KEY`, `RSA PRIVATE KEY`, or
    /// `ENCRYPTED PRIVATE KEY` with `password`).
    public init(pem: String, password: String? = nil) throws(GraphError) {
        let blocks = PEMBlock.parse(pem)
        guard let certificate = blocks.first(where: { $0.label == "CERTIFICATE" }) else {
            throw .configuration(
                "the certificate file has no CERTIFICATE block",
                hint: "AZURE_CLIENT_CERTIFICATE_PATH must be a PEM file with the certificate and its private key (PKCS#12/PFX is not supported; convert with `openssl pkcs12 -in cert.pfx -out cert.pem -nodes`)"
            )
        }
        guard let keyBlock = blocks.first(where: { $0.label.hasSuffix("PRIVATE KEY") }) else {
            throw .configuration(
                "the certificate file has no private key",
                hint: "AZURE_CLIENT_CERTIFICATE_PATH must contain both the certificate and its PRIVATE KEY block")
        }
        self.certificateDER = certificate.der
        do {
            if keyBlock.label == "ENCRYPTED PRIVATE KEY" {
                guard let password else {
                    throw GraphError.configuration(
                        "the private key is encrypted but AZURE_CLIENT_CERTIFICATE_PASSWORD is not set")
                }
                self.privateKey = try _RSA.Signing.PrivateKey(
                    encryptedPEMRepresentation: keyBlock.text,
                    passphraseCallback: { (setter: (Data) -> Void) in setter(Data(password.utf8)) })
            } else {
                self.privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: keyBlock.text)
            }
        } catch let error as GraphError {
            throw error
        } catch {
            throw .configuration(
                "the private key could not be read (only RSA keys of 2048 bits or more are supported\(keyBlock.label == "ENCRYPTED PRIVATE KEY" ? "; is AZURE_CLIENT_CERTIFICATE_PASSWORD right?" : ""))"
            )
        }
    }

    /// The signing algorithm of a client assertion.
    public enum Algorithm: String, Sendable {
        /// RSASSA-PSS with SHA-256 and an `x5t#S256` header (current Microsoft guidance).
        case ps256 = "PS256"
        /// RSASSA-PKCS1-v1_5 with SHA-256 and both `x5t` and `x5t#S256` headers (what MSAL sends).
        case rs256 = "RS256"
    }

    /// A signed client assertion for the token endpoint `audience`, valid from `now` for `lifetime`.
    public func assertion(
        clientId: String, audience: String, now: Date = Date(), lifetime: TimeInterval = 600,
        algorithm: Algorithm = .ps256
    ) throws(GraphError) -> String {
        var header: [String: JSONValue] = ["alg": .string(algorithm.rawValue), "typ": "JWT", "x5t#S256": .string(sha256Thumbprint)]
        if algorithm == .rs256 { header["x5t"] = .string(sha1Thumbprint) }
        let issued = now.timeIntervalSince1970.rounded(.down)
        let claims: JSONValue = [
            "aud": .string(audience), "iss": .string(clientId), "sub": .string(clientId),
            "jti": .string(UUID().uuidString.lowercased()), "nbf": .number(issued), "iat": .number(issued),
            "exp": .number(issued + lifetime.rounded(.down)),
        ]
        let signingInput =
            Base64URL.encode(JSONValue.object(header).serialized()) + "." + Base64URL.encode(claims.serialized())
        do {
            let digest = SHA256.hash(data: Data(signingInput.utf8))
            let signature = try privateKey.signature(for: digest, padding: algorithm == .ps256 ? .PSS : .insecurePKCS1v1_5)
            return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
        } catch {
            throw .configuration("signing the client assertion failed")
        }
    }
}

/// One `-----BEGIN X-----` … `-----END X-----` block of a PEM file.
struct PEMBlock {
    var label: String
    /// The whole block including its BEGIN/END lines.
    var text: String
    var der: Data

    static func parse(_ pem: String) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var label: String?
        var lines: [String] = []
        var body = ""
        for rawLine in pem.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                label = String(line.dropFirst(11).dropLast(5))
                lines = [line]
                body = ""
            } else if line.hasPrefix("-----END "), let current = label {
                lines.append(line)
                // Encrypted traditional keys carry headers ("Proc-Type:"); keep them in text, not in body.
                if let der = Data(base64Encoded: body) {
                    blocks.append(PEMBlock(label: current, text: lines.joined(separator: "\n") + "\n", der: der))
                }
                label = nil
            } else if label != nil {
                lines.append(line)
                if !line.contains(":") { body += line }
            }
        }
        return blocks
    }
}
