import Crypto
import Foundation
import MixLabCore

/// SHA-256 digests as lowercase hexadecimal text: how downloaded artifacts and prepared dataset files
/// are pinned and checked, and how split rules hash example contents.
///
/// The hashing itself is swift-crypto's `SHA256` (FIPS 180-4). Files are read in 1 MiB pieces, so
/// memory stays flat whatever the file size. O(n) for n bytes.
public enum ContentDigest {
    /// The hexadecimal SHA-256 of `data`.
    public static func hex<Bytes: DataProtocol>(of data: Bytes) -> String {
        hex(SHA256.hash(data: data))
    }

    /// The hexadecimal SHA-256 of the file at `path`.
    ///
    /// - Throws: `MixLabError.ioFailure` when the file cannot be opened or read.
    public static func hex(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MixLabError(.ioFailure, what: "cannot open \(path)", location: "SHA-256 of a file",
                              fix: "check that the file exists and is readable")
        }
        defer { try? handle.close() }
        var hash = SHA256()
        while true {
            let piece: Data
            do { piece = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw MixLabError(.ioFailure, what: "cannot read \(path) (\(error.localizedDescription))",
                                  location: "SHA-256 of a file", fix: "check the file and the disk")
            }
            if piece.isEmpty { break }
            hash.update(data: piece)
        }
        return hex(hash.finalize())
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
