import Foundation
import MixLab

/// Times one training step (forward, loss, backward, AdamW) or one inference batch of a sequence
/// classifier on random tokens.
///
/// The work matches what a PyTorch comparison of HuggingFace's `FNetForSequenceClassification` or
/// `BertForSequenceClassification` does when timed the same way: random token ids, 2 classes, dropout on
/// in training, AdamW at learning rate 1e-4, `torch.no_grad()` for inference. Such a script is not part
/// of MixLab; the README's Results section says how the published ratios were measured.
struct ModelBenchmark {
    let model: SequenceClassifier
    let batch: TokenBatch
    let labels: [Int32]
    let optimizer: AdamW

    /// A model for `configuration` with random tokens and labels (2 classes), whose last
    /// block computes only the pooled position or every position.
    init(
        configuration: EncoderConfiguration, batchSize: Int, sequenceLength: Int, computesOnlyPooledPosition: Bool = true,
        seed: UInt64 = 0
    ) throws {
        model = try SequenceClassifier(configuration, classes: 2, pooling: .first, sequenceLength: sequenceLength, seed: seed)
        model.computesOnlyPooledPosition = computesOnlyPooledPosition
        var random = SeededRandom(seed: seed).derived(1)
        let tokens = (0..<(batchSize * sequenceLength)).map { _ in Int32(random.next() % UInt64(configuration.vocabularySize)) }
        batch = try TokenBatch(batchSize: batchSize, sequenceLength: sequenceLength, tokens: tokens)
        labels = (0..<batchSize).map { _ in Int32(random.next() % 2) }
        optimizer = try AdamW(weightDecay: 0.01)
    }

    /// One training step with dropout on.
    func trainingStep(_ step: Int) throws {
        var random = SeededRandom(seed: 7).derived(UInt64(step))
        model.zeroGradients()
        _ = try model.lossAndGradients(batch, labels: labels, training: true, random: &random)
        optimizer.step(model.namedParameters, learningRate: 1e-4)
    }

    /// One forward pass in evaluation mode, keeping nothing for a backward pass (as PyTorch's
    /// `torch.no_grad()` inference).
    func inference() throws {
        _ = try model.logits(batch)
    }
}
