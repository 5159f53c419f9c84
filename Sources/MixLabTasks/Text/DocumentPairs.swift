import MixLabCore

/// Seeded, balanced pairs of documents of one split, labelled related (same class) or not, with hard
/// negatives: the Long Range Arena's retrieval pairs drawn from a labelled corpus.
///
/// Pair i is **related** (label 1) when i is even and **unrelated** (label 0) when i is odd, so a pair
/// set is balanced to within one pair. The class of pair i is the ⌊i/2⌋-th class of a cycle over the
/// usable classes, so every class is equally often the first document's class, in related and in
/// unrelated pairs alike; a class's share of the data therefore tells nothing about the label.
/// - A related pair is two different documents of class c, drawn uniformly.
/// - An unrelated pair is a document of c and one of a class d drawn uniformly from c's **related
///   classes** (its topic without c: hard negatives, which share vocabulary with c), or from every other
///   class when c's topic has no other class with documents.
/// The two documents are then swapped with probability ½. Pairs never repeat (as unordered pairs):
/// a repeat is drawn again. Only the split's documents are used, so no document is in two splits.
///
/// A usable class has at least two documents and at least one document in another class. Capacity:
/// class c may take at most ½·C(n_c, 2) related pairs and ¼·n_c·R_c unrelated ones (R_c documents in its
/// related classes), so drawing without repeats stays fast; `maximumCount` is the largest pair count
/// these bounds allow.
///
/// Complexity: O(P) expected draws for P pairs (the bounds keep the repeat rate below ½), O(P) memory.
struct DocumentPairs: Sendable {
    /// One pair: the two documents (indices into the split) and the label (1 related, 0 unrelated).
    struct Pair: Sendable, Equatable {
        var first: Int
        var second: Int
        var label: Int32
    }

    /// The pairs, in index order.
    let pairs: [Pair]

    /// The documents of each class (indices into the split, ascending).
    private let members: [[Int]]
    /// The usable classes in cycle order, and for each class its classes to draw unrelated documents from.
    private let cycle: [Int]
    private let partners: [[Int]]

    /// Draws `count` pairs over documents labelled `labels`, where `topic[c]` names the topic of class c.
    ///
    /// - Throws: `MixLabError.invalidConfigValue` (at `location`, for setting `key`) when `count` exceeds
    ///   `maximumCount`, with that maximum in the message.
    init(labels: [Int32], classes: Int, topic: [String], count: Int, random: SeededRandom, key: String, location: String) throws {
        var members = [[Int]](repeating: [], count: classes)
        for (index, label) in labels.enumerated() { members[Int(label)].append(index) }
        self.members = members
        var partners: [[Int]] = []
        for c in 0..<classes {
            let related = (0..<classes).filter { $0 != c && topic[$0] == topic[c] && !members[$0].isEmpty }
            partners.append(related.isEmpty ? (0..<classes).filter { $0 != c && !members[$0].isEmpty } : related)
        }
        self.partners = partners
        cycle = (0..<classes).filter { members[$0].count >= 2 && !partners[$0].isEmpty }
        let maximum = Self.maximumCount(members: members, partners: partners, cycle: cycle)
        guard count <= maximum else {
            throw MixLabError(
                .invalidConfigValue,
                what: "\(key)=\(count) is more pairs than the split's \(labels.count) documents allow (at most \(maximum) distinct "
                    + "balanced pairs, \(cycle.count) usable classes)",
                location: location, fix: "set \(key) to at most \(maximum)")
        }
        var random = random
        var seen = Set<Int64>()
        var pairs: [Pair] = []
        pairs.reserveCapacity(count)
        for index in 0..<count {
            let related = index % 2 == 0
            let c = cycle[(index / 2) % cycle.count]
            var attempts = 0
            while true {
                attempts += 1
                var a: Int
                var b: Int
                if related {
                    let i = random.nextIndex(below: members[c].count)
                    var j = random.nextIndex(below: members[c].count - 1)
                    if j >= i { j += 1 }
                    (a, b) = (members[c][i], members[c][j])
                } else {
                    let d = partners[c][random.nextIndex(below: partners[c].count)]
                    (a, b) = (members[c][random.nextIndex(below: members[c].count)], members[d][random.nextIndex(below: members[d].count)])
                }
                if random.nextIndex(below: 2) == 1 { swap(&a, &b) }
                if seen.insert(Int64(min(a, b)) * Int64(labels.count) + Int64(max(a, b))).inserted {
                    pairs.append(Pair(first: a, second: b, label: related ? 1 : 0))
                    break
                }
                // The capacity bounds make this practically unreachable; it keeps a pathological split finite.
                guard attempts < 10_000 else {
                    throw MixLabError(
                        .invalidConfigValue, what: "\(key)=\(count): 10000 draws in a row repeated earlier pairs of class \(c)",
                        location: location, fix: "ask for fewer pairs (at most \(index))")
                }
            }
        }
        self.pairs = pairs
    }

    /// The largest pair count the per-class bounds allow (see the type's documentation).
    static func maximumCount(members: [[Int]], partners: [[Int]], cycle: [Int]) -> Int {
        guard !cycle.isEmpty else { return 0 }
        // With P pairs, cycle position k takes ⌈(⌈P/2⌉ − k)/K⌉ related and ⌈(⌊P/2⌋ − k)/K⌉ unrelated pairs.
        func fits(_ count: Int) -> Bool {
            let (related, unrelated, k) = ((count + 1) / 2, count / 2, cycle.count)
            for (position, c) in cycle.enumerated() {
                let n = members[c].count
                let partnerDocuments = partners[c].map { members[$0].count }.reduce(0, +)
                let takesRelated = max(0, (related - position + k - 1) / k)
                let takesUnrelated = max(0, (unrelated - position + k - 1) / k)
                if 4 * takesRelated > n * (n - 1) || 4 * takesUnrelated > n * partnerDocuments { return false }
            }
            return true
        }
        var (low, high) = (0, 1)
        while fits(high) { low = high; high *= 2 }
        while high - low > 1 {
            let middle = (low + high) / 2
            if fits(middle) { low = middle } else { high = middle }
        }
        return low
    }
}
