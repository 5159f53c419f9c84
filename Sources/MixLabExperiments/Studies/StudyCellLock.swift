import Foundation
import MixLabCore

/// An exclusive, non-blocking lock on a cell's run directory (`flock` on `<run directory>/.lock`), so
/// that two processes never train the same cell in the same directory at once (a shard started
/// twice, a requeued Slurm task whose first attempt still runs).
///
/// The kernel releases the lock when the process ends, however it ends, so a killed run never leaves
/// a stale lock behind; the `.lock` file itself stays and is harmless.
final class StudyCellLock {
    private let descriptor: Int32

    /// Takes the lock of `directory`, or returns nil when another process holds it.
    ///
    /// - Throws: `MixLabError.ioFailure` when the lock file cannot be opened or locked.
    init?(directory: URL) throws {
        let path = directory.appendingPathComponent(".lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MixLabError(.ioFailure, what: "cannot open \(path) (\(String(cString: strerror(errno))))", location: path,
                              fix: "check that the study folder is writable")
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let failure = errno
            close(descriptor)
            if failure == EWOULDBLOCK { return nil }
            throw MixLabError(.ioFailure, what: "cannot lock \(path) (\(String(cString: strerror(failure))))", location: path,
                              fix: "use a filesystem with flock support for the study folder")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
