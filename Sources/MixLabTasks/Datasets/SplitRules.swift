import Crypto
import Foundation

/// The deterministic rules that form train/validation/test splits when a dataset is prepared.
///
/// Both rules depend only on the data (never on a seed or on file order), so every machine prepares
/// the same splits from the same artifact:
/// - **By group** (`groupSplit`): examples that share a group (a movie, an HTML page) stay together.
///   `bucket(g)` = the first 8 bytes of SHA-256(g, UTF-8) read as a big-endian integer, mod 100;
///   buckets 0–19 go to test, 20–27 to validation and 28–99 to train. So ≈ 20 % of the groups are test
///   and ≈ 10 % of the remaining groups are validation; example counts vary with group sizes.
/// - **Stratified by content hash** (`stratifiedHoldOut`): within each class, examples are ranked by
///   the SHA-256 of their content (ties by position) and the first `round(fraction · n_class)` are held
///   out. Exactly stratified, independent of order, and identical texts are ranked together.
public enum SplitRules {
    /// Percent of groups that go to test (`bucket < testBuckets`).
    public static let testBuckets = 20
    /// Percent of groups that go to validation (`testBuckets ≤ bucket < testBuckets + validationBuckets`):
    /// 8 of the 80 non-test buckets, i.e. 10 % of what is not test.
    public static let validationBuckets = 8
    /// The fraction of each class that validation takes from a training part.
    public static let validationFraction = 0.1
    /// The fraction of each class that test takes from a source with no test part (sklearn digits).
    public static let testFraction = 0.2

    /// `groupSplit` in words, for manifests and documentation.
    public static func groupRuleDescription(group: String) -> String {
        "split by \(group): bucket = first 8 bytes of SHA-256(\(group), UTF-8) as a big-endian integer mod 100; "
            + "buckets 0–\(testBuckets - 1) → test, \(testBuckets)–\(testBuckets + validationBuckets - 1) → validation, "
            + "\(testBuckets + validationBuckets)–99 → train"
    }

    /// `stratifiedHoldOut` for validation, in words.
    public static let stratifiedValidationDescription =
        "validation = within each class, the round(10 % · n) training examples with the smallest SHA-256 of their content "
        + "(ties by position); train = the rest; test = the source's own test part"

    /// The stratified test-then-validation rule of a source with no test part, in words.
    public static let stratifiedTestDescription =
        "test = within each class, the round(20 % · n) examples with the smallest SHA-256 of their content (ties by position); "
        + "validation = the next round(10 % · rest) of each class in the same order; train = the rest"

    /// The bucket 0–99 of a group name.
    public static func bucket(of group: String) -> Int {
        let digest = ContentDigest.hex(of: Data(group.utf8))
        let value = UInt64(digest.prefix(16), radix: 16)!
        return Int(value % 100)
    }

    /// The split of every example of `group`.
    public static func groupSplit(_ group: String) -> TaskSplit {
        let value = bucket(of: group)
        if value < testBuckets { return .test }
        if value < testBuckets + validationBuckets { return .validation }
        return .train
    }

    /// Which examples to hold out: within each class, the `round(fraction · n_class)` examples whose
    /// content digests are smallest (ties broken by position).
    ///
    /// - Parameters:
    ///   - labels: the class of every example.
    ///   - digests: the SHA-256 of every example's content (any fixed-length byte strings work).
    ///   - fraction: the share of each class to hold out, in [0, 1].
    /// - Returns: `held[i]` is true for the examples held out.
    /// - Complexity: O(n log n).
    public static func stratifiedHoldOut(labels: [Int], digests: [[UInt8]], fraction: Double) -> [Bool] {
        precondition(labels.count == digests.count && (0...1).contains(fraction))
        var held = [Bool](repeating: false, count: labels.count)
        let byClass = Dictionary(grouping: labels.indices, by: { labels[$0] })
        for (_, members) in byClass {
            let count = Int((fraction * Double(members.count)).rounded(.toNearestOrAwayFromZero))
            let ranked = members.sorted { a, b in
                digests[a] != digests[b] ? digests[a].lexicographicallyPrecedes(digests[b]) : a < b
            }
            for index in ranked.prefix(count) { held[index] = true }
        }
        return held
    }

    /// The SHA-256 digest of `bytes`, as the ranking key of `stratifiedHoldOut`.
    public static func digest<Bytes: DataProtocol>(_ bytes: Bytes) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }
}
