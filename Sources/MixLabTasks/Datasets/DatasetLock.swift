import Foundation
import MixLabCore

extension DataCache {
    /// Takes the lock of dataset `name` (a `FileLock` on `.lock-NAME` in the cache folder), held while the
    /// dataset is prepared, so two `mixlab data fetch` processes never prepare the same dataset at once.
    ///
    /// - Throws: `MixLabError.ioFailure` naming the holder when another process holds it, or when the lock
    ///   file cannot be created.
    func lockDataset(_ name: String) throws -> FileLock {
        let path = root + "/.lock-" + name
        guard let lock = try FileLock(path: path, location: "data cache \(root)") else {
            let holder = FileLock.holder(of: path).map { " (\($0))" } ?? ""
            throw MixLabError(.ioFailure, what: "another process\(holder) is preparing '\(name)' in \(root) right now",
                              location: "data cache \(root)", fix: "wait for it to finish, then run the command again")
        }
        return lock
    }
}
