/// IPv4 and IPv6 addresses and CIDR ranges, parsed strictly (no leading zeros in IPv4 octets, at
/// most one `::`, an embedded IPv4 tail allowed): the loader checks values with it and the evaluation
/// engine matches sign-in addresses against named locations with it.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public init?(_ text: String) {
        guard let bytes = Self.ipv4Bytes(text) ?? Self.ipv6Bytes(text) else { return nil }
        self.bytes = bytes
    }

    /// An address from its 4 (IPv4) or 16 (IPv6) bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Dotted IPv4, or eight uncompressed IPv6 groups.
    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    /// True when this address lies in `cidr` (`203.0.113.0/24`, `2001:db8::/48`) of the same family.
    public func isIn(cidr: String) -> Bool { CIDRRange(cidr)?.contains(self) ?? false }

    public static func ipv4Bytes(_ text: String) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCII), octet.allSatisfy(\.isNumber),
                  let value = UInt8(octet), !(octet.count > 1 && octet.first == "0") else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    public static func ipv6Bytes(_ text: String) -> [UInt8]? {
        guard text.contains(":"), text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if piece.contains("."), index == pieces.count - 1, let v4 = ipv4Bytes(String(piece)) {
                    result.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    result.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    result.append(value)
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all: [UInt16]
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

/// A CIDR range (`203.0.113.0/24`, `2001:db8::/48`) parsed once, for matching many addresses.
public struct CIDRRange: Sendable, Hashable {
    /// The network address as written.
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ cidr: String) {
        let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), let network = IPAddress(String(parts[0])),
              (0...(network.bytes.count * 8)).contains(prefix) else { return nil }
        self.network = network
        prefixLength = prefix
    }

    /// The mask over byte `index`.
    func mask(_ index: Int) -> UInt8 {
        let bitsKept = max(0, min(8, prefixLength - index * 8))
        return bitsKept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsKept))
    }

    /// True when `address` is of the range's family and inside it.
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == network.bytes.count else { return false }
        for index in address.bytes.indices where address.bytes[index] & mask(index) != network.bytes[index] & mask(index) { return false }
        return true
    }

    /// The range's first address and the one after its last (nil past the top of the family).
    public var bounds: (first: IPAddress, afterLast: IPAddress?) {
        var low = network.bytes
        var high = network.bytes
        for index in low.indices {
            low[index] &= mask(index)
            high[index] |= ~mask(index)
        }
        // high + 1, carrying; nil when it overflows.
        var next = high
        var index = next.count - 1
        while index >= 0 {
            if next[index] == 0xFF { next[index] = 0; index -= 1 } else { next[index] += 1; break }
        }
        return (IPAddress(bytes: low) ?? network, index < 0 ? nil : IPAddress(bytes: next))
    }
}
