import MixLabCore

/// A batch of token sequences of equal length: ids, optional token types, and the padding mask.
public struct TokenBatch: Sendable {
    /// B: the number of examples (rows of `tokens`).
    public let batchSize: Int
    /// T: the padded length every example shares.
    public let sequenceLength: Int
    /// Token ids, row-major `(B, T)`.
    public let tokens: [Int32]
    /// Token type ids (segment ids), row-major `(B, T)`, or nil for all zeros.
    public let tokenTypes: [Int32]?
    /// `(B, T)` with 1 for real tokens and 0 for padding, or nil when nothing is padded.
    public let paddingMask: Tensor?

    /// A batch from rows of ids of equal length.
    ///
    /// - Throws: `MixLabError.shapeMismatch` for an empty batch or rows of different lengths.
    public init(tokens rows: [[Int]], tokenTypes typeRows: [[Int]]? = nil, paddingMask maskRows: [[Int]]? = nil) throws {
        guard let first = rows.first, !first.isEmpty else {
            throw MixLabError(
                .shapeMismatch, what: "the token batch is empty", location: "TokenBatch",
                fix: "pass at least one sequence of at least one token")
        }
        for (index, row) in rows.enumerated() where row.count != first.count {
            throw MixLabError(
                .shapeMismatch, what: "sequence \(index) has \(row.count) tokens, sequence 0 has \(first.count)",
                location: "TokenBatch", fix: "pad every sequence to the same length")
        }
        for (name, other) in [("token types", typeRows), ("padding mask", maskRows)] {
            if let other, other.count != rows.count || other.contains(where: { $0.count != first.count }) {
                throw MixLabError(
                    .shapeMismatch, what: "the \(name) do not have the shape of the tokens (\(rows.count) × \(first.count))",
                    location: "TokenBatch", fix: "give one \(name) entry per token")
            }
        }
        batchSize = rows.count
        sequenceLength = first.count
        tokens = rows.flatMap { $0.map { Int32(clamping: $0) } }
        tokenTypes = typeRows.map { $0.flatMap { $0.map { Int32(clamping: $0) } } }
        paddingMask = try maskRows.map { try Tensor(shape: [rows.count, first.count], values: $0.flatMap { $0.map(Float.init) }) }
    }

    /// A batch from flat `(B, T)` arrays.
    ///
    /// - Throws: `MixLabError.shapeMismatch` when the ids, types or mask do not hold `B·T` entries.
    public init(batchSize: Int, sequenceLength: Int, tokens: [Int32], tokenTypes: [Int32]? = nil, paddingMask: Tensor? = nil) throws {
        let count = batchSize * sequenceLength
        guard batchSize >= 1, sequenceLength >= 1, tokens.count == count, tokenTypes.map({ $0.count == count }) ?? true,
              paddingMask.map({ $0.shape == [batchSize, sequenceLength] }) ?? true
        else {
            throw MixLabError(
                .shapeMismatch,
                what: "\(tokens.count) ids, \(tokenTypes?.count ?? count) token types and a mask of shape "
                    + "\(Shape.describe(paddingMask?.shape ?? [batchSize, sequenceLength])) for a \(batchSize) × \(sequenceLength) batch",
                location: "TokenBatch", fix: "give B·T ids (and types), and a (B, T) mask, for B, T ≥ 1")
        }
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.paddingMask = paddingMask
    }
}
