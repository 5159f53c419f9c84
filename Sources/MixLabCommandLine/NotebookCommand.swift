import ArgumentParser
import Dispatch
import Foundation
import MixLab
import MixLabNotebooks

/// `mixlab notebook`: executable Markdown notebooks.
struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook", abstract: "Run executable Markdown notebooks (notebooks-md/).",
        subcommands: [NotebookRunCommand.self])
}

/// `mixlab notebook run PATH… [--check | --smoke]`.
struct NotebookRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a notebook's blocks in order and write each block's output under it.",
        discussion: """
            Runnable blocks are fenced as ```sh run, ```bash run or ```swift run (attributes rtol=, atol=, \
            output=text|markdown|none, timeout=SECONDS); see notebooks-md/README.md for the format.
              mixlab notebook run notebooks-md/03-transforms-side-by-side.md
              mixlab notebook run --check notebooks-md/03-transforms-side-by-side.md   # outputs still hold?
              mixlab notebook run --smoke notebooks-md/[0-9]*.md                       # every block runs (CI)
            Swift blocks compile against the MixLab package above the notebook (or --library), in the \
            configuration this mixlab was built in.
            """)

    @Argument(help: "The notebooks (Markdown files).")
    var paths: [String]

    @Flag(help: "Re-run and compare each block's output with the committed one (within its rtol/atol); write nothing.")
    var check = false

    @Flag(help: "Run with the notebooks' smoke values (small sizes) to prove every block runs; write nothing.")
    var smoke = false

    @Option(help: "The MixLab package folder Swift blocks compile against (default: found above each notebook).")
    var library: String?

    func validate() throws {
        guard !(check && smoke) else { throw ValidationError("--check and --smoke cannot be combined") }
        guard !paths.isEmpty else { throw ValidationError("give at least one notebook") }
    }

    func run() throws {
        let interruption = Self.stopChildrenOnInterrupt()
        defer { interruption.forEach { $0.cancel() } }
        let mode: NotebookRunner.Mode = check ? .check : smoke ? .smoke : .write
        #if DEBUG
        let configuration = NotebookSwiftBuild.Configuration.debug
        #else
        let configuration = NotebookSwiftBuild.Configuration.release
        #endif
        let runner = NotebookRunner(
            mode: mode, mixlab: RunningExecutable.url(), library: library.map { URL(fileURLWithPath: $0) },
            swiftConfiguration: configuration, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        let reports = runner.run(paths)
        for report in reports {
            print(report.summary)
        }
        let failed = reports.filter(\.isProblem).count
        print("notebooks: \(reports.count - failed) passed, \(failed) failed")
        if reports.contains(where: \.isProblem) { throw ExitCode.failure }
    }

    /// On SIGINT or SIGTERM, stops the running blocks (they run in their own process groups) and exits.
    static func stopChildrenOnInterrupt() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                NotebookRunner.interrupt()
                FileHandle.standardError.write(Data("interrupted: the notebooks being run are unchanged\n".utf8))
                Foundation.exit(130)
            }
            source.resume()
            return source
        }
    }
}
