import Foundation
import MixLabCore

/// A running notebook program (`NotebookSwiftProgram`): runs its Swift blocks one at a time, when the
/// runner reaches them, and returns each block's standard output.
///
/// The program prints `U+001E NOTEBOOK MARKER N` before block N and waits for a line on its standard input;
/// after the last block it prints `… end` and exits. The output of block N is what the program printed
/// between marker N and the next marker.
final class NotebookSwiftSession {
    private let process: NotebookProcess
    private let markerPrefix: Data
    private var buffer = Data()
    private let notebookPath: String

    /// Starts `executable` in `directory` with `environment` (which must hold `NOTEBOOK_MARKER`).
    init(executable: URL, directory: URL, environment: [String: String], scratch: URL, notebookPath: String) throws {
        markerPrefix = Data(("\u{1E}NOTEBOOK " + (environment["NOTEBOOK_MARKER"] ?? "") + " ").utf8)
        self.notebookPath = notebookPath
        var environment = environment
        // A trap then ends with its message, not a long backtrace (set SWIFT_BACKTRACE to get one).
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        process = try NotebookProcess(
            executable: executable, arguments: [], directory: directory, environment: environment, scratch: scratch,
            name: "swift-program", acceptsInput: true)
    }

    /// Runs `block` and returns its standard output.
    ///
    /// - Throws: `MixLabError.notebookBlockFailed` naming the block's line when the program exits or traps
    ///   during the block, or the block outlives its timeout (the program is then stopped).
    func run(_ block: NotebookBlock) throws -> Data {
        let deadline = Date().addingTimeInterval(block.attributes.timeout)
        process.send("go")
        let start = Data(markerPrefix + Data("\(block.number)\n".utf8))
        while true {
            let exited = !process.isRunning  // Read after checking, so that nothing printed before the exit is missed.
            buffer.append(process.newOutput())
            if let begin = buffer.range(of: start),
               let next = buffer.range(of: markerPrefix, in: begin.upperBound..<buffer.endIndex) {
                let output = buffer.subdata(in: begin.upperBound..<next.lowerBound)
                buffer = buffer.subdata(in: next.lowerBound..<buffer.endIndex)
                return output
            }
            if exited {
                throw failure(block, what: process.wasSignalled
                    ? "Swift block \(block.number) was killed by signal \(process.terminationStatus)"
                    : "Swift block \(block.number) ended the program (exit status \(process.terminationStatus))")
            }
            if Date() >= deadline {
                process.stop()
                throw failure(block, what: "Swift block \(block.number) did not finish within its timeout of \(Int(block.attributes.timeout)) s")
            }
            usleep(10_000)
        }
    }

    /// Lets the program finish after its last block.
    ///
    /// - Throws: `MixLabError.notebookBlockFailed` when it does not exit cleanly (naming `lastBlock`).
    func finish(lastBlock: NotebookBlock) throws {
        process.send("go")
        guard process.waitForExit(until: Date().addingTimeInterval(60)) else {
            process.stop()
            throw failure(lastBlock, what: "the Swift program did not exit after its last block")
        }
        if process.wasSignalled || process.terminationStatus != 0 {
            throw failure(lastBlock, what: "the Swift program failed after its last block (status \(process.terminationStatus))")
        }
    }

    /// Stops the program (after a failure elsewhere).
    func stop() {
        process.stop()
    }

    private func failure(_ block: NotebookBlock, what: String) -> MixLabError {
        MixLabError(
            .notebookBlockFailed, what: what, location: "\(notebookPath):\(block.lineNumber)",
            fix: "fix the block (the notebook is unchanged); its last lines on stderr:\n\(process.tail())")
    }
}
