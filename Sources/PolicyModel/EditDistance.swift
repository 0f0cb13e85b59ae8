/// Edit distance for "did you mean" suggestions, shared by the loader (keys, enum values) and the
/// resolver (directory names).
public enum EditDistance {
    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.
    public static func between(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }

    /// The candidate closest to `text` (case-insensitive), when within `allowed(text, candidate)` edits;
    /// ties go to the alphabetically first candidate so suggestions are stable.
    public static func nearest(_ text: String, among candidates: [String],
                               allowed: (_ text: String, _ candidate: String) -> Int) -> String? {
        let lowered = Array(text.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in Set(candidates) {
            // The distance is at least the difference in length: skip what cannot be close enough.
            if abs(candidate.count - lowered.count) > allowed(text, candidate) { continue }
            let distance = between(lowered, Array(candidate.lowercased()))
            if let current = best, distance > current.distance || (distance == current.distance && candidate > current.candidate) {
                continue
            }
            best = (candidate, distance)
        }
        guard let best, best.distance <= allowed(text, best.candidate) else { return nil }
        return best.candidate
    }
}
