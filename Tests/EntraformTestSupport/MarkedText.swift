/// Inline text with position markers: each `‸` marks the line and column of the character after it
/// and is removed from the text. Lets a test say exactly where a diagnostic must point.
public struct MarkedText: Sendable {
    public static let marker: Character = "‸"

    /// The text without markers.
    public var text: String
    /// 1-based (line, column) of each marker, in order; columns count Unicode scalars.
    public var positions: [(line: Int, column: Int)]

    public init(_ marked: String) {
        var text = ""
        var positions: [(line: Int, column: Int)] = []
        var line = 1
        var column = 1
        for character in marked {
            if character == Self.marker {
                positions.append((line, column))
                continue
            }
            text.append(character)
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        self.text = text
        self.positions = positions
    }
}
