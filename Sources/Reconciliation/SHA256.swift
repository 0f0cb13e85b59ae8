import Crypto

/// SHA-256 as lower-case hex, from swift-crypto (pure Swift on Linux, no I/O). It digests plans and
/// live objects so a saved plan can prove it was not edited and that the tenant did not change under
/// it; it is not used for secrets.
public enum SHA256Digest {
    /// The lower-case hexadecimal digest of `bytes`.
    public static func hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        SHA256.hash(data: Array(bytes)).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// The lower-case hexadecimal digest of the UTF-8 bytes of `text`.
    public static func hex(of text: String) -> String { hex(of: Array(text.utf8)) }
}
