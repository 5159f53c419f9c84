import Foundation
import MixLabCore
import Testing

@Suite struct FileLockTests {
    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "mixlab-file-lock-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    @Test func excludesASecondHolderUntilReleasedAndNamesThisProcess() throws {
        let path = Self.temporaryPath("own")
        defer { unlink(path) }
        var first = try FileLock(path: path, location: "test")
        #expect(first != nil && FileManager.default.fileExists(atPath: path))
        #expect(FileLock.holder(of: path)?.pid == getpid())
        #expect(FileLock.holder(of: path)?.description == "this process")
        #expect(try FileLock(path: path, location: "test", patience: 0) == nil)
        first = nil
        #expect(FileLock.holder(of: path) == nil)
        #expect(try FileLock(path: path, location: "test", patience: 0) != nil, "released when the object goes away")
    }

    /// A lock this process holds is waited for: released by another thread during the wait, it is taken.
    @Test func waitsForALockThisProcessIsReleasing() throws {
        let path = Self.temporaryPath("releasing")
        defer { unlink(path) }
        nonisolated(unsafe) var held = try FileLock(path: path, location: "test")
        #expect(held != nil)
        let released = Thread { usleep(200_000); held = nil }
        released.start()
        #expect(try FileLock(path: path, location: "test", patience: 30_000_000_000) != nil)
    }

    @Test func namesAnotherProcessThatHoldsIt() throws {
        let path = Self.temporaryPath("other")
        defer { unlink(path) }
        // util-linux's flock(1) takes the same kind of lock and, not forking, holds it as `sleep` (same process).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--no-fork", path, "sleep", "60"]
        try holder.run()
        var killed = false
        defer { if !killed { kill(holder.processIdentifier, SIGKILL); holder.waitUntilExit() } }
        var named: FileLock.Holder?
        for _ in 0..<3000 where named == nil {
            named = FileLock.holder(of: path)
            if named == nil { usleep(10_000) }
        }
        #expect(named?.pid == holder.processIdentifier)
        #expect(named?.description == "process \(holder.processIdentifier) (sleep)")
        #expect(try FileLock(path: path, location: "test") == nil, "another process's lock is refused at once")
        kill(holder.processIdentifier, SIGKILL)  // SIGTERM may be blocked in the test's children
        holder.waitUntilExit()
        killed = true
        #expect(try FileLock(path: path, location: "test") != nil, "the kernel releases the lock of a process that ended")
    }

    @Test func anUncreatableFileIsAClearError() {
        #expect {
            try FileLock(path: "/proc/mixlab-no-such-folder/.lock", location: "the test folder")
        } throws: { error in
            guard let error = error as? MixLabError else { return false }
            return error.code == .ioFailure && error.what.contains("cannot create /proc/mixlab-no-such-folder/.lock") && error.location == "the test folder"
        }
    }
}
