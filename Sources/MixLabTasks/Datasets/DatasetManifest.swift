import Foundation
import MixLabCore

/// The description of a prepared dataset, written last into its folder as `manifest.json`.
///
/// A folder is a prepared dataset only when its manifest parses, has the current `format`, and every
/// file it lists exists with the listed size and SHA-256. The manifest also records where the data came
/// from (artifact and its SHA-256), the split rule, and the counts per split and class, so a result can
/// be traced to the exact bytes it was trained on.
///
/// Prepared files (all in the dataset folder):
/// - text datasets: `train.tsv`, `validation.tsv`, `test.tsv`, one example per line:
///   `CLASS<TAB>SOURCE<TAB>TEXT\n`, UTF-8, where CLASS is a class name, SOURCE says where the example
///   came from (file and line, movie, page) and TEXT has every run of white space replaced by one space
///   (so it holds no tab or newline).
/// - image datasets: `SPLIT-images.u8` (count × height × width intensities, row-major, one byte each)
///   and `SPLIT-labels.u8` (one class index per image).
public struct DatasetManifest: Sendable, Equatable, Codable {
    /// The manifest's file name inside a dataset folder.
    public static let fileName = "manifest.json"
    /// The format version this MixLab writes and reads.
    public static let currentFormat = "mixlab.dataset.v1"

    /// Where the prepared data came from.
    public struct Source: Sendable, Equatable, Codable {
        /// The artifact's file name.
        public var artifact: String
        /// The SHA-256 of the artifact that was read.
        public var sha256: String
        /// The SHA-256 the catalog pins (differs from `sha256` only when a user accepted a new artifact).
        public var pinnedSHA256: String
        /// How it was obtained: the download command, or `--artifact PATH`.
        public var obtainedBy: String
        /// The paths read inside the artifact.
        public var paths: [String]

        /// A source from its parts.
        public init(artifact: String, sha256: String, pinnedSHA256: String, obtainedBy: String, paths: [String]) {
            self.artifact = artifact
            self.sha256 = sha256
            self.pinnedSHA256 = pinnedSHA256
            self.obtainedBy = obtainedBy
            self.paths = paths
        }
    }

    /// One split's size.
    public struct SplitCounts: Sendable, Equatable, Codable {
        /// Examples in the split.
        public var count: Int
        /// Examples of each class, in class order.
        public var perClass: [Int]

        /// Counts from their parts.
        public init(count: Int, perClass: [Int]) {
            self.count = count
            self.perClass = perClass
        }
    }

    /// One prepared file and its checksum.
    public struct File: Sendable, Equatable, Codable {
        /// The file name inside the dataset folder.
        public var name: String
        /// Its size in bytes.
        public var bytes: Int
        /// Its SHA-256.
        public var sha256: String

        /// An entry from its parts.
        public init(name: String, bytes: Int, sha256: String) {
            self.name = name
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// The shape and range of an image dataset's examples.
    public struct ImageShape: Sendable, Equatable, Codable {
        /// Rows per image.
        public var height: Int
        /// Columns per image.
        public var width: Int
        /// The largest intensity (255 for bytes, 16 for sklearn digits).
        public var maximum: Int

        /// A shape from its parts.
        public init(height: Int, width: Int, maximum: Int) {
            self.height = height
            self.width = width
            self.maximum = maximum
        }
    }

    /// The format version (`currentFormat`).
    public var format: String
    /// The dataset name.
    public var dataset: String
    /// Text or image examples.
    public var kind: DatasetDescriptor.Kind
    /// The class names in label order.
    public var classes: [String]
    /// Image shape (image datasets only).
    public var image: ImageShape?
    /// Counts by split name (`train`, `validation`, `test`).
    public var splits: [String: SplitCounts]
    /// Every prepared file with its size and checksum.
    public var files: [File]
    /// The artifact the data came from.
    public var source: Source
    /// How the splits were formed.
    public var splitRule: String
    /// What preparation removed or changed, with counts (e.g. `dropped plot rows: 1097`).
    public var notes: [String]
    /// When it was prepared (ISO 8601, UTC).
    public var preparedAt: String

    /// The counts of `split` (zero when absent).
    public func counts(_ split: TaskSplit) -> SplitCounts {
        splits[split.rawValue] ?? SplitCounts(count: 0, perClass: Array(repeating: 0, count: classes.count))
    }

    /// The manifest as pretty, key-sorted JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads and checks the manifest of dataset `name` in `cache`.
    ///
    /// - Throws: `MixLabError.ioFailure` when the dataset is not prepared (the fix is the fetch command),
    ///   or when the manifest is unreadable, of another format, or for another dataset (the fix is the
    ///   fetch command with `--force`).
    public static func read(dataset name: String, in cache: DataCache, location: String) throws -> DatasetManifest {
        let path = cache.manifestPath(of: name)
        guard let data = FileManager.default.contents(atPath: path) else {
            let folderExists = FileManager.default.fileExists(atPath: cache.directory(of: name))
            throw MixLabError(
                .ioFailure,
                what: folderExists
                    ? "the dataset '\(name)' in \(cache.root) has no manifest (its preparation did not finish)"
                    : "the dataset '\(name)' is not prepared in \(cache.root)",
                location: location,
                fix: folderExists
                    ? "run `\(cache.fetchCommand(name, force: true))` to prepare it again"
                    : "run `\(cache.fetchCommand(name))` once (downloads and prepares it; nothing is downloaded while training)")
        }
        return try decode(data, dataset: name, in: cache, location: location)
    }

    /// Decodes and checks the bytes of the manifest of dataset `name` in `cache` (see `read`).
    ///
    /// - Throws: the damaged-dataset error when the bytes are damaged, do not decode, or describe another
    ///   format or dataset.
    public static func decode(_ data: Data, dataset name: String, in cache: DataCache, location: String) throws -> DatasetManifest {
        let path = cache.manifestPath(of: name)
        do {
            try FileIntegrity.verify(data, path: path, location: location, fix: "run `\(cache.fetchCommand(name, force: true))` to prepare it again")
        } catch let error as MixLabError {
            throw damaged(name, cache, location, "its manifest: \(error.what)")
        }
        let manifest: DatasetManifest
        do { manifest = try JSONDecoder().decode(DatasetManifest.self, from: data) } catch {
            throw damaged(name, cache, location, "its manifest \(path) does not parse (\(error))")
        }
        guard manifest.format == currentFormat else {
            throw damaged(name, cache, location, "its manifest has format '\(manifest.format)'; this MixLab reads '\(currentFormat)'")
        }
        guard manifest.dataset == name else {
            throw damaged(name, cache, location, "its manifest describes '\(manifest.dataset)'")
        }
        return manifest
    }

    /// Checks that every listed file exists with its size and SHA-256.
    ///
    /// - Throws: `MixLabError.ioFailure` naming the file, expected vs found, and the fetch command that
    ///   prepares the dataset again.
    public func verifyFiles(in cache: DataCache, location: String) throws {
        let folder = cache.directory(of: dataset)
        for file in files {
            let path = folder + "/" + file.name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = (attributes[.size] as? NSNumber)?.intValue else {
                throw Self.damaged(dataset, cache, location, "its file \(file.name) is missing")
            }
            guard size == file.bytes else {
                throw Self.damaged(dataset, cache, location, "its file \(file.name) has \(size) bytes, the manifest says \(file.bytes)")
            }
            let found = try ContentDigest.hex(ofFileAt: path)
            guard found == file.sha256 else {
                throw Self.damaged(dataset, cache, location, "its file \(file.name) has SHA-256 \(found), the manifest says \(file.sha256)")
            }
        }
    }

    /// The error for a damaged prepared dataset: what is wrong, and the command that prepares it again.
    public static func damaged(_ name: String, _ cache: DataCache, _ location: String, _ what: String) -> MixLabError {
        MixLabError(
            .ioFailure, what: "the prepared dataset '\(name)' in \(cache.root) is damaged: \(what)", location: location,
            fix: "run `\(cache.fetchCommand(name, force: true))` to prepare it again")
    }
}
