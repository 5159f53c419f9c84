import MixLabCore

/// Which rows of a global batch a rank trains on, and how its result is weighted.
///
/// Rank `r` of `N` takes the contiguous rows `⌊r·B/N⌋ ..< ⌊(r+1)·B/N⌋` of each global batch of `B` rows
/// (the trainer's data order is global and deterministic, so the union over ranks is exactly the
/// single-process batch, in order). When `N` does not divide `B` the shards differ by at most one row;
/// the trainer weights each rank's mean loss and gradient by its count of scored labels `c_r` and divides
/// the all-reduced sum by `Σ c_r`, which gives the gradient of the mean over the whole batch:
/// `g = Σ_r c_r·ḡ_r / Σ_r c_r` (equal to one process's `ḡ` up to float rounding). O(1).
public struct BatchShard: Sendable, Equatable {
    /// The first row (inclusive).
    public let start: Int
    /// The row after the last.
    public let end: Int

    /// The number of rows.
    public var count: Int { end - start }
    /// The rows as a range.
    public var rows: Range<Int> { start..<end }

    /// The shard of rank `rank` of `ranks` in a global batch of `batch` rows.
    ///
    /// - Throws: `MixLabError.invalidArgument` when `ranks` exceeds `batch` (a rank would get no rows),
    ///   or the rank is outside `0..<ranks`.
    public init(rank: Int, ranks: Int, batch: Int) throws {
        guard ranks >= 1, batch >= 1 else {
            throw MixLabError(.invalidArgument, what: "\(ranks) ranks for a batch of \(batch)", location: "data-parallel shards",
                              fix: "use at least one rank and a batch of at least one example")
        }
        guard ranks <= batch else {
            throw MixLabError(
                .invalidArgument, what: "\(ranks) ranks are more than the global batch of \(batch) examples: some ranks would train on nothing",
                location: "data-parallel training (batch)", fix: "start at most \(batch) ranks (mpirun -np \(batch)), or raise batch to at least \(ranks)")
        }
        guard (0..<ranks).contains(rank) else {
            throw MixLabError(.invalidArgument, what: "rank \(rank) is not in 0..<\(ranks)", location: "data-parallel shards",
                              fix: "pass the communicator's rank")
        }
        start = rank * batch / ranks
        end = (rank + 1) * batch / ranks
    }
}
