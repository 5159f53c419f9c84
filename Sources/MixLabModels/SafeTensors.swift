import Foundation
import MixLabCore

/// Reads and writes the safetensors format: an 8-byte little-endian header length `N`, `N` bytes of
/// JSON header (`{"name": {"dtype": "F32", "shape": […], "data_offsets": [begin, end]}, "__metadata__": {…}}`),
/// then the raw little-endian tensor data, offsets relative to the start of the data.
///
/// MixLab writes only `F32` and seals the whole file with a CRC-32 in the metadata (`FileIntegrity`,
/// `mixlab.integrity`), so a changed byte anywhere — header, metadata or tensors — is detected on load,
/// not just a truncation; files written before the seal carry a CRC-32 of the data section only
/// (`mixlab.crc32`), which is still checked. Files are
/// written atomically: to a temporary file in the same folder, flushed to disk, then renamed over the
/// target, so a crash leaves either the old file or the new one, never half of one.
///
/// Reference: the safetensors format, https://github.com/huggingface/safetensors (README, "Format").
public enum SafeTensors {
    /// The metadata key holding MixLab's checksum of the data section.
    public static let checksumKey = "mixlab.crc32"

    /// A loaded file: tensors by name and the metadata.
    public struct Contents: Sendable {
        /// The tensors by name.
        public var tensors: [String: Tensor]
        /// The `__metadata__` strings (a file MixLab wrote also holds `mixlab.crc32`).
        public var metadata: [String: String]

        /// Contents from tensors and metadata.
        public init(tensors: [String: Tensor], metadata: [String: String] = [:]) {
            self.tensors = tensors
            self.metadata = metadata
        }
    }

    /// Writes `contents` to `path` atomically.
    ///
    /// - Throws: `MixLabError.ioFailure` naming the path when the folder is missing or not writable.
    public static func write(_ contents: Contents, to path: String) throws {
        try AtomicFile.write(encode(contents), to: path)
    }

    /// The bytes `write(_:to:)` writes for `contents`, sealed (what `decode(_:path:)` reads): for sending a
    /// checkpoint to other processes without a file. O(bytes).
    public static func encode(_ contents: Contents) throws -> Data {
        let names = contents.tensors.keys.sorted()
        var data = Data()
        var header: [String: Any] = [:]
        for name in names {
            let tensor = contents.tensors[name]!
            let begin = data.count
            tensor.withUnsafeBufferPointer { buffer in
                for value in buffer {
                    var bits = value.bitPattern.littleEndian
                    withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
                }
            }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [begin, data.count]]
        }
        var metadata = contents.metadata
        metadata[checksumKey] = String(CRC32.checksum(data))
        metadata[FileIntegrity.key] = FileIntegrity.placeholder
        header["__metadata__"] = metadata
        var headerBytes = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }  // pad with spaces, as the reference does
        var file = Data()
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
        file.append(headerBytes)
        file.append(data)
        return FileIntegrity.seal(file)
    }

    /// Reads a safetensors file, checking its structure (and MixLab's checksum when present).
    ///
    /// - Throws: `MixLabError.ioFailure` for a missing, truncated or corrupted file, or a dtype other
    ///   than F32, naming the file and the tensor.
    public static func read(_ path: String) throws -> Contents {
        guard let file = FileManager.default.contents(atPath: path) else {
            throw MixLabError(.ioFailure, what: "cannot read \(path)", location: "safetensors",
                              fix: "check the path (the file does not exist or is not readable)")
        }
        return try decode(file, path: path)
    }

    /// Decodes the bytes of a safetensors file, checking its structure (and MixLab's checksum when
    /// present); `path` names the file in errors.
    ///
    /// - Throws: as `read(_:)`.
    public static func decode(_ file: Data, path: String) throws -> Contents {
        let fix = "the file is truncated or corrupted: restore it from a backup or an earlier checkpoint"
        func corrupt(_ what: String) -> MixLabError {
            MixLabError(.ioFailure, what: "\(path) is not a valid safetensors file: \(what)", location: "safetensors", fix: fix)
        }
        try FileIntegrity.verify(file, path: path, location: "safetensors", fix: fix)
        guard file.count >= 8 else { throw corrupt("only \(file.count) bytes") }
        let headerLength = file.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(file.count - 8), headerLength <= 100_000_000 else {
            throw corrupt("header length \(headerLength) exceeds the file (\(file.count) bytes)")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: file.subdata(in: 8..<headerEnd)) as? [String: Any] else {
            throw corrupt("the JSON header does not parse")
        }
        let data = file.subdata(in: headerEnd..<file.count)
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let values = raw as? [String: String] else { throw corrupt("__metadata__ is not a map of strings") }
            metadata = values
            metadata.removeValue(forKey: FileIntegrity.key)
        }
        var tensors: [String: Tensor] = [:]
        for (name, raw) in header where name != "__metadata__" {
            guard let entry = raw as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw corrupt("the entry for '\(name)' lacks dtype, shape or data_offsets") }
            guard dtype == "F32" else {
                throw MixLabError(.ioFailure, what: "tensor '\(name)' in \(path) has dtype \(dtype); MixLab reads F32",
                                  location: "safetensors", fix: "convert the checkpoint to float32 (e.g. model.float() in PyTorch) and save it again")
            }
            let (begin, end) = (offsets[0], offsets[1])
            // The element count, refusing shapes whose size overflows (a damaged header must not trap).
            let elements = shape.reduce(Optional(1)) { product, size in
                guard let product, size >= 0 else { return nil }
                let (value, overflow) = product.multipliedReportingOverflow(by: size)
                return overflow || value > Int.max / 4 ? nil : value
            }
            guard let elements, begin >= 0, begin <= end, end <= data.count, end - begin == elements * 4
            else { throw corrupt("tensor '\(name)' (shape \(shape), bytes \(begin)..<\(end)) does not fit the data (\(data.count) bytes)") }
            var tensor = Tensor(uninitialized: shape)
            tensor.withUnsafeMutableBufferPointer { buffer in
                data.withUnsafeBytes { bytes in
                    for i in 0..<buffer.count {
                        let bits = bytes.loadUnaligned(fromByteOffset: begin + 4 * i, as: UInt32.self)
                        buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                }
            }
            tensors[name] = tensor
        }
        if let expected = metadata[checksumKey], expected != String(CRC32.checksum(data)) {
            throw corrupt("the data does not match its checksum (\(checksumKey))")
        }
        return Contents(tensors: tensors, metadata: metadata)
    }
}
