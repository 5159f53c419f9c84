import MixLabCore

/// BERT's masking of a token sequence for masked-language modelling (the FNet pre-training objective).
///
/// Of the n maskable positions (every non-padding position except a classification token), exactly
/// `max(1, round(rate · n))` are chosen uniformly without replacement (a partial Fisher–Yates shuffle).
/// Each chosen position's label is its original token; its input becomes the mask token with
/// probability 0.8, a uniformly random content token with probability 0.1, and stays unchanged with
/// probability 0.1. Unchosen positions get `TaskExample.ignoredLabel`, so the loss scores only the
/// chosen ones. The choice is a pure function of the random stream passed in.
///
/// References: J. Devlin et al., "BERT", NAACL 2019, §3.1 (and `create_pretraining_data.py`, which also
/// fixes the count to round(rate · n)); J. Lee-Thorp et al., "FNet", NAACL 2022, §4.1 (same objective).
public enum MaskedLanguageModelling {
    /// The share of chosen positions that become the mask token.
    public static let maskShare = 0.8
    /// The share of chosen positions that become a random content token (the rest stay unchanged).
    public static let randomShare = 0.1

    /// Masks `tokens` in place and returns one label per token.
    ///
    /// - Parameters:
    ///   - tokens: the sequence; position 0 is skipped when `skipFirst` (a classification token).
    ///   - rate: the share of maskable positions to choose, in (0, 1].
    ///   - maskToken: the id written at masked positions.
    ///   - contentTokens: the ids a random replacement is drawn from.
    ///   - skipFirst: leave position 0 (a classification token) alone.
    ///   - random: the stream every choice is drawn from.
    /// - Complexity: O(n).
    public static func mask(
        _ tokens: inout [Int32], rate: Double, maskToken: Int32, contentTokens: Range<Int32>, skipFirst: Bool = false,
        random: inout SeededRandom
    ) -> [Int32] {
        var labels = [Int32](repeating: TaskExample.ignoredLabel, count: tokens.count)
        var positions = Array((skipFirst ? 1 : 0)..<tokens.count)
        guard !positions.isEmpty else { return labels }
        let chosen = min(positions.count, max(1, Int((rate * Double(positions.count)).rounded(.toNearestOrAwayFromZero))))
        for slot in 0..<chosen {
            let pick = slot + random.nextIndex(below: positions.count - slot)
            positions.swapAt(slot, pick)
            let position = positions[slot]
            labels[position] = tokens[position]
            let u = random.nextUniform()
            if u < maskShare {
                tokens[position] = maskToken
            } else if u < maskShare + randomShare {
                tokens[position] = contentTokens.lowerBound + Int32(random.nextIndex(below: contentTokens.count))
            }
        }
        return labels
    }
}
