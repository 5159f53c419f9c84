/// MixLab's own mixers, registered in `MixerRegistry.shared` from the start.
///
/// Each mixer defines its registry entry (`static let registration`) next to its implementation; this
/// list only collects them.
enum BuiltinMixers {
    static let registrations: [MixerRegistration] = [
        AttentionMixer.registration,
        FourierMixer.registration,
        DCTMixer.registration,
        HartleyMixer.registration,
        IdentityMixer.registration,
        FractionalFourierMixer.registration,
        GlobalFilterMixer.registration,
        FourierPaddedMixer.registration,
        FourierPhaseMixer.registration,
        HadamardMixer.registration,
        WaveletMixer.registration,
        LinearMixer.registration,
        RandomMixer.registration,
        LearnedBasisMixer.registration,
    ]
}
