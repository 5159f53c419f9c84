import Foundation
import MixLabCore
import MixLabDistributed

/// N ranks as N threads of one process, for testing data-parallel training without MPI.
///
/// Every collective is two barriers: each rank deposits its buffer, then every rank computes the same
/// result from the deposits in rank order (so all ranks get bit-identical sums, as MPI's do), then waits
/// until all have read before a deposit may be overwritten. `fail()` wakes every waiting rank with an
/// error (what an MPI abort does to the other processes).
final class ThreadGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    private var failed = false
    private var deposits: [[UInt8]]

    init(size: Int) {
        self.size = size
        deposits = Array(repeating: [], count: size)
    }

    /// The communicator of rank `rank`.
    func communicator(rank: Int) -> ThreadGroupCommunicator { ThreadGroupCommunicator(group: self, rank: rank) }

    /// Makes every current and later collective throw.
    func fail() {
        condition.lock()
        failed = true
        condition.broadcast()
        condition.unlock()
    }

    func barrier() throws {
        condition.lock()
        defer { condition.unlock() }
        if failed { throw Self.stopped }
        let mine = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine && !failed { condition.wait() }
            if failed { throw Self.stopped }
        }
    }

    /// Deposits `bytes` as rank `rank`'s, waits for all, returns every rank's deposit, waits for all to have read.
    func exchange(_ bytes: [UInt8], rank: Int, _ body: ([[UInt8]]) -> Void) throws {
        condition.lock()
        deposits[rank] = bytes
        condition.unlock()
        try barrier()
        condition.lock()
        let all = deposits
        condition.unlock()
        body(all)
        try barrier()
    }

    static let stopped = MixLabError(.invalidArgument, what: "another rank failed", location: "thread group", fix: "see that rank's error")
}

/// One rank's view of a `ThreadGroup`.
final class ThreadGroupCommunicator: Communicator, @unchecked Sendable {
    let group: ThreadGroup
    let rank: Int
    var size: Int { group.size }
    var description: String { "thread group (\(group.size) ranks)" }

    init(group: ThreadGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws { try sum(buffer) }
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws { try sum(buffer) }

    private func sum<Value: BinaryFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<Value>) throws {
        try group.exchange(Array(UnsafeRawBufferPointer(buffer)), rank: rank) { all in
            for i in buffer.indices {
                var total: Value = 0
                for deposit in all { deposit.withUnsafeBytes { total += $0.bindMemory(to: Value.self)[i] } }
                buffer[i] = total
            }
        }
    }

    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        try group.exchange(rank == root ? Array(buffer) : [], rank: rank) { all in
            if rank != root { all[root].withUnsafeBytes { buffer.copyMemory(from: $0) } }
        }
    }

    func barrier() throws { try group.barrier() }
    func abort(code: Int32) -> Never { fatalError("abort(\(code)) in a test") }
    func finalize() {}
}
