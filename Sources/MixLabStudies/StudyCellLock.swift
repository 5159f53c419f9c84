import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

/// An exclusive, non-blocking lock on a study cell (`flock` on `runs/<cell ID>.lock`), so that two
/// processes never run the same cell at once (a shard started twice, a requeued Slurm task whose first
/// attempt still runs).
///
/// The kernel releases the lock when the process ends, however it ends, so a killed run never leaves
/// a stale lock behind; the lock file itself stays and is harmless.
final class StudyCellLock {
    private let descriptor: Int32

    /// Takes the lock `file`, or returns nil when another process holds it.
    ///
    /// - Throws: `MixLabError.ioFailure` when the lock file cannot be opened or locked.
    init?(file: URL) throws {
        let path = file.path
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
