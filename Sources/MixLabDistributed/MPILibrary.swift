import Foundation
import MixLabCore

/// Open MPI's C library, opened at run time with `dlopen` (as MixLab opens OpenBLAS), so that MixLab
/// builds without Open MPI and single-process training never needs it.
///
/// The library is opened with `RTLD_GLOBAL` (Open MPI's plug-ins, which it opens itself, resolve
/// `libmpi`'s symbols through the global scope). Open MPI's `MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_DOUBLE`,
/// `MPI_BYTE` and `MPI_SUM` are macros for the addresses of the exported objects `ompi_mpi_comm_world`,
/// `ompi_mpi_float`, `ompi_mpi_double`, `ompi_mpi_byte` and `ompi_mpi_op_sum`, so `dlsym` gives exactly
/// the handles the C macros would; `MPI_IN_PLACE` is `(void *) 1`. Other MPI implementations (MPICH)
/// use another ABI (integer handles) and are refused by name.
///
/// The file tried: `MIXLAB_MPI_LIBRARY` when set, else `libmpi.so.40` (Open MPI 3–5 on Debian and most
/// distributions), then `libmpi.so`.
public final class MPILibrary: @unchecked Sendable {
    typealias Handle = UnsafeMutableRawPointer
    typealias InitFunction = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?) -> Int32
    typealias FlagFunction = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias CommunicatorIntFunction = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    typealias AllReduceFunction = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
    typealias BroadcastFunction = @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
    typealias BarrierFunction = @convention(c) (Handle) -> Int32
    typealias AbortFunction = @convention(c) (Handle, Int32) -> Int32
    typealias FinalizeFunction = @convention(c) () -> Int32
    typealias VersionFunction = @convention(c) (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32

    /// The Debian packages that provide Open MPI's library and its launcher.
    public static let packages = "libopenmpi-dev openmpi-bin"
    /// The file names tried, in order, when `MIXLAB_MPI_LIBRARY` is not set.
    public static let defaultNames = ["libmpi.so.40", "libmpi.so"]

    /// The file that was opened.
    public let path: String
    /// `MPI_Get_library_version`'s text, first line (e.g. `Open MPI v4.1.4, package: Debian OpenMPI, …`).
    public let version: String

    let initialize: InitFunction
    let initialized: FlagFunction
    let finalized: FlagFunction
    let commRank: CommunicatorIntFunction
    let commSize: CommunicatorIntFunction
    let allReduce: AllReduceFunction
    let broadcast: BroadcastFunction
    let barrier: BarrierFunction
    let abort: AbortFunction
    let finalize: FinalizeFunction
    let world: Handle
    let float: Handle
    let double: Handle
    let byte: Handle
    let sum: Handle

    /// Opens the library (`MIXLAB_MPI_LIBRARY` or the default names).
    ///
    /// - Throws: `MixLabError.libraryUnavailable` naming the file(s) tried, `dlerror`'s reason and the
    ///   packages to install; for a library that is not Open MPI, what it lacks.
    public static func open(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MPILibrary {
        let names = environment["MIXLAB_MPI_LIBRARY"].flatMap { $0.isEmpty ? nil : [$0] } ?? defaultNames
        var reasons: [String] = []
        for name in names {
            if let handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL) {
                return try MPILibrary(handle: handle, path: name)
            }
            reasons.append(dlerror().map { String(cString: $0) } ?? "\(name): not found")
        }
        let override = environment["MIXLAB_MPI_LIBRARY"].map { " (MIXLAB_MPI_LIBRARY=\($0))" } ?? ""
        throw MixLabError(
            .libraryUnavailable, what: "Open MPI's library could not be loaded\(override): \(reasons.joined(separator: "; "))",
            location: "MPI (data-parallel training)",
            fix: "install Open MPI: sudo apt-get install \(packages) (or `make deps`), or point MIXLAB_MPI_LIBRARY at its libmpi.so.40; "
                + "a single-process run needs no MPI: start mixlab without mpirun/srun")
    }

    private init(handle: UnsafeMutableRawPointer, path: String) throws {
        var missing: [String] = []
        func symbol(_ name: String) -> UnsafeMutableRawPointer? {
            let pointer = dlsym(handle, name)
            if pointer == nil { missing.append(name) }
            return pointer
        }
        func function<F>(_ name: String, as _: F.Type) -> F? { symbol(name).map { unsafeBitCast($0, to: F.self) } }
        let initialize = function("MPI_Init", as: InitFunction.self)
        let initialized = function("MPI_Initialized", as: FlagFunction.self)
        let finalized = function("MPI_Finalized", as: FlagFunction.self)
        let commRank = function("MPI_Comm_rank", as: CommunicatorIntFunction.self)
        let commSize = function("MPI_Comm_size", as: CommunicatorIntFunction.self)
        let allReduce = function("MPI_Allreduce", as: AllReduceFunction.self)
        let broadcast = function("MPI_Bcast", as: BroadcastFunction.self)
        let barrier = function("MPI_Barrier", as: BarrierFunction.self)
        let abort = function("MPI_Abort", as: AbortFunction.self)
        let finalize = function("MPI_Finalize", as: FinalizeFunction.self)
        let version = function("MPI_Get_library_version", as: VersionFunction.self)
        let world = symbol("ompi_mpi_comm_world"), float = symbol("ompi_mpi_float"), double = symbol("ompi_mpi_double")
        let byte = symbol("ompi_mpi_byte"), sum = symbol("ompi_mpi_op_sum")
        guard let initialize, let initialized, let finalized, let commRank, let commSize, let allReduce, let broadcast, let barrier,
              let abort, let finalize, let version, let world, let float, let double, let byte, let sum
        else {
            dlclose(handle)
            throw MixLabError(
                .libraryUnavailable, what: "\(path) is not Open MPI's library: it lacks \(missing.joined(separator: ", "))",
                location: "MPI (data-parallel training)",
                fix: "MixLab speaks Open MPI's ABI only (not MPICH's): install it with sudo apt-get install \(Self.packages), "
                    + "or point MIXLAB_MPI_LIBRARY at Open MPI's libmpi.so.40")
        }
        (self.initialize, self.initialized, self.finalized, self.commRank, self.commSize) = (initialize, initialized, finalized, commRank, commSize)
        (self.allReduce, self.broadcast, self.barrier, self.abort, self.finalize) = (allReduce, broadcast, barrier, abort, finalize)
        (self.world, self.float, self.double, self.byte, self.sum) = (world, float, double, byte, sum)
        self.path = path
        var text = [CChar](repeating: 0, count: 8192)  // MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI
        var length: Int32 = 0
        _ = version(&text, &length)
        let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.version = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? "Open MPI"
    }

    /// Whether Open MPI can be loaded, and which file and version (for `mixlab doctor`).
    ///
    /// - Returns: `.success("path: version")` or `.failure` with the reason and fix.
    public static func probe(environment: [String: String] = ProcessInfo.processInfo.environment) -> Result<String, MixLabError> {
        do {
            let library = try open(environment: environment)
            return .success("\(library.path): \(library.version)")
        } catch let error as MixLabError {
            return .failure(error)
        } catch {
            return .failure(MixLabError(.libraryUnavailable, what: "\(error)", location: "MPI", fix: "sudo apt-get install \(packages)"))
        }
    }
}
