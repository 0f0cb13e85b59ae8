import Foundation

/// Recognises text that is not UTF-8: UTF-16 or UTF-32 in either byte order, by its byte-order mark
/// or, without one, by the zero bytes around its first character (as YAML 1.2, section 5.2, does;
/// configuration files and Graph exports start with an ASCII character). One detector for YAML
/// configuration files and JSON exports.
public enum TextEncodingDetection {
    /// A detected encoding: how to decode, how to name it, and how many byte-order-mark bytes to skip.
    public struct Wide: Sendable {
        /// What to decode the bytes (after the byte-order mark) with.
        public var encoding: String.Encoding
        /// `UTF-16 (little-endian)`, … for messages.
        public var name: String
        /// 0 when recognised by zero bytes.
        public var byteOrderMarkLength: Int
    }

    /// The UTF-16 or UTF-32 encoding `bytes` are in, or nil (UTF-8, or not text).
    public static func wide(_ bytes: [UInt8]) -> Wide? {
        let head = Array(bytes.prefix(4)) + Array(repeating: 0xAA, count: max(0, 4 - bytes.count))
        switch (head[0], head[1], head[2], head[3]) {
        case (0x00, 0x00, 0xFE, 0xFF): return Wide(encoding: .utf32BigEndian, name: "UTF-32 (big-endian)", byteOrderMarkLength: 4)
        case (0xFF, 0xFE, 0x00, 0x00): return Wide(encoding: .utf32LittleEndian, name: "UTF-32 (little-endian)", byteOrderMarkLength: 4)
        case (0xFE, 0xFF, _, _): return Wide(encoding: .utf16BigEndian, name: "UTF-16 (big-endian)", byteOrderMarkLength: 2)
        case (0xFF, 0xFE, _, _): return Wide(encoding: .utf16LittleEndian, name: "UTF-16 (little-endian)", byteOrderMarkLength: 2)
        default: break
        }
        guard bytes.count >= 2 else { return nil }
        let zero = head.map { $0 == 0 }
        if bytes.count >= 4, zero[0], zero[1], zero[2], !zero[3] {
            return Wide(encoding: .utf32BigEndian, name: "UTF-32 (big-endian)", byteOrderMarkLength: 0)
        }
        if bytes.count >= 4, !zero[0], zero[1], zero[2], zero[3] {
            return Wide(encoding: .utf32LittleEndian, name: "UTF-32 (little-endian)", byteOrderMarkLength: 0)
        }
        if zero[0], !zero[1] { return Wide(encoding: .utf16BigEndian, name: "UTF-16 (big-endian)", byteOrderMarkLength: 0) }
        if !zero[0], zero[1] { return Wide(encoding: .utf16LittleEndian, name: "UTF-16 (little-endian)", byteOrderMarkLength: 0) }
        return nil
    }
}
