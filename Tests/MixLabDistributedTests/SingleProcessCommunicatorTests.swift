import MixLabCore
import Testing

@testable import MixLabDistributed

@Suite struct SingleProcessCommunicatorTests {
    @Test func isRankZeroOfOne() {
        let communicator = SingleProcessCommunicator()
        #expect(communicator.rank == 0)
        #expect(communicator.size == 1)
        #expect(communicator.isRoot)
        #expect(communicator.description == "single process")
    }

    @Test func collectivesAreTheIdentity() throws {
        let communicator = SingleProcessCommunicator()
        var floats: [Float] = [1.5, -2, .infinity, 0x1p-149]
        try communicator.allReduceSum(&floats)
        #expect(floats.map(\.bitPattern) == ([1.5, -2, .infinity, 0x1p-149] as [Float]).map(\.bitPattern))
        var doubles: [Double] = [3, 1e300]
        try communicator.allReduceSum(&doubles)
        #expect(doubles == [3, 1e300])
        var bytes: [UInt8] = [1, 2, 3]
        try bytes.withUnsafeMutableBytes { try communicator.broadcast($0, root: 0) }
        #expect(bytes == [1, 2, 3])
        #expect(try communicator.broadcastFromRoot([9, 8]) == [9, 8])
        #expect(try communicator.broadcastFromRoot([]) == [])
        try communicator.barrier()
        communicator.finalize()
    }

    @Test func refusesARootOutsideTheGroup() {
        var bytes: [UInt8] = [0]
        #expect(throws: MixLabError.self) {
            try bytes.withUnsafeMutableBytes { try SingleProcessCommunicator().broadcast($0, root: 1) }
        }
    }
}
