import Foundation
import MixLab

/// Times one masked-language-modelling pre-training step (forward, loss, backward, AdamW) of a
/// `MaskedLanguageModel` on random tokens.
///
/// The work matches the peer script that times HuggingFace's `FNetForMaskedLM` (or `BertForMaskedLM`)
/// the same way: random token ids, each position labelled with its own id with probability 0.15 (the
/// others ignored), the inputs left unmasked, dropout on, AdamW at learning rate 1e-4. HF decodes every
/// position; MixLab's model decodes the scored ones unless `scoresOnlyLabelledPositions` is off
/// (`--every-position`), which is the like-for-like comparison.
struct PretrainingBenchmark {
    let model: MaskedLanguageModel
    let batch: TokenBatch
    let labels: [Int32]
    let optimizer: AdamW

    /// A model for `configuration` with random tokens in `5 ..< vocabulary` and 15 % of them labelled.
    init(configuration: EncoderConfiguration, batchSize: Int, sequenceLength: Int, seed: UInt64 = 0) throws {
        guard configuration.vocabularySize > 5 else {
            throw MixLabError(.invalidArgument, what: "--vocab \(configuration.vocabularySize) leaves no content tokens",
                              location: "mixlab bench pretrain", fix: "use a vocabulary above 5 (ids 0–4 are special), e.g. --vocab 8192")
        }
        model = try MaskedLanguageModel(configuration, sequenceLength: sequenceLength, seed: seed)
        var random = SeededRandom(seed: seed).derived(1)
        let content = UInt64(configuration.vocabularySize - 5)
        let tokens = (0..<(batchSize * sequenceLength)).map { _ in Int32(5 + random.next() % content) }
        batch = try TokenBatch(batchSize: batchSize, sequenceLength: sequenceLength, tokens: tokens)
        labels = tokens.map { random.nextUniform() < 0.15 ? $0 : TaskExample.ignoredLabel }
        optimizer = try AdamW(weightDecay: 0.01)
    }

    /// One pre-training step with dropout on.
    func trainingStep(_ step: Int) throws {
        var random = SeededRandom(seed: 7).derived(UInt64(step))
        model.zeroGradients()
        _ = try model.lossAndGradients(batch, labels: labels, training: true, random: &random)
        optimizer.step(model.namedParameters, learningRate: 1e-4)
    }
}
