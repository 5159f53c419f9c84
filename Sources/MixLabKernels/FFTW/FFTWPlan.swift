import Foundation
import CFFTW
import MixLabCore

/// What an FFTW plan computes: the arguments of `fftwf_plan_many_*`, plus threads and alignment.
///
/// Lengths and strides are in elements of the array's own type: floats for real arrays, complex
/// numbers (pairs of floats) for complex arrays.
public struct FFTWPlanDescription: Hashable, Sendable {
    /// The transform family.
    public enum Kind: Hashable, Sendable {
        /// Real input to the half spectrum `n_last/2 + 1` (`fftwf_plan_many_dft_r2c`).
        case realToComplex
        /// Half spectrum to real output, unnormalised (`fftwf_plan_many_dft_c2r`); destroys its input.
        case complexToReal
        /// Complex to complex; `forward` is the sign −1 (`fftwf_plan_many_dft`).
        case complexToComplex(forward: Bool)
        /// Real to real with one FFTW kind per transformed axis (`fftwf_plan_many_r2r`): DCT, DST, DHT.
        case realToReal([UInt32])
    }

    /// The transform family (and, for complex-to-complex, the direction).
    public var kind: Kind
    /// The transform lengths, outermost first (rank 1, 2 or 3).
    public var lengths: [Int]
    /// How many transforms one execution computes.
    public var howMany: Int
    /// The step between consecutive elements of one transform's input (FFTW's `istride`).
    public var inputStride: Int
    /// The step from one transform's input to the next (FFTW's `idist`); by default one input's size.
    public var inputDistance: Int
    /// The step between consecutive elements of one transform's output (FFTW's `ostride`).
    public var outputStride: Int
    /// The step from one transform's output to the next (FFTW's `odist`); by default one output's size.
    public var outputDistance: Int
    /// Threads FFTW may use inside one execution.
    public var threads: Int
    /// Whether executions will pass 64-byte aligned arrays (otherwise the plan is made `FFTW_UNALIGNED`).
    public var aligned: Bool

    /// Describes `howMany` transforms of `lengths`, with strides and distances in elements.
    public init(
        kind: Kind, lengths: [Int], howMany: Int = 1, inputStride: Int = 1, inputDistance: Int? = nil,
        outputStride: Int = 1, outputDistance: Int? = nil, threads: Int = 1, aligned: Bool = true
    ) {
        self.kind = kind
        self.lengths = lengths
        self.howMany = howMany
        self.inputStride = inputStride
        self.outputStride = outputStride
        self.threads = threads
        self.aligned = aligned
        let full = lengths.reduce(1, *)
        let half = lengths.dropLast().reduce(1, *) * ((lengths.last ?? 1) / 2 + 1)
        switch kind {
        case .realToComplex:
            self.inputDistance = inputDistance ?? full
            self.outputDistance = outputDistance ?? half
        case .complexToReal:
            self.inputDistance = inputDistance ?? half
            self.outputDistance = outputDistance ?? full
        case .complexToComplex, .realToReal:
            self.inputDistance = inputDistance ?? full
            self.outputDistance = outputDistance ?? full
        }
    }

    /// Floats one execution reads: the extent of the input array.
    public var inputFloatCount: Int {
        extent(stride: inputStride, distance: inputDistance, lengths: inputLengths) * (inputIsComplex ? 2 : 1)
    }

    /// Floats one execution writes: the extent of the output array.
    public var outputFloatCount: Int {
        extent(stride: outputStride, distance: outputDistance, lengths: outputLengths) * (outputIsComplex ? 2 : 1)
    }

    private var halfLengths: [Int] { lengths.dropLast() + [(lengths.last ?? 1) / 2 + 1] }
    private var inputLengths: [Int] { kind == .complexToReal ? halfLengths : lengths }
    private var outputLengths: [Int] { kind == .realToComplex ? halfLengths : lengths }
    private var inputIsComplex: Bool {
        switch kind {
        case .complexToReal, .complexToComplex: return true
        default: return false
        }
    }
    private var outputIsComplex: Bool {
        switch kind {
        case .realToComplex, .complexToComplex: return true
        default: return false
        }
    }

    private func extent(stride: Int, distance: Int, lengths: [Int]) -> Int {
        // Last element of the last transform, plus one: (howMany−1)·dist + (Π n − 1)·stride + 1.
        (howMany - 1) * distance + (lengths.reduce(1, *) - 1) * stride + 1
    }
}

/// An owned FFTW single-precision plan; destroyed with the object.
///
/// Execution is thread-safe and may be given any arrays of the planned layout (FFTW's new-array
/// execute interface), aligned to 64 bytes unless the plan was described as unaligned.
public final class FFTWPlan: @unchecked Sendable {
    /// What the plan computes.
    public let description: FFTWPlanDescription
    private let plan: fftwf_plan

    /// FFTW's own account of the algorithm it chose (`fftwf_sprint_plan`), e.g.
    /// `(rdft2-rank>=2/1 (rdft2-vrank>=1-x8/1 …))`: two plans with equal text compute in the same order.
    public var algorithm: String {
        guard let text = fftwf_sprint_plan(plan) else { return "unknown" }
        defer { free(text) }
        return String(cString: text)
    }

    init(description d: FFTWPlanDescription, flags: UInt32) throws {
        self.description = d
        let input = TensorStorage(count: d.inputFloatCount, zeroed: true)
        let output = TensorStorage(count: d.outputFloatCount, zeroed: true)
        var flags = flags | (d.aligned ? 0 : UInt32(FFTW_UNALIGNED))
        if d.kind != .complexToReal { flags |= UInt32(FFTW_PRESERVE_INPUT) }
        let lengths = d.lengths.map { Int32($0) }
        fftwf_plan_with_nthreads(Int32(d.threads))
        let made: fftwf_plan? = lengths.withUnsafeBufferPointer { n in
            let rank = Int32(n.count)
            let howMany = Int32(d.howMany)
            let (istride, idist) = (Int32(d.inputStride), Int32(d.inputDistance))
            let (ostride, odist) = (Int32(d.outputStride), Int32(d.outputDistance))
            let complexInput = OpaquePointer(input.pointer)
            let complexOutput = OpaquePointer(output.pointer)
            switch d.kind {
            case .realToComplex:
                return fftwf_plan_many_dft_r2c(
                    rank, n.baseAddress, howMany, input.pointer, nil, istride, idist,
                    UnsafeMutablePointer(complexOutput), nil, ostride, odist, flags)
            case .complexToReal:
                return fftwf_plan_many_dft_c2r(
                    rank, n.baseAddress, howMany, UnsafeMutablePointer(complexInput), nil, istride, idist,
                    output.pointer, nil, ostride, odist, flags)
            case .complexToComplex(let forward):
                return fftwf_plan_many_dft(
                    rank, n.baseAddress, howMany, UnsafeMutablePointer(complexInput), nil, istride, idist,
                    UnsafeMutablePointer(complexOutput), nil, ostride, odist, forward ? FFTW_FORWARD : FFTW_BACKWARD,
                    flags)
            case .realToReal(let kinds):
                let fftwKinds = kinds.map { fftwf_r2r_kind($0) }
                return fftwKinds.withUnsafeBufferPointer { k in
                    fftwf_plan_many_r2r(
                        rank, n.baseAddress, howMany, input.pointer, nil, istride, idist,
                        output.pointer, nil, ostride, odist, k.baseAddress, flags)
                }
            }
        }
        guard let made else {
            throw MixLabError(
                .invalidArgument, what: "FFTW could not plan \(d)", location: "FFTWPlan",
                fix: "check the lengths, strides and kinds; report this if they are valid")
        }
        self.plan = made
    }

    deinit {
        let plan = self.plan
        FFTWPlanner.shared.withPlannerLock { fftwf_destroy_plan(plan) }
    }

    /// Executes a `realToComplex` plan: `input` real, `output` interleaved complex.
    @inlinable
    public func executeRealToComplex(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        executeRealToComplexUnchecked(input, output)
    }

    @usableFromInline
    func executeRealToComplexUnchecked(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft_r2c(plan, UnsafeMutablePointer(mutating: input), UnsafeMutablePointer(OpaquePointer(output)))
    }

    /// Executes a `complexToReal` plan (overwrites `input`).
    public func executeComplexToReal(_ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft_c2r(plan, UnsafeMutablePointer(OpaquePointer(input)), output)
    }

    /// Executes a `complexToComplex` plan on interleaved complex arrays.
    public func executeComplexToComplex(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft(
            plan, UnsafeMutablePointer(OpaquePointer(UnsafeMutablePointer(mutating: input))),
            UnsafeMutablePointer(OpaquePointer(output)))
    }

    /// Executes a `realToReal` plan.
    public func executeRealToReal(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        fftwf_execute_r2r(plan, UnsafeMutablePointer(mutating: input), output)
    }
}
