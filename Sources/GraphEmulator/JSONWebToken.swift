import Crypto
import CryptoExtras
import Foundation
import GraphWire
import JWTKit
import PolicyModel

/// A compact JWS split into its parts. Claims are kept as JSON so every check can name the claim.
struct JSONWebToken: Sendable {
    var header: JSONValue
    var claims: JSONValue
    var signingInput: Data
    var signature: Data

    init?(compact token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = Base64URL.decode(parts[0]), let claimsData = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]),
              let header = try? JSONValue.decode(exportedData: headerData),
              let claims = try? JSONValue.decode(exportedData: claimsData),
              case .object = header, case .object = claims
        else { return nil }
        self.header = header
        self.claims = claims
        self.signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        self.signature = signature
    }

    var algorithm: String? { header["alg"]?.stringValue }

    /// Verifies an RS256 or PS256 signature with an RSA public key.
    func hasValidSignature(from key: _RSA.Signing.PublicKey) -> Bool {
        let padding: _RSA.Signing.Padding
        switch algorithm {
        case "RS256": padding = .insecurePKCS1v1_5
        case "PS256": padding = .PSS
        default: return false
        }
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                    for: SHA256.hash(data: signingInput), padding: padding)
    }

    /// Seconds since 1970 in a numeric claim.
    func time(_ claim: String) -> Double? { claims[claim]?.numberValue }

    /// The `aud` claim as a list (it may be a string or an array).
    var audiences: [String] {
        if let single = claims["aud"]?.stringValue { return [single] }
        return claims["aud"]?.stringArray ?? []
    }

    /// Signs header and claims with RS256 (or PS256).
    static func sign(header: JSONValue, claims: JSONValue, key: _RSA.Signing.PrivateKey, pss: Bool = false) throws -> String {
        let input = Base64URL.encode(JSONWriter.data(header)) + "." + Base64URL.encode(JSONWriter.data(claims))
        let signature = try key.signature(for: SHA256.hash(data: Data(input.utf8)), padding: pss ? .PSS : .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }
}

/// A certificate registered on an application: its thumbprints and public key.
struct RegisteredCertificate: Sendable {
    var pem: String
    /// Base64url SHA-1 of the DER certificate (the `x5t` header).
    var sha1Thumbprint: String
    /// Base64url SHA-256 of the DER certificate (the `x5t#S256` header).
    var sha256Thumbprint: String
    /// Hex SHA-1 as the portal shows it (`customKeyIdentifier`).
    var hexThumbprint: String
    var publicKey: _RSA.Signing.PublicKey

    init(pem: String) throws {
        let body = pem.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst().first?
            .components(separatedBy: "-----END CERTIFICATE-----").first?
            .filter { !$0.isWhitespace }
        guard let body, let der = Data(base64Encoded: body) else {
            throw SeedError(description: "certificatePem is not a PEM certificate")
        }
        self.pem = pem
        let sha1 = Insecure.SHA1.hash(data: der)
        self.sha1Thumbprint = Base64URL.encode(Data(sha1))
        self.sha256Thumbprint = Base64URL.encode(Data(SHA256.hash(data: der)))
        self.hexThumbprint = sha1.map { String(format: "%02X", $0) }.joined()
        let certificateKey = try Insecure.RSA.PublicKey(certificatePEM: pem)
        self.publicKey = try _RSA.Signing.PublicKey(pemRepresentation: certificateKey.pemRepresentation)
    }

    /// Whether a JWT header names this certificate (`x5t#S256`, `x5t`, or `kid` as a hex thumbprint).
    func matches(header: JSONValue) -> Bool {
        if let s256 = header["x5t#S256"]?.stringValue { return s256 == sha256Thumbprint }
        if let x5t = header["x5t"]?.stringValue { return x5t == sha1Thumbprint }
        if let kid = header["kid"]?.stringValue { return kid.uppercased() == hexThumbprint }
        return false
    }
}

/// An RSA signing key with its JWK form.
struct SigningKey: Sendable {
    var keyId: String
    var privateKey: _RSA.Signing.PrivateKey

    static func generate(keyId: String) throws -> SigningKey {
        SigningKey(keyId: keyId, privateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    var publicKey: _RSA.Signing.PublicKey { privateKey.publicKey }

    /// The public key as a JWK (`kty`, `use`, `kid`, `n`, `e`, `alg`).
    var jwk: JSONValue {
        let primitives = try? publicKey.getKeyPrimitives()
        return [
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(keyId),
            "n": .string(Base64URL.encode(primitives?.modulus ?? Data())),
            "e": .string(Base64URL.encode(primitives?.publicExponent ?? Data())),
        ]
    }
}

/// Test and tooling support: signs a JWT with an RSA private key in PEM (PKCS#1 or PKCS#8).
/// Package-internal so emulator tests can forge and sign client assertions.
package enum AssertionSigning {
    package static func sign(header: JSONValue, claims: JSONValue, privateKeyPEM: String, pss: Bool = false) throws -> String {
        try JSONWebToken.sign(header: header, claims: claims, key: try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM), pss: pss)
    }

    /// Base64url SHA-1 and SHA-256 thumbprints of a PEM certificate (`x5t`, `x5t#S256`).
    package static func thumbprints(certificatePEM: String) throws -> (sha1: String, sha256: String) {
        let certificate = try RegisteredCertificate(pem: certificatePEM)
        return (certificate.sha1Thumbprint, certificate.sha256Thumbprint)
    }
}
