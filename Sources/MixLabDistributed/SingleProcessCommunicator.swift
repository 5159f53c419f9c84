import Foundation

/// The group of one process: rank 0 of 1, every collective the identity.
///
/// What the trainer uses when no MPI launcher started it; it needs no MPI library. O(1) per call.
public final class SingleProcessCommunicator: Communicator {
    /// A group of one.
    public init() {}

    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }
    /// `single process`.
    public var description: String { "single process" }

    /// The sum over one rank: `buffer` unchanged.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    /// The sum over one rank: `buffer` unchanged.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {}

    /// Rank 0 is the only rank: `buffer` unchanged; any other root is an error.
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard root == 0 else { throw CommunicatorError.invalidRoot(root, size: 1) }
    }

    /// Returns at once.
    public func barrier() throws {}

    /// Exits the process with `code`.
    public func abort(code: Int32) -> Never { exit(code) }

    /// Nothing to end.
    public func finalize() {}
}
