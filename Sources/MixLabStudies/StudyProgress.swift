import MixLabTasks
import MixLabTraining

/// How far a study has come: which cells have a row in its results file, overall and per shard.
public struct StudyProgress: Sendable {
    /// Done and total cells of one shard.
    public struct ShardCount: Sendable, Equatable {
        /// The shard.
        public var shard: StudyShard
        /// Cells of the shard with a row.
        public var done: Int
        /// Cells in the shard.
        public var total: Int
    }

    /// The grid.
    public let grid: StudyGrid
    /// IDs of the grid's cells that have a row.
    public let done: Set<String>
    /// Rows of the results file that belong to no cell of the grid (another study's name, or a cell
    /// the study file no longer has): kept, never counted.
    public let otherRows: Int
    /// Warnings from reading the results file.
    public let warnings: [String]

    /// Whether `cell` has a row.
    public func isDone(_ cell: StudyCell) -> Bool { done.contains(cell.id) }

    /// Done and total cells of each of `shards` shards, in shard order.
    public func counts(shards: Int) -> [ShardCount] {
        (0..<max(shards, 1)).map { index in
            let shard = try! StudyShard(index: index, count: max(shards, 1))
            let cells = grid.cells(in: shard)
            return ShardCount(shard: shard, done: cells.filter(isDone).count, total: cells.count)
        }
    }
}
