import Foundation
import MixLabCore

/// A command-line program that data preparation runs (`apt-get`, `pip`, `dpkg-deb`, `unzip`, `tar`,
/// `gzip`, `bzip2`), found on `PATH`, with the Debian package that provides it for the error message.
struct ExternalTool: Sendable {
    /// The program name.
    let name: String
    /// The Debian package to install when it is missing.
    let debianPackage: String

    static let aptGet = ExternalTool(name: "apt-get", debianPackage: "apt")
    static let dpkgDeb = ExternalTool(name: "dpkg-deb", debianPackage: "dpkg")
    static let unzip = ExternalTool(name: "unzip", debianPackage: "unzip")
    static let gzip = ExternalTool(name: "gzip", debianPackage: "gzip")
    static let bzip2 = ExternalTool(name: "bzip2", debianPackage: "bzip2")
    static let tar = ExternalTool(name: "tar", debianPackage: "tar")

    /// What a finished run printed and how it ended.
    struct Result {
        /// The exit status (0 is success).
        let status: Int32
        /// Standard error, and standard output when it was not sent to a file.
        let output: String

        /// The last `lines` lines of the output, for error messages.
        func tail(_ lines: Int = 6) -> String {
            output.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
        }
    }

    /// The program's path on `PATH`, or nil.
    func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The program's path.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` saying which package provides it.
    func require(for purpose: String) throws -> String {
        guard let path = locate() else {
            throw MixLabError(
                .libraryUnavailable, what: "the program '\(name)' is not installed (needed to \(purpose))",
                location: "data preparation",
                fix: "install it: apt-get install \(debianPackage) (or run Scripts/install-deps.sh)")
        }
        return path
    }

    /// Runs the program with `arguments` and waits for it.
    ///
    /// - Parameters:
    ///   - folder: the working folder (the current one when nil).
    ///   - standardOutput: a file to write standard output to (created or truncated); when nil, standard
    ///     output joins standard error in `Result.output`.
    /// - Throws: `MixLabError.libraryUnavailable` when the program is missing, `ioFailure` when it
    ///   cannot start or the output file cannot be created. A non-zero exit is not an error here.
    func run(_ arguments: [String], in folder: String? = nil, standardOutput: String? = nil, purpose: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try require(for: purpose))
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        process.standardInput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        var outputFile: FileHandle?
        if let standardOutput {
            guard FileManager.default.createFile(atPath: standardOutput, contents: nil),
                  let handle = FileHandle(forWritingAtPath: standardOutput) else {
                throw MixLabError(.ioFailure, what: "cannot create \(standardOutput)", location: "running \(name)",
                                  fix: "check free disk space and permissions of the data cache")
            }
            outputFile = handle
            process.standardOutput = handle
        } else {
            process.standardOutput = errors
        }
        defer { try? outputFile?.close() }
        do { try process.run() } catch {
            throw MixLabError(.ioFailure, what: "cannot start \(name) (\(error.localizedDescription))", location: "running \(name)",
                              fix: "check that \(name) works from a shell")
        }
        // Read before waiting: a full pipe would otherwise block the child forever.
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self))
    }

    /// Runs the program and throws when it exits with a non-zero status.
    ///
    /// - Throws: `MixLabError.ioFailure` with the end of the program's output; `fix` says what to try.
    @discardableResult
    func runChecked(
        _ arguments: [String], in folder: String? = nil, standardOutput: String? = nil, purpose: String, fix: String
    ) throws -> Result {
        let result = try run(arguments, in: folder, standardOutput: standardOutput, purpose: purpose)
        guard result.status == 0 else {
            throw MixLabError(
                .ioFailure,
                what: "`\(name) \(arguments.joined(separator: " "))` failed (exit \(result.status)) while trying to \(purpose): \(result.tail())",
                location: "data preparation", fix: fix)
        }
        return result
    }
}
