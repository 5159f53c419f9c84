import Foundation

/// CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF), as
/// zlib's `crc32`.
///
/// Detects every error burst of at most 32 bits (so every changed byte) and all but 2⁻³² of longer
/// ones. Table-driven, one lookup per byte: O(n) for n bytes.
///
/// Reference: ITU-T V.42 §8.1.1.6.2; the table method of D. V. Sarwate, CACM 31(8), 1988.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 of `data` (`crc32(0, data)` in zlib; 0xCBF43926 for the ASCII bytes `123456789`).
    public static func checksum<Bytes: DataProtocol>(_ data: Bytes) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for region in data.regions {
            region.withUnsafeBytes { bytes in
                for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
