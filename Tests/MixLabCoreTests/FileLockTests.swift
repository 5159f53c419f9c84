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
        #expect(try FileLock(path: path, location: "test") == nil)
        first = nil
        #expect(FileLock.holder(of: path) == nil)
        #expect(try FileLock(path: path, location: "test") != nil, "released when the object goes away")
    }

    @Test func namesAnotherProcessThatHoldsIt() throws {
        let path = Self.temporaryPath("other")
        defer { unlink(path) }
        // util-linux's flock(1) takes the same kind of lock and, not forking, holds it as `sleep` (same process).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--no-fork", path, "sleep", "60"]
        try holder.run()
        var named: FileLock.Holder?
        for _ in 0..<500 where named == nil {
            named = FileLock.holder(of: path)
            if named == nil { usleep(10_000) }
        }
        #expect(named?.pid == holder.processIdentifier)
        #expect(named?.description.hasPrefix("process \(holder.processIdentifier) (") == true, "\(String(describing: named))")
        #expect(try FileLock(path: path, location: "test") == nil)
        kill(holder.processIdentifier, SIGKILL)  // SIGTERM may be blocked in a child of the test process
        holder.waitUntilExit()
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
