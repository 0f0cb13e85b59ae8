import Crypto

/// SHA-256 as lower-case hex, from swift-crypto (pure Swift on Linux, no I/O). It digests plans and
/// live objects so a saved plan can prove it was not edited and that the tenant did not change under
/// it; it is not used for secrets.
public enum SHA256Digest {
    /// The lower-case hexadecimal digest of `bytes`.
    public static func hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var digits: [UInt8] = []
        digits.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(bytes)) {
            digits.append(hexDigits[Int(byte >> 4)])
            digits.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: digits, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The lower-case hexadecimal digest of the UTF-8 bytes of `text`.
    public static func hex(of text: String) -> String { hex(of: Array(text.utf8)) }
}
