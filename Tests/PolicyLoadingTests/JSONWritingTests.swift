import Foundation
import PolicyModel
import Testing

/// One compact writer, one canonical form (architecture issue): what digests hash, what the
/// emulator serves and what compact `serialized()` writes are the same bytes for the same value.
@Suite("JSON writing: one canonical form")
struct JSONWritingTests {
    static let value: JSONValue = [
        "b": [1, 2.5, -3, 1e16, true, nil, "x/y \"q\" \\ \n\t\u{1}é"], "a": ["z": 1, "@odata.type": "#t"], "n": .number(.infinity),
    ]

    @Test func theCanonicalFormIsCompactSortedAndEscapedOnce() {
        #expect(Self.value.canonicalJSON
            == ##"{"a":{"@odata.type":"#t","z":1},"b":[1,2.5,-3,1e+16,true,null,"x/y \"q\" \\ \n\t\u0001é"],"n":null}"##)
        #expect(String(decoding: Self.value.serialized(), as: UTF8.self) == Self.value.canonicalJSON)
        // A value written and read back is written the same way again.
        let reparsed = try? JSONValue.parse(Data(Self.value.compactJSON()))
        #expect(reparsed?.canonicalJSON == Self.value.canonicalJSON)
    }

    @Test func aKeyOrderOnlyReordersKeys() {
        let controlFirst = String(decoding: Self.value.compactJSON { lhs, rhs in
            lhs.hasPrefix("@") != rhs.hasPrefix("@") ? lhs.hasPrefix("@") : lhs > rhs
        }, as: UTF8.self)
        #expect(controlFirst.hasPrefix(#"{"n":null,"b":"#))
        #expect(controlFirst.count == Self.value.canonicalJSON.count)
    }
}
