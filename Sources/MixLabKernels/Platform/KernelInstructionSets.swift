import CVectorKernels

/// Which instruction sets MixLab's kernels were compiled for and run on in this process.
///
/// MixLab's numeric code comes in two kinds:
/// - **Swift loops** (row kernels of the transforms, LayerNorm, optimisers, …) are compiled for what
///   the Swift compiler targets. A plain `swift build -c release` targets the platform's baseline
///   (x86-64: SSE2, 128-bit vectors, no FMA); `-Xswiftc -target-cpu -Xswiftc native` (what
///   `make release` uses) targets this machine. SwiftPM does not pass such flags to dependencies, and
///   Swift has no `#if` on target features, so `swiftLoops` is read at compile time through the C
///   header of `CVectorKernels`: the Swift compiler's clang importer is given the same target CPU, so
///   the header's `__AVX512F__`/`__AVX2__`/`__FMA__` checks see what the Swift code of this module
///   was compiled for.
/// - **C kernels** (`exp`, `tanh`, GELU, softmax rows, the fast DCT's row passes: `VectorExponential`,
///   `VectorMath`, attention, `CosineTransformFFT`)
///   are compiled for AVX-512F, AVX2 + FMA and the baseline; the first call picks the best variant the
///   CPU supports and the process keeps it (`MIXLAB_KERNEL_ISA=x86-64|avx2|avx512f` lowers the choice,
///   for comparisons). Same machine, same variant: results stay bitwise reproducible.
///
/// `mixlab doctor` and every run record show `summary`.
public struct KernelInstructionSets: Sendable, Equatable {
    /// An instruction-set level, lowest first.
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        /// A platform other than x86-64 (one portable variant).
        case portable = 0
        /// The x86-64 baseline: SSE2.
        case x86_64 = 1
        /// AVX2 with FMA.
        case avx2FMA = 2
        /// AVX-512F (with AVX2 and FMA).
        case avx512F = 3

        /// A short name, e.g. `x86-64 baseline (SSE2)` or `AVX-512F`.
        public var name: String {
            switch self {
            case .portable: "portable"
            case .x86_64: "x86-64 baseline (SSE2)"
            case .avx2FMA: "AVX2+FMA"
            case .avx512F: "AVX-512F"
            }
        }

        /// Lower levels first.
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        init(_ level: Int32) { self = Level(rawValue: Int(level)) ?? .portable }
    }

    /// What MixLab's Swift loops were compiled for (a compile-time fact of this build).
    public let swiftLoops: Level
    /// The variant of the C kernels this process runs.
    public let cKernels: Level
    /// The highest level this CPU supports.
    public let cpu: Level

    /// This build and process.
    public static var current: KernelInstructionSets {
        KernelInstructionSets(
            swiftLoops: Level(MIXLAB_IMPORTER_ISA_LEVEL), cKernels: Level(mixlab_kernels_isa_level()),
            cpu: Level(mixlab_kernels_cpu_isa_level()))
    }

    /// The three levels as given.
    public init(swiftLoops: Level, cKernels: Level, cpu: Level) {
        self.swiftLoops = swiftLoops
        self.cKernels = cKernels
        self.cpu = cpu
    }

    /// The values `MIXLAB_KERNEL_ISA` accepts, with the level each asks for (as the C kernels read it).
    public static let requestNames: [String: Level] = [
        "x86-64": .x86_64, "baseline": .x86_64, "avx2": .avx2FMA, "avx512f": .avx512F,
    ]

    /// What is wrong with a `MIXLAB_KERNEL_ISA` value, or nil when it is absent or honoured as asked:
    /// an unknown value is ignored by the kernels, and a level above `cpu` is lowered to it.
    public static func requestProblem(_ requested: String?, cpu: Level) -> String? {
        guard let requested else { return nil }
        guard let level = requestNames[requested] else {
            return "MIXLAB_KERNEL_ISA=\(requested) is not one of \(requestNames.keys.sorted().joined(separator: ", ")): "
                + "it is ignored and the C kernels run the CPU's best variant (\(cpu.name))"
        }
        guard level <= cpu else {
            return "MIXLAB_KERNEL_ISA=\(requested) asks for \(level.name), which this CPU lacks: the C kernels run \(cpu.name)"
        }
        return nil
    }

    /// Whether the Swift loops use less of the CPU than it has (a plain `swift build` of a dependant).
    public var swiftLoopsBelowCPU: Bool { swiftLoops < cpu }

    /// One line, e.g. `Swift loops: x86-64 baseline (SSE2); C kernels: AVX-512F (run-time dispatch)`.
    public var summary: String {
        let swift = swiftLoops.name + (swiftLoops > .x86_64 ? " (-target-cpu)" : "")
        return "Swift loops: \(swift); C kernels: \(cKernels.name) (run-time dispatch)"
    }
}
