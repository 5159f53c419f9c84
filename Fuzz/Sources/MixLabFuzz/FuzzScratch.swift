import Foundation
import MixLabCore
@testable import MixLabTasks

/// The scratch folder of one fuzzing process, for readers that take a path: a folder under the
/// temporary directory, removed when the process exits normally.
final class FuzzScratch: @unchecked Sendable {
    /// The scratch folder of this process.
    static let shared = FuzzScratch()

    /// The folder.
    let root: String
    /// A data cache inside it, for the prepared-dataset targets.
    let cache: DataCache

    private init() {
        let temporary = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        root = "\(temporary)/mixlab-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        cache = DataCache(root: root + "/cache")
        atexit { try? FileManager.default.removeItem(atPath: FuzzScratch.shared.root) }
    }

    /// Writes `data` to `relativePath` under the scratch folder and returns the file's folder.
    @discardableResult
    func write(_ data: Data, to relativePath: String) -> String {
        let path = root + "/" + relativePath
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: data)
        return folder
    }

    /// Writes `data` to a file named `name` and returns its path.
    func file(_ data: Data, named name: String) -> String {
        write(data, to: name) + "/" + name
    }

    /// Prepares the text dataset `fuzz-text` from `data`: the input cut in three at the points its first
    /// two bytes give (train, valid, test `.tsv` files), with a manifest whose sizes and SHA-256 match,
    /// so that the line parser (not the checksum) meets the bytes.
    func prepareText(_ data: Data) {
        let pieces = Self.threePieces(data)
        var files: [DatasetManifest.File] = []
        for (split, piece) in zip(TaskSplit.allCases, pieces) {
            let name = PreparedDatasetWriter.textFile(split)
            write(piece, to: "cache/fuzz-text/\(name)")
            files.append(.init(name: name, bytes: piece.count, sha256: ContentDigest.hex(of: piece)))
        }
        writeManifest(dataset: "fuzz-text", kind: "text", image: nil, files: files)
    }

    /// Prepares the image dataset `fuzz-image` (2×2 images, values ≤ 16) from `data`: per split, a
    /// pixel file and a label file cut from the input, with a manifest whose sizes and SHA-256 match.
    func prepareImages(_ data: Data) {
        let pieces = Self.threePieces(data)
        var files: [DatasetManifest.File] = []
        for (split, piece) in zip(TaskSplit.allCases, pieces) {
            let labelCount = piece.count / 5
            let labels = piece.prefix(labelCount)
            let pixels = piece.dropFirst(labelCount)
            for (name, bytes) in [(PreparedDatasetWriter.imageFile(split), Data(pixels)), (PreparedDatasetWriter.labelFile(split), Data(labels))] {
                write(bytes, to: "cache/fuzz-image/\(name)")
                files.append(.init(name: name, bytes: bytes.count, sha256: ContentDigest.hex(of: bytes)))
            }
        }
        writeManifest(dataset: "fuzz-image", kind: "image", image: #"{"height": 2, "width": 2, "maximum": 16}"#, files: files)
    }

    /// The input cut in three at the points its first two bytes give (as fractions of the rest).
    static func threePieces(_ data: Data) -> [Data] {
        guard data.count >= 2 else { return [data, Data(), Data()] }
        let rest = data.dropFirst(2)
        let first = rest.startIndex + Int(data[data.startIndex]) * rest.count / 255
        let second = first + Int(data[data.startIndex + 1]) * (rest.endIndex - first) / 255
        return [Data(rest[..<first]), Data(rest[first..<second]), Data(rest[second...])]
    }

    /// Writes a manifest for `dataset` listing `files`, with two classes and split counts of 2 each.
    private func writeManifest(dataset: String, kind: String, image: String?, files: [DatasetManifest.File]) {
        let template = """
            {"format": "\(DatasetManifest.currentFormat)", "dataset": "\(dataset)", "kind": "\(kind)", "classes": ["a", "b"],
             \(image.map { "\"image\": \($0)," } ?? "")
             "splits": {"train": {"count": 2, "perClass": [1, 1]}, "validation": {"count": 2, "perClass": [1, 1]},
                        "test": {"count": 2, "perClass": [1, 1]}},
             "files": [], "source": {"artifact": "fuzz", "sha256": "", "pinnedSHA256": "", "obtainedBy": "fuzz", "paths": []},
             "splitRule": "fuzz", "notes": [], "preparedAt": "2026-01-01T00:00:00Z"}
            """
        guard var manifest = try? JSONDecoder().decode(DatasetManifest.self, from: Data(template.utf8)) else {
            fatalError("the fuzz manifest template does not decode: update FuzzScratch.writeManifest to the manifest format")
        }
        manifest.files = files
        guard let encoded = try? manifest.encoded() else { fatalError("the fuzz manifest does not encode") }
        write(encoded, to: "cache/\(dataset)/\(DatasetManifest.fileName)")
    }
}
