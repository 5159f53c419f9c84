import Foundation
import MixLabCore

/// A prepared image dataset in memory: per split, the images and labels.
///
/// Opened through `open(_:in:location:)`, which checks the manifest and the SHA-256 of every file once
/// per process (cached in `PreparedDatasetStore`). Immutable, so tasks share it across threads.
final class PreparedImageSet: Sendable {
    /// The manifest the images were read with.
    let manifest: DatasetManifest
    private let splits: [TaskSplit: ImageSet]

    private init(manifest: DatasetManifest, splits: [TaskSplit: ImageSet]) {
        self.manifest = manifest
        self.splits = splits
    }

    /// The images of `split`.
    func split(_ split: TaskSplit) -> ImageSet {
        splits[split]!
    }

    /// Opens the prepared image dataset `name` of `cache`.
    ///
    /// - Throws: `MixLabError.ioFailure` when it is not prepared (the fix is the exact fetch command) or
    ///   damaged (the fix is the fetch command with `--force`).
    static func open(_ name: String, in cache: DataCache, location: String) throws -> PreparedImageSet {
        let manifest = try DatasetManifest.read(dataset: name, in: cache, location: location)
        guard manifest.kind == .image, let shape = manifest.image, shape.height > 0, shape.width > 0 else {
            throw DatasetManifest.damaged(name, cache, location, "its manifest does not describe images")
        }
        let fingerprint = try PreparedDatasetStore.fingerprint(of: manifest, in: cache, location: location)
        return try PreparedDatasetStore.shared.value(for: cache.directory(of: name), fingerprint: fingerprint) {
            try manifest.verifyFiles(in: cache, location: location)
            var splits: [TaskSplit: ImageSet] = [:]
            for split in TaskSplit.allCases {
                let folder = cache.directory(of: name) + "/"
                guard let pixelData = FileManager.default.contents(atPath: folder + PreparedDatasetWriter.imageFile(split)),
                      let labelData = FileManager.default.contents(atPath: folder + PreparedDatasetWriter.labelFile(split)) else {
                    throw DatasetManifest.damaged(name, cache, location, "the \(split.rawValue) files cannot be read")
                }
                splits[split] = try decode(pixels: pixelData, labels: labelData, split, of: manifest, in: cache, location: location)
            }
            return PreparedImageSet(manifest: manifest, splits: splits)
        }
    }

    /// Checks and decodes the bytes of a split's pixel and label files (one byte per pixel, row-major,
    /// image after image; one byte per label) against the manifest's counts, shape and classes. O(n).
    static func decode(
        pixels pixelData: Data, labels labelData: Data, _ split: TaskSplit, of manifest: DatasetManifest, in cache: DataCache,
        location: String
    ) throws -> ImageSet {
        guard let shape = manifest.image, shape.height > 0, shape.width > 0 else {
            throw DatasetManifest.damaged(manifest.dataset, cache, location, "its manifest does not describe images")
        }
        let (pixels, labels) = ([UInt8](pixelData), [UInt8](labelData))
        let expected = manifest.counts(split)
        var perClass = [Int](repeating: 0, count: manifest.classes.count)
        for label in labels where Int(label) < perClass.count { perClass[Int(label)] += 1 }
        let (area, overflow) = shape.height.multipliedReportingOverflow(by: shape.width)
        let (total, overflowTotal) = expected.count.multipliedReportingOverflow(by: area)
        guard !overflow, !overflowTotal, labels.count == expected.count, pixels.count == total,
              perClass == expected.perClass, Int(labels.max() ?? 0) < manifest.classes.count,
              Int(pixels.max() ?? 0) <= shape.maximum else {
            throw DatasetManifest.damaged(
                manifest.dataset, cache, location,
                "the \(split.rawValue) files hold \(labels.count) labels and \(pixels.count) pixels (or values out of range); "
                    + "the manifest says \(expected.count) images of \(shape.height)×\(shape.width)")
        }
        return ImageSet(height: shape.height, width: shape.width, pixels: pixels, labels: labels)
    }
}
