import Foundation
import MixLab

/// What `mixlab doctor` finds: library versions, BLAS kernels, threads, CPU features, and problems
/// with the command that fixes each.
struct DoctorReport {
    /// A fact shown as `name: value`.
    struct Fact {
        let name: String
        let value: String
    }

    /// Something missing or slow, and how to fix it.
    struct Problem {
        let what: String
        let fix: String
    }

    var facts: [Fact] = []
    var problems: [Problem] = []

    /// Inspects this machine and process.
    static func gather(
        cpuInfo: String = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "",
        fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) },
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DoctorReport {
        var report = DoctorReport()
        let cpu = CPUDescription(cpuInfo: cpuInfo)
        report.facts.append(Fact(name: "mixlab", value: MixLabVersion.current))
        report.facts.append(Fact(name: "cpu", value: "\(cpu.model) (\(ProcessInfo.processInfo.activeProcessorCount) cores)"))
        report.facts.append(Fact(name: "cpu features", value: cpu.simdFeatures.isEmpty ? "none detected" : cpu.simdFeatures.joined(separator: " ")))
        let instructionSets = KernelInstructionSets.current
        report.facts.append(Fact(name: "kernels", value: instructionSets.summary))
        if instructionSets.swiftLoopsBelowCPU {
            report.facts.append(Fact(
                name: "build flags",
                value: "Swift loops use less than this CPU's \(instructionSets.cpu.name); `-Xswiftc -target-cpu "
                    + "-Xswiftc native` (as `make release`) compiles them for it (the README's build-flags note)"))
        }
        if let problem = KernelInstructionSets.requestProblem(environment["MIXLAB_KERNEL_ISA"], cpu: instructionSets.cpu) {
            report.problems.append(Problem(
                what: problem, fix: "unset MIXLAB_KERNEL_ISA, or set it to x86-64, avx2 or avx512f (at most the CPU's level)"))
        }
        report.facts.append(Fact(name: "threads", value: "\(Parallelism.threads) (MIXLAB_THREADS or --threads to change)"))
        report.facts.append(Fact(name: "fftw", value: "\(FFTWPlanner.version) (single precision, threads; planner effort \(FFTWPlanner.shared.effort.rawValue))"))
        report.facts.append(Fact(name: "gsl", value: GSL.version))

        let blas = BLAS.status
        if blas.available {
            report.facts.append(Fact(name: "openblas", value: blas.configuration))
            report.facts.append(Fact(name: "blas kernels", value: "\(blas.coreName) (\(blas.coreTypeReason)), "
                + "\(blas.threads) thread per call; large products split over MixLab's \(Parallelism.threads) threads"))
            if let better = cpu.fasterOpenBLASKernels(than: blas.coreName) {
                report.problems.append(Problem(
                    what: "OpenBLAS runs its \(blas.coreName) kernels, but this CPU supports \(better) (several times faster sgemm)",
                    fix: "unset OPENBLAS_CORETYPE to let MixLab choose, or export OPENBLAS_CORETYPE=\(better)"))
            }
        } else {
            report.facts.append(Fact(name: "openblas", value: "not available"))
            report.problems.append(Problem(what: blas.error, fix: BLAS.installFix))
        }

        // Open MPI: optional, opened at run time by data-parallel training only.
        switch MPILibrary.probe(environment: environment) {
        case .success(let library):
            report.facts.append(Fact(name: "mpi", value: "\(library) (data-parallel training: mpirun -np N mixlab train …)"))
        case .failure(let error):
            report.facts.append(Fact(
                name: "mpi", value: "not available (\(error.what)); only data-parallel training needs it: sudo apt-get install \(MPILibrary.packages)"))
        }

        // Build-time pieces: needed to compile MixLab or a package that depends on it.
        let headers = [
            ("/usr/include/fftw3.h", "libfftw3-dev"),
            ("/usr/include/gsl/gsl_wavelet.h", "libgsl-dev"),
        ]
        let missing = headers.filter { !fileExists($0.0) }.map(\.1)
        let openBLASHeaders = ["/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h",
                               "/usr/include/aarch64-linux-gnu/openblas-pthread/cblas.h"].contains(where: fileExists)
        let allMissing = missing + (openBLASHeaders ? [] : ["libopenblas-dev"])
        if allMissing.isEmpty {
            report.facts.append(Fact(name: "build headers", value: "fftw3, gsl, openblas found"))
        } else {
            report.problems.append(Problem(
                what: "headers to build MixLab are missing: \(allMissing.joined(separator: ", "))",
                fix: "sudo apt-get install \(allMissing.joined(separator: " "))   (or: make deps)"))
        }
        return report
    }

    /// `name: value` lines, then problems with fixes (or "no problems found").
    var rendered: String {
        let width = facts.map(\.name.count).max() ?? 0
        var lines = facts.map { $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.value }
        if problems.isEmpty {
            lines.append("\nno problems found")
        } else {
            lines.append("\n\(problems.count) problem(s):")
            for problem in problems {
                lines.append("  - \(problem.what)\n    fix: \(problem.fix)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
