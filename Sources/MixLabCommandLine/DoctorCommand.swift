import ArgumentParser
import MixLab

/// `mixlab doctor`: what MixLab runs on here, and what to fix.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show library versions, BLAS kernels, threads and CPU features, and how to fix what is missing.")

    func run() throws {
        let report = DoctorReport.gather()
        print(report.rendered)
        if !report.problems.isEmpty { throw ExitCode(2) }
    }
}
