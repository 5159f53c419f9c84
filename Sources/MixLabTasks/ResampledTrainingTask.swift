/// A task whose training examples are drawn afresh each time the trainer uses them.
///
/// Masked-language modelling masks each training window anew every time it enters a batch (RoBERTa's
/// *dynamic masking*, which BERT approximated by duplicating its data with ten static maskings): the
/// example is a pure function of the seed, the index and the draw, so a run stays reproducible and a
/// resumed run sees exactly the examples an uninterrupted one would. The trainer numbers draws by the
/// example's position in the stream of training examples: draw `(step − 1) · batch + slot`.
/// Validation and test examples stay fixed (`example(in:at:)`), so evaluations are comparable.
///
/// References: Y. Liu et al., "RoBERTa: A Robustly Optimized BERT Pretraining Approach", 2019, §4.1.
public protocol ResampledTrainingTask: LearningTask {
    /// Training example `index` as drawn for draw number `draw`.
    ///
    /// - Throws: as `example(in:at:)` for the training split.
    func trainingExample(at index: Int, draw: UInt64) throws -> TaskExample
}

extension LearningTask {
    /// Training example `index` for draw number `draw`: redrawn by a `ResampledTrainingTask`, the fixed
    /// `example(in: .train, at:)` otherwise.
    public func drawTrainingExample(at index: Int, draw: UInt64) throws -> TaskExample {
        if let resampled = self as? any ResampledTrainingTask {
            return try resampled.trainingExample(at: index, draw: draw)
        }
        return try example(in: .train, at: index)
    }
}
