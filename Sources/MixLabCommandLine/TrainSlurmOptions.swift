import ArgumentParser
import MixLab

/// The options of `mixlab train --slurm`: the allocation of a data-parallel run and where its script goes.
struct TrainSlurmOptions: ParsableArguments {
    @Flag(help: "Write an sbatch script that runs this training data-parallel on --nodes × --tasks-per-node ranks, instead of training.")
    var slurm = false

    @Option(help: "Nodes (with --slurm).")
    var nodes: Int?

    @Option(help: "MPI ranks per node (with --slurm).")
    var tasksPerNode: Int?

    @Option(help: "How the job starts its ranks: mpirun (Open MPI's, reads the Slurm allocation) or srun (srun --mpi=pmix).")
    var launcher: SlurmTrainingScript.Launcher = .mpirun

    @Option(help: "Slurm partition (with --slurm).")
    var partition: String?

    @Option(help: "Time limit of the job, HH:MM:SS or D-HH:MM:SS (with --slurm).")
    var time: String?

    @Option(help: "Cores per rank (with --slurm; give --set threads=N to match).")
    var cpusPerTask: Int?

    @Option(help: "Memory per node, e.g. 8G (with --slurm).")
    var mem: String?

    @Option(help: "The mixlab executable the job runs (with --slurm; default: this one).")
    var mixlab: String?

    @Option(help: "Write the script to this file (with --slurm; default: print it).")
    var output: String?

    /// Refuses Slurm options without --slurm, --slurm without its sizes, and --force with --slurm.
    func validate(force: Bool) throws {
        let given = [nodes != nil, tasksPerNode != nil, partition != nil, time != nil, cpusPerTask != nil, mem != nil, mixlab != nil, output != nil]
        if !slurm, given.contains(true) {
            throw ValidationError("--nodes, --tasks-per-node, --partition, --time, --cpus-per-task, --mem, --mixlab and --output go with --slurm: add --slurm to write a job script")
        }
        guard slurm else { return }
        if nodes == nil || tasksPerNode == nil {
            throw ValidationError("--slurm needs --nodes K and --tasks-per-node M (e.g. --nodes 4 --tasks-per-node 1)")
        }
        if force {
            throw ValidationError("--force with --slurm would move the run aside at every resubmission: run once with --force (or clear --out) first, then write the script without it")
        }
    }
}

extension SlurmTrainingScript.Launcher: ExpressibleByArgument {}
