import MixLabCore
import MixLabModels

/// A classifier's accuracy by the length of its inputs: the evaluated examples in bins of their real
/// (unpadded) token count, each bin with its examples, correct predictions and most frequent label.
///
/// The length of an example is its token count without padding (for a task that truncates, the kept
/// length); of a pair, the longer of its two sequences. The bins hold about equal numbers of examples:
/// with `M` lengths sorted ascending, `ℓ₍₁₎ ≤ … ≤ ℓ₍M₎`, and `N` bins asked for, the upper edges are
/// `e_j = ℓ₍⌈jM/N⌉₎` (j = 1…N); bin 1 takes the lengths up to `e₁`, bin j > 1 those in `(e_{j−1}, e_j]`.
/// Equal lengths never straddle two bins, so ties can leave a bin larger than `M/N` and merge bins
/// (fewer than N come back, none empty): documents truncated to one length all land in the last bin.
/// The bins depend only on the lengths, so every run evaluated on the same split of a task with the
/// same settings gets the same bins, and their accuracies compare bin by bin.
///
/// A bin's examples differ from the others in more than length (their labels may be distributed
/// differently), so each bin also reports the share of its most frequent label: the accuracy of always
/// answering it, the bin's own floor. A bin's accuracy over `m` examples has the binomial sampling
/// error `√(p(1 − p)/m)`: bins of a few dozen examples resolve only large differences
/// (`ProportionInterval` gives intervals inside [0, 1]).
///
/// O(M log M) to bin M examples.
public struct AccuracyByLength: Sendable, Equatable, Codable {
    /// The examples whose lengths fall in `shortest...longest`.
    public struct Bin: Sendable, Equatable, Codable {
        /// The shortest length in the bin.
        public var shortest: Int
        /// The longest length in the bin.
        public var longest: Int
        /// Examples in the bin.
        public var examples: Int
        /// Examples in the bin predicted right.
        public var correct: Int
        /// `correct / examples`.
        public var accuracy: Double
        /// The share of the bin's examples that carry its most frequent label (the accuracy of always
        /// answering that label).
        public var mostFrequentLabelShare: Double

        /// A bin from its counts; `mostFrequentLabelCount` examples carry its most frequent label.
        public init(shortest: Int, longest: Int, examples: Int, correct: Int, mostFrequentLabelCount: Int) {
            self.shortest = shortest
            self.longest = longest
            self.examples = examples
            self.correct = correct
            accuracy = examples > 0 ? Double(correct) / Double(examples) : 0
            mostFrequentLabelShare = examples > 0 ? Double(mostFrequentLabelCount) / Double(examples) : 0
        }
    }

    /// The bins, shortest lengths first.
    public var bins: [Bin]

    /// Bins example i — of length `lengths[i]`, with label `labels[i]`, predicted right when
    /// `correct[i]` — into at most `binCount` bins of about equal size (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidArgument` for a bin count below 1, no examples, a negative length,
    ///   or counts of lengths, labels and outcomes that differ.
    public init(lengths: [Int], labels: [Int32], correct: [Bool], binCount: Int) throws {
        guard binCount >= 1 else {
            throw MixLabError(.invalidArgument, what: "\(binCount) length bins", location: "accuracy by length",
                              fix: "ask for at least 1 bin")
        }
        guard !lengths.isEmpty, lengths.count == correct.count, lengths.count == labels.count else {
            throw MixLabError(.invalidArgument, what: "\(lengths.count) lengths, \(labels.count) labels and \(correct.count) outcomes",
                              location: "accuracy by length", fix: "give one length, one label and one outcome for each of at least one example")
        }
        if let bad = lengths.firstIndex(where: { $0 < 0 }) {
            throw MixLabError(.invalidArgument, what: "length \(lengths[bad]) of example \(bad)", location: "accuracy by length",
                              fix: "lengths are token counts, 0 or more")
        }
        let sorted = lengths.sorted()
        let m = sorted.count
        var edges: [Int] = []
        for j in 1...binCount {
            let edge = sorted[(j * m + binCount - 1) / binCount - 1]
            if edges.last != edge { edges.append(edge) }
        }
        var examples = [Int](repeating: 0, count: edges.count)
        var right = [Int](repeating: 0, count: edges.count)
        var shortest = [Int](repeating: Int.max, count: edges.count)
        var longest = [Int](repeating: Int.min, count: edges.count)
        var labelCounts = [[Int32: Int]](repeating: [:], count: edges.count)
        for index in lengths.indices {
            let length = lengths[index]
            // The first bin whose upper edge is at least the length.
            var low = 0, high = edges.count - 1
            while low < high {
                let middle = (low + high) / 2
                if edges[middle] >= length { high = middle } else { low = middle + 1 }
            }
            examples[low] += 1
            if correct[index] { right[low] += 1 }
            shortest[low] = min(shortest[low], length)
            longest[low] = max(longest[low], length)
            labelCounts[low][labels[index], default: 0] += 1
        }
        bins = edges.indices.map {
            Bin(shortest: shortest[$0], longest: longest[$0], examples: examples[$0], correct: right[$0],
                mostFrequentLabelCount: labelCounts[$0].values.max() ?? 0)
        }
    }

    /// The real token count of each example of `batch`: rows without padding count in full; for a pair
    /// batch (`pairs`: 2B rows, rows b and B + b are example b), the longer of the two sequences.
    /// O(B·T).
    public static func lengths(of batch: TokenBatch, pairs: Bool) -> [Int] {
        precondition(!pairs || batch.batchSize % 2 == 0, "a pair batch has an even number of rows")
        let t = batch.sequenceLength
        let rows: [Int] = batch.paddingMask.map { mask in
            mask.withUnsafeBufferPointer { values in
                (0..<batch.batchSize).map { row in
                    var count = 0
                    for position in 0..<t where values[row * t + position] != 0 { count += 1 }
                    return count
                }
            }
        } ?? Array(repeating: t, count: batch.batchSize)
        guard pairs else { return rows }
        let count = rows.count / 2
        return (0..<count).map { max(rows[$0], rows[count + $0]) }
    }
}
