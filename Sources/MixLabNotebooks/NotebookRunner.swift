import Foundation
import MixLabCore

/// Runs notebooks: every runnable block in order, in the notebook's folder, then writes the outputs back
/// (or compares them with the committed ones, or only proves that every block runs).
///
/// Each block runs with the notebook's variables in its environment (their smoke values in a smoke run),
/// `NOTEBOOK_ASSETS` (the folder for figures), `NOTEBOOK_SMOKE` (`1` or `0`), and `mixlab` — the
/// executable running the notebook — first on `PATH`. Shell blocks run with `sh -e` (or `bash -e -o
/// pipefail`): the first failing command fails the block. A failing block stops its notebook with a
/// `MixLabError` naming the notebook, the block's line and its last lines on standard error; the
/// notebook and its figures are then left as they were. A notebook is written atomically, and only when
/// its text changes.
public struct NotebookRunner {
    /// What a run does with the outputs.
    public enum Mode: Sendable {
        /// Write every block's output under it.
        case write
        /// Compare every block's output with the committed one; write nothing.
        case check
        /// Run with the smoke values of the variables; write nothing.
        case smoke
    }

    /// A block whose new output differs from the committed one (`--check`).
    public struct Change: Sendable {
        /// The block.
        public let block: NotebookBlock
        /// The changed lines and the largest difference of a number.
        public let difference: String
    }

    /// What happened to one notebook.
    public enum Outcome: Sendable {
        /// The outputs were written (`changed`: whether the file's text changed).
        case written(changed: Bool)
        /// `--check` found these blocks changed (none: the notebook holds).
        case checked([Change])
        /// Every block ran in smoke mode.
        case smokePassed
        /// The notebook could not be read or a block failed.
        case failed(MixLabError)
    }

    /// One notebook's outcome.
    public struct Report: Sendable {
        /// The notebook's path as given.
        public let path: String
        /// What happened.
        public let outcome: Outcome
        /// Runnable blocks.
        public let blocks: Int
        /// Wall-clock seconds.
        public let seconds: Double

        /// Whether the notebook failed or (with `--check`) changed.
        public var isProblem: Bool {
            switch outcome {
            case .written, .smokePassed: return false
            case .checked(let changes): return !changes.isEmpty
            case .failed: return true
            }
        }
    }

    /// Write, check or smoke.
    let mode: Mode
    /// The executable put first on the blocks' `PATH` as `mixlab` (nil: `PATH` is left alone).
    let mixlab: URL?
    /// The MixLab package Swift blocks compile against (nil: found above each notebook).
    let library: URL?
    /// The configuration Swift blocks build in.
    let swiftConfiguration: NotebookSwiftBuild.Configuration
    /// Progress lines (to standard error in the command).
    let log: @Sendable (String) -> Void

    /// A runner.
    public init(mode: Mode, mixlab: URL? = nil, library: URL? = nil, swiftConfiguration: NotebookSwiftBuild.Configuration = .debug,
         log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.mode = mode
        self.mixlab = mixlab
        self.library = library
        self.swiftConfiguration = swiftConfiguration
        self.log = log
    }

    /// Stops every block running in this process and deletes the figures of runs not yet published,
    /// leaving every notebook as it was: for a signal handler when the run itself is interrupted.
    public static func interrupt() {
        NotebookProcess.stopAll()
        NotebookAssets.discardAllWorking()
    }

    /// Runs every notebook of `paths` in order (each one's failure is reported, and the others still run).
    public func run(_ paths: [String]) -> [Report] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mixlab-notebook-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            try FileManager.default.createDirectory(at: scratch.appendingPathComponent("bin"), withIntermediateDirectories: true)
            if let mixlab {
                try FileManager.default.createSymbolicLink(at: scratch.appendingPathComponent("bin/mixlab"), withDestinationURL: mixlab)
            }
        } catch {
            let failure = MixLabError(.ioFailure, what: "cannot prepare \(scratch.path) (\(error.localizedDescription))",
                                      location: "mixlab notebook run", fix: "check that the temporary folder (TMPDIR) is writable")
            return paths.map { Report(path: $0, outcome: .failed(failure), blocks: 0, seconds: 0) }
        }
        // Read every notebook first: a malformed one is reported before anything runs or compiles.
        var documents: [String: Result<NotebookDocument, MixLabError>] = [:]
        for path in paths {
            documents[path] = Result { try NotebookParser.parse(contentsOf: path) }.mapError { Self.mixLabError($0, path: path) }
        }
        let executables = compileSwiftBlocks(documents.values.compactMap { try? $0.get() }, scratch: scratch)
        return paths.map { path in
            let started = Date()
            let outcome: Outcome
            var blocks = 0
            switch documents[path]! {
            case .failure(let error):
                outcome = .failed(error)
            case .success(let document):
                blocks = document.blocks.count
                do {
                    outcome = try run(document, swiftExecutable: executables[path], scratch: scratch)
                } catch {
                    outcome = .failed(Self.mixLabError(error, path: path))
                }
            }
            return Report(path: path, outcome: outcome, blocks: blocks, seconds: Date().timeIntervalSince(started))
        }
    }

    /// Compiles the Swift blocks of `documents` in one build; a notebook's entry holds its executable or
    /// the error that stops it.
    func compileSwiftBlocks(_ documents: [NotebookDocument], scratch: URL) -> [String: Result<URL, MixLabError>] {
        var results: [String: Result<URL, MixLabError>] = [:]
        var programsByLibrary: [URL: [NotebookSwiftProgram]] = [:]
        for document in documents where document.hasSwiftBlocks {
            do {
                let absolute = URL(fileURLWithPath: document.path).standardizedFileURL
                let folder = absolute.deletingLastPathComponent()
                guard let library = library ?? Self.findLibrary(above: folder) else {
                    throw MixLabError(
                        .invalidArgument, what: "the notebook has Swift blocks, and no MixLab package was found above \(folder.path)",
                        location: document.path, fix: "pass --library PATH, the folder of MixLab's Package.swift")
                }
                let packages = try document.swiftPackages.map { package -> NotebookSwiftPackage in
                    let resolved = URL(fileURLWithPath: package.path, relativeTo: folder).standardizedFileURL
                    guard FileManager.default.fileExists(atPath: resolved.appendingPathComponent("Package.swift").path) else {
                        throw MixLabError(
                            .invalidArgument, what: "no Swift package (Package.swift) in \(resolved.path)",
                            location: document.location(ofLine: package.line),
                            fix: "give the package's folder relative to the notebook's folder")
                    }
                    return NotebookSwiftPackage(path: resolved.path, products: package.products, line: package.line)
                }
                programsByLibrary[library.standardizedFileURL, default: []].append(
                    NotebookSwiftProgram(document: document, absolutePath: absolute.path, packages: packages))
            } catch {
                results[document.path] = .failure(Self.mixLabError(error, path: document.path))
            }
        }
        for (library, programs) in programsByLibrary {
            let build = NotebookSwiftBuild(library: library, configuration: swiftConfiguration, scratch: scratch, log: log)
            results.merge(build.build(programs)) { $1 }
        }
        return results
    }

    /// Runs one notebook and applies the mode.
    func run(_ document: NotebookDocument, swiftExecutable: Result<URL, MixLabError>?, scratch: URL) throws -> Outcome {
        let notebook = URL(fileURLWithPath: document.path).standardizedFileURL
        let folder = notebook.deletingLastPathComponent()
        if case .failure(let error) = swiftExecutable { throw error }
        let notebookScratch = scratch.appendingPathComponent(notebook.deletingPathExtension().lastPathComponent)
        try FileManager.default.createDirectory(at: notebookScratch, withIntermediateDirectories: true)
        let assets = try NotebookAssets(notebook: notebook, publishable: mode == .write, scratch: notebookScratch)
        var published = false
        defer { if !published { assets.discard() } }

        let marker = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        var environment = ProcessInfo.processInfo.environment
        environment.merge(document.variableValues(smoke: mode == .smoke)) { $1 }
        environment["NOTEBOOK_ASSETS"] = assets.working.path
        environment["NOTEBOOK_SMOKE"] = mode == .smoke ? "1" : "0"
        environment["NOTEBOOK_MARKER"] = marker
        if mixlab != nil {
            environment["PATH"] = scratch.appendingPathComponent("bin").path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        }

        var session: NotebookSwiftSession?
        defer { session?.stop() }
        var outputs: [Int: NotebookOutput] = [:]
        for block in document.blocks {
            let started = Date()
            let before = assets.snapshot()
            let data: Data
            switch block.language {
            case .sh, .bash:
                data = try runShell(block, document: document, folder: folder, environment: environment, scratch: notebookScratch)
            case .swift:
                if session == nil {
                    guard case .success(let executable)? = swiftExecutable else {
                        throw MixLabError(
                            .notebookBlockFailed, what: "the Swift blocks were not compiled", location: "\(document.path):\(block.lineNumber)",
                            fix: "run the notebook with `mixlab notebook run`, which compiles them first")
                    }
                    session = try NotebookSwiftSession(
                        executable: executable, directory: folder, environment: environment, scratch: notebookScratch,
                        notebookPath: document.path)
                }
                data = try session!.run(block)
            }
            outputs[block.number] = NotebookOutput(
                text: NotebookOutput.normalised(data), format: block.attributes.output, images: assets.imagesWritten(since: before))
            log(String(format: "%@: block %d of %d (%@, line %d) ran in %.1f s", document.path, block.number,
                       document.blocks.count, block.language.rawValue, block.lineNumber, Date().timeIntervalSince(started)))
        }
        if let session, let last = document.blocks.last(where: { $0.language == .swift }) {
            try session.finish(lastBlock: last)
        }

        switch mode {
        case .smoke:
            return .smokePassed
        case .check:
            let changes = document.blocks.compactMap { block -> Change? in
                let comparison = NotebookOutputComparison(block.attributes)
                guard let difference = comparison.difference(
                    committed: block.output?.content ?? [], new: outputs[block.number]!.regionContent) else { return nil }
                return Change(block: block, difference: difference)
            }
            return .checked(changes)
        case .write:
            let text = document.replacingOutputs(outputs)
            try assets.publish()
            published = true
            guard text != document.text else { return .written(changed: false) }
            try AtomicFile.write(Data(text.utf8), to: notebook.path)
            return .written(changed: true)
        }
    }

    /// Runs a shell block to completion and returns its standard output.
    ///
    /// - Throws: `MixLabError.notebookBlockFailed` for a non-zero exit or a timeout.
    func runShell(
        _ block: NotebookBlock, document: NotebookDocument, folder: URL, environment: [String: String], scratch: URL
    ) throws -> Data {
        let script = scratch.appendingPathComponent("block-\(block.number).sh")
        try AtomicFile.write(Data((block.code + "\n").utf8), to: script.path)
        let (executable, arguments) = block.language == .bash
            ? (URL(fileURLWithPath: "/usr/bin/env"), ["bash", "-e", "-o", "pipefail", script.path])
            : (URL(fileURLWithPath: "/bin/sh"), ["-e", script.path])
        let process = try NotebookProcess(
            executable: executable, arguments: arguments, directory: folder, environment: environment, scratch: scratch,
            name: "block-\(block.number)")
        let location = "\(document.path):\(block.lineNumber)"
        guard process.waitForExit(until: Date().addingTimeInterval(block.attributes.timeout)) else {
            process.stop()
            throw MixLabError(
                .notebookBlockFailed,
                what: "block \(block.number) (\(block.language.rawValue)) did not finish within its timeout of \(Self.seconds(block.attributes.timeout))",
                location: location,
                fix: "make it faster, or raise its limit with timeout=SECONDS in the fence (the notebook is unchanged); "
                    + "its last lines:\n\(process.tail())")
        }
        guard process.terminationStatus == 0, !process.wasSignalled else {
            let how = process.wasSignalled ? "was killed by signal \(process.terminationStatus)" : "failed with exit status \(process.terminationStatus)"
            throw MixLabError(
                .notebookBlockFailed, what: "block \(block.number) (\(block.language.rawValue)) \(how)", location: location,
                fix: "fix the block or what it runs (the notebook is unchanged); its last lines on stderr:\n\(process.tail())")
        }
        return process.newOutput()
    }

    /// The MixLab package folder at or above `folder`: the first with a Package.swift naming the package MixLab.
    static func findLibrary(above folder: URL) -> URL? {
        var candidate = folder.standardizedFileURL
        while true {
            let manifest = candidate.appendingPathComponent("Package.swift")
            if let text = try? String(contentsOf: manifest, encoding: .utf8),
               text.range(of: #"Package\(\s*name:\s*"MixLab""#, options: .regularExpression) != nil {
                return candidate
            }
            let parent = candidate.deletingLastPathComponent()
            if parent.path == candidate.path { return nil }
            candidate = parent
        }
    }

    /// `error` as a `MixLabError` (other errors become I/O failures naming `path`).
    static func mixLabError(_ error: any Error, path: String) -> MixLabError {
        if let error = error as? MixLabError { return error }
        return MixLabError(.ioFailure, what: "\(error.localizedDescription)", location: path,
                           fix: "check the notebook's folder and its permissions")
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

extension NotebookRunner.Report {
    /// The report as text: a status line, and for `--check` the changed blocks with their diffs.
    public var summary: String {
        let time = String(format: "%.1f s", seconds)
        switch outcome {
        case .written(let changed):
            return "\(path): \(blocks) block(s) ran, \(changed ? "outputs written" : "unchanged") (\(time))"
        case .smokePassed:
            return "\(path): \(blocks) block(s) ran with the smoke values (\(time))"
        case .checked(let changes):
            guard !changes.isEmpty else { return "\(path): all \(blocks) block output(s) hold (\(time))" }
            var lines = ["\(path): \(changes.count) of \(blocks) block output(s) changed (\(time))"]
            for change in changes {
                lines.append("  block \(change.block.number) (\(change.block.language.rawValue), line \(change.block.lineNumber)):")
                lines.append(contentsOf: change.difference.components(separatedBy: "\n").map { "    " + $0 })
            }
            return lines.joined(separator: "\n")
        case .failed(let error):
            return "\(path): failed\nerror: \(error)"
        }
    }
}
