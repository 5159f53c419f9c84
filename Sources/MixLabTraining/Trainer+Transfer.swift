import MixLabCore
import MixLabModels

/// Fine-tuning settings: frozen parts of the encoder and the encoder's own learning rate.
extension Trainer {
    /// Freezes the embeddings (`freeze-embeddings`) and the first `freeze-blocks` blocks, and gives every
    /// encoder parameter the learning-rate scale `encoder-lr / lr` (`RunConfiguration.encoderLearningRateScale`);
    /// the head keeps scale 1. A frozen parameter is left out of clipping and updates.
    static func applyTransferSettings(_ configuration: RunConfiguration, to model: any TaskModel) {
        let scale = configuration.encoderLearningRateScale
        let frozenPrefixes = (configuration.freezeEmbeddings ? ["fnet.embeddings."] : [])
            + (0..<configuration.freezeBlocks).map { "fnet.encoder.layer.\($0)." }
        for (name, parameter) in model.encoder.namedParameters {
            parameter.learningRateScale = scale
            if frozenPrefixes.contains(where: name.hasPrefix) { parameter.isTrainable = false }
        }
    }
}
