import Foundation

/// A CRC-32 seal over every byte of a file MixLab writes, stored in the file itself, so that a changed
/// or truncated file is refused rather than read.
///
/// The seal is a JSON string field `"mixlab.integrity": "crc32:XXXXXXXX"` (8 lowercase hexadecimal
/// digits). Its value is the `CRC32` of the whole file with those 8 digits read as `00000000`: writing
/// puts the field in with zeros, computes the CRC and writes its digits in place; reading finds the
/// field, zeroes the digits of a copy and compares. JSON documents (run settings, run records, dataset
/// manifests, each row of a results file) carry it as their first field; safetensors files as a
/// `__metadata__` entry. Readers that do not know it ignore it as an unknown key.
///
/// CRC-32 detects every change of up to 32 consecutive bits, so every single changed byte, and a
/// truncation changes the length the CRC covers or cuts the JSON; it is a check against accidents
/// (disks, copies, editors), not against someone forging a file. Files written before the seal existed
/// have no field and are read as before (`Status.unsealed`); a file holding a seal value (`"crc32:`)
/// without the key, or the key without a well-formed value, is refused as damaged — so only a change
/// that hits both the key and the value can make a sealed file pass for an unsealed one. O(n) for n
/// bytes.
public enum FileIntegrity {
    /// The field's key.
    public static let key = "mixlab.integrity"
    /// The field's value before sealing.
    public static let placeholder = "crc32:00000000"

    /// What `verify` found.
    public enum Status: Sendable, Equatable {
        /// The seal is there and matches.
        case sealed
        /// The bytes hold no seal (written before seals existed, or by another tool).
        case unsealed
    }

    /// `json` (an encoded JSON object, compact or pretty) with the seal as its first field, sealed.
    public static func sealedJSONObject(_ json: Data) -> Data {
        guard let brace = json.firstIndex(of: UInt8(ascii: "{")) else { return json }
        var field = Data("\"\(key)\":\"\(placeholder)\"".utf8)
        let rest = json[(brace + 1)...]
        if rest.first(where: { !isWhitespace($0) }) != UInt8(ascii: "}") { field.append(UInt8(ascii: ",")) }
        var bytes = Data(json[...brace])
        bytes.append(field)
        bytes.append(contentsOf: rest)
        return seal(bytes)
    }

    /// `bytes`, which hold the seal field with the placeholder value, with the seal computed.
    public static func seal(_ bytes: Data) -> Data {
        guard let digits = digitRange(in: bytes) else { return bytes }
        var sealed = bytes
        for index in digits { sealed[index] = UInt8(ascii: "0") }
        let text = String(format: "%08x", CRC32.checksum(sealed))
        sealed.replaceSubrange(digits, with: Data(text.utf8))
        return sealed
    }

    /// Checks the seal of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - path: the file, for the error.
    ///   - location: who reads it, for the error.
    ///   - fix: what to do about a damaged file (e.g. the command that writes it again).
    /// - Returns: `.sealed`, or `.unsealed` when the bytes hold no seal field.
    /// - Throws: `MixLabError.ioFailure` naming the file when the field is malformed or does not match.
    @discardableResult
    public static func verify(_ bytes: Data, path: String, location: String, fix: String) throws -> Status {
        guard let fieldStart = bytes.firstRange(of: Data("\"\(key)\"".utf8)) else {
            // A seal value without its key is a seal whose key was damaged, not an unsealed file.
            guard bytes.firstRange(of: Data("\"crc32:".utf8)) == nil else {
                throw MixLabError(.ioFailure, what: "\(path) is damaged: its \(key) field is malformed", location: location, fix: fix)
            }
            return .unsealed
        }
        guard let digits = digitRange(in: bytes, after: fieldStart.upperBound) else {
            throw MixLabError(.ioFailure, what: "\(path) is damaged: its \(key) field is malformed", location: location, fix: fix)
        }
        let stored = String(decoding: bytes[digits], as: UTF8.self)
        var zeroed = bytes
        for index in digits { zeroed[index] = UInt8(ascii: "0") }
        let computed = String(format: "%08x", CRC32.checksum(zeroed))
        guard stored == computed else {
            throw MixLabError(
                .ioFailure, what: "\(path) is damaged: its content does not match its checksum (\(key) \(stored), computed \(computed))",
                location: location, fix: fix)
        }
        return .sealed
    }

    /// The range of the 8 digits of the seal field in `bytes` (searched from `start`, or the first
    /// field), or nil when there is no well-formed field.
    static func digitRange(in bytes: Data, after start: Data.Index? = nil) -> Range<Data.Index>? {
        var index: Data.Index
        if let start { index = start } else {
            guard let field = bytes.firstRange(of: Data("\"\(key)\"".utf8)) else { return nil }
            index = field.upperBound
        }
        func skipWhitespace() { while index < bytes.endIndex, isWhitespace(bytes[index]) { index += 1 } }
        func expect(_ text: String) -> Bool {
            for byte in text.utf8 {
                guard index < bytes.endIndex, bytes[index] == byte else { return false }
                index += 1
            }
            return true
        }
        skipWhitespace()
        guard expect(":") else { return nil }
        skipWhitespace()
        guard expect("\"crc32:") else { return nil }
        let digits = index..<(index + 8)
        guard digits.upperBound < bytes.endIndex,
              bytes[digits].allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              bytes[digits.upperBound] == UInt8(ascii: "\"") else { return nil }
        return digits
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
