/// An error that says what was wrong, where, and how to fix it.
///
/// Every failure a user can cause (a wrong shape, an unsupported length, an unknown mixer or key, a
/// non-finite input, a missing C library) is reported as a `MixLabError`. The `code` lets programs and
/// tests match the kind of failure; the three texts are for people:
///
///     error: sequence length 12 is not a power of two
///       where: HadamardMixer (axis: sequence)
///       fix:   pad the sequence to 16, or pass padding=zero
public struct MixLabError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable {
        case shapeMismatch
        case unsupportedLength
        case unknownMixer
        case unknownConfigKey
        case invalidConfigValue
        case nonFiniteValue
        case libraryUnavailable
        case invalidArgument
        case ioFailure
        /// A notebook block failed: a non-zero exit, a compile error, or a timeout.
        case notebookBlockFailed
    }

    /// The kind of failure, for programs and tests.
    public let code: Code
    /// What was wrong, in one sentence.
    public let what: String
    /// Where it happened: the mixer, layer, parameter, file or command argument.
    public let location: String
    /// What the user can do about it.
    public let fix: String

    /// Creates an error from its four parts.
    public init(_ code: Code, what: String, location: String, fix: String) {
        self.code = code
        self.what = what
        self.location = location
        self.fix = fix
    }

    /// The three-line message shown to users.
    public var description: String {
        "\(what)\n  where: \(location)\n  fix:   \(fix)"
    }
}

extension MixLabError {
    /// A tensor whose shape differs from what an operation needs.
    public static func shapeMismatch(
        expected: String, found: [Int], location: String, fix: String? = nil
    ) -> MixLabError {
        MixLabError(
            .shapeMismatch,
            what: "expected a tensor of shape \(expected), found \(Shape.describe(found))",
            location: location,
            fix: fix ?? "reshape the input to \(expected)"
        )
    }
}
