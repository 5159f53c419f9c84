import Foundation
import MixLabCore

extension DataCache {
    /// Takes the lock of dataset `name`, held while the dataset is prepared.
    ///
    /// A `FileLock` on `.lock-NAME` in the cache folder, so two `mixlab data fetch` processes never prepare
    /// the same dataset at once.
    ///
    /// - Throws: `MixLabError.ioFailure` naming the holder when another process holds it, or when the lock
    ///   file cannot be created.
    func lockDataset(_ name: String) throws -> FileLock {
        let path = root + "/.lock-" + name
        guard let lock = try FileLock(path: path, location: "data cache \(root)") else {
            let holder = FileLock.holder(of: path)
            let who = holder?.isThisProcess == true ? "another thread of this process" : "another process" + (holder.map { " (\($0))" } ?? "")
            throw MixLabError(.ioFailure, what: "\(who) is preparing '\(name)' in \(root) right now",
                              location: "data cache \(root)", fix: "wait for it to finish, then run the command again")
        }
        return lock
    }
}
