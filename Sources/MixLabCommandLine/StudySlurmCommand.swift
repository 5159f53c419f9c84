import ArgumentParser
import Foundation
import MixLab

/// `mixlab study slurm FILE --shards n`: writes a Slurm job-array script that runs the study's shards.
struct StudySlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write a Slurm job-array script that runs a study's shards (one array task per shard).",
        discussion: """
            Task i runs `mixlab study run FILE --shard i/n` with absolute paths. All tasks append to the study's
            results file under flock, so it must live on a filesystem every node shares and that supports flock
            across machines (NFSv4, NFSv3 with lockd, Lustre with -o flock, GPFS). Without one, pass
            --separate-results (one results file per task) and join them with `mixlab study merge`.
            Task logs go to slurm-logs/ beside the study file.
            """)

    @Argument(help: "The study file.")
    var file: String

    @Option(help: "Array tasks (shards).")
    var shards: Int

    @Option(help: "Slurm partition.")
    var partition: String?

    @Option(help: "Time limit per task, HH:MM:SS or D-HH:MM:SS.")
    var time: String?

    @Option(help: "Cores per task (runs with threads=0 use the cores the task may use; --threads fixes the count).")
    var cpusPerTask: Int?

    @Option(help: "Memory per task, e.g. 4G.")
    var mem: String?

    @Option(help: "Passed on to `mixlab study run --threads`.")
    var threads: Int?

    @Option(help: "Passed on to `mixlab study run --runner`.")
    var runner: String?

    @Flag(help: "Each task writes its own results file (for clusters without a shared lockable filesystem).")
    var separateResults = false

    @Option(help: "The mixlab executable the tasks run (default: this one).")
    var mixlab: String?

    @Option(help: "Write the script to this file (default: print it).")
    var output: String?

    func run() throws {
        if let runner { _ = try StudyRunners.named(runner) }
        let study = try Study(contentsOf: file)
        let logFolder = study.specification.folder.appendingPathComponent("slurm-logs").path
        let script = try SlurmArrayScript(
            studyName: study.specification.name, studyPath: URL(fileURLWithPath: file).standardizedFileURL.path,
            mixlabPath: try mixlab.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? Self.executablePath(),
            cells: study.grid.cells.count, shards: shards, logFolder: logFolder, partition: partition, time: time,
            cpusPerTask: cpusPerTask, memory: mem, threads: threads, runner: runner, separateResults: separateResults)
        try FileManager.default.createDirectory(atPath: logFolder, withIntermediateDirectories: true)
        guard let output else {
            FileHandle.standardOutput.write(Data(script.text.utf8))
            return
        }
        try AtomicFile.write(Data(script.text.utf8), to: output)
        chmod(output, 0o755)
        printLine("wrote \(output): \(shards) array tasks for the \(study.grid.cells.count) cells of \(study.specification.name); submit with: sbatch \(output)")
    }

    /// The absolute path of the running executable.
    static func executablePath() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let argument = CommandLine.arguments[0]
        if argument.hasPrefix("/") { return argument }
        throw MixLabError(.invalidArgument, what: "cannot tell the absolute path of this mixlab executable", location: "mixlab study slurm",
                          fix: "pass it with --mixlab /path/to/mixlab")
    }
}
