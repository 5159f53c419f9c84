import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

/// A Slurm batch script that runs a study as a job array: one array task per shard
/// (`#SBATCH --array=0-(n-1)`), task `i` running `mixlab study run STUDY --shard i/n`.
///
/// Paths are absolute (the `mixlab` binary, the study file, the log folder), so the job runs from any
/// working directory on any node that sees the same paths. By default every task appends to the
/// study's results file: the file must be on a filesystem all nodes share and that supports `flock`
/// across machines (see `StudyResultsFile`). With `separateResults` each task writes
/// `results.shard-<i>.jsonl` beside the study file instead, for clusters without such a filesystem;
/// `mixlab study merge` joins them afterwards. Tasks are independent and resumable, so a failed or
/// timed-out task can simply be resubmitted (`sbatch --array=i SCRIPT`).
public struct SlurmArrayScript: Sendable, Equatable {
    /// The study name (the job is named `mixlab-<name>`).
    public var studyName: String
    /// The absolute path of the study file.
    public var studyPath: String
    /// The absolute path of the `mixlab` executable.
    public var mixlabPath: String
    /// Cells in the grid (for the header comment).
    public var cells: Int
    /// Array tasks (shards).
    public var shards: Int
    /// The absolute folder for the tasks' logs (`%x-%A_%a.out`); it must exist when the job starts.
    public var logFolder: String
    /// The partition, time limit, cores per task and memory of each array task. Runs whose `threads`
    /// setting is 0 use every core the task may use (clusters confine a task to its cores with
    /// `TaskPlugin=task/affinity` or `task/cgroup`); `threads` fixes the count instead.
    public var resources: SlurmResources
    /// Passed on as `mixlab study run --threads`, if given.
    public var threads: Int?
    /// Passed on as `mixlab study run --runner`, if given.
    public var runner: String?
    /// Whether each task writes its own results file (see the type's documentation).
    public var separateResults: Bool

    /// A script description, checked.
    ///
    /// - Throws: `MixLabError.invalidArgument` for paths that are not absolute, fewer than one shard or
    ///   more shards than cells, or resources `SlurmResources` refuses.
    public init(
        studyName: String, studyPath: String, mixlabPath: String, cells: Int, shards: Int, logFolder: String,
        partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil, memory: String? = nil,
        threads: Int? = nil, runner: String? = nil, separateResults: Bool = false
    ) throws {
        for (name, path) in [("the study file", studyPath), ("the mixlab executable", mixlabPath), ("the log folder", logFolder)] {
            guard path.hasPrefix("/") else {
                throw MixLabError(.invalidArgument, what: "\(name) path '\(path)' is not absolute", location: "mixlab study slurm",
                                  fix: "give an absolute path: array tasks start in another working directory")
            }
        }
        guard shards >= 1 else {
            throw MixLabError(.invalidArgument, what: "--shards \(shards) is not a shard count", location: "--shards",
                              fix: "use 1 or more shards (one array task each)")
        }
        guard shards <= cells else {
            throw MixLabError(.invalidArgument, what: "--shards \(shards) is more than the \(cells) cells of the study",
                              location: "--shards", fix: "use at most \(cells) shards: the others would have nothing to run")
        }
        resources = try SlurmResources(partition: partition, time: time, cpusPerTask: cpusPerTask, memory: memory)
        self.studyName = studyName
        self.studyPath = studyPath
        self.mixlabPath = mixlabPath
        self.cells = cells
        self.shards = shards
        self.logFolder = logFolder
        self.threads = threads
        self.runner = runner
        self.separateResults = separateResults
    }

    /// The folder of the study file.
    private var studyFolder: String {
        let parts = studyPath.split(separator: "/", omittingEmptySubsequences: false)
        return parts.dropLast().joined(separator: "/")
    }

    /// The results file of task `i` when `separateResults` (with the shell variable for `i`).
    public var separateResultsPattern: String { studyFolder + "/results.shard-${SLURM_ARRAY_TASK_ID}.jsonl" }

    /// The script.
    public var text: String {
        var lines = [
            "#!/bin/bash",
            "# Slurm job array for the MixLab study '\(studyName)': \(cells) cells in \(shards) shards, one array task per shard.",
            "# Written by `mixlab study slurm`. Submit with: sbatch THIS_FILE",
        ]
        if separateResults {
            lines += [
                "# Each task writes its own results file (results.shard-<task>.jsonl beside the study file); when all are done:",
                "#   \(Self.quoted(mixlabPath)) study merge RESULTS \(Self.quoted(studyFolder))/results.shard-*.jsonl",
            ]
        } else {
            lines += [
                "# Every task appends to the study's results file under flock: it must be on a filesystem that all nodes",
                "# share and that supports flock (NFSv4, NFSv3 with lockd, Lustre mounted with -o flock, GPFS).",
            ]
        }
        lines += [
            "# A task that fails or times out resumes where it stopped when resubmitted: sbatch --array=TASK THIS_FILE",
            "#SBATCH --job-name=mixlab-\(studyName)",
            "#SBATCH --array=0-\(shards - 1)",
            "#SBATCH --output=\(logFolder)/%x-%A_%a.out",
            "#SBATCH --open-mode=append",
        ]
        lines += resources.directives
        lines.append("set -euo pipefail")
        var command = "exec \(Self.quoted(mixlabPath)) study run \(Self.quoted(studyPath)) --shard \"${SLURM_ARRAY_TASK_ID}/\(shards)\""
        if let threads { command += " --threads \(threads)" }
        if let runner { command += " --runner \(Self.quoted(runner))" }
        if separateResults { command += " --results \(Self.quoted(studyFolder))\"/results.shard-${SLURM_ARRAY_TASK_ID}.jsonl\"" }
        lines.append(command)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` in single quotes for the shell (a `'` inside becomes `'\''`).
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
