import Foundation
import Testing

import MixLabTasks
@testable import MixLabTraining

@Suite struct ProcessMemoryTests {
    #if os(Linux)
    @Test func thePeakCanBeRestartedAndCoversTheCurrentSize() throws {
        #expect(ProcessMemory.startMeasuringPeak())
        // 64 MiB touched page by page while held: the peak cannot be below what is resident now.
        let bytes = 64 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
        defer { buffer.deallocate() }
        for offset in stride(from: 0, to: bytes, by: 4096) { buffer.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self) }
        let resident = try #require(ProcessMemory.residentMiB)
        #expect(resident >= 64)
        // Our buffer is held: whatever else resets the peak meanwhile, the peak includes it.
        #expect(ProcessMemory.peakResidentMiB >= 64)
        // Tests run concurrently in this process: a trainer may restart the peak (at the then current
        // size, after other tests freed memory) between the two readings. So the peak must cover the
        // resident size in one of a few paired readings.
        let covered = (0..<10).contains { _ in
            guard let resident = ProcessMemory.residentMiB else { return false }
            return ProcessMemory.peakResidentMiB >= resident
        }
        #expect(covered, "VmHWM stayed below VmRSS in 10 paired readings")
    }
    #endif
}
