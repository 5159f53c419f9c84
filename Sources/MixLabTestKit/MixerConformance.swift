import MixLabCore
import MixLabMixers

/// The conformance harness: every mixer's first test, usable by mixers written outside MixLab.
///
/// For each shape of `ConformanceOptions.shapes` it builds a fresh mixer with `makeMixer(T, C)` and
/// checks the contract of `TokenMixer`:
/// - rank and length errors: a rank-2 input and a declared-unsupported length are `MixLabError`s;
/// - shape preservation, determinism (forward and backward, bitwise), batch independence (changing one
///   example changes no other, and an example mixed alone equals it mixed in a batch), axis locality
///   (a `hidden` mixer never mixes tokens, a `sequence` mixer never mixes features) — "changes no
///   other" up to `tolerance` times the largest output, since fast paths may combine independent parts
///   in one transform and leave rounding-level traces;
/// - for linear mixers, linearity and the adjoint dot-product test `⟨A·x, g⟩ = ⟨x, Aᵀ·g⟩`;
/// - for every mixer, the vector–Jacobian product against central finite differences along random
///   directions (Richardson-extrapolated central differences; disagreements within their Float32
///   rounding noise are ignored), the parameters' gradients likewise, and that backward adds into
///   gradients;
/// - for a `FirstPositionsMixer`, that its first-N forward equals the first N positions of the full
///   output, its backward equals the full backward of the gradient padded with zeros (input and
///   parameter gradients), and that N outside `1 ... T` is an error (N = 1, ⌈T/2⌉, T);
/// - the inverse round trip for `InvertibleMixer`s, and a save/load round trip of the parameters.
///
/// It never stops at the first failure: the report lists every broken rule, with the shape and the
/// measured discrepancy.
///
///     let report = MixerConformance.check { _, _ in FourierMixer() }
///     #expect(report.passed, "\(report)")
public enum MixerConformance {
    /// Checks the mixers made by `makeMixer(sequenceLength, hiddenSize)` on every shape of `options`.
    public static func check(
        options: ConformanceOptions = ConformanceOptions(),
        makeMixer: (_ sequenceLength: Int, _ hiddenSize: Int) throws -> any TokenMixer
    ) -> ConformanceReport {
        let run = Run(options: options)
        for shape in options.shapes {
            run.checkShape(shape, makeMixer: makeMixer)
        }
        if !options.shapes.isEmpty, run.refusedShapes.count == options.shapes.count {
            run.fail(.construction, options.shapes[0], "the mixer refused every test shape at construction, so nothing was "
                + "checked; add shapes it accepts to ConformanceOptions.shapes")
        }
        return ConformanceReport(
            mixer: run.mixerName, issues: run.issues, checksRun: run.checksRun, refusedShapes: run.refusedShapes)
    }
}

/// The state of one harness run.
private final class Run {
    let options: ConformanceOptions
    var random: SeededRandom
    var issues: [ConformanceIssue] = []
    var checksRun: Set<ConformanceCheck> = []
    var refusedShapes: [[Int]] = []
    var mixerName = "mixer"
    let context = MixerContext.inference

    init(options: ConformanceOptions) {
        self.options = options
        self.random = SeededRandom(seed: options.seed)
    }

    func fail(_ check: ConformanceCheck, _ shape: [Int], _ message: String) {
        issues.append(ConformanceIssue(check: check, shape: shape, message: message))
    }

    func normal(_ shape: [Int]) -> Tensor {
        Tensor.normal(shape, using: &random)
    }

    /// Runs `body`, turning a thrown error into an issue of kind `check`.
    func attempt<R>(_ check: ConformanceCheck, _ shape: [Int], _ body: () throws -> R) -> R? {
        do {
            return try body()
        } catch {
            fail(check, shape, "threw \(error)")
            return nil
        }
    }

    func checkShape(_ shape: [Int], makeMixer: (Int, Int) throws -> any TokenMixer) {
        let (t, c) = (shape[1], shape[2])
        checksRun.insert(.construction)
        let mixer: any TokenMixer
        do {
            mixer = try makeMixer(t, c)
        } catch let error as MixLabError where error.code == .unsupportedLength {
            refusedShapes.append(shape)  // A declared refusal; the length check verifies declarations.
            return
        } catch {
            fail(.construction, shape, "building the mixer threw \(error)")
            return
        }
        mixerName = mixer.descriptor.summary
        let descriptor = mixer.descriptor
        let accepted = descriptor.sequenceLength.accepts(t) && descriptor.hiddenSize.accepts(c)
        checksRun.insert(.lengthRequirement)
        if !accepted {
            expectUnsupportedLength(mixer, shape)
            return
        }
        checkDeclaredRejections(mixer, shape)
        checkShapeValidation(mixer, shape)

        let x = normal(shape)
        guard let (y, residuals) = attempt(.shapePreservation, shape, { try mixer.forward(x, context: context) }) else {
            return
        }
        checksRun.insert(.shapePreservation)
        if y.shape != shape {
            fail(.shapePreservation, shape, "output shape \(Shape.describe(y.shape))")
            return
        }
        checkDeterminism(mixer, x, y, residuals, shape)
        checkBatchIndependence(mixer, x, y, shape)
        checkAxisLocality(mixer, x, y, shape)
        if descriptor.isLinear {
            checkLinearity(mixer, shape)
            checkAdjoint(mixer, shape)
        }
        checkInputGradient(mixer, shape)
        checkParameterGradients(mixer, shape)
        checkAccumulation(mixer, x, residuals, shape)
        checkFirstPositions(mixer, x, y, shape)
        checkInverse(mixer, x, y, shape)
        checkParameterRoundTrip(mixer, x, y, shape)
    }

    // MARK: Errors for bad input

    func expectUnsupportedLength(_ mixer: any TokenMixer, _ shape: [Int]) {
        do {
            _ = try mixer.forward(Tensor(zeros: shape), context: context)
            fail(.lengthRequirement, shape,
                 "declares T \(mixer.descriptor.sequenceLength), C \(mixer.descriptor.hiddenSize) but accepted this shape")
        } catch let error as MixLabError where error.code == .unsupportedLength {
            return
        } catch {
            fail(.lengthRequirement, shape, "a rejected length threw \(error) instead of an unsupportedLength MixLabError")
        }
    }

    /// A declared requirement must be enforced: this mixer must refuse a length it declares unsupported.
    func checkDeclaredRejections(_ mixer: any TokenMixer, _ shape: [Int]) {
        let d = mixer.descriptor
        if let t = d.sequenceLength.rejectedExample { expectUnsupportedLength(mixer, [shape[0], t, shape[2]]) }
        if let c = d.hiddenSize.rejectedExample { expectUnsupportedLength(mixer, [shape[0], shape[1], c]) }
    }

    func checkShapeValidation(_ mixer: any TokenMixer, _ shape: [Int]) {
        checksRun.insert(.shapeValidation)
        do {
            _ = try mixer.forward(Tensor(zeros: [shape[1], shape[2]]), context: context)
            fail(.shapeValidation, shape, "a rank-2 input was accepted; it must be rejected with shapeMismatch")
        } catch let error as MixLabError where error.code == .shapeMismatch {
            return
        } catch {
            fail(.shapeValidation, shape, "a rank-2 input threw \(error) instead of a shapeMismatch MixLabError")
        }
    }

    // MARK: Forward rules

    func checkDeterminism(_ mixer: any TokenMixer, _ x: Tensor, _ y: Tensor, _ residuals: MixerResiduals, _ shape: [Int]) {
        checksRun.insert(.determinism)
        guard let (again, _) = attempt(.determinism, shape, { try mixer.forward(x, context: context) }) else { return }
        if again != y {
            fail(.determinism, shape, "two forward passes differ by \(again.maxAbsDifference(y)) (determinism requires bitwise equality)")
        }
        let g = normal(shape)
        let first = attempt(.determinism, shape) { try mixer.backward(g, residuals: residuals, context: context) }
        let second = attempt(.determinism, shape) { try mixer.backward(g, residuals: residuals, context: context) }
        if let first, let second, first != second {
            fail(.determinism, shape,
                 "two backward passes differ by \(first.maxAbsDifference(second)) (determinism requires bitwise equality)")
        }
        zeroGradients(mixer)
    }

    func checkBatchIndependence(_ mixer: any TokenMixer, _ x: Tensor, _ y: Tensor, _ shape: [Int]) {
        checksRun.insert(.batchIndependence)
        let (batch, t, c) = (shape[0], shape[1], shape[2])
        let example = t * c
        // An example mixed alone equals the same example mixed in the batch.
        for b in 0..<batch {
            let single = Tensor(shape: [1, t, c]) { x[flat: b * example + $0] }
            guard let (alone, _) = attempt(.batchIndependence, shape, { try mixer.forward(single, context: context) }) else { return }
            let inBatch = Tensor(shape: [1, t, c]) { y[flat: b * example + $0] }
            let error = relativeDifference(alone, inBatch)
            if error > options.tolerance {
                fail(.batchIndependence, shape,
                     "example \(b) mixed alone differs from the batch result: \(exceeds(error, .batchIndependence))")
                return
            }
        }
        // Changing example 0 changes no other example.
        guard batch > 1 else { return }
        var changed = x
        for i in 0..<example { changed[flat: i] += 1 + Float(i % 7) }
        guard let (y2, _) = attempt(.batchIndependence, shape, { try mixer.forward(changed, context: context) }) else { return }
        let scale = leakScale(y, y2)
        for i in example..<x.count where Double(abs(y2[flat: i] - y[flat: i])) > options.tolerance * scale {
            let difference = Double(abs(y2[flat: i] - y[flat: i]))
            fail(.batchIndependence, shape, "changing example 0 changed output \(Shape.describe(y.multiIndex(ofFlat: i))): "
                + exceeds(absolute: difference, scale: scale, .batchIndependence))
            return
        }
    }

    func checkAxisLocality(_ mixer: any TokenMixer, _ x: Tensor, _ y: Tensor, _ shape: [Int]) {
        let axes = mixer.descriptor.axes
        guard axes != .both else { return }
        checksRun.insert(.axisLocality)
        let (t, c) = (shape[1], shape[2])
        var changed = x
        // hidden: change token (0, t0) → only output token (0, t0) may change.
        // sequence: change feature c0 of example 0 → only feature c0 of example 0 may change.
        let (t0, c0) = (t / 2, c / 2)
        for tt in 0..<t {
            for cc in 0..<c where (axes == .hidden ? tt == t0 : cc == c0) {
                changed[0, tt, cc] += 1 + Float((tt + cc) % 5)
            }
        }
        guard let (y2, _) = attempt(.axisLocality, shape, { try mixer.forward(changed, context: context) }) else { return }
        let scale = leakScale(y, y2)
        for tt in 0..<t {
            for cc in 0..<c where (axes == .hidden ? tt != t0 : cc != c0)
                && Double(abs(y2[0, tt, cc] - y[0, tt, cc])) > options.tolerance * scale {
                let difference = Double(abs(y2[0, tt, cc] - y[0, tt, cc]))
                fail(.axisLocality, shape,
                     "declares axes=\(axes.rawValue) but output [0, \(tt), \(cc)] depends on "
                        + (axes == .hidden ? "token \(t0)" : "feature \(c0)") + ": "
                        + exceeds(absolute: difference, scale: scale, .axisLocality))
                return
            }
        }
    }

    func checkLinearity(_ mixer: any TokenMixer, _ shape: [Int]) {
        checksRun.insert(.linearity)
        let (u, v) = (normal(shape), normal(shape))
        let (alpha, beta): (Float, Float) = (0.75, -1.5)
        guard let fu = attempt(.linearity, shape, { try mixer.forward(u, context: context).output }),
            let fv = attempt(.linearity, shape, { try mixer.forward(v, context: context).output }),
            let fuv = attempt(.linearity, shape, { try mixer.forward(alpha * u + beta * v, context: context).output })
        else { return }
        let error = relativeDifference(fuv, alpha * fu + beta * fv)
        if error > options.tolerance {
            fail(.linearity, shape, "f(αu + βv) differs from αf(u) + βf(v): \(exceeds(error, .linearity))")
        }
    }

    func checkAdjoint(_ mixer: any TokenMixer, _ shape: [Int]) {
        checksRun.insert(.adjoint)
        let (x, g) = (normal(shape), normal(shape))
        guard let (ax, residuals) = attempt(.adjoint, shape, { try mixer.forward(x, context: context) }),
            let atg = attempt(.adjoint, shape, { try mixer.backward(g, residuals: residuals, context: context) })
        else { return }
        zeroGradients(mixer)
        let lhs = ax.dot(g), rhs = x.dot(atg)
        let scale = max(ax.norm * g.norm, x.norm * atg.norm, 1e-30)
        let error = abs(lhs - rhs) / scale
        if error > options.tolerance {
            fail(.adjoint, shape, "⟨A·x, g⟩ = \(lhs) but ⟨x, Aᵀ·g⟩ = \(rhs), \(exceeds(error, .adjoint)): backward is not the adjoint")
        }
    }

    // MARK: Gradients

    /// `⟨g, f(x)⟩` in evaluation mode.
    func projectedOutput(_ mixer: any TokenMixer, _ x: Tensor, _ g: Tensor) throws -> Double {
        try mixer.forward(x, context: context).output.dot(g)
    }

    func checkInputGradient(_ mixer: any TokenMixer, _ shape: [Int]) {
        checksRun.insert(.inputGradient)
        let (x, g) = (normal(shape), normal(shape))
        guard let (_, residuals) = attempt(.inputGradient, shape, { try mixer.forward(x, context: context) }),
            let gx = attempt(.inputGradient, shape, { try mixer.backward(g, residuals: residuals, context: context) })
        else { return }
        zeroGradients(mixer)
        if gx.shape != shape {
            fail(.inputGradient, shape, "backward returned shape \(Shape.describe(gx.shape))")
            return
        }
        for _ in 0..<options.directions {
            let d = normal(shape)
            guard let numeric = attempt(.inputGradient, shape, { try centralDifference { try projectedOutput(mixer, x + $0 * d, g) } })
            else { return }
            let analytic = gx.dot(d)
            let error = gradientError(numeric: numeric, analytic: analytic, scale: gx.norm * d.norm)
            if error > options.gradientTolerance {
                fail(.inputGradient, shape,
                     "vector–Jacobian product \(analytic) vs central difference \(numeric.value): \(exceeds(error, .inputGradient))")
                return
            }
        }
    }

    func checkParameterGradients(_ mixer: any TokenMixer, _ shape: [Int]) {
        let parameters = mixer.parameters
        guard !parameters.isEmpty else { return }
        checksRun.insert(.parameterGradient)
        let (x, g) = (normal(shape), normal(shape))
        zeroGradients(mixer)
        guard let (_, residuals) = attempt(.parameterGradient, shape, { try mixer.forward(x, context: context) }),
            attempt(.parameterGradient, shape, { try mixer.backward(g, residuals: residuals, context: context) }) != nil
        else { return }
        for parameter in parameters {
            let gradient = parameter.gradient
            let original = parameter.value
            let d = normal(original.shape)
            let numeric = attempt(.parameterGradient, shape) {
                try centralDifference { step in
                    parameter.value = original + step * d
                    return try projectedOutput(mixer, x, g)
                }
            }
            parameter.value = original
            guard let numeric else { return }
            let analytic = gradient.dot(d)
            let error = gradientError(numeric: numeric, analytic: analytic, scale: gradient.norm * d.norm)
            if error > options.gradientTolerance {
                fail(.parameterGradient, shape,
                     "parameter '\(parameter.name)': gradient·d = \(analytic) vs central difference \(numeric.value): "
                        + exceeds(error, .parameterGradient))
            }
        }
        zeroGradients(mixer)
    }

    /// Backward must add into parameter gradients: starting from G₀, one backward must give G₀ + G.
    func checkAccumulation(_ mixer: any TokenMixer, _ x: Tensor, _ residuals: MixerResiduals, _ shape: [Int]) {
        let parameters = mixer.parameters
        guard !parameters.isEmpty else { return }
        checksRun.insert(.gradientAccumulation)
        let g = normal(shape)
        zeroGradients(mixer)
        guard attempt(.gradientAccumulation, shape, { try mixer.backward(g, residuals: residuals, context: context) }) != nil
        else { return }
        let single = parameters.map(\.gradient)
        let start = parameters.map { Tensor.normal($0.value.shape, using: &random) }
        for (parameter, value) in zip(parameters, start) { parameter.gradient = value }
        guard attempt(.gradientAccumulation, shape, { try mixer.backward(g, residuals: residuals, context: context) }) != nil
        else { return }
        for (index, parameter) in parameters.enumerated() {
            let error = relativeDifference(parameter.gradient, start[index] + single[index])
            if error > options.tolerance {
                fail(.gradientAccumulation, shape,
                     "parameter '\(parameter.name)': backward overwrote its gradient instead of adding to it: "
                        + exceeds(error, .gradientAccumulation))
            }
        }
        zeroGradients(mixer)
    }

    /// A `FirstPositionsMixer`'s partial passes against the full ones.
    func checkFirstPositions(_ mixer: any TokenMixer, _ x: Tensor, _ y: Tensor, _ shape: [Int]) {
        guard let partial = mixer as? any FirstPositionsMixer else { return }
        checksRun.insert(.firstPositions)
        let length = shape[1]
        for positions in [0, length + 1] {
            do {
                _ = try partial.forward(x, firstPositions: positions, context: context)
                fail(.firstPositions, shape, "forward(firstPositions: \(positions)) was accepted; it must throw a MixLabError")
            } catch is MixLabError {
            } catch {
                fail(.firstPositions, shape, "forward(firstPositions: \(positions)) threw \(error), not a MixLabError")
            }
        }
        for positions in Set([1, (length + 1) / 2, length]).sorted() {
            guard let (partialOutput, partialResiduals) = attempt(.firstPositions, shape, {
                try partial.forward(x, firstPositions: positions, context: context)
            }) else { continue }
            let expected = y.firstPositions(positions)
            let outputError = relativeDifference(partialOutput, expected)
            if outputError > options.tolerance {
                fail(.firstPositions, shape, "forward(firstPositions: \(positions)) differs from the first \(positions) "
                    + "positions of forward (shape \(Shape.describe(partialOutput.shape))): \(exceeds(outputError, .firstPositions))")
                continue
            }
            let g = normal(expected.shape)
            zeroGradients(mixer)
            guard let partialGradient = attempt(.firstPositions, shape, {
                try partial.backward(firstPositions: g, residuals: partialResiduals, context: context)
            }) else { continue }
            let partialParameterGradients = mixer.parameters.map(\.gradient)
            zeroGradients(mixer)
            guard let fullGradient = attempt(.firstPositions, shape, {
                let (_, residuals) = try mixer.forward(x, context: context)
                return try mixer.backward(g.padded(toPositions: length), residuals: residuals, context: context)
            }) else { continue }
            let inputError = relativeDifference(partialGradient, fullGradient)
            if inputError > options.tolerance {
                fail(.firstPositions, shape, "backward(firstPositions:) with \(positions) positions differs from the full "
                    + "backward of the zero-padded gradient: \(exceeds(inputError, .firstPositions))")
            }
            for (parameter, partialParameterGradient) in zip(mixer.parameters, partialParameterGradients) {
                let error = relativeDifference(partialParameterGradient, parameter.gradient)
                if error > options.tolerance {
                    fail(.firstPositions, shape, "parameter '\(parameter.name)': its gradient from backward(firstPositions:) "
                        + "with \(positions) positions differs from the full backward's: \(exceeds(error, .firstPositions))")
                }
            }
            zeroGradients(mixer)
        }
    }

    // MARK: Inverse and parameters

    func checkInverse(_ mixer: any TokenMixer, _ x: Tensor, _ y: Tensor, _ shape: [Int]) {
        let invertible = mixer as? any InvertibleMixer
        if mixer.descriptor.isInvertible != (invertible != nil) {
            checksRun.insert(.inverse)
            fail(.inverse, shape, "descriptor.isInvertible is \(mixer.descriptor.isInvertible) but the mixer "
                + (invertible == nil ? "does not conform" : "conforms") + " to InvertibleMixer")
        }
        guard let invertible else { return }
        checksRun.insert(.inverse)
        guard let back = attempt(.inverse, shape, { try invertible.inverse(y) }) else { return }
        let error = relativeDifference(back, x)
        if error > options.tolerance {
            fail(.inverse, shape, "inverse(forward(x)) differs from x: \(exceeds(error, .inverse))")
        }
    }

    func checkParameterRoundTrip(_ mixer: any TokenMixer, _ x: Tensor, _ y: Tensor, _ shape: [Int]) {
        let parameters = mixer.parameters
        guard !parameters.isEmpty else { return }
        checksRun.insert(.parameterRoundTrip)
        let names = parameters.map(\.name)
        if names.contains(where: \.isEmpty) || Set(names).count != names.count {
            fail(.parameterRoundTrip, shape, "parameter names must be non-empty and unique, found \(names)")
        }
        let saved = parameters.map(\.value)
        for parameter in parameters { parameter.value = parameter.value + Tensor.normal(parameter.value.shape, using: &random) }
        // New values must take effect (a mixer that caches something derived from its parameters must
        // notice), and reloading the saved values must restore the output exactly.
        if let (perturbed, _) = attempt(.parameterRoundTrip, shape, { try mixer.forward(x, context: context) }), perturbed == y {
            fail(.parameterRoundTrip, shape, "changing the parameters' values did not change the output: are they used, or is a stale copy cached?")
        }
        for (parameter, value) in zip(parameters, saved) {
            if attempt(.parameterRoundTrip, shape, { try parameter.load(value) }) == nil { return }
        }
        guard let (restored, _) = attempt(.parameterRoundTrip, shape, { try mixer.forward(x, context: context) }) else { return }
        if restored != y {
            fail(.parameterRoundTrip, shape, "output after reloading saved parameters differs by \(restored.maxAbsDifference(y)) "
                + "(parameterRoundTrip requires bitwise equality)")
        }
        if let first = parameters.first {
            do {
                try first.load(Tensor(zeros: first.value.shape + [2]))
                fail(.parameterRoundTrip, shape, "parameter '\(first.name)' accepted a tensor of the wrong shape")
            } catch {}
        }
    }

    func zeroGradients(_ mixer: any TokenMixer) {
        for parameter in mixer.parameters { parameter.zeroGradient() }
    }

    /// The derivative at 0 of `f(ε)`, by Richardson extrapolation of two central differences (steps
    /// h and h/2, error O(h⁴)), together with an estimate of its rounding noise: Float32 evaluations of
    /// `f` carry a relative error of a few ulp, which the difference quotient divides by h.
    func centralDifference(_ f: (Float) throws -> Double) throws -> (value: Double, noise: Double) {
        let h = options.finiteDifferenceStep
        let (plus, minus) = (try f(h), try f(-h))
        let (halfPlus, halfMinus) = (try f(h / 2), try f(-h / 2))
        let wide = (plus - minus) / (2 * Double(h))
        let narrow = (halfPlus - halfMinus) / Double(h)
        let magnitude = max(abs(plus), abs(minus), abs(halfPlus), abs(halfMinus))
        return ((4 * narrow - wide) / 3, 16 * Double(Float.ulpOfOne) * magnitude / Double(h))
    }

    /// The relative disagreement of a difference quotient and a gradient, ignoring what is within the
    /// quotient's rounding noise (so exactly-zero gradients pass) and tiny against the gradient's scale.
    func gradientError(numeric: (value: Double, noise: Double), analytic: Double, scale: Double) -> Double {
        let difference = max(0, abs(numeric.value - analytic) - numeric.noise)
        return difference / max(abs(numeric.value), abs(analytic), scale * 1e-3, 1e-12)
    }

    /// The magnitude that leaks are measured against: outputs that must not change may still move by
    /// rounding (a fast path may combine independent parts in one transform), up to `tolerance` times
    /// the largest output.
    func leakScale(_ a: Tensor, _ b: Tensor) -> Double {
        max(Double(a.maxAbs), Double(b.maxAbs), 1e-6)
    }

    /// What a failed comparison prints: the error, the tolerance it exceeded and where that tolerance is
    /// set, e.g. `relative error 0.031 > tolerance 0.0001 (linearity, ConformanceOptions.tolerance)`.
    func exceeds(_ error: Double, _ check: ConformanceCheck) -> String {
        "relative error \(error) > tolerance \(tolerance(for: check)) (\(check.rawValue), ConformanceOptions.\(toleranceName(for: check)))"
    }

    /// What a failed leak check prints: how far an output that must not change moved, against the bound
    /// `tolerance × scale` it was compared with.
    func exceeds(absolute difference: Double, scale: Double, _ check: ConformanceCheck) -> String {
        "absolute change \(difference) > tolerance \(options.tolerance) × largest output \(scale) "
            + "(\(check.rawValue), ConformanceOptions.tolerance)"
    }

    /// The tolerance `check` compares with: `gradientTolerance` for the finite-difference checks,
    /// `tolerance` otherwise.
    func tolerance(for check: ConformanceCheck) -> Double {
        toleranceName(for: check) == "gradientTolerance" ? options.gradientTolerance : options.tolerance
    }

    /// The name of the `ConformanceOptions` property that sets the tolerance of `check`.
    func toleranceName(for check: ConformanceCheck) -> String {
        check == .inputGradient || check == .parameterGradient ? "gradientTolerance" : "tolerance"
    }

    /// `max|a − b| / max(max|b|, 1e-6)`.
    func relativeDifference(_ a: Tensor, _ b: Tensor) -> Double {
        guard a.shape == b.shape else { return .infinity }
        return Double(a.maxAbsDifference(b)) / max(Double(b.maxAbs), Double(a.maxAbs), 1e-6)
    }
}
