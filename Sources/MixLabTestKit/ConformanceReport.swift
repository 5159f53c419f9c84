import MixLabCore

/// One rule of the mixer contract that `MixerConformance` checks.
public enum ConformanceCheck: String, Sendable, CaseIterable, Comparable {
    case construction
    case shapeValidation
    case lengthRequirement
    case shapePreservation
    case determinism
    case batchIndependence
    case axisLocality
    case linearity
    case adjoint
    case inputGradient
    case parameterGradient
    case gradientAccumulation
    case firstPositions
    case inverse
    case parameterRoundTrip

    /// Orders checks as `allCases` lists them (their declaration order).
    public static func < (lhs: ConformanceCheck, rhs: ConformanceCheck) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A broken rule: which check, on which shape, and what was observed.
public struct ConformanceIssue: Sendable, CustomStringConvertible {
    /// The rule that broke.
    public let check: ConformanceCheck
    /// The input shape `(B, T, C)` the check ran on.
    public let shape: [Int]
    /// What was observed, in words.
    public let message: String

    /// `check [B, T, C]: message`, on one line.
    public var description: String { "\(check.rawValue) \(Shape.describe(shape)): \(message)" }
}

/// The outcome of `MixerConformance.check`: what ran and what failed.
public struct ConformanceReport: Sendable, CustomStringConvertible {
    /// The mixer's descriptor summary (from the first shape that built).
    public var mixer: String
    /// Every broken rule found.
    public var issues: [ConformanceIssue]
    /// The checks that ran at least once.
    public var checksRun: Set<ConformanceCheck>
    /// Shapes the mixer refused to be built for (an `unsupportedLength` error at construction): they
    /// were not checked.
    public var refusedShapes: [[Int]] = []

    /// True when no rule was broken.
    public var passed: Bool { issues.isEmpty }

    /// Whether some issue is of kind `check`.
    public func failed(_ check: ConformanceCheck) -> Bool {
        issues.contains { $0.check == check }
    }

    /// A readable summary: one line per issue, or the checks that passed.
    public var description: String {
        let refused = refusedShapes.isEmpty ? ""
            : "; \(refusedShapes.count) shape(s) refused at construction and not checked: "
                + refusedShapes.map(Shape.describe).joined(separator: ", ")
        if passed {
            return "\(mixer): conforms (\(checksRun.sorted().map(\.rawValue).joined(separator: ", ")))\(refused)"
        }
        return "\(mixer): \(issues.count) conformance issue(s)\(refused)\n"
            + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
