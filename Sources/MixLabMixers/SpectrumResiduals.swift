import MixLabCore

/// The residuals of the FFT mixers that may keep their input's half spectrum for the backward pass
/// (`global-filter`, `fourier-phase`): `[X]`, or `[X, Z]` with `Z` the `(B, stride)` half spectra of the
/// examples, written by the forward kernel in training mode so that backward skips one FFT per example.
enum SpectrumResiduals {
    /// A fresh `(B, stride)` tensor for the forward kernel to write the half spectra into in training
    /// mode (it owns its storage alone, so the kernel may write through its pointer); nil otherwise.
    static func spectra(batch: Int, stride: Int, context: MixerContext) -> Tensor? {
        context.isTraining ? Tensor(uninitialized: [batch, stride]) : nil
    }

    /// `[input]`, or `[input, spectra]`.
    static func residuals(input: Tensor, spectra: Tensor?) -> MixerResiduals {
        MixerResiduals(spectra.map { [input, $0] } ?? [input])
    }

    /// The forward input kept in `residuals`, checked to have the output gradient's shape.
    ///
    /// - Throws: `MixLabError.invalidArgument` naming the mixer when the residuals do not come from a
    ///   forward pass on an input of that shape.
    static func input(from residuals: MixerResiduals, matching outputGradient: Tensor, descriptor: MixerDescriptor) throws -> Tensor {
        guard let input = residuals.tensors.first, residuals.tensors.count <= 2, input.shape == outputGradient.shape else {
            throw MixLabError(
                .invalidArgument,
                what: "the output gradient \(Shape.describe(outputGradient.shape)) does not match the residuals given",
                location: "\(descriptor.summary) backward",
                fix: "pass the residuals returned by the forward pass that produced this output")
        }
        return input
    }

    /// The kept half spectra, checked to be `(batch, stride)`, or nil when the forward pass kept none.
    ///
    /// - Throws: `MixLabError.shapeMismatch` naming the mixer for spectra of another shape.
    static func spectra(from residuals: MixerResiduals, batch: Int, stride: Int, descriptor: MixerDescriptor) throws -> Tensor? {
        guard residuals.tensors.count == 2 else { return nil }
        let spectra = residuals.tensors[1]
        guard spectra.shape == [batch, stride] else {
            throw MixLabError.shapeMismatch(
                expected: Shape.describe([batch, stride]), found: spectra.shape,
                location: "\(descriptor.summary) backward residuals",
                fix: "pass the residuals returned by this mixer's forward pass")
        }
        return spectra
    }
}
