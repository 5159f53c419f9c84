import Foundation
import Testing

@testable import MixLabExperiments

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
        #expect(ProcessMemory.peakResidentMiB >= resident)
    }
    #endif
}
