/// A trainable tensor with its accumulated gradient and a dotted name such as `encoder.layer.0.mixer.order`.
///
/// Backward passes **add** into `gradient` (they never overwrite it), so one parameter can be used more
/// than once in a step; optimisers read `gradient` and the training loop clears it with
/// `zeroGradient()`. A frozen parameter (`isTrainable == false`) still receives gradients but optimisers
/// leave its value unchanged.
public final class Parameter: @unchecked Sendable {
    /// The dotted name, unique within a model; checkpoints use it as the tensor's key.
    public let name: String
    /// The current value.
    public var value: Tensor
    /// The sum of the gradients added since the last `zeroGradient()`; same shape as `value`.
    public var gradient: Tensor
    /// Whether optimisers update this parameter.
    public var isTrainable: Bool
    /// The multiple of the optimiser's learning rate this parameter is updated with (1 by default;
    /// fine-tuning may give a pre-trained encoder a smaller rate than a fresh head).
    public var learningRateScale: Float = 1

    /// A parameter with an initial value and a zero gradient.
    public init(name: String, value: Tensor, isTrainable: Bool = true) {
        self.name = name
        self.value = value
        self.gradient = Tensor(zeros: value.shape)
        self.isTrainable = isTrainable
    }

    /// Sets the gradient to zero.
    public func zeroGradient() {
        gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Adds `contribution` into the gradient.
    public func accumulateGradient(_ contribution: Tensor) {
        precondition(contribution.shape == value.shape,
                     "Parameter \(name): gradient shape \(contribution.shape) differs from \(value.shape)")
        contribution.withUnsafeBufferPointer { source in
            gradient.withUnsafeMutableBufferPointer { target in
                for index in 0..<target.count { target[index] += source[index] }
            }
        }
    }

    /// Replaces the value with `newValue` of the same shape.
    ///
    /// - Throws: `MixLabError.shapeMismatch` naming the parameter when the shapes differ.
    public func load(_ newValue: Tensor) throws {
        guard newValue.shape == value.shape else {
            throw MixLabError.shapeMismatch(
                expected: Shape.describe(value.shape), found: newValue.shape, location: "parameter \(name)",
                fix: "load a tensor saved from a mixer with the same configuration")
        }
        value = newValue
    }
}
