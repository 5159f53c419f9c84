import Foundation
import MixLabCore

/// Whether this process was started as one rank of an MPI job, read from the launcher's environment.
///
/// Open MPI's `mpirun` sets `OMPI_COMM_WORLD_SIZE` and `OMPI_COMM_WORLD_RANK`; Slurm's `srun --mpi=pmix`
/// sets `PMIX_RANK` (the size is then known only after `MPI_Init`). `mixlab train` starts data-parallel
/// training when either is present, or when `--distributed` asks for it. O(1).
public struct MPILaunch: Sendable, Equatable {
    /// The launcher's variable that gave it away (e.g. `OMPI_COMM_WORLD_SIZE=2`).
    public let evidence: String
    /// The group size when the launcher tells it before `MPI_Init`, else nil.
    public let size: Int?

    /// The launch the environment describes, or nil when no MPI launcher started this process.
    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> MPILaunch? {
        if let text = environment["OMPI_COMM_WORLD_SIZE"] {
            return MPILaunch(evidence: "OMPI_COMM_WORLD_SIZE=\(text)", size: Int(text))
        }
        if let text = environment["PMIX_RANK"] {
            return MPILaunch(evidence: "PMIX_RANK=\(text)", size: nil)
        }
        return nil
    }

    /// The communicator for this process: `MPICommunicator` when a launcher started it (or `required`),
    /// else `SingleProcessCommunicator`.
    ///
    /// - Throws: `MixLabError.libraryUnavailable` when MPI is wanted but Open MPI cannot be loaded: the
    ///   error names the launcher's variable and the Debian packages to install.
    public static func communicator(
        required: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any Communicator {
        let launch = detect(environment: environment)
        guard launch != nil || required else { return SingleProcessCommunicator() }
        do {
            return try MPICommunicator(library: try MPILibrary.open(environment: environment))
        } catch let error as MixLabError {
            let why = launch.map { "this process was started by an MPI launcher (\($0.evidence)), but " } ?? "--distributed was given, but "
            throw MixLabError(error.code, what: why + error.what, location: error.location, fix: error.fix)
        }
    }
}
