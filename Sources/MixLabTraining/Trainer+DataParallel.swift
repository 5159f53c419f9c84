import Foundation
import MixLabCore
import MixLabDistributed
import MixLabModels
import MixLabTasks

/// Data-parallel training over a `Communicator` of N > 1 ranks: the start (agreement, rank 0's state),
/// the gradient average of every step, sharded evaluation, and the check that the ranks' weights agree.
///
/// **Gradient of a step.** Rank r computes the mean loss `ℓ_r` and mean gradient `ḡ_r` over its `c_r`
/// scored labels (rows for sequence tasks; scored positions for token tasks and MLM, which vary per
/// example). One buffer `[c_r·ḡ_r, c_r·ℓ_r, c_r]` (P + 2 Floats, P the trainable values) is all-reduced;
/// every rank then holds `C = Σ c_r`, the global gradient `g = Σ c_r·ḡ_r / C` and loss `Σ c_r·ℓ_r / C` —
/// the mean over the whole global batch, as one process with the same batch computes it, up to float
/// rounding (the summation order differs, so results are not bit-for-bit equal to a single process).
/// `C = 0` (no scored label in the whole batch) gives a zero gradient and loss 0, as in one process.
/// Cost per step: O(P) to pack and unpack, and one all-reduce of 4·(P + 2) bytes.
///
/// Every rank runs the same finiteness check, clipping and optimiser update on the same numbers, so
/// the replicas stay equal; `requireReplicasAgree` checks it (a CRC-32 of all weights) at every
/// checkpoint.
extension Trainer {
    /// Stops with a clear error on every rank whose resolved settings or data differ from rank 0's.
    ///
    /// Rank 0 broadcasts its resolved settings (sorted JSON) and a fingerprint of its data (split sizes
    /// and the tokens and labels of up to 8 training examples); each rank compares them with its own.
    /// O(settings + 8 examples).
    static func requireAgreement(resolved: [String: String], task: any LearningTask, communicator: any Communicator) throws {
        let mine = Agreement(settings: resolved, data: try dataFingerprint(task))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let rootBytes = try communicator.broadcastFromRoot(communicator.isRoot ? [UInt8](try encoder.encode(mine)) : [])
        guard !communicator.isRoot else { return }
        let root = try JSONDecoder().decode(Agreement.self, from: Data(rootBytes))
        let keys = Set(root.settings.keys).union(mine.settings.keys).filter { root.settings[$0] != mine.settings[$0] }.sorted()
        guard keys.isEmpty, root.data == mine.data else {
            let differences = keys.map { "\($0): rank 0 has \(root.settings[$0] ?? "(unset)"), this rank \(mine.settings[$0] ?? "(unset)")" }
                + (root.data == mine.data ? [] : ["data: rank 0 reads \(root.data), this rank \(mine.data)"])
            throw MixLabError(
                .invalidConfigValue,
                what: "rank \(communicator.rank) of \(communicator.size) disagrees with rank 0: \(differences.joined(separator: "; "))",
                location: "data-parallel training start",
                fix: "start every rank with the same command line and settings, and the same prepared data (MIXLAB_DATA_DIR) on every node")
        }
    }

    /// What ranks must agree on.
    private struct Agreement: Codable {
        var settings: [String: String]
        var data: String
    }

    /// The split sizes and a CRC-32 of the first and last 4 training examples' tokens and labels.
    private static func dataFingerprint(_ task: any LearningTask) throws -> String {
        let train = task.count(.train)
        let sampled = Array(Set(Array(0..<min(4, train)) + Array(max(0, train - 4)..<train))).sorted()
        var bytes: [UInt8] = []
        for index in sampled {
            let example = try task.example(in: .train, at: index)
            for value in example.tokens + [-1] + example.labels + [-2] { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        }
        let sizes = TaskSplit.allCases.map { "\($0.rawValue) \(task.count($0))" }.joined(separator: ", ")
        return "\(sizes), examples CRC-32 \(CRC32.checksum(bytes))"
    }

    /// Sends rank 0's weights, optimiser state and trainer state to every rank and loads them there.
    ///
    /// Rank 0 encodes them as the bytes of a checkpoint (`Checkpoint.encode`); the others decode and
    /// load them, so a run resumed with another rank count continues from the same state. O(P).
    static func shareStartingState(
        _ state: TrainerState, parameters: [(name: String, parameter: Parameter)], optimizer: any Optimizer,
        communicator: any Communicator, lastSavedStep: Int?
    ) throws -> (state: TrainerState, lastSavedStep: Int?) {
        var bytes: [UInt8] = []
        if communicator.isRoot {
            var metadata = [TrainerState.metadataKey: try state.encoded()]
            metadata["mixlab.last-saved-step"] = lastSavedStep.map(String.init) ?? ""
            bytes = [UInt8](try Checkpoint.encode(parameters, optimizer: optimizer, metadata: metadata))
        }
        let received = try communicator.broadcastFromRoot(bytes)
        guard !communicator.isRoot else { return (state, lastSavedStep) }
        let source = "the starting state sent by rank 0"
        let metadata = try Checkpoint.load(into: parameters, optimizer: optimizer, bytes: Data(received), source: source)
        return (try TrainerState.decode(metadata: metadata, source: source), metadata["mixlab.last-saved-step"].flatMap { Int($0) })
    }

    /// Replaces this rank's gradients by the global ones (see the type's documentation) and returns the
    /// global mean loss.
    func averageGradients(loss: Float, counted: Int) throws -> Float {
        let weight = Float(counted)
        try reductionBuffer.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            for (_, parameter) in trainableParameters {
                parameter.gradient.withUnsafeBufferPointer { gradient in
                    for i in 0..<gradient.count { buffer[offset + i] = gradient[i] * weight }
                    offset += gradient.count
                }
            }
            buffer[offset] = loss * weight
            buffer[offset + 1] = weight
            try communicator.allReduceSum(buffer)
            let total = buffer[offset + 1]
            let scale: Float = total > 0 ? 1 / total : 0
            offset = 0
            for (_, parameter) in trainableParameters {
                parameter.gradient.withUnsafeMutableBufferPointer { gradient in
                    for i in 0..<gradient.count { gradient[i] = buffer[offset + i] * scale }
                    offset += gradient.count
                }
            }
        }
        let count = reductionBuffer.count
        return reductionBuffer[count - 1] > 0 ? reductionBuffer[count - 2] / reductionBuffer[count - 1] : 0
    }

    /// The metrics of every rank's batches added together (identical on every rank).
    func combined(_ metrics: ClassificationMetrics) throws -> ClassificationMetrics {
        guard communicator.size > 1 else { return metrics }
        var sums = metrics.sums
        try communicator.allReduceSum(&sums)
        return try ClassificationMetrics(classes: metrics.classes, sums: sums)
    }

    /// Stops with an error when this rank's weights differ from rank 0's (a CRC-32 of every parameter's
    /// bits, broadcast from rank 0). O(P).
    func requireReplicasAgree() throws {
        guard communicator.size > 1 else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 * reductionBuffer.count)
        for (_, parameter) in parameters {
            parameter.value.withUnsafeBufferPointer { values in
                for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
            }
        }
        let mine = CRC32.checksum(bytes)
        let rootText = try communicator.broadcastFromRoot(Array(String(mine).utf8))
        guard String(decoding: rootText, as: UTF8.self) == String(mine) else {
            throw MixLabError(
                .nonFiniteValue, what: "the weights of rank \(communicator.rank) differ from rank 0's after step \(state.step)",
                location: "data-parallel training (replica check)",
                fix: "the ranks diverged (an MPI library whose all-reduce differs between ranks?); resume from the last checkpoint, or run in one process")
        }
    }

    /// What the run record says about data parallelism, or nil for one process.
    var dataParallelRecord: RunRecord.DataParallelism? {
        guard communicator.size > 1 else { return nil }
        return RunRecord.DataParallelism(
            ranks: communicator.size, communicator: communicator.description,
            allReduceMedianMilliseconds: Self.median(allReduceMilliseconds), gradientValues: reductionBuffer.count)
    }
}
