/// Positions in UTF-8 text as people count them: 1-based lines, and columns in characters (Unicode
/// scalars), for diagnostics about bytes that could not be parsed.
public enum TextPosition {
    /// The line and column of the byte at `offset` (the end of the text when `offset` is past it).
    public static func of(byteOffset offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
