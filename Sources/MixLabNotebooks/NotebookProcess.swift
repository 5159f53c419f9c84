import Foundation
import MixLabCore

/// A child process of a notebook run: a shell block, a notebook's Swift program, or the Swift build.
///
/// Standard output and error go to files in a scratch folder (any amount of output is kept and the child
/// never blocks on a full pipe); standard input is a pipe when asked for (the Swift program reads "go"
/// lines from it), `/dev/null` otherwise. Foundation starts each child as the leader of its own process
/// group, so stopping it also stops what it started (a `mixlab` called from a shell block).
final class NotebookProcess {
    /// The processes currently running, so that an interrupted run can stop them.
    nonisolated(unsafe) private static var running: Set<Int32> = []
    private static let lock = NSLock()

    private let process = Process()
    private let outputFile: URL
    private let errorFile: URL
    private let input: Pipe?
    private var outputReader: FileHandle?
    private var consumed: UInt64 = 0

    /// Starts `executable` with `arguments` in `directory`; output files are `NAME.stdout` and
    /// `NAME.stderr` in `scratch`.
    ///
    /// - Throws: `MixLabError.ioFailure` when the process cannot be started.
    init(
        executable: URL, arguments: [String], directory: URL, environment: [String: String], scratch: URL, name: String,
        acceptsInput: Bool = false
    ) throws {
        outputFile = scratch.appendingPathComponent(name + ".stdout")
        errorFile = scratch.appendingPathComponent(name + ".stderr")
        for file in [outputFile, errorFile] {
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
                throw MixLabError(.ioFailure, what: "cannot create \(file.path)", location: "mixlab notebook run",
                                  fix: "check that the temporary folder is writable (TMPDIR)")
            }
        }
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        input = acceptsInput ? Pipe() : nil
        process.standardInput = input ?? FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw MixLabError(.ioFailure, what: "cannot start \(executable.path) (\(error.localizedDescription))",
                              location: "mixlab notebook run", fix: "check that \(executable.path) exists and is executable")
        }
        Self.lock.withLock { _ = Self.running.insert(process.processIdentifier) }
        outputReader = try? FileHandle(forReadingFrom: outputFile)
    }

    /// Whether the process is still running.
    var isRunning: Bool { process.isRunning }

    /// The exit status, or the signal number for a process killed by a signal.
    var terminationStatus: Int32 { process.terminationStatus }

    /// Whether the process was killed by a signal.
    var wasSignalled: Bool { process.terminationReason == .uncaughtSignal }

    /// Standard output written since the last call.
    func newOutput() -> Data {
        guard let outputReader else { return Data() }
        outputReader.seek(toFileOffset: consumed)
        let data = outputReader.readDataToEndOfFile()
        consumed += UInt64(data.count)
        return data
    }

    /// Writes `line` and a newline to the process's standard input; false when the process no longer reads
    /// it (the caller then finds out why from the exit status).
    @discardableResult
    func send(_ line: String) -> Bool {
        // A write to a pipe nobody reads must fail with EPIPE, not kill the runner with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        do {
            try input?.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
            return true
        } catch {
            return false
        }
    }

    /// Waits until the process exits or `deadline` passes; true when it exited.
    ///
    /// Polls `isRunning`, then calls `waitUntilExit()` once the child has exited (it returns at once):
    /// without that call, swift-corelibs-foundation keeps the `Process` and its file handles alive for
    /// good (about 1.4 KB per child, seen with LeakSanitizer).
    func waitForExit(until deadline: Date) -> Bool {
        while process.isRunning {
            if Date() >= deadline { return false }
            usleep(10_000)
        }
        process.waitUntilExit()
        finished()
        return true
    }

    /// Stops the process and everything in its process group: SIGTERM, then SIGKILL after two seconds.
    func stop() {
        guard process.isRunning else { return }
        let group = process.processIdentifier
        kill(-group, SIGTERM)
        if !waitForExit(until: Date().addingTimeInterval(2)) {
            kill(-group, SIGKILL)
            process.waitUntilExit()
        }
        finished()
    }

    /// The last `count` lines of standard error (or of standard output when standard error is empty),
    /// without the raw stack trace a Swift trap prints after its message.
    func tail(lines count: Int = 20) -> String {
        for file in [errorFile, outputFile] {
            var text = NotebookOutput.normalised((try? Data(contentsOf: file)) ?? Data())
            if let trace = text.range(of: "\nCurrent stack trace:") { text = String(text[..<trace.lowerBound]) }
            if !text.isEmpty { return text.components(separatedBy: "\n").suffix(count).joined(separator: "\n") }
        }
        return "(no output)"
    }

    private func finished() {
        Self.lock.withLock { _ = Self.running.remove(process.processIdentifier) }
        try? input?.fileHandleForWriting.close()
    }

    deinit {
        if process.isRunning { stop() }
        try? outputReader?.close()
    }

    /// Sends SIGTERM to every running child's process group (used when the run itself is interrupted).
    static func stopAll() {
        for group in lock.withLock({ running }) { kill(-group, SIGTERM) }
    }
}
