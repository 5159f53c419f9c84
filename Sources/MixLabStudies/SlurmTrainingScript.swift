import Foundation
import MixLabCore

/// A Slurm batch script that runs one data-parallel `mixlab train` on `nodes` × `tasksPerNode` ranks.
///
/// The job asks for `--nodes=K --ntasks-per-node=M` and starts the ranks with Open MPI's `mpirun`
/// (which reads the allocation from Slurm) or with `srun --mpi=pmix`; each rank runs the same
/// `mixlab train` command with absolute paths. Rank 0 writes the run folder, which must be on a file
/// system the nodes share only if the job is to be resumed elsewhere; the job log goes to
/// `slurm-<jobid>.out` in the run folder's parent. Resubmitting the script after a failure or a time-out
/// resumes the run from its last checkpoint, with any number of ranks. O(arguments).
public struct SlurmTrainingScript: Sendable, Equatable {
    /// How the ranks are started inside the allocation.
    public enum Launcher: String, Sendable, CaseIterable {
        /// Open MPI's `mpirun` (default: needs no PMIx support in Slurm).
        case mpirun
        /// `srun --mpi=pmix` (Slurm built with PMIx).
        case srun
    }

    /// Nodes K.
    public var nodes: Int
    /// Ranks per node M.
    public var tasksPerNode: Int
    /// The absolute path of the `mixlab` executable.
    public var mixlabPath: String
    /// The arguments after `mixlab train` (absolute paths already).
    public var trainArguments: [String]
    /// The absolute folder of the job log.
    public var logFolder: String
    /// The launcher.
    public var launcher: Launcher
    /// The partition, time limit, cores per rank (`--cpus-per-task`) and memory per node of the job.
    public var resources: SlurmResources

    /// A script description, checked.
    ///
    /// - Throws: `MixLabError.invalidArgument` for fewer than one node or rank per node, paths that are
    ///   not absolute, or resources `SlurmResources` refuses.
    public init(
        nodes: Int, tasksPerNode: Int, mixlabPath: String, trainArguments: [String], logFolder: String, launcher: Launcher = .mpirun,
        partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil, memory: String? = nil
    ) throws {
        guard nodes >= 1 else {
            throw MixLabError(.invalidArgument, what: "--nodes \(nodes) is below 1", location: "--nodes", fix: "give 1 or more nodes")
        }
        guard tasksPerNode >= 1 else {
            throw MixLabError(.invalidArgument, what: "--tasks-per-node \(tasksPerNode) is below 1", location: "--tasks-per-node",
                              fix: "give 1 or more ranks per node (one per socket or per node is usual; each rank uses its own threads)")
        }
        for (name, path) in [("the mixlab executable", mixlabPath), ("the log folder", logFolder)] where !path.hasPrefix("/") {
            throw MixLabError(.invalidArgument, what: "\(name) path '\(path)' is not absolute", location: "mixlab train --slurm",
                              fix: "give an absolute path: the job starts in another working directory")
        }
        resources = try SlurmResources(partition: partition, time: time, cpusPerTask: cpusPerTask, memory: memory)
        self.nodes = nodes
        self.tasksPerNode = tasksPerNode
        self.mixlabPath = mixlabPath
        self.trainArguments = trainArguments
        self.logFolder = logFolder
        self.launcher = launcher
    }

    /// The ranks N = K·M.
    public var ranks: Int { nodes * tasksPerNode }

    /// The script.
    public var text: String {
        var lines = [
            "#!/bin/bash",
            "# Data-parallel MixLab training: \(nodes) node(s) × \(tasksPerNode) rank(s) = \(ranks) ranks, gradients averaged with MPI.",
            "# Written by `mixlab train --slurm`. Submit with: sbatch THIS_FILE",
            "# A job that fails or times out resumes from the run's last checkpoint when resubmitted (with any number of ranks).",
            "#SBATCH --job-name=mixlab-train",
            "#SBATCH --nodes=\(nodes)",
            "#SBATCH --ntasks-per-node=\(tasksPerNode)",
            "#SBATCH --output=\(logFolder)/slurm-%j.out",
            "#SBATCH --open-mode=append",
        ]
        lines += resources.directives
        lines.append("set -euo pipefail")
        let command = ([Self.quoted(mixlabPath), "train"] + trainArguments.map(Self.quoted)).joined(separator: " ")
        switch launcher {
        case .mpirun:
            // As root (single-user clusters, containers) Open MPI refuses to start without the flag.
            lines.append(#"root_flag=(); [ "$(id -u)" -eq 0 ] && root_flag=(--allow-run-as-root)"#)
            lines.append("exec mpirun \"${root_flag[@]}\" -np \(ranks) --map-by ppr:\(tasksPerNode):node --bind-to none \(command)")
        case .srun:
            lines.append("exec srun --mpi=pmix \(command)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func quoted(_ text: String) -> String { SlurmArrayScript.quoted(text) }
}
