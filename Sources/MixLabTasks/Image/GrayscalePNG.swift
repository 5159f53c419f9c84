import MixLabCore

/// A minimal PNG encoder for 8-bit greyscale images, so pictures of tasks can be written without an
/// image library (Foundation on Linux has no zlib).
///
/// **Format** (PNG, ISO/IEC 15948; zlib, RFC 1950; deflate, RFC 1951): the 8-byte signature, then
/// the chunks `IHDR` (width, height, bit depth 8, colour type 0 = greyscale, no interlace), one `IDAT`
/// and `IEND`, each as length, type, data and the CRC-32 of type and data. The `IDAT` data is a zlib
/// stream (header `78 01`) of *stored* deflate blocks (no compression, at most 65535 bytes each)
/// holding every row after a filter byte 0 (none), and ending with the Adler-32 of those bytes. Any
/// PNG reader decodes it; the file is about as large as the raw pixels (width · height + height bytes
/// plus 5 bytes per 64 KiB and 57 bytes of headers).
///
/// **Complexity.** O(width · height) time and memory.
///
/// References: "Portable Network Graphics (PNG) Specification (Second Edition)", W3C/ISO 15948, 2003;
/// P. Deutsch, J.-L. Gailly, RFC 1950 (zlib) and RFC 1951 (deflate), 1996.
public enum GrayscalePNG {
    /// The PNG file of a `width × height` image of grey levels (`pixels`, row-major, 0 black … 255 white).
    ///
    /// - Throws: `MixLabError.invalidArgument` for a size below 1 or above 2³¹ − 1 per side, or
    ///   `pixels.count ≠ width · height`.
    public static func encode(width: Int, height: Int, pixels: [UInt8]) throws -> [UInt8] {
        guard width >= 1, height >= 1, width <= Int(Int32.max), height <= Int(Int32.max), pixels.count == width * height else {
            throw MixLabError(
                .invalidArgument, what: "a \(width)×\(height) PNG from \(pixels.count) pixels", location: "GrayscalePNG.encode",
                fix: "pass width · height grey levels with width and height from 1 to \(Int32.max)")
        }
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (width + 1))
        for row in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: pixels[(row * width)..<((row + 1) * width)])
        }
        var zlib: [UInt8] = [0x78, 0x01]  // deflate, 32 KiB window; no dictionary; check bits make 0x7801 % 31 == 0
        let blockSize = 65535
        var offset = 0
        repeat {
            let count = min(blockSize, raw.count - offset)
            let final: UInt8 = offset + count == raw.count ? 1 : 0
            zlib.append(final)  // BFINAL, BTYPE = 00 (stored), padded to the byte boundary
            zlib.append(contentsOf: littleEndian16(UInt16(count)))
            zlib.append(contentsOf: littleEndian16(~UInt16(count)))
            zlib.append(contentsOf: raw[offset..<(offset + count)])
            offset += count
        } while offset < raw.count
        zlib.append(contentsOf: bigEndian32(adler32(raw)))

        var header = bigEndian32(UInt32(width)) + bigEndian32(UInt32(height))
        header += [8, 0, 0, 0, 0]  // bit depth 8, greyscale, deflate, adaptive filtering, no interlace
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file += chunk("IHDR", header)
        file += chunk("IDAT", zlib)
        file += chunk("IEND", [])
        return file
    }

    /// The image scaled up `factor` times by repeating each pixel (nearest neighbour): `(width · f) ×
    /// (height · f)` grey levels, for looking at small images.
    public static func upscale(width: Int, height: Int, pixels: [UInt8], factor: Int) -> [UInt8] {
        precondition(factor >= 1 && pixels.count == width * height, "upscale needs factor ≥ 1 and width · height pixels")
        var scaled: [UInt8] = []
        scaled.reserveCapacity(pixels.count * factor * factor)
        for row in 0..<height {
            var line: [UInt8] = []
            line.reserveCapacity(width * factor)
            for column in 0..<width { line.append(contentsOf: repeatElement(pixels[row * width + column], count: factor)) }
            for _ in 0..<factor { scaled.append(contentsOf: line) }
        }
        return scaled
    }

    /// The CRC-32 of `bytes` (ISO-HDLC / zlib: reflected polynomial 0xEDB88320, initial and final
    /// value 0xFFFFFFFF), as PNG chunks use it.
    public static func crc32<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The Adler-32 checksum of `bytes` (RFC 1950), which ends a zlib stream.
    public static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            // 5552 bytes is the most that can be summed before b could overflow 32 bits (RFC 1950's NMAX).
            let end = min(index + 5552, bytes.count)
            for byte in bytes[index..<end] {
                a += UInt32(byte)
                b += a
            }
            a %= 65521
            b %= 65521
            index = end
        }
        return (b << 16) | a
    }

    private static let crcTable: [UInt32] = (0..<256).map { entry in
        var value = UInt32(entry)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian32(UInt32(data.count)) + typeBytes + data + bigEndian32(crc32(typeBytes + data))
    }

    private static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func littleEndian16(_ value: UInt16) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8)]
    }
}
