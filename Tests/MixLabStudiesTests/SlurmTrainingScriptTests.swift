import MixLabCore
import Testing

@testable import MixLabStudies

/// The sbatch script of a data-parallel `mixlab train`: its directives, launch line, quoting and bad options.
@Suite struct SlurmTrainingScriptTests {
    static func script(launcher: SlurmTrainingScript.Launcher = .mpirun) throws -> SlurmTrainingScript {
        try SlurmTrainingScript(
            nodes: 4, tasksPerNode: 2, mixlabPath: "/opt/mixlab/bin/mixlab",
            trainArguments: ["--task", "parity", "--set", "batch=64", "--out", "/data/runs/it's big", "--distributed"],
            logFolder: "/data/runs", launcher: launcher, partition: "cpu", time: "1-00:00:00", cpusPerTask: 16, memory: "32G")
    }

    @Test func mpirunStartsNodesTimesTasksRanks() throws {
        let script = try Self.script()
        #expect(script.ranks == 8)
        let lines = script.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "#!/bin/bash")
        #expect(lines.filter { $0.hasPrefix("#SBATCH") } == [
            "#SBATCH --job-name=mixlab-train",
            "#SBATCH --nodes=4",
            "#SBATCH --ntasks-per-node=2",
            "#SBATCH --output=/data/runs/slurm-%j.out",
            "#SBATCH --open-mode=append",
            "#SBATCH --partition=cpu",
            "#SBATCH --time=1-00:00:00",
            "#SBATCH --cpus-per-task=16",
            "#SBATCH --mem=32G",
        ])
        #expect(lines.first { !$0.hasPrefix("#") } == "set -euo pipefail", "every #SBATCH line comes before the first command")
        #expect(lines.last == #"exec mpirun "${root_flag[@]}" -np 8 --map-by ppr:2:node --bind-to none '/opt/mixlab/bin/mixlab' train "#
            + #"'--task' 'parity' '--set' 'batch=64' '--out' '/data/runs/it'\''s big' '--distributed'"#)
    }

    @Test func srunUsesPMIx() throws {
        let last = try Self.script(launcher: .srun).text.split(separator: "\n").last.map(String.init)
        #expect(last?.hasPrefix("exec srun --mpi=pmix '/opt/mixlab/bin/mixlab' train '--task' 'parity'") == true)
    }

    @Test func badOptionsAreClearErrors() {
        func message(_ body: () throws -> SlurmTrainingScript) -> String {
            do {
                _ = try body()
                return "accepted"
            } catch let error as MixLabError {
                return error.what + " | " + error.location
            } catch {
                return "\(error)"
            }
        }
        let make = { (nodes: Int, tasks: Int, mixlab: String, time: String?) in
            try SlurmTrainingScript(nodes: nodes, tasksPerNode: tasks, mixlabPath: mixlab, trainArguments: [], logFolder: "/runs", time: time)
        }
        #expect(message { try make(0, 1, "/bin/mixlab", nil) } == "--nodes 0 is below 1 | --nodes")
        #expect(message { try make(1, 0, "/bin/mixlab", nil) } == "--tasks-per-node 0 is below 1 | --tasks-per-node")
        #expect(message { try make(1, 1, "mixlab", nil) } == "the mixlab executable path 'mixlab' is not absolute | mixlab train --slurm")
        #expect(message { try make(1, 1, "/bin/mixlab", "2h") } == "--time 2h is not a Slurm time limit | --time")
    }
}
