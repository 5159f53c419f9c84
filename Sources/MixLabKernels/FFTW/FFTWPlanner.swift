import CFFTW
import Foundation
import MixLabCore

/// Creates and caches FFTW plans; the only place in MixLab that calls FFTW's planner.
///
/// FFTW's planner is not thread-safe, its `execute` functions are: every plan is made (and destroyed)
/// under one lock and cached per description, and kernels run cached plans concurrently with the
/// new-array execute functions. Plans are made on scratch arrays, since `FFTW_MEASURE` overwrites the
/// arrays it plans on.
///
/// Effort (`estimate`, `measure`, `patient`) is `estimate` by default and can be set with
/// `MIXLAB_FFTW_EFFORT` or `effort`. `estimate` picks a plan from the shape alone, so every process makes
/// the same plans and a training run repeated with the same settings and thread count gives the same
/// numbers bit for bit. A measured plan is chosen by timing candidates, so two processes may pick
/// different (equally correct) algorithms whose results differ in the last bits: `measure` is for
/// benchmarks (`mixlab bench` uses it unless told otherwise), or for runs that save and reload wisdom
/// (`exportWisdom(to:)`/`importWisdom(from:)`). `planListing` says which plans were made.
public final class FFTWPlanner: @unchecked Sendable {
    /// The planner every kernel uses.
    public static let shared = FFTWPlanner()

    /// How hard FFTW searches for a fast plan.
    public enum Effort: String, Sendable, CaseIterable {
        case estimate, measure, patient

        var flag: UInt32 {
            switch self {
            case .estimate: return UInt32(FFTW_ESTIMATE)
            case .measure: return UInt32(FFTW_MEASURE)
            case .patient: return UInt32(FFTW_PATIENT)
            }
        }
    }

    // Recursive: a plan destroyed while the planner holds the lock (cache eviction) takes it again.
    private let lock = NSRecursiveLock()
    private var cache: [FFTWPlanDescription: FFTWPlan] = [:]
    private var currentEffort: Effort

    private init() {
        fftwf_init_threads()
        let requested = ProcessInfo.processInfo.environment["MIXLAB_FFTW_EFFORT"].flatMap(Effort.init(rawValue:))
        currentEffort = requested ?? .estimate
    }

    /// The effort used for plans made from now on (cached plans keep theirs).
    public var effort: Effort {
        get { lock.withLock { currentEffort } }
        set { lock.withLock { currentEffort = newValue } }
    }

    /// The number of cached plans.
    public var cachedPlanCount: Int { lock.withLock { cache.count } }

    /// FFTW's version string, e.g. `fftw-3.3.10-sse2-avx`.
    public static var version: String { String(cString: mixlab_fftwf_version()) }

    /// The cached plan for `description`, made now if needed.
    ///
    /// - Throws: `MixLabError.invalidArgument` when FFTW cannot plan the description.
    public func plan(_ description: FFTWPlanDescription) throws -> FFTWPlan {
        try lock.withLock {
            if let plan = cache[description] { return plan }
            let plan = try FFTWPlan(description: description, flags: currentEffort.flag)
            cache[description] = plan
            return plan
        }
    }

    /// Runs `body` while holding the planner lock (FFTW's planner and `fftwf_destroy_plan` are not
    /// thread-safe).
    func withPlannerLock<R>(_ body: () throws -> R) rethrows -> R {
        try lock.withLock(body)
    }

    /// Forgets every cached plan (kernels holding a plan keep it alive until they go).
    public func removeAllPlans() {
        lock.withLock { cache.removeAll() }
    }

    /// Every cached plan, one line each in a stable order: what it computes, then the algorithm FFTW
    /// chose (`FFTWPlan.algorithm`). Two processes with equal listings made the same plans; a run record
    /// keeps its SHA-256.
    public var planListing: String {
        lock.withLock {
            cache.values.map { "\(String(describing: $0.description)) \($0.algorithm)" }.sorted().joined(separator: "\n")
        }
    }

    /// Loads wisdom (previously measured plans) from a file made by `exportWisdom(to:)`.
    ///
    /// - Throws: `MixLabError.ioFailure` when the file is missing or not FFTW single-precision wisdom.
    public func importWisdom(from path: String) throws {
        try lock.withLock {
            guard fftwf_import_wisdom_from_filename(path) != 0 else {
                throw MixLabError(
                    .ioFailure, what: "could not read FFTW wisdom from \(path)", location: "FFTWPlanner.importWisdom",
                    fix: "pass a file written by exportWisdom (single precision), or delete it to re-measure")
            }
        }
    }

    /// Saves the wisdom of every plan made so far, atomically (a temporary file renamed into place).
    ///
    /// - Throws: `MixLabError.ioFailure` when the file cannot be written.
    public func exportWisdom(to path: String) throws {
        try lock.withLock {
            let temporary = path + ".tmp-\(getpid())"
            guard fftwf_export_wisdom_to_filename(temporary) != 0, rename(temporary, path) == 0 else {
                unlink(temporary)
                throw MixLabError(
                    .ioFailure, what: "could not write FFTW wisdom to \(path)", location: "FFTWPlanner.exportWisdom",
                    fix: "check that the folder exists and is writable")
            }
        }
    }
}
