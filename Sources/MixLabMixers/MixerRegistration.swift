import MixLabCore

/// How to make a mixer by name: its summary, its configuration keys, and a factory.
public struct MixerRegistration: Sendable {
    /// The name used on the command line and in study files, e.g. `fourier`.
    public var name: String
    /// One line saying what the mixer is.
    public var summary: String
    /// The configuration keys the factory reads; any other key is rejected.
    public var keys: [MixerConfigurationKey]
    /// Makes a mixer from validated settings.
    public var make: @Sendable (MixerConfiguration, MixerBuildContext) throws -> any TokenMixer
    /// The source file that made this registration (`#filePath` where `init` was called): how a run
    /// record finds the package, and the commit, of a mixer defined outside MixLab.
    public var sourceFile: String

    /// A registration from its parts.
    ///
    /// - Parameters:
    ///   - name: the registry name (lower-case words joined by `-`).
    ///   - summary: one line saying what the mixer is.
    ///   - keys: the settings the factory reads.
    ///   - sourceFile: leave the default, the caller's `#filePath`.
    ///   - make: the factory, called with validated settings.
    public init(
        name: String, summary: String, keys: [MixerConfigurationKey], sourceFile: String = #filePath,
        make: @escaping @Sendable (MixerConfiguration, MixerBuildContext) throws -> any TokenMixer
    ) {
        self.name = name
        self.summary = summary
        self.keys = keys
        self.sourceFile = sourceFile
        self.make = make
    }
}

/// One configuration key a registered mixer accepts.
public struct MixerConfigurationKey: Sendable, Equatable {
    /// The key, e.g. `axes`.
    public var name: String
    /// The value used when the key is absent.
    public var defaultValue: String
    /// The allowed values (shown by `mixlab mixers`), e.g. `sequence|hidden|both` or `0…4`.
    public var allowed: String
    /// What the key controls, in a few words.
    public var summary: String

    /// A key from its parts.
    public init(_ name: String, default defaultValue: String, allowed: String, summary: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.allowed = allowed
        self.summary = summary
    }

    /// The `axes` key of a mixer that transforms the sequence, the hidden axis or both: default `both`,
    /// allowed `sequence|hidden|both` (read it with `MixerConfiguration.axes(mixer:)`).
    ///
    /// `summary` says what the mixer does along them, e.g. `axes to transform` or `axes to mix`.
    public static func axes(summary: String = "axes to transform") -> MixerConfigurationKey {
        MixerConfigurationKey(
            "axes", default: MixingAxes.both.rawValue, allowed: MixingAxes.allCases.map(\.rawValue).joined(separator: "|"),
            summary: summary)
    }
}
