/// Fixed-length windows over the examples of a split, for tasks whose examples are pieces of texts.
///
/// An example of n tokens gives `max(1, n / length)` windows (integer division), starting at tokens
/// 0, length, 2·length, …; a tail shorter than `length` is dropped unless it is the whole example.
/// So every window but those of short examples is exactly `length` tokens long, and no token appears in
/// two windows.
struct TextWindows: Sendable {
    /// The example each window comes from.
    private let examples: [Int32]
    /// The first token of each window.
    private let starts: [Int32]

    /// The windows of examples with `counts[i]` tokens each.
    init(counts: [Int], length: Int) {
        precondition(length > 0)
        var examples: [Int32] = []
        var starts: [Int32] = []
        for (example, count) in counts.enumerated() {
            for window in 0..<max(1, count / length) {
                examples.append(Int32(example))
                starts.append(Int32(window * length))
            }
        }
        self.examples = examples
        self.starts = starts
    }

    /// The number of windows.
    var count: Int { examples.count }

    /// The example and first token of window `index`.
    subscript(index: Int) -> (example: Int, start: Int) {
        (Int(examples[index]), Int(starts[index]))
    }
}
