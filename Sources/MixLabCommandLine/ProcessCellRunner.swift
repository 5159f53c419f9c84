import CProcessControl
import Foundation
import MixLab

extension StudyCellRunner {
    /// The environment variable through which a study gives the `mixlab train` processes it starts its
    /// own process ID, so that they die with it.
    static let studyProcessVariable = "MIXLAB_STUDY_PROCESS"

    /// The runner that trains each cell in a `mixlab train` process of its own (the default of `mixlab
    /// study run`).
    ///
    /// A process per cell gives every run a clean memory peak — a process's high-water mark also holds
    /// what earlier cells left behind (FFTW plans, cached mixer matrices, a fragmented heap) — and keeps a
    /// crash in one cell (a trap, the out-of-memory killer) from ending the study: the cell fails and,
    /// with `--keep-going`, the others go on. The child is `executable` — the running program, so a
    /// `mixlab` built with mixers or tasks of its own (`MixLabCommandLine`) runs its cells with them —
    /// called as `train --out <run directory> --set key=value…` with every setting of the cell. It writes
    /// its progress to the study's standard error and its record to `run.json`, which this runner returns.
    /// As with the in-process runner, a killed cell resumes from its checkpoint and a cell whose run had
    /// finished with the same settings is not trained again.
    ///
    /// The child asks the kernel to kill it when the study's thread that started it exits
    /// (`PR_SET_PDEATHSIG`), so a study killed by any signal leaves no training process behind holding
    /// the cell's run folder. Cost: one process start and one task build per cell (a real dataset's
    /// file checksums are verified again in each process).
    ///
    /// - Parameter executable: the `mixlab` to run (`/proc/self/exe` for the running one).
    static func process(executable: URL) -> StudyCellRunner {
        StudyCellRunner(name: "process") { configuration, cellID, directory in
            if case .finished(_, let record?) = try RunDirectory(directory.path).inspect(), record.settings == configuration.settings {
                return record
            }
            let process = Process()
            process.executableURL = executable
            process.arguments = ["train", "--out", directory.path]
                + configuration.settings.sorted { $0.key < $1.key }.flatMap { ["--set", "\($0.key)=\($0.value)"] }
            var environment = ProcessInfo.processInfo.environment
            environment[studyProcessVariable] = String(getpid())
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                throw MixLabError(.ioFailure, what: "cannot start \(executable.path) for cell \(cellID) (\(error.localizedDescription))",
                                  location: "study cell \(cellID)", fix: "check that \(executable.path) exists and is executable, or pass --runner in-process")
            }
            process.waitUntilExit()
            guard process.terminationReason == .exit, process.terminationStatus == 0 else {
                let how = process.terminationReason == .exit
                    ? "exited with status \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
                throw MixLabError(
                    .ioFailure, what: "the training process of cell \(cellID) \(how) (its messages are above)",
                    location: "study cell \(cellID), run folder \(directory.path)",
                    fix: process.terminationReason == .exit
                        ? "fix what its error says, then run the study again (finished cells are kept)"
                        : "a signal 9 is often the out-of-memory killer (see `dmesg`); run the study again to resume the cell from its checkpoint")
            }
            guard case .finished(_, let record?) = try RunDirectory(directory.path).inspect() else {
                throw MixLabError(.ioFailure, what: "the training process of cell \(cellID) exited without writing its run record",
                                  location: "run folder \(directory.path)", fix: "run the study again to train the cell again")
            }
            return record
        }
    }

    /// Makes this process die with the study that started it, when the study said so through
    /// `studyProcessVariable`; called by `mixlab train` before it trains.
    ///
    /// - Throws: `MixLabError.invalidArgument` when the variable is not a process ID, or when the study
    ///   has already exited (the run would be an orphan nobody waits for).
    static func exitWithStudyProcess(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let text = environment[studyProcessVariable] else { return }
        guard let parent = pid_t(text), parent > 0 else {
            throw MixLabError(.invalidArgument, what: "\(studyProcessVariable)=\(text) is not a process ID", location: "environment",
                              fix: "unset \(studyProcessVariable): only `mixlab study run` sets it, for the training processes it starts")
        }
        switch mixlab_exit_with_parent(parent) {
        case 0: return
        case 1:
            throw MixLabError(.invalidArgument, what: "the study (process \(parent)) that started this run has already exited",
                              location: "environment (\(studyProcessVariable))", fix: "run the study again; it resumes this cell")
        default:
            throw MixLabError(.ioFailure, what: "cannot ask to die with the study process (prctl: \(String(cString: strerror(errno))))",
                              location: "environment (\(studyProcessVariable))", fix: "unset \(studyProcessVariable) to train without it")
        }
    }
}
