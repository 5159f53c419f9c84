import Foundation

/// An exclusive advisory lock on a file (`flock(2)`), held until this object goes away.
///
/// The kernel releases the lock when the process ends in any way, even by SIGKILL, so a killed process
/// never leaves a stale lock behind (the file itself stays and is harmless). A `flock` lock belongs to
/// an open file description, so a second `FileLock` on the same file is refused even within one
/// process. A refused caller can name the process that holds the lock (`holder(of:)`).
///
/// A lock that this process holds is waited for briefly (`init`'s `patience`) before it is refused: a
/// lock that another thread is releasing, or that a short-lived child started by another thread holds
/// through a descriptor it inherited as one of its standard streams, goes by itself.
public final class FileLock: @unchecked Sendable {
    /// The process holding a lock, as `/proc/locks` names it.
    public struct Holder: Sendable, Equatable, CustomStringConvertible {
        /// The process that took the lock.
        public let pid: pid_t
        /// Its command name (`/proc/PID/comm`), when readable.
        public let command: String?

        /// Whether it is this process.
        public var isThisProcess: Bool { pid == getpid() }

        /// `this process`, or `process 123 (mixlab)`.
        public var description: String {
            isThisProcess ? "this process" : "process \(pid)" + (command.map { " (\($0))" } ?? "")
        }
    }

    /// How long a lock held by this process is waited for by default, in nanoseconds.
    public static let defaultPatience: UInt64 = 2_000_000_000

    private let descriptor: Int32

    /// Takes the lock on `path` (creating the file when missing), or returns nil when another open file
    /// description holds it.
    ///
    /// - Parameters:
    ///   - path: the lock file.
    ///   - location: where the lock is, for errors (e.g. `run folder (--out)`).
    ///   - patience: how long to wait, in nanoseconds, while the holder is this process.
    /// - Throws: `MixLabError.ioFailure` naming `path` when it cannot be opened, or cannot be locked for
    ///   another reason than a holder (a file system without `flock`).
    public init?(path: String, location: String, patience: UInt64 = FileLock.defaultPatience) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let failure = errno
            throw MixLabError(.ioFailure, what: "cannot create \(path) (\(String(cString: strerror(failure))))", location: location,
                              fix: "check that the folder exists and is writable, or choose another one")
        }
        let deadline = DispatchTime.now().uptimeNanoseconds + patience
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let failure = errno
            if failure == EINTR { continue }
            if failure == EWOULDBLOCK, Self.holder(of: path)?.isThisProcess == true, DispatchTime.now().uptimeNanoseconds < deadline {
                usleep(10_000)
                continue
            }
            close(descriptor)
            if failure == EWOULDBLOCK { return nil }
            throw MixLabError(.ioFailure, what: "cannot lock \(path) (\(String(cString: strerror(failure))))", location: location,
                              fix: "use a local file system with flock support (not every network share has it)")
        }
        self.descriptor = descriptor
    }

    /// Unlocks, then closes: the unlock releases every copy of the descriptor (a child being started by
    /// another thread holds one until its `exec`), which closing ours alone would not.
    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// The process holding a `flock` lock on `path`; nil when there is none or `/proc/locks` does not say.
    ///
    /// `/proc/locks` lists a lock a line, e.g. `1: FLOCK  ADVISORY  WRITE 12996 fe:00:16220391 0 EOF`: the
    /// process that took it, then the device (major and minor, hexadecimal) and the inode; waiting
    /// requests carry `->` after the number and are skipped. A lock on the file's inode and device is
    /// the answer; failing that, the only lock on its inode (file systems such as btrfs report another
    /// device in `stat` than in `/proc/locks`). O(number of locks in the system).
    public static func holder(of path: String) -> Holder? {
        var status = stat()
        guard stat(path, &status) == 0, let table = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        // glibc's encoding of a device number (gnu_dev_major / gnu_dev_minor).
        let device = UInt64(status.st_dev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & 0xffff_f000)
        let minor = (device & 0xff) | ((device >> 12) & 0xffff_ff00)
        var sameInode: [(pid: pid_t, sameDevice: Bool)] = []
        for line in table.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK", let pid = pid_t(fields[4]) else { continue }
            let identity = fields[5].split(separator: ":")
            guard identity.count == 3, UInt64(identity[2]) == UInt64(status.st_ino) else { continue }
            sameInode.append((pid, UInt64(identity[0], radix: 16) == major && UInt64(identity[1], radix: 16) == minor))
        }
        guard let pid = sameInode.first(where: \.sameDevice)?.pid ?? (sameInode.count == 1 ? sameInode[0].pid : nil) else { return nil }
        let command = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return Holder(pid: pid, command: command)
    }
}
