/// The collective operations data-parallel training needs from a group of processes ("ranks").
///
/// Every rank of a group calls the same collectives in the same order with buffers of the same
/// lengths; a rank that calls something else, or stops, leaves the others waiting (MPI's own rule).
/// `SingleProcessCommunicator` is the group of one process (every collective is the identity),
/// `MPICommunicator` the processes an MPI launcher started. The trainer is written against this
/// protocol and does not know which one it has; nothing but `MPICommunicator` touches MPI.
///
/// Costs, for a buffer of `n` values over `N` ranks: `allReduceSum` moves about `2(N − 1)/N · n` values
/// per rank with a ring algorithm (MPI chooses; see docs/distributed.md), `broadcast` `n` values
/// (a tree: `log₂ N` rounds), `barrier` `log₂ N` latencies.
public protocol Communicator: AnyObject, Sendable {
    /// This process's rank r, in `0..<size`.
    var rank: Int { get }
    /// The number of ranks N.
    var size: Int { get }
    /// What runs the group, for logs and records (e.g. `single process`, `Open MPI v4.1.4`).
    var description: String { get }
    /// Replaces `buffer` on every rank with the element-wise sum over ranks: `b_i ← Σ_r b_i^(r)`.
    ///
    /// The summation order is MPI's: the result equals a sequential sum up to float rounding.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// `allReduceSum` for Double values (metric sums that need more than Float's 24 bits).
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws
    /// Copies `buffer` of rank `root` into `buffer` of every other rank (same length everywhere).
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Returns when every rank has called it.
    func barrier() throws
    /// Stops every rank of the group at once with exit code `code` (after a rank-local error that the
    /// other ranks cannot know about: they would otherwise wait for it forever). Does not return.
    func abort(code: Int32) -> Never
    /// Ends the group cleanly; call once, on every rank, after the last collective.
    func finalize()
}

extension Communicator {
    /// Whether this rank is rank 0, the one that writes files.
    public var isRoot: Bool { rank == 0 }

    /// `allReduceSum` over an array.
    public func allReduceSum(_ values: inout [Float]) throws {
        try values.withUnsafeMutableBufferPointer { try allReduceSum($0) }
    }

    /// `allReduceSum` over an array of Double values.
    public func allReduceSum(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBufferPointer { try allReduceSum($0) }
    }

    /// Rank 0's bytes on every rank, whatever their length: the length goes first (8 bytes), then the bytes.
    ///
    /// `bytes` is read on rank 0 only. O(n) per rank.
    public func broadcastFromRoot(_ bytes: [UInt8]) throws -> [UInt8] {
        if size == 1 { return bytes }
        var length = UInt64(isRoot ? bytes.count : 0).littleEndian
        try withUnsafeMutableBytes(of: &length) { try broadcast($0, root: 0) }
        var result = isRoot ? bytes : [UInt8](repeating: 0, count: Int(UInt64(littleEndian: length)))
        if !result.isEmpty { try result.withUnsafeMutableBytes { try broadcast($0, root: 0) } }
        return result
    }
}
