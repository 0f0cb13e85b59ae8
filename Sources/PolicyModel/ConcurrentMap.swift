import Dispatch

extension Array {
    /// `transform` applied to every element, spread over the machine's cores, with the results in
    /// the elements' order: for independent pure work (loading files, comparing objects, walking
    /// halves of a space). Dispatch sizes the threads to the cores; one element runs on the calling thread.
    ///
    /// `transform` must only read shared state: it runs on several threads at once.
    public func concurrentMap<Result>(_ transform: (Element) -> Result) -> [Result] {
        guard count > 1 else { return map(transform) }
        return withoutActuallyEscaping(transform) { transform in
            // Each iteration reads the elements and writes only its own slot.
            nonisolated(unsafe) let body = transform
            nonisolated(unsafe) let elements = self
            var results = [Result?](repeating: nil, count: count)
            results.withUnsafeMutableBufferPointer { buffer in
                nonisolated(unsafe) let slots = buffer
                DispatchQueue.concurrentPerform(iterations: elements.count) { index in
                    slots[index] = body(elements[index])
                }
            }
            return results.map { $0! }
        }
    }
}
