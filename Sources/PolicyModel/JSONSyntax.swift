import Foundation

/// Finds the first JSON syntax error in UTF-8 text (RFC 8259), with its 1-based line and column
/// (counted in characters), so a malformed export can be reported as `file:line:column: error:`
/// whatever the platform's parser says.
enum JSONSyntax {
    struct Failure {
        var message: String
        var line: Int
        var column: Int
    }

    /// The first syntax error, or nil when `text` is one valid JSON value (surrounded by whitespace).
    static func firstError(in text: Data) -> Failure? {
        var scanner = Scanner(bytes: [UInt8](text))
        return scanner.document()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        /// What the parser expects next, kept as an explicit stack so depth costs no call stack.
        private enum Expect {
            case value, objectKeyOrEnd, objectKey, colon, objectCommaOrEnd, arrayValueOrEnd, arrayCommaOrEnd
        }

        mutating func document() -> Failure? {
            var stack: [Expect] = [.value]
            while let expect = stack.popLast() {
                skipWhitespace()
                let byte = index < bytes.count ? bytes[index] : nil
                switch expect {
                case .value:
                    guard let byte else { return failure(expected: "a value") }
                    switch byte {
                    case UInt8(ascii: "{"):
                        index += 1
                        stack.append(.objectKeyOrEnd)
                    case UInt8(ascii: "["):
                        index += 1
                        stack.append(.arrayValueOrEnd)
                    case UInt8(ascii: "\""):
                        if let failure = string() { return failure }
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        if let failure = number() { return failure }
                    case UInt8(ascii: "t"): if let failure = literal("true") { return failure }
                    case UInt8(ascii: "f"): if let failure = literal("false") { return failure }
                    case UInt8(ascii: "n"): if let failure = literal("null") { return failure }
                    default: return failure(expected: "a value")
                    }
                case .objectKeyOrEnd, .objectKey:
                    if expect == .objectKeyOrEnd, byte == UInt8(ascii: "}") {
                        index += 1
                        continue
                    }
                    guard byte == UInt8(ascii: "\"") else {
                        return failure(expected: expect == .objectKeyOrEnd ? "a member name in double quotes or '}'" : "a member name in double quotes")
                    }
                    if let failure = string() { return failure }
                    stack.append(.colon)
                case .colon:
                    guard byte == UInt8(ascii: ":") else { return failure(expected: "':' after the member name") }
                    index += 1
                    stack.append(.objectCommaOrEnd)
                    stack.append(.value)
                case .objectCommaOrEnd:
                    if let failure = commaOrEnd(byte, close: "}", then: [.objectKey], on: &stack) { return failure }
                case .arrayValueOrEnd:
                    if byte == UInt8(ascii: "]") {
                        index += 1
                        continue
                    }
                    stack.append(.arrayCommaOrEnd)
                    stack.append(.value)
                case .arrayCommaOrEnd:
                    if let failure = commaOrEnd(byte, close: "]", then: [.arrayCommaOrEnd, .value], on: &stack) { return failure }
                }
            }
            skipWhitespace()
            return index < bytes.count ? failure(expected: "the end of the file after the value") : nil
        }

        /// After a member or element: a comma (then what `then` expects) or the closing bracket.
        private mutating func commaOrEnd(_ byte: UInt8?, close: Unicode.Scalar, then next: [Expect], on stack: inout [Expect]) -> Failure? {
            if byte == UInt8(ascii: ",") {
                index += 1
                stack += next
            } else if byte == UInt8(ascii: close) {
                index += 1
            } else {
                return failure(expected: "',' or '\(close)'")
            }
            return nil
        }

        private mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        private mutating func string() -> Failure? {
            let start = index
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return nil
                case UInt8(ascii: "\\"):
                    guard index + 1 < bytes.count else {
                        index = start
                        return failure("unterminated string")
                    }
                    let escaped = bytes[index + 1]
                    if escaped == UInt8(ascii: "u") {
                        let digits = bytes[min(bytes.count, index + 2)..<min(bytes.count, index + 6)]
                        guard digits.count == 4, digits.allSatisfy(\.isHexDigit) else {
                            return failure("invalid \\u escape in a string")
                        }
                        index += 6
                    } else if Array("\"\\/bfnrt".utf8).contains(escaped) {
                        index += 2
                    } else {
                        return failure("invalid escape in a string")
                    }
                case 0x00..<0x20:
                    return failure(byte == 0x0A ? "line break in a string (unterminated string?)" : "control character in a string")
                default:
                    index += 1
                }
            }
            index = start
            return failure("unterminated string")
        }

        private mutating func number() -> Failure? {
            func digits() -> Int {
                let start = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                return index - start
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let leadingZero = index < bytes.count && bytes[index] == UInt8(ascii: "0")
            let integer = digits()
            guard integer > 0 else { return failure(expected: "a digit") }
            if leadingZero && integer > 1 { index -= integer - 1; return failure("a number cannot start with 0") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { return failure(expected: "a digit after '.'") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { return failure(expected: "a digit in the exponent") }
            }
            return nil
        }

        private mutating func literal(_ word: String) -> Failure? {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
                return failure(expected: "a value")
            }
            index += expected.count
            return nil
        }

        private func failure(expected: String) -> Failure {
            guard index < bytes.count else { return failure("unexpected end of the file; expected \(expected)") }
            let found = String(decoding: bytes[index...].prefix { $0 >= 0x21 && $0 < 0x7F && !Array(",:[]{}\"".utf8).contains($0) }.prefix(20),
                               as: UTF8.self)
            let byte = bytes[index]
            // A short string token is shown whole, unless it holds control bytes (never echoed raw).
            let quoted = bytes[(index + 1)...].prefix(40).firstIndex(of: UInt8(ascii: "\"")).map { bytes[index...$0] }
                .flatMap { $0.allSatisfy { $0 >= 0x20 && $0 != 0x7F } ? $0 : nil }
            let shown = !found.isEmpty ? "'\(found)'"
                : byte == UInt8(ascii: "\"") && quoted != nil ? String(decoding: quoted ?? [], as: UTF8.self)
                : (0x21..<0x7F).contains(byte) ? "'\(Character(UnicodeScalar(byte)))'"
                : String(format: "the byte 0x%02X", byte)
            return failure("expected \(expected), found \(shown)")
        }

        private func failure(_ message: String) -> Failure {
            let position = TextPosition.of(byteOffset: index, in: bytes)
            return Failure(message: message, line: position.line, column: position.column)
        }
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
