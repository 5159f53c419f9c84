import CFFTW
import MixLabCore

/// One of FFTW's unnormalised real-to-real transforms, as a Swift value (the mixers module does not see
/// FFTW's C constants).
///
/// With `n` the length along the axis (FFTW's manual, "What FFTW Really Computes"):
/// - `redft00` (DCT-I, n ≥ 2): `Y[k] = X[0] + (−1)^k·X[n−1] + 2·Σ_{j=1}^{n−2} X[j]·cos(πjk/(n−1))`
/// - `redft10` (DCT-II): `Y[k] = 2·Σ X[j]·cos(π(j+½)k/n)`
/// - `redft01` (DCT-III): `Y[k] = X[0] + 2·Σ_{j≥1} X[j]·cos(πj(k+½)/n)`
/// - `redft11` (DCT-IV): `Y[k] = 2·Σ X[j]·cos(π(j+½)(k+½)/n)`
/// - `dht` (discrete Hartley): `Y[k] = Σ X[j]·cas(2πjk/n)`, `cas = cos + sin`
/// These equal scipy's `dct(type=1…4)` and `Re(fft) − Im(fft)` with `norm="backward"`.
public enum RealToRealKind: String, Sendable, CaseIterable {
    case redft00, redft10, redft01, redft11, dht

    /// The smallest length FFTW accepts (2 for the DCT-I, whose logical size is 2(n − 1)).
    public var minimumLength: Int { self == .redft00 ? 2 : 1 }

    var fftwKind: UInt32 {
        switch self {
        case .redft00: return FFTW_REDFT00.rawValue
        case .redft10: return FFTW_REDFT10.rawValue
        case .redft01: return FFTW_REDFT01.rawValue
        case .redft11: return FFTW_REDFT11.rawValue
        case .dht: return FFTW_DHT.rawValue
        }
    }
}

/// `D_out · R · D_in` for a batch of `(T, C)` examples, where `R` is one FFTW real-to-real transform
/// applied along the sequence, hidden or both axes (`fftwf_plan_many_r2r`; over both axes FFTW's
/// multi-dimensional r2r is exactly the separable product) and `D_in`, `D_out` are separable diagonal
/// scalings (`SeparableScale`).
///
/// This is the general path: every DCT type and the DHT, any axis, any accepted length. It is slower than
/// the complex-FFT kernels (`CosineTransformFFT`, `HartleyFFT`): FFTW's r2r codelets are not vectorised,
/// strided columns along the sequence cost more than contiguous rows, and the DCT-I runs a length 2(n−1) transform (slow when 2(n−1) has large
/// prime factors, e.g. n = 512). A non-identity `D_in` costs one scaled copy of each example, a
/// non-identity `D_out` one pass over the output. Examples are split over `Parallelism.threads` threads
/// (`forEachExample`).
public final class RealToRealFFTW: @unchecked Sendable {
    /// The sequence length T.
    public let sequenceLength: Int
    /// The hidden size C.
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// The transform along each transformed axis.
    public let kind: RealToRealKind

    private let plans: ExamplePlans
    private let scalesInput: Bool
    private let scalesOutput: Bool
    private let inputSequence: [Float], inputHidden: [Float]
    private let outputSequence: [Float], outputHidden: [Float]

    /// Plans the transform for `(sequenceLength, hiddenSize)` examples.
    ///
    /// - Throws: `MixLabError.unsupportedLength` when a transformed length is below `kind.minimumLength`;
    ///   `invalidArgument` for scales of the wrong lengths or when FFTW cannot plan the shape.
    public init(
        sequenceLength t: Int, hiddenSize c: Int, axes: MixingAxes, kind: RealToRealKind,
        inputScale: SeparableScale, outputScale: SeparableScale
    ) throws {
        for (length, included, name) in [(t, axes.includesSequence, "sequence length T"), (c, axes.includesHidden, "hidden size C")]
        where included && length < kind.minimumLength {
            throw MixLabError(
                .unsupportedLength, what: "\(name) \(length) is below \(kind.minimumLength), the shortest \(kind.rawValue) FFTW computes",
                location: "RealToRealFFTW", fix: "pad the input to \(kind.minimumLength) or more")
        }
        for scale in [inputScale, outputScale] where scale.sequence.count != t || scale.hidden.count != c {
            throw MixLabError(
                .invalidArgument, what: "scales of lengths (\(scale.sequence.count), \(scale.hidden.count)) do not fit (T, C) = (\(t), \(c))",
                location: "RealToRealFFTW", fix: "pass T sequence factors and C hidden factors")
        }
        sequenceLength = t
        hiddenSize = c
        self.axes = axes
        self.kind = kind
        // The output, and the input when it is not copied, are whole examples of a 64-byte aligned tensor:
        // each stays aligned when T·C is a multiple of 16 floats.
        let aligned = (t * c) % 16 == 0
        let description: FFTWPlanDescription
        switch axes {
        case .both:
            description = FFTWPlanDescription(kind: .realToReal([kind.fftwKind, kind.fftwKind]), lengths: [t, c], aligned: aligned)
        case .hidden:
            description = FFTWPlanDescription(kind: .realToReal([kind.fftwKind]), lengths: [c], howMany: t, aligned: aligned)
        case .sequence:
            description = FFTWPlanDescription(
                kind: .realToReal([kind.fftwKind]), lengths: [t], howMany: c, inputStride: c, inputDistance: 1,
                outputStride: c, outputDistance: 1, aligned: aligned)
        }
        plans = try ExamplePlans(description)
        scalesInput = !inputScale.isIdentity
        scalesOutput = !outputScale.isIdentity
        inputSequence = inputScale.sequence.map { Float($0) }
        inputHidden = inputScale.hidden.map { Float($0) }
        outputSequence = outputScale.sequence.map { Float($0) }
        outputHidden = outputScale.hidden.map { Float($0) }
    }

    /// Writes the transformed batch to `output`; `input` and `output` hold `batch` examples of T·C floats.
    ///
    /// Both must be 64-byte aligned (any `Tensor` is) and must not overlap.
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int) {
        let exampleSize = sequenceLength * hiddenSize
        let copies = scalesInput
        forEachExample(batch: batch, scratchFloats: copies ? exampleSize : 0) { b, scratch, threads in
            transform(input + b * exampleSize, output + b * exampleSize, copies ? scratch : nil, plans.plan(threads: threads))
        }
    }

    private func transform(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>?,
        _ plan: FFTWPlan
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        var source = x
        if let scratch {
            inputSequence.withUnsafeBufferPointer { sequence in
                inputHidden.withUnsafeBufferPointer { hidden in
                    for row in 0..<t {
                        scaleRow(x + row * c, by: hidden.baseAddress!, times: sequence[row], to: scratch + row * c, count: c)
                    }
                }
            }
            source = UnsafePointer(scratch)
        }
        plan.executeRealToReal(source, y)
        guard scalesOutput else { return }
        outputSequence.withUnsafeBufferPointer { sequence in
            outputHidden.withUnsafeBufferPointer { hidden in
                for row in 0..<t {
                    scaleRow(y + row * c, by: hidden.baseAddress!, times: sequence[row], to: y + row * c, count: c)
                }
            }
        }
    }
}
