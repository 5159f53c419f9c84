import Foundation
import Testing

/// The data-parallel parts of the command line that need no MPI: a launcher without Open MPI's library,
/// `train --slurm` and its option checks, `doctor`'s MPI line, `bench allreduce` in one process.
@Suite struct DistributedCommandTests {
    static let tiny = ["--task", "parity", "--set", "steps=2", "--set", "warmup=1", "--set", "hidden=8", "--set", "ffn=8", "--quiet"]

    @Test func aLauncherWithoutOpenMPIIsAClearError() throws {
        let folder = NSTemporaryDirectory() + "mixlab-no-mpi-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (status, output) = try MissingLibraryTests.mixlab(
            ["train"] + Self.tiny + ["--out", folder],
            environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0", "MIXLAB_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
        #expect(status != 0)
        #expect(output.contains("this process was started by an MPI launcher (OMPI_COMM_WORLD_SIZE=2), but Open MPI's library could not be loaded"))
        #expect(output.contains("sudo apt-get install libopenmpi-dev openmpi-bin"))
        #expect(!FileManager.default.fileExists(atPath: folder), "nothing is written before MPI is there")
    }

    @Test func slurmWritesAScriptThatRunsTheSameTraining() throws {
        let (status, output) = try MissingLibraryTests.mixlab(
            ["train", "--slurm", "--nodes", "2", "--tasks-per-node", "3", "--time", "01:00:00", "--out", "runs/dp"] + Self.tiny, environment: [:])
        #expect(status == 0, "\(output)")
        #expect(output.contains("#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=3\n"))
        #expect(output.contains("#SBATCH --time=01:00:00"))
        let launch = try #require(output.split(separator: "\n").last.map(String.init))
        #expect(launch.hasPrefix(#"exec mpirun "${root_flag[@]}" -np 6 --map-by ppr:3:node --bind-to none '/"#))
        let folder = FileManager.default.currentDirectoryPath + "/runs/dp"
        #expect(launch.contains("'--out' '\(folder)'"), "the run folder is absolute: \(launch)")
        #expect(launch.hasSuffix("'--quiet' '--distributed'"))
        #expect(!FileManager.default.fileExists(atPath: folder), "--slurm writes no run folder")
    }

    @Test func slurmOptionsAreCheckedBeforeAnythingIsWritten() throws {
        let cases: [([String], String)] = [
            (["train", "--nodes", "2", "--out", "x"] + Self.tiny, "go with --slurm"),
            (["train", "--slurm", "--nodes", "2", "--out", "x"] + Self.tiny, "--slurm needs --nodes K and --tasks-per-node M"),
            (["train", "--slurm", "--nodes", "2", "--tasks-per-node", "1", "--force", "--out", "x"] + Self.tiny, "--force with --slurm"),
            (["train", "--slurm", "--nodes", "0", "--tasks-per-node", "1", "--out", "x"] + Self.tiny, "--nodes 0 is below 1"),
            (["train", "--slurm", "--nodes", "1", "--tasks-per-node", "1", "--out", "x", "--task", "parity", "--set", "hidden=-3"], "hidden"),
        ]
        for (arguments, expected) in cases {
            let (status, output) = try MissingLibraryTests.mixlab(arguments, environment: [:])
            #expect(status != 0, "\(arguments) succeeded")
            #expect(output.contains(expected), "\(arguments): \(output)")
        }
    }

    @Test func doctorSaysWhetherMPIIsAvailable() throws {
        let (_, output) = try MissingLibraryTests.mixlab(["doctor"], environment: ["MIXLAB_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("mpi ") })
        #expect(line.contains("not available"))
        #expect(line.contains("sudo apt-get install libopenmpi-dev openmpi-bin"))
    }

    @Test func allReduceBenchmarkNeedsAnMPIJob() throws {
        let (status, output) = try MissingLibraryTests.mixlab(["bench", "allreduce", "--values", "100"], environment: [:])
        #expect(status != 0)
        #expect(output.contains("one process has nothing to all-reduce with"))
        #expect(output.contains("mpirun -np 2 mixlab bench allreduce --values 100"))
    }
}
