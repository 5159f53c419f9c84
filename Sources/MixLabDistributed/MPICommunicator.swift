import Foundation
import MixLabCore

/// The ranks an MPI launcher (`mpirun`, `srun --mpi=pmix`) started, over `MPI_COMM_WORLD` of Open MPI
/// (opened at run time, see `MPILibrary`).
///
/// Collectives are MPI's: `MPI_Allreduce` in place with `MPI_SUM`, `MPI_Bcast`, `MPI_Barrier`,
/// `MPI_Abort`. Buffers longer than `Int32.max` values go in chunks (MPI counts are `int`). MPI's
/// default error handler (`MPI_ERRORS_ARE_FATAL`) stays: a failed collective (a rank that died) ends
/// the job through the launcher, which names the rank that failed. MPI is called from the thread
/// that made the communicator only (`MPI_Init`, thread level single).
public final class MPICommunicator: Communicator, @unchecked Sendable {
    /// The library in use.
    public let library: MPILibrary
    /// This process's rank in `MPI_COMM_WORLD`.
    public let rank: Int
    /// The size of `MPI_COMM_WORLD`.
    public let size: Int
    private var ended = false

    /// Initialises MPI (`MPI_Init`, unless already done) and reads this process's rank and the group size.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` when Open MPI cannot be loaded (naming the packages)
    ///   or `MPI_Init` fails.
    public init(library: MPILibrary? = nil) throws {
        let library = try library ?? MPILibrary.open()
        self.library = library
        var flag: Int32 = 0
        _ = library.initialized(&flag)
        if flag == 0 {
            let code = library.initialize(nil, nil)
            guard code == 0 else { throw CommunicatorError.failed("MPI_Init", code: code) }
        }
        var value: Int32 = 0
        var code = library.commRank(library.world, &value)
        guard code == 0 else { throw CommunicatorError.failed("MPI_Comm_rank", code: code) }
        rank = Int(value)
        code = library.commSize(library.world, &value)
        guard code == 0 else { throw CommunicatorError.failed("MPI_Comm_size", code: code) }
        size = Int(value)
    }

    /// The library's version and the rank count.
    public var description: String { "\(library.version) (\(size) ranks)" }

    /// `MPI_Allreduce(MPI_IN_PLACE, buffer, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD)`, in chunks of at most `Int32.max`.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try chunks(of: buffer.count) { start, count in
            library.allReduce(UnsafeRawPointer(bitPattern: 1), buffer.baseAddress! + start, count, library.float, library.sum, library.world)
        }
    }

    /// `MPI_Allreduce` of Doubles (`MPI_DOUBLE`), in place.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try chunks(of: buffer.count) { start, count in
            library.allReduce(UnsafeRawPointer(bitPattern: 1), buffer.baseAddress! + start, count, library.double, library.sum, library.world)
        }
    }

    /// `MPI_Bcast` of the bytes (`MPI_BYTE`) from `root`.
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard (0..<size).contains(root) else { throw CommunicatorError.invalidRoot(root, size: size) }
        try chunks(of: buffer.count) { start, count in
            library.broadcast(buffer.baseAddress! + start, count, library.byte, Int32(root), library.world)
        }
    }

    /// `MPI_Barrier`.
    public func barrier() throws {
        let code = library.barrier(library.world)
        guard code == 0 else { throw CommunicatorError.failed("MPI_Barrier", code: code) }
    }

    /// `MPI_Abort(MPI_COMM_WORLD, code)`: the launcher ends every rank.
    public func abort(code: Int32) -> Never {
        _ = library.abort(library.world, code)
        exit(code)  // MPI_Abort does not return; in case a library's does
    }

    /// `MPI_Finalize`, once (a launcher reports a rank that exits without it as failed).
    public func finalize() {
        guard !ended else { return }
        ended = true
        var flag: Int32 = 0
        _ = library.finalized(&flag)
        if flag == 0 { _ = library.finalize() }
    }

    /// Calls `body(start, count)` over `0..<total` in pieces of at most `Int32.max`; throws on an error code.
    private func chunks(of total: Int, _ body: (Int, Int32) -> Int32) throws {
        var start = 0
        while start < total {
            let count = min(total - start, Int(Int32.max))
            let code = body(start, Int32(count))
            guard code == 0 else { throw CommunicatorError.failed("an MPI collective", code: code) }
            start += count
        }
    }
}
