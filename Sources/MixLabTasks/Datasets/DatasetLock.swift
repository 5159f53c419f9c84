import Foundation
import MixLabCore

/// An exclusive advisory lock (`flock`) on one dataset of a cache, held while it is prepared, so two
/// `mixlab data fetch` processes never prepare the same dataset at once. Released when the lock is
/// deallocated or the process ends (even when it is killed).
final class DatasetLock {
    private let descriptor: Int32

    /// Takes the lock of dataset `name` in `cache` (the file `.lock-NAME` in the cache folder).
    ///
    /// - Throws: `MixLabError.ioFailure` when another process holds it or the lock file cannot be opened.
    init(_ name: String, in cache: DataCache) throws {
        let path = cache.root + "/.lock-" + name
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MixLabError(.ioFailure, what: "cannot open \(path) (\(String(cString: strerror(errno))))",
                              location: "data cache \(cache.root)", fix: "check that the cache folder is writable")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw MixLabError(.ioFailure, what: "another process is preparing '\(name)' in \(cache.root) right now",
                              location: "data cache \(cache.root)", fix: "wait for it to finish, then run the command again")
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
