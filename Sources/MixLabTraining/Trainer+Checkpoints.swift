import Foundation
import MixLabCore
import MixLabKernels
import MixLabModels

/// Checkpoints: the resumable one (weights, optimiser, trainer state, FFTW wisdom) and the best one.
extension Trainer {
    /// Writes the resumable checkpoint (weights, optimiser, trainer state) and FFTW's wisdom.
    func saveCheckpoint() throws {
        try requireReplicasAgree()  // every rank takes part; only rank 0 has a folder
        guard let directory else { return }
        try requireFiniteWeights()
        state.wallSeconds = currentWallSeconds
        state.peakMemoryMiB = max(state.peakMemoryMiB, ProcessMemory.peakResidentMiB)
        // Wisdom first: a crash between the two leaves wisdom that covers the older checkpoint too.
        try FFTWPlanner.shared.exportWisdom(to: directory.file(RunDirectory.wisdomFile))
        let path = directory.file(RunDirectory.lastCheckpointFile)
        try Checkpoint.save(
            parameters, optimizer: optimizer,
            metadata: checkpointMetadata.merging([TrainerState.metadataKey: try state.encoded()]) { $1 }, to: path)
        lastSavedStep = state.step
        try observer?(.checkpointed(step: state.step, path: path))
    }

    /// Writes the weights of a new best validation accuracy.
    func saveBestCheckpoint(step: Int, metrics: RunRecord.Metrics) throws {
        guard let directory else { return }
        try requireFiniteWeights()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let validation = String(decoding: try encoder.encode(metrics), as: UTF8.self)
        try Checkpoint.save(
            parameters, metadata: checkpointMetadata.merging(["mixlab.step": String(step), "mixlab.validation": validation]) { $1 },
            to: directory.file(RunDirectory.bestCheckpointFile))
    }

    /// What every checkpoint of the run records besides its tensors: the run's settings, the task's
    /// resolved settings and its token names (what `PretrainedEncoder.check` compares), and its class
    /// names unless they are the token names (what an export labels the classes with).
    var checkpointMetadata: [String: String] {
        func array(_ names: [String]) -> String {
            (try? JSONEncoder().encode(names)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        }
        var metadata = [
            PretrainedEncoder.MetadataKey.runSettings: Self.json(configuration.settings),
            PretrainedEncoder.MetadataKey.taskSettings: Self.json(task.settings),
            PretrainedEncoder.MetadataKey.vocabulary: array(task.vocabulary.names),
        ]
        if task.classNames != task.vocabulary.names { metadata[PretrainedEncoder.MetadataKey.classNames] = array(task.classNames) }
        return metadata
    }

    /// Refuses to save weights that are not all finite.
    func requireFiniteWeights() throws {
        for (name, parameter) in parameters {
            if let index = parameter.value.firstNonFiniteIndex() {
                throw MixLabError(
                    .nonFiniteValue, what: "\(name) holds a non-finite value at \(Shape.describe(index)) after step \(state.step)",
                    location: "saving a checkpoint of task \(task.name)",
                    fix: "lower the learning rate (lr=\(configuration.learningRate) now) or clip gradients, then start again; the checkpoint on disk was not replaced")
            }
        }
    }
}
