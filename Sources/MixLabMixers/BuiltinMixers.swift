/// MixLab's own mixers, registered in `MixerRegistry.shared` from the start.
///
/// Each mixer defines its registry entry (`static let registration`) next to its implementation; this
/// list only collects them.
enum BuiltinMixers {
    static let registrations: [MixerRegistration] = [
        FourierMixer.registration,
        IdentityMixer.registration,
        LinearMixer.registration,
        RandomMixer.registration,
        LearnedBasisMixer.registration,
    ]
}
