import Foundation
import MixLabCore

/// The prepared datasets this process has opened, so that building many tasks on one dataset reads and
/// verifies its files once.
///
/// An entry is keyed by the dataset folder and a fingerprint of its manifest and files (size, inode,
/// modification time): a dataset prepared again, or a file changed on disk, is read and verified anew.
/// Safe to use from several threads; loads run one at a time.
final class PreparedDatasetStore: @unchecked Sendable {
    /// The store of this process.
    static let shared = PreparedDatasetStore()

    private let lock = NSLock()
    private var entries: [String: (fingerprint: String, value: any Sendable)] = [:]

    /// The value cached for `folder` with `fingerprint`, or the result of `load` (which is then cached).
    func value<Value: Sendable>(for folder: String, fingerprint: String, load: () throws -> Value) throws -> Value {
        try lock.withLock {
            if let entry = entries[folder], entry.fingerprint == fingerprint, let value = entry.value as? Value { return value }
            let value = try load()
            entries[folder] = (fingerprint, value)
            return value
        }
    }

    /// A fingerprint of the manifest and the listed files of a prepared dataset.
    ///
    /// - Throws: the damaged-dataset error of `DatasetManifest` when a listed file is missing.
    static func fingerprint(of manifest: DatasetManifest, in cache: DataCache, location: String) throws -> String {
        var parts: [String] = []
        for name in [DatasetManifest.fileName] + manifest.files.map(\.name) {
            var info = stat()
            guard stat(cache.directory(of: manifest.dataset) + "/" + name, &info) == 0 else {
                throw DatasetManifest.damaged(manifest.dataset, cache, location, "its file \(name) is missing")
            }
            parts.append("\(name):\(info.st_size):\(info.st_ino):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)")
        }
        return parts.joined(separator: "|")
    }
}
