extension String {
    /// Case-insensitive equality as Graph matches reserved words, ids and enum members: ASCII folded
    /// byte by byte without allocating (Foundation's locale-aware compare is slow on Linux), anything
    /// non-ASCII compared lowercased.
    public func equalsIgnoringCase(_ other: String) -> Bool {
        var left = utf8.makeIterator()
        var right = other.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let l?, let r?):
                if l == r { continue }
                guard l < 0x80, r < 0x80 else { return lowercased() == other.lowercased() }
                let folded = l | 0x20
                if folded != r | 0x20 || folded < 0x61 || folded > 0x7A { return false }
            default: return false
            }
        }
    }
}
