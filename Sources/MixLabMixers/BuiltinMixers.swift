import MixLabCore

/// The registrations of MixLab's own mixers, in `MixerRegistry.shared` from the start.
enum BuiltinMixers {
    static let registrations: [MixerRegistration] = [fourier, identity]

    static let fourier = MixerRegistration(
        name: "fourier",
        summary: "FNet: Re(F_T·X·F_C), the real part of the 2-D DFT (FFTW or DFT-matrix GEMM)",
        keys: [
            MixerConfigurationKey("axes", default: "both", allowed: "sequence|hidden|both", summary: "axes to transform"),
            MixerConfigurationKey("norm", default: "backward", allowed: "backward|ortho|forward", summary: "scaling (scipy names)"),
            MixerConfigurationKey("path", default: "auto", allowed: "auto|fft|matrix", summary: "FFT or DFT-matrix GEMM"),
        ]
    ) { configuration, _ in
        FourierMixer(
            axes: try configuration.option("axes", default: MixingAxes.both, mixer: "fourier"),
            normalization: try configuration.option("norm", default: Normalization.backward, mixer: "fourier"),
            path: try configuration.option("path", default: FourierMixer.Path.auto, mixer: "fourier"))
    }

    static let identity = MixerRegistration(
        name: "identity", summary: "no mixing, y = x (FNet's FF-only baseline)", keys: []
    ) { _, _ in
        IdentityMixer()
    }
}
