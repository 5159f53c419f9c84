import MixLabCore
import Testing

import MixLabTasks
import MixLabTraining
@testable import MixLabStudies

/// The Slurm job-array script: its important lines, quoting, and bad options.
@Suite struct SlurmArrayScriptTests {
    static func script(
        studyPath: String = "/data/Experiments/ablation/study.yaml", shards: Int = 4, separateResults: Bool = false
    ) throws -> SlurmArrayScript {
        try SlurmArrayScript(
            studyName: "ablation", studyPath: studyPath, mixlabPath: "/opt/mixlab/bin/mixlab", cells: 30, shards: shards,
            logFolder: "/data/Experiments/ablation/slurm-logs", partition: "cpu", time: "02:00:00", cpusPerTask: 8, memory: "16G",
            separateResults: separateResults)
    }

    @Test func theArrayRunsOneShardPerTaskWithAbsolutePaths() throws {
        let lines = try Self.script().text.split(separator: "\n").map(String.init)
        #expect(lines.first == "#!/bin/bash")
        let directives = lines.filter { $0.hasPrefix("#SBATCH") }
        #expect(directives == [
            "#SBATCH --job-name=mixlab-ablation",
            "#SBATCH --array=0-3",
            "#SBATCH --output=/data/Experiments/ablation/slurm-logs/%x-%A_%a.out",
            "#SBATCH --open-mode=append",
            "#SBATCH --partition=cpu",
            "#SBATCH --time=02:00:00",
            "#SBATCH --cpus-per-task=8",
            "#SBATCH --mem=16G",
        ])
        #expect(lines.contains("set -euo pipefail"))
        #expect(lines.last == "exec '/opt/mixlab/bin/mixlab' study run '/data/Experiments/ablation/study.yaml' --shard \"${SLURM_ARRAY_TASK_ID}/4\"")
        #expect(lines.first { !$0.hasPrefix("#") } == "set -euo pipefail", "every #SBATCH line comes before the first command")
        #expect(lines.contains { $0.contains("flock") })
    }

    @Test func optionalDirectivesAreLeftOutAndOptionsPassedOn() throws {
        let script = try SlurmArrayScript(
            studyName: "s", studyPath: "/a/s/study.yaml", mixlabPath: "/b/mixlab", cells: 1, shards: 1, logFolder: "/a/s/logs",
            threads: 2, runner: "echo")
        let text = script.text
        #expect(text.contains("#SBATCH --array=0-0"))
        #expect(!text.contains("--partition") && !text.contains("--time") && !text.contains("--mem"))
        #expect(text.hasSuffix("--shard \"${SLURM_ARRAY_TASK_ID}/1\" --threads 2 --runner 'echo'\n"))
    }

    @Test func separateResultsWriteOneFilePerTaskAndSayHowToMerge() throws {
        let text = try Self.script(separateResults: true).text
        #expect(text.contains("--results '/data/Experiments/ablation'\"/results.shard-${SLURM_ARRAY_TASK_ID}.jsonl\"\n"))
        #expect(text.contains("study merge RESULTS '/data/Experiments/ablation'/results.shard-*.jsonl"))
        #expect(!text.contains("under flock"))
    }

    @Test func pathsAreQuotedForTheShell() throws {
        let text = try Self.script(studyPath: "/data/it's a study/study.yaml").text
        #expect(text.contains("study run '/data/it'\\''s a study/study.yaml' --shard"))
    }

    @Test func badOptionsAreRejected() {
        func error(_ make: () throws -> SlurmArrayScript) -> MixLabError? { StudyTestSupport.error { _ = try make() } }
        let base = (name: "s", study: "/a/study.yaml", mixlab: "/b/mixlab", logs: "/a/logs")
        #expect(error { try SlurmArrayScript(studyName: base.name, studyPath: base.study, mixlabPath: base.mixlab, cells: 3, shards: 0, logFolder: base.logs) }?.location == "--shards")
        #expect(error { try SlurmArrayScript(studyName: base.name, studyPath: base.study, mixlabPath: base.mixlab, cells: 3, shards: 4, logFolder: base.logs) }?.what.contains("more than the 3 cells") == true)
        #expect(error { try SlurmArrayScript(studyName: base.name, studyPath: "study.yaml", mixlabPath: base.mixlab, cells: 3, shards: 1, logFolder: base.logs) }?.what.contains("not absolute") == true)
        for time in ["2:00", "1:60:00", "x", "1-2:3", "-1-00:00:00"] {
            #expect(error { try SlurmArrayScript(studyName: base.name, studyPath: base.study, mixlabPath: base.mixlab, cells: 3, shards: 1, logFolder: base.logs, time: time) }?.location == "--time", "\(time)")
        }
        for time in ["00:10:00", "1-12:00:00", "100:00:00"] {
            #expect(error { try SlurmArrayScript(studyName: base.name, studyPath: base.study, mixlabPath: base.mixlab, cells: 3, shards: 1, logFolder: base.logs, time: time) } == nil, "\(time)")
        }
        for memory in ["4 G", "G", "4GB", "-4G"] {
            #expect(error { try SlurmArrayScript(studyName: base.name, studyPath: base.study, mixlabPath: base.mixlab, cells: 3, shards: 1, logFolder: base.logs, memory: memory) }?.location == "--mem", "\(memory)")
        }
        #expect(error { try SlurmArrayScript(studyName: base.name, studyPath: base.study, mixlabPath: base.mixlab, cells: 3, shards: 1, logFolder: base.logs, cpusPerTask: 0) }?.location == "--cpus-per-task")
        #expect(error { try SlurmArrayScript(studyName: base.name, studyPath: base.study, mixlabPath: base.mixlab, cells: 3, shards: 1, logFolder: base.logs, partition: "a b") }?.location == "--partition")
    }
}
