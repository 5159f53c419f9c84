import Testing
@testable import MixLabCore

@Suite struct TensorMemoryPoolTests {
    @Test func smallBlocksAreExactAndPooledOnesAreWholePagesWithLittleWaste() {
        #expect(TensorMemoryPool.sizeClass(forBytes: 100) == 100)
        #expect(TensorMemoryPool.sizeClass(forBytes: TensorMemoryPool.minimumPooledBytes) == TensorMemoryPool.minimumPooledBytes)
        for bytes in stride(from: TensorMemoryPool.minimumPooledBytes, through: 256 << 20, by: 97_613) {
            let size = TensorMemoryPool.sizeClass(forBytes: bytes)
            #expect(size >= bytes && size % 4096 == 0)
            #expect(Double(size) <= Double(bytes) * (1 + 1 / Double(TensorMemoryPool.sizeClassesPerOctave)) + 4096,
                    "size class \(size) for \(bytes) bytes wastes more than 1/16")
        }
    }

    @Test func sizeClassesAreMonotoneAndIdempotent() {
        var previous = 0
        for bytes in stride(from: 1, through: 64 << 20, by: 12_289) {
            let size = TensorMemoryPool.sizeClass(forBytes: bytes)
            #expect(size >= previous)
            #expect(TensorMemoryPool.sizeClass(forBytes: size) == size)
            previous = size
        }
    }

    /// The logits of a masked-language-model batch: 8,192 classes × a masked count that changes every
    /// step (here 600…640 positions). Those sizes must share a couple of blocks, not need 41.
    @Test func requestsThatVaryALittleShareSizeClasses() {
        let classes = Set((600...640).map { TensorMemoryPool.sizeClass(forBytes: $0 * 8192 * MemoryLayout<Float>.stride) })
        #expect(classes.count <= 2, "\(classes.count) size classes for 41 nearby sizes")
    }
}
