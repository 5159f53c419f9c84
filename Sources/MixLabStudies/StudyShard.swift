import MixLabCore
import MixLabTasks
import MixLabTraining

/// One of `count` disjoint parts of a study grid, for running a study on several processes or
/// machines: shard `index` of `count` holds the cells whose grid index `k` has `k mod count == index`.
///
/// Shards are **0-based** (`0/4` … `3/4`), like Slurm's `SLURM_ARRAY_TASK_ID` with `--array=0-3`.
/// Taking cells round-robin spreads every axis (seeds, mixers, lengths) over the shards, so shards of
/// a grid with slow and fast cells finish at similar times. The shards of one count partition the
/// grid: every cell is in exactly one.
public struct StudyShard: Sendable, Equatable, CustomStringConvertible {
    /// This shard (0-based).
    public var index: Int
    /// The number of shards.
    public var count: Int

    /// The whole grid as one shard.
    public static let all = StudyShard(uncheckedIndex: 0, count: 1)

    /// Shard `index` of `count`.
    ///
    /// - Throws: `MixLabError.invalidArgument` when `count < 1` or `index` is not in `0 ..< count`.
    public init(index: Int, count: Int, location: String = "--shard") throws {
        guard count >= 1 else {
            throw MixLabError(.invalidArgument, what: "a study cannot be split into \(count) shards", location: location,
                              fix: "use at least one shard, e.g. --shard 0/4")
        }
        guard (0..<count).contains(index) else {
            throw MixLabError(
                .invalidArgument, what: "shard \(index) is out of range for \(count) shards", location: location,
                fix: "shards are 0-based: use an index from 0 to \(count - 1), e.g. --shard \(count - 1)/\(count)")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, as given to `--shard`.
    ///
    /// - Throws: `MixLabError.invalidArgument` for text that is not `i/n` or an index out of range.
    public init(parsing text: String, location: String = "--shard") throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw MixLabError(.invalidArgument, what: "'\(text)' is not a shard", location: location,
                              fix: "write INDEX/COUNT with a 0-based index, e.g. --shard 0/4 … --shard 3/4")
        }
        try self.init(index: index, count: count, location: location)
    }

    /// Whether the grid index `cellIndex` is in this shard.
    public func contains(_ cellIndex: Int) -> Bool { cellIndex % count == index }

    /// `index/count`.
    public var description: String { "\(index)/\(count)" }
}
