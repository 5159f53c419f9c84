import Foundation
import MixLab
@testable import MixLabCommandLine
import Testing

@Suite struct CommandLineTests {
    @Test func mixersListingShowsEveryMixerWithItsSettings() {
        let listing = MixersCommand.listing(MixerRegistry.shared)
        #expect(listing.contains("fourier"))
        #expect(listing.contains("axes=both (sequence|hidden|both)"))
        #expect(listing.contains("identity"))
        #expect(listing.contains("no settings"))
    }

    @Test func checkRunsTheKitAndRejectsBadNamesAndSettings() throws {
        let report = try CheckCommand.check(name: "fourier", settings: ["axes=hidden"])
        #expect(report.passed, "\(report)")
        #expect(throws: MixLabError.self) { try CheckCommand.check(name: "fourir", settings: []) }
        #expect(throws: MixLabError.self) { try CheckCommand.check(name: "fourier", settings: ["axes"]) }
        #expect(throws: MixLabError.self) { try CheckCommand.check(name: "fourier", settings: ["axes=diagonal"]) }
    }

    @Test func benchJSONLinesCarryTheDocumentedKeys() throws {
        let mixer = FourierMixer()
        let benchmark = MixerBenchmark(mixer: mixer, shape: [2, 8, 6], warmup: 0, runs: 3)
        let check = try benchmark.checkAgainstReference()
        #expect(check.passed)
        #expect(try #require(check.relativeError) < 1e-5)
        let rows = try benchmark.run()
        let text = BenchMixerCommand.render(mixer: mixer, shape: [2, 8, 6], rows: rows, check: check, json: true)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        for (line, pass) in zip(lines, ["forward", "forward+backward"]) {
            let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["mixer"] as? String == "fourier")
            #expect(object["shape"] as? [Int] == [2, 8, 6])
            #expect(object["pass"] as? String == pass)
            #expect(object["runs"] as? Int == 3)
            #expect((object["median_ms"] as? Double).map { $0 >= 0 } == true)
            #expect((object["min_ms"] as? Double).map { $0 >= 0 } == true)
        }
        let table = BenchMixerCommand.render(mixer: mixer, shape: [2, 8, 6], rows: rows, check: check, json: false)
        #expect(table.contains("median ms") && table.contains("forward+backward") && table.contains("reference check"))
    }

    @Test func benchRejectsBadArguments() {
        #expect(throws: (any Error).self) { try BenchMixerCommand.parse(["fourier", "--shape", "32,512"]).run() }
        #expect(throws: (any Error).self) { try BenchMixerCommand.parse(["fourier", "--shape", "32,512,256", "--runs", "0"]) }
        #expect(throws: (any Error).self) { try BenchMixerCommand.parse(["fourier", "--shape", "2,4,4", "--fftw-effort", "hard"]) }
        #expect(throws: MixLabError.self) { try BenchMixerCommand.parse(["nope", "--shape", "2,4,4", "--runs", "1"]).run() }
    }

    @Test func timingSummaryStatistics() {
        let summary = TimingSummary(milliseconds: [4, 1, 3, 2])
        #expect(summary.median == 2.5 && summary.minimum == 1 && summary.runs == 4)
        #expect(TimingSummary(milliseconds: [5, 1, 3]).median == 3)
    }
}

@Suite struct DoctorTests {
    static let intelCPUInfo = """
        processor\t: 0
        model name\t: INTEL(R) XEON(R) PLATINUM 8592+
        flags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512bw avx512vl avx512_bf16
        """

    @Test func readsCPUModelAndFeatures() {
        let cpu = CPUDescription(cpuInfo: Self.intelCPUInfo)
        #expect(cpu.model == "INTEL(R) XEON(R) PLATINUM 8592+")
        #expect(cpu.simdFeatures == ["sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16"])
    }

    @Test func flagsSlowFallbackKernelsWithTheFix() {
        let cpu = CPUDescription(cpuInfo: Self.intelCPUInfo)
        #expect(cpu.fasterOpenBLASKernels(than: "Prescott") == "Cooperlake")
        #expect(cpu.fasterOpenBLASKernels(than: "Cooperlake") == nil)
        let avx2 = CPUDescription(cpuInfo: "flags : sse2 avx avx2 fma")
        #expect(avx2.fasterOpenBLASKernels(than: "Prescott") == "Haswell")
        #expect(CPUDescription(cpuInfo: "flags : sse2").fasterOpenBLASKernels(than: "Prescott") == nil)
    }

    @Test func reportsMissingHeadersWithTheInstallCommand() {
        let report = DoctorReport.gather(cpuInfo: Self.intelCPUInfo, fileExists: { _ in false })
        let problem = report.problems.first { $0.what.contains("headers") }
        #expect(problem?.fix == "sudo apt-get install libfftw3-dev libgsl-dev libopenblas-dev   (or: make deps)")
        #expect(report.rendered.contains("problem(s)"))
    }

    @Test func reportsVersionsKernelsAndThreads() {
        let report = DoctorReport.gather()
        let names = Set(report.facts.map(\.name))
        #expect(names.isSuperset(of: ["fftw", "gsl", "openblas", "blas kernels", "threads", "cpu features", "kernels"]))
        #expect(report.rendered.contains("fftw-3"))
        let kernels = report.facts.first { $0.name == "kernels" }?.value
        #expect(kernels == KernelInstructionSets.current.summary)
        #expect(kernels?.contains("Swift loops: ") == true && kernels?.contains("C kernels: ") == true)
    }

    @Test func reportsAKernelRequestItCannotHonour() {
        let typo = DoctorReport.gather(environment: ["MIXLAB_KERNEL_ISA": "avx512"])
        #expect(typo.problems.contains { $0.what.contains("MIXLAB_KERNEL_ISA=avx512 is not one of") && $0.fix.contains("avx512f") })
        #expect(!DoctorReport.gather(environment: ["MIXLAB_KERNEL_ISA": "x86-64"]).problems.contains { $0.what.contains("MIXLAB_KERNEL_ISA") })
        #expect(!DoctorReport.gather(environment: [:]).problems.contains { $0.what.contains("MIXLAB_KERNEL_ISA") })
    }
}

/// Runs the built `mixlab` executable in a child process (OpenBLAS loads once per process, so a missing
/// library can only be simulated in a fresh one).
@Suite struct MissingLibraryTests {
    /// The `mixlab` executable SwiftPM built: the test bundle sits next to it.
    static func executable() throws -> URL {
        let directory = Bundle.main.bundleURL.deletingLastPathComponent()
        var candidates = [directory.appendingPathComponent("mixlab")]
        candidates.append(contentsOf: (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil))?
            .map { $0.appendingPathComponent("mixlab") } ?? [])
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                            "the mixlab executable was not built next to the tests in \(directory.path)")
    }

    static func mixlab(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func doctorExplainsAMissingOpenBLAS() throws {
        let (status, output) = try Self.mixlab(["doctor"], environment: ["MIXLAB_OPENBLAS_LIBRARY": "/nonexistent/libopenblas.so.0"])
        #expect(status == 2)
        #expect(output.contains("openblas       not available") || output.contains("not available"))
        #expect(output.contains("MIXLAB_OPENBLAS_LIBRARY=/nonexistent/libopenblas.so.0"))
        #expect(output.contains("apt-get install libopenblas0-pthread"))
    }

    /// After warm-up a training step takes no large buffer from the system (run in its own process, so
    /// that no other test's allocations are counted).
    @Test func warmedUpTrainingStepsReuseEveryLargeBuffer() throws {
        let (status, output) = try Self.mixlab(
            ["bench", "train", "--vocab", "32", "--hidden", "64", "--layers", "2", "--ffn", "256", "--batch", "4",
             "--seq", "128", "--runs", "3", "--warmup", "2", "--json"], environment: [:])
        #expect(status == 0, "\(output)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(object["fresh_blocks_during_runs"] as? Int == 0)
        #expect((object["gemm_gflop_per_run"] as? Double).map { $0 > 0 } == true)
    }

    @Test func aMixerNeedingBLASFailsWithAClearError() throws {
        let (status, output) = try Self.mixlab(
            ["bench", "mixer", "fourier", "--shape", "2,8,8", "--set", "path=matrix", "--runs", "1"],
            environment: ["MIXLAB_OPENBLAS_LIBRARY": "/nonexistent/libopenblas.so.0"])
        #expect(status != 0)
        #expect(output.contains("OpenBLAS could not be opened"))
        #expect(output.contains("fix:"))
        #expect(!output.contains("Fatal error"))
    }
}

@Suite struct ModelBenchmarkTests {
    @Test func trainingAndInferenceRunOnATinyModel() throws {
        var options = try ModelOptions.parse(["--vocab", "16", "--hidden", "8", "--layers", "2", "--ffn", "16", "--batch", "2", "--seq", "8"])
        let benchmark = try ModelBenchmark(configuration: try options.configuration(), batchSize: options.batch, sequenceLength: options.seq)
        let before = benchmark.model.namedParameters.map(\.parameter.value)
        try benchmark.trainingStep(0)
        try benchmark.inference()
        #expect(benchmark.model.namedParameters.map(\.parameter.value) != before, "a training step changes the parameters")
        #expect(benchmark.optimizer.stepCount == 1)
        options.placement = "sideways"
        #expect(throws: MixLabError.self) { try options.configuration() }
    }

    @Test func aPretrainingStepScoresAboutFifteenPercentAndUpdatesTheModel() throws {
        let options = try ModelOptions.parse(["--vocab", "40", "--hidden", "8", "--layers", "1", "--ffn", "16", "--batch", "4", "--seq", "64"])
        let benchmark = try PretrainingBenchmark(configuration: try options.configuration(), batchSize: options.batch, sequenceLength: options.seq)
        let scored = benchmark.labels.filter { $0 != TaskExample.ignoredLabel }.count
        #expect(scored > 20 && scored < 60, "15 % of 256 positions: \(scored)")
        #expect(benchmark.labels.allSatisfy { $0 == TaskExample.ignoredLabel || (5..<40).contains($0) })
        let before = benchmark.model.namedParameters.map(\.parameter.value)
        try benchmark.trainingStep(0)
        #expect(benchmark.model.namedParameters.map(\.parameter.value) != before && benchmark.optimizer.stepCount == 1)
        let tiny = try ModelOptions.parse(["--vocab", "5", "--hidden", "8", "--layers", "1", "--ffn", "16"])
        #expect(throws: MixLabError.self) { try PretrainingBenchmark(configuration: try tiny.configuration(), batchSize: 1, sequenceLength: 4) }
    }

    @Test func rejectsBadModelOptions() throws {
        #expect(throws: MixLabError.self) { try ModelOptions.parse(["--hidden", "0"]).configuration() }
        #expect(throws: MixLabError.self) { try ModelOptions.parse(["--mixer", "nope"]).configuration() }
        #expect(throws: MixLabError.self) { try ModelOptions.parse(["--batch", "0"]).configuration() }
        #expect(throws: MixLabError.self) { try ModelOptions.parse(["--layers", "2", "--attention-layers", "3"]).configuration() }
    }
}
