import MixLabCore
import Testing

@testable import MixLabTasks

@Suite struct GrayscalePNGTests {
    /// CRC-32 computed bit by bit (no table), to check the encoder's table-driven one.
    private func bitwiseCRC32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private func bigEndian(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 << 8 | Int($1) }
    }

    /// The chunks of a PNG file: (type, data), after checking each CRC independently.
    private func chunks(_ file: [UInt8]) throws -> [(type: String, data: [UInt8])] {
        #expect(Array(file.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var result: [(String, [UInt8])] = []
        var offset = 8
        while offset < file.count {
            let length = bigEndian(file[offset..<(offset + 4)])
            let typeAndData = Array(file[(offset + 4)..<(offset + 8 + length)])
            let crc = bigEndian(file[(offset + 8 + length)..<(offset + 12 + length)])
            #expect(UInt32(crc) == bitwiseCRC32(typeAndData))
            result.append((String(decoding: typeAndData.prefix(4), as: UTF8.self), Array(typeAndData.dropFirst(4))))
            offset += 12 + length
        }
        #expect(offset == file.count)
        return result
    }

    /// The bytes inside a zlib stream of stored deflate blocks, after checking its header, block
    /// headers and Adler-32 (computed here directly from the definition).
    private func storedPayload(_ zlib: [UInt8]) -> [UInt8] {
        #expect(zlib[0] == 0x78 && (Int(zlib[0]) << 8 | Int(zlib[1])) % 31 == 0)
        var payload: [UInt8] = []
        var offset = 2
        var final = false
        while !final {
            final = zlib[offset] & 1 == 1
            #expect(zlib[offset] >> 1 == 0, "stored block")
            let length = Int(zlib[offset + 1]) | Int(zlib[offset + 2]) << 8
            let complement = Int(zlib[offset + 3]) | Int(zlib[offset + 4]) << 8
            #expect(length ^ complement == 0xFFFF)
            payload += zlib[(offset + 5)..<(offset + 5 + length)]
            offset += 5 + length
        }
        var (a, b) = (1, 0)
        for byte in payload { (a, b) = ((a + Int(byte)) % 65521, (b + (a + Int(byte)) % 65521) % 65521) }
        #expect(bigEndian(zlib[offset..<(offset + 4)]) == b << 16 | a)
        #expect(offset + 4 == zlib.count)
        return payload
    }

    @Test func checksumsMatchKnownValues() {
        #expect(GrayscalePNG.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(GrayscalePNG.crc32(Array("IEND".utf8)) == 0xAE42_6082)
        #expect(GrayscalePNG.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        let long = (0..<20000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(GrayscalePNG.crc32(long) == bitwiseCRC32(long))
    }

    @Test func aSmallImageHasTheRightHeaderAndRows() throws {
        let pixels: [UInt8] = [0, 64, 128, 255, 1, 2]
        let parts = try chunks(try GrayscalePNG.encode(width: 3, height: 2, pixels: pixels))
        #expect(parts.map(\.type) == ["IHDR", "IDAT", "IEND"])
        #expect(parts[0].data == [0, 0, 0, 3, 0, 0, 0, 2, 8, 0, 0, 0, 0])
        #expect(storedPayload(parts[1].data) == [0, 0, 64, 128, 0, 255, 1, 2])
        #expect(parts[2].data.isEmpty)
    }

    @Test func largeImagesSpanSeveralStoredBlocks() throws {
        let (width, height) = (300, 300)  // 300 · 301 = 90300 bytes: two blocks
        let pixels = (0..<(width * height)).map { UInt8($0 % 251) }
        let parts = try chunks(try GrayscalePNG.encode(width: width, height: height, pixels: pixels))
        let payload = storedPayload(parts[1].data)
        #expect(parts[1].data[2] == 0, "the first block is not final")
        var rows: [UInt8] = []
        for row in 0..<height { rows += [0] + pixels[(row * width)..<((row + 1) * width)] }
        #expect(payload == rows)
    }

    @Test func upscalingRepeatsPixels() {
        #expect(GrayscalePNG.upscale(width: 2, height: 1, pixels: [1, 2], factor: 2) == [1, 1, 2, 2, 1, 1, 2, 2])
    }

    @Test func badSizesAreRejected() {
        for (width, height, count) in [(0, 1, 0), (2, 2, 3)] {
            #expect(throws: MixLabError.self) { _ = try GrayscalePNG.encode(width: width, height: height, pixels: Array(repeating: 0, count: count)) }
        }
    }
}
