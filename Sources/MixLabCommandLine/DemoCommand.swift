import ArgumentParser
import MixLab
import MixLabTestKit

/// `mixlab demo`: a short tour — the machine, every mixer checked by the conformance kit, and each mixer
/// timed at an FNet-sized shape after a check against its dense reference.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Check and time every registered mixer (a few seconds).")

    @Option(help: "The benchmark shape B,T,C.")
    var shape: String = "8,512,256"

    @Option(help: "Measured repetitions per pass.")
    var runs: Int = 10

    func run() throws {
        let shape = try Shape.parse(self.shape, location: "--shape")
        guard shape.count == 3 else { throw ValidationError("--shape needs three sizes B,T,C (got \(self.shape))") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1 (got \(runs))") }
        let blas = BLAS.status
        print("MixLab \(MixLabVersion.current): \(FFTWPlanner.version), GSL \(GSL.version), "
              + "OpenBLAS kernels \(blas.available ? blas.coreName : "unavailable"), \(Parallelism.threads) threads\n")

        print("Conformance kit (shapes, adjoint, gradients, batch independence, axis locality):")
        var allPassed = true
        for name in MixerRegistry.shared.names {
            let report = try CheckCommand.check(name: name, settings: [])
            allPassed = allPassed && report.passed
            print("  \(report.passed ? "ok  " : "FAIL") \(report.mixer)")
            if !report.passed { print(report) }
        }

        print("\nTiming on \(Shape.describe(shape)) (median of \(runs) runs, after a check against the dense reference):")
        var table = TextTable(["mixer", "forward ms", "forward+backward ms", "reference error"])
        for name in MixerRegistry.shared.names {
            let mixer = try MixerRegistry.shared.make(
                name, context: MixerBuildContext(sequenceLength: shape[1], hiddenSize: shape[2]))
            let benchmark = MixerBenchmark(mixer: mixer, shape: shape, warmup: 2, runs: runs)
            let check = try benchmark.checkAgainstReference()
            let rows = try benchmark.run()
            table.add([
                mixer.descriptor.summary, formatted(rows[0].timing.median), formatted(rows[1].timing.median),
                check.relativeError.map { String(format: "%.1e", $0) } ?? "n/a",
            ])
            allPassed = allPassed && check.passed
        }
        print(table.rendered)
        print("\nNext: `mixlab mixers`, `mixlab bench mixer fourier --shape 32,512,256`, `mixlab doctor`.")
        if !allPassed { throw ExitCode.failure }
    }
}
