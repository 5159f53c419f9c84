import MixLabCore
import MixLabModels

/// A classifier's accuracy by the length of its inputs: the evaluated examples in bins of their real
/// (unpadded) token count, each bin with its examples and correct predictions.
///
/// The length of an example is its token count without padding; of a pair, the longer of its two
/// sequences. The bins hold about equal numbers of examples: with `M` lengths sorted ascending,
/// `ℓ₍₁₎ ≤ … ≤ ℓ₍M₎`, and `N` bins asked for, bin j (1-based) takes the lengths in
/// `(e_{j−1}, e_j]` where `e_j = ℓ₍⌈jM/N⌉₎` and `e₀ = 0`. Equal lengths never straddle two bins, so
/// ties can leave a bin larger than `M/N` and merge bins (fewer than N come back, none empty). The
/// bins depend only on the lengths: every run evaluated on the same split of the same task gets the
/// same bins, so their accuracies compare bin by bin.
///
/// A bin's accuracy over `m` examples has the binomial sampling error `√(p(1 − p)/m)`: bins of a few
/// dozen examples resolve only large differences (`ProportionInterval` gives intervals in [0, 1]).
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

        /// A bin from its counts.
        public init(shortest: Int, longest: Int, examples: Int, correct: Int) {
            self.shortest = shortest
            self.longest = longest
            self.examples = examples
            self.correct = correct
            accuracy = examples > 0 ? Double(correct) / Double(examples) : 0
        }
    }

    /// The bins, shortest lengths first.
    public var bins: [Bin]

    /// Bins `lengths[i]` with whether example i was `right` into at most `binCount` bins of about equal
    /// size (see the type's documentation).
    ///
    /// - Throws: `MixLabError.invalidArgument` for a bin count below 1, no examples, a length below 0,
    ///   or counts of lengths and outcomes that differ.
    public init(lengths: [Int], right: [Bool], binCount: Int) throws {
        guard binCount >= 1 else {
            throw MixLabError(.invalidArgument, what: "\(binCount) length bins", location: "accuracy by length",
                              fix: "ask for at least 1 bin")
        }
        guard !lengths.isEmpty, lengths.count == right.count else {
            throw MixLabError(.invalidArgument, what: "\(lengths.count) lengths and \(right.count) outcomes", location: "accuracy by length",
                              fix: "give one length and one outcome for each of at least one example")
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
        var correct = [Int](repeating: 0, count: edges.count)
        var shortest = [Int](repeating: Int.max, count: edges.count)
        var longest = [Int](repeating: Int.min, count: edges.count)
        for (length, isRight) in zip(lengths, right) {
            // The first bin whose upper edge is at least the length.
            var low = 0, high = edges.count - 1
            while low < high {
                let middle = (low + high) / 2
                if edges[middle] >= length { high = middle } else { low = middle + 1 }
            }
            examples[low] += 1
            if isRight { correct[low] += 1 }
            shortest[low] = min(shortest[low], length)
            longest[low] = max(longest[low], length)
        }
        bins = edges.indices.map { Bin(shortest: shortest[$0], longest: longest[$0], examples: examples[$0], correct: correct[$0]) }
    }

    /// The real token count of each example of `batch`: rows without padding count in full; for a pair
    /// batch (`pairs`: rows b and B + b are example b), the longer of the two sequences.
    public static func lengths(of batch: TokenBatch, pairs: Bool) -> [Int] {
        let rows: [Int]
        if let mask = batch.paddingMask {
            let t = batch.sequenceLength
            rows = (0..<batch.batchSize).map { row in
                (0..<t).reduce(0) { $0 + (mask.values[row * t + $1] != 0 ? 1 : 0) }
            }
        } else {
            rows = Array(repeating: batch.sequenceLength, count: batch.batchSize)
        }
        guard pairs else { return rows }
        let count = rows.count / 2
        return (0..<count).map { max(rows[$0], rows[count + $0]) }
    }
}
