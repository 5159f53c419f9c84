import MixLabCore
import Testing

@testable import MixLabDistributed

/// The launcher detection and the errors of a missing or foreign MPI library: none of this needs MPI.
@Suite struct MPILaunchTests {
    @Test func detectsOpenMPIAndPMIxLaunchers() {
        #expect(MPILaunch.detect(environment: [:]) == nil)
        #expect(MPILaunch.detect(environment: ["OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "1"])
            == MPILaunch(evidence: "OMPI_COMM_WORLD_SIZE=3", size: 3))
        #expect(MPILaunch.detect(environment: ["PMIX_RANK": "0"]) == MPILaunch(evidence: "PMIX_RANK=0", size: nil))
    }

    @Test func withoutALauncherTheRunIsOneProcess() throws {
        let communicator = try MPILaunch.communicator(environment: ["MIXLAB_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
        #expect(communicator is SingleProcessCommunicator)
    }

    @Test func aLauncherWithoutLibMPIIsAClearError() {
        let environment = ["OMPI_COMM_WORLD_SIZE": "2", "MIXLAB_MPI_LIBRARY": "/nonexistent/libmpi.so.40"]
        do {
            _ = try MPILaunch.communicator(environment: environment)
            Issue.record("a missing libmpi was accepted")
        } catch let error as MixLabError {
            #expect(error.code == .libraryUnavailable)
            #expect(error.what.contains("started by an MPI launcher (OMPI_COMM_WORLD_SIZE=2)"))
            #expect(error.what.contains("/nonexistent/libmpi.so.40"))
            #expect(error.fix.contains("libopenmpi-dev openmpi-bin"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func distributedWithoutLibMPIIsAClearError() {
        do {
            _ = try MPILaunch.communicator(required: true, environment: ["MIXLAB_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
            Issue.record("a missing libmpi was accepted")
        } catch let error as MixLabError {
            #expect(error.what.hasPrefix("--distributed was given, but Open MPI's library could not be loaded"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// A library that loads but is not Open MPI (libm) is refused, naming what it lacks.
    @Test func aLibraryThatIsNotOpenMPIIsRefused() {
        do {
            _ = try MPILibrary.open(environment: ["MIXLAB_MPI_LIBRARY": "libm.so.6"])
            Issue.record("libm was accepted as MPI")
        } catch let error as MixLabError {
            #expect(error.what.contains("libm.so.6 is not Open MPI's library: it lacks MPI_Init"))
            #expect(error.fix.contains("not MPICH's"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        if case .success = MPILibrary.probe(environment: ["MIXLAB_MPI_LIBRARY": "libm.so.6"]) { Issue.record("probe accepted libm") }
    }
}
