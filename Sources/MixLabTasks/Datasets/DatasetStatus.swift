import Foundation
import MixLabCore

/// Whether a dataset is ready in a cache, as `mixlab data list` shows it.
public enum DatasetStatus: Sendable {
    /// Prepared: the manifest and its files are there (with their checksums when verified).
    case prepared(DatasetManifest)
    /// Nothing is prepared (a leftover partial folder does not count).
    case notPrepared
    /// A dataset folder is there but unusable; the error says why and the command that repairs it.
    case damaged(MixLabError)

    /// The status of dataset `name` in `cache`.
    ///
    /// - Parameters:
    ///   - name: the dataset's catalog name.
    ///   - cache: the data cache to look in.
    ///   - verifyChecksums: also compare every file's SHA-256 with the manifest (reads all the
    ///     data); otherwise only the manifest, the files' presence and their sizes are checked.
    public static func check(_ name: String, in cache: DataCache, verifyChecksums: Bool = false) -> DatasetStatus {
        guard FileManager.default.fileExists(atPath: cache.directory(of: name)) else { return .notPrepared }
        do {
            let manifest = try DatasetManifest.read(dataset: name, in: cache, location: "data cache")
            if verifyChecksums {
                try manifest.verifyFiles(in: cache, location: "data cache")
            } else {
                for file in manifest.files {
                    let attributes = try? FileManager.default.attributesOfItem(atPath: cache.directory(of: name) + "/" + file.name)
                    let size = (attributes?[.size] as? NSNumber)?.intValue
                    guard size == file.bytes else {
                        throw DatasetManifest.damaged(
                            name, cache, "data cache",
                            size == nil ? "its file \(file.name) is missing" : "its file \(file.name) has \(size!) bytes, the manifest says \(file.bytes)")
                    }
                }
            }
            return .prepared(manifest)
        } catch let error as MixLabError {
            return .damaged(error)
        } catch {
            return .damaged(DatasetManifest.damaged(name, cache, "data cache", "\(error)"))
        }
    }
}
