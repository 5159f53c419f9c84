import MixLabCore

/// Refuses an optimiser step whose loss or gradients are not finite, naming the step and the first
/// parameter (and so the layer) whose gradient went non-finite.
///
/// Call it after backward and before the optimiser: when it throws, the parameters still hold their
/// last good values, so the last good checkpoint stays valid and nothing is lost.
public enum NonFiniteGuard {
    /// Throws `MixLabError.nonFiniteValue` when `loss` or any gradient holds a NaN or infinity.
    public static func check(loss: Float, parameters: [(name: String, parameter: Parameter)], step: Int) throws {
        let fix = "lower the learning rate, enable gradient clipping, or check the data; the parameters keep their last "
            + "finite values and the last checkpoint is intact"
        guard loss.isFinite else {
            throw MixLabError(.nonFiniteValue, what: "the loss is \(loss) at step \(step)", location: "training step \(step)", fix: fix)
        }
        for (name, parameter) in parameters {
            if let index = parameter.gradient.firstNonFiniteIndex() {
                throw MixLabError(
                    .nonFiniteValue,
                    what: "the gradient of \(name) is \(parameter.gradient[flat: parameter.gradient.flatIndex(index)]) at \(Shape.describe(index)) (step \(step))",
                    location: "training step \(step), \(name)", fix: fix)
            }
        }
    }
}
