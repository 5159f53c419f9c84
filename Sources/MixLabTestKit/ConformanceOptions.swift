/// Shapes, seed and tolerances for `MixerConformance.check`.
public struct ConformanceOptions: Sendable {
    /// Input shapes `(B, T, C)`. The default covers T = 1, odd and non-power-of-two lengths, and B = 1.
    public var shapes: [[Int]]
    /// The seed for inputs, gradients and directions.
    public var seed: UInt64
    /// Relative tolerance for comparisons of computed values (batch independence, axis locality,
    /// linearity, adjoint, inverse), relative to the largest magnitude involved.
    public var tolerance: Double
    /// The finite-difference step, relative to the input's scale (inputs are standard normal).
    public var finiteDifferenceStep: Float
    /// Relative tolerance of gradients against central finite differences.
    public var gradientTolerance: Double
    /// Random directions per gradient check.
    public var directions: Int

    /// Options with MixLab's defaults; tighten or loosen per mixer when its numerics need it.
    public init(
        shapes: [[Int]] = [[2, 1, 4], [2, 5, 3], [3, 8, 4], [2, 6, 10], [1, 16, 8]],
        seed: UInt64 = 20_210_513, tolerance: Double = 1e-4, finiteDifferenceStep: Float = 1e-2,
        gradientTolerance: Double = 1e-2, directions: Int = 2
    ) {
        self.shapes = shapes
        self.seed = seed
        self.tolerance = tolerance
        self.finiteDifferenceStep = finiteDifferenceStep
        self.gradientTolerance = gradientTolerance
        self.directions = directions
    }
}
