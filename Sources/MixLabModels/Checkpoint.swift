import Foundation
import MixLabCore

/// Saves and restores a model's parameters and its optimiser's state in one safetensors file.
///
/// Parameters are stored under their names (`fnet.encoder.layer.0.output.dense.weight`, …), optimiser
/// state under `optimizer.` + its names, and the step count, optimiser kind and any caller metadata
/// (the resolved configuration, the seed) in the metadata. Loading is strict and all-or-nothing: every
/// missing, unexpected or mis-shaped tensor is reported in one error and nothing is changed unless the
/// whole file fits.
public enum Checkpoint {
    static let optimizerPrefix = "optimizer."
    static let stepKey = "mixlab.step"
    static let optimizerKey = "mixlab.optimizer"
    static let formatKey = "mixlab.format"

    /// Writes the parameters (and optimiser state) to `path` atomically.
    public static func save(
        _ parameters: [(name: String, parameter: Parameter)], optimizer: (any Optimizer)? = nil,
        metadata: [String: String] = [:], to path: String
    ) throws {
        try SafeTensors.write(contents(parameters, optimizer: optimizer, metadata: metadata), to: path)
    }

    /// The bytes `save` writes, without a file (data-parallel training sends them from rank 0 to the others).
    public static func encode(
        _ parameters: [(name: String, parameter: Parameter)], optimizer: (any Optimizer)? = nil, metadata: [String: String] = [:]
    ) throws -> Data {
        try SafeTensors.encode(contents(parameters, optimizer: optimizer, metadata: metadata))
    }

    /// The tensors and metadata of a checkpoint.
    private static func contents(
        _ parameters: [(name: String, parameter: Parameter)], optimizer: (any Optimizer)?, metadata: [String: String]
    ) -> SafeTensors.Contents {
        var tensors: [String: Tensor] = [:]
        for (name, parameter) in parameters { tensors[name] = parameter.value }
        var allMetadata = metadata
        allMetadata[formatKey] = "1"
        if let optimizer {
            for (name, value) in optimizer.state { tensors[optimizerPrefix + name] = value }
            allMetadata[stepKey] = String(optimizer.stepCount)
            allMetadata[optimizerKey] = String(describing: type(of: optimizer))
        }
        return SafeTensors.Contents(tensors: tensors, metadata: allMetadata)
    }

    /// Loads `path` into the parameters (and optimiser); returns the file's metadata.
    ///
    /// - Throws: `MixLabError.ioFailure` for an unreadable, truncated or corrupted file;
    ///   `MixLabError.shapeMismatch` listing missing, unexpected and mis-shaped tensors; nothing is
    ///   loaded then.
    @discardableResult
    public static func load(
        into parameters: [(name: String, parameter: Parameter)], optimizer: (any Optimizer)? = nil, from path: String
    ) throws -> [String: String] {
        try load(into: parameters, optimizer: optimizer, contents: try SafeTensors.read(path), path: path)
    }

    /// Loads the bytes of a checkpoint (`encode`'s) into the parameters (and optimiser); `source` names
    /// them in errors. Returns the metadata.
    ///
    /// - Throws: as `load(into:optimizer:from:)`.
    @discardableResult
    public static func load(
        into parameters: [(name: String, parameter: Parameter)], optimizer: (any Optimizer)? = nil, bytes: Data, source: String
    ) throws -> [String: String] {
        try load(into: parameters, optimizer: optimizer, contents: try SafeTensors.decode(bytes, path: source), path: source)
    }

    private static func load(
        into parameters: [(name: String, parameter: Parameter)], optimizer: (any Optimizer)?, contents: SafeTensors.Contents, path: String
    ) throws -> [String: String] {
        let modelTensors = contents.tensors.filter { !$0.key.hasPrefix(optimizerPrefix) }
        try checkFits(modelTensors, parameters, source: path)
        if let optimizer {
            let kind = String(describing: type(of: optimizer))
            guard let saved = contents.metadata[optimizerKey] else {
                throw MixLabError(.invalidArgument, what: "\(path) holds no optimiser state; resuming would restart \(kind) from zero",
                                  location: "checkpoint", fix: "load it without an optimiser (weights only), or resume from a training checkpoint")
            }
            guard saved == kind else {
                throw MixLabError(.invalidArgument, what: "\(path) holds \(saved) state; the run uses \(kind)",
                                  location: "checkpoint", fix: "resume with the optimiser the checkpoint was saved with")
            }
            guard let stepText = contents.metadata[stepKey], let step = Int(stepText), step >= 0 else {
                throw MixLabError(.ioFailure, what: "\(path) has no valid step count (\(stepKey))", location: "checkpoint",
                                  fix: "the file is damaged: resume from an earlier checkpoint")
            }
            let shapes = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.parameter.value.shape) })
            var state: [String: Tensor] = [:]
            for (name, value) in contents.tensors where name.hasPrefix(optimizerPrefix) {
                let key = String(name.dropFirst(optimizerPrefix.count))
                // State is named parameter + "." + slot (exp_avg, exp_avg_sq, momentum_buffer).
                let owner = key.split(separator: ".").dropLast().joined(separator: ".")
                guard let shape = shapes[owner], shape == value.shape else {
                    throw MixLabError(.shapeMismatch, what: "optimiser state '\(key)' in \(path) matches no parameter of this shape",
                                      location: "checkpoint", fix: "resume with the model and optimiser the checkpoint was saved with")
                }
                state[key] = value
            }
            try optimizer.loadState(state, stepCount: step)
        }
        for (name, parameter) in parameters { parameter.value = modelTensors[name]! }
        return contents.metadata
    }

    /// Every missing, unexpected and mis-shaped tensor of `tensors` against `parameters`, as phrases
    /// (`missing: a, b`; `unexpected: …`; `mis-shaped: name (model [2, 3], file [3, 2])`); empty when they
    /// fit exactly.
    public static func mismatches(_ tensors: [String: Tensor], _ parameters: [(name: String, parameter: Parameter)]) -> [String] {
        let expected = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.parameter) })
        let missing = expected.keys.filter { tensors[$0] == nil }.sorted()
        let unexpected = tensors.keys.filter { expected[$0] == nil }.sorted()
        let misshaped = expected.compactMap { name, parameter -> String? in
            guard let found = tensors[name], found.shape != parameter.value.shape else { return nil }
            return "\(name) (model \(Shape.describe(parameter.value.shape)), file \(Shape.describe(found.shape)))"
        }.sorted()
        func list(_ items: [String]) -> String {
            items.prefix(8).joined(separator: ", ") + (items.count > 8 ? ", … (\(items.count) in all)" : "")
        }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing: \(list(missing))") }
        if !unexpected.isEmpty { parts.append("unexpected: \(list(unexpected))") }
        if !misshaped.isEmpty { parts.append("mis-shaped: \(list(misshaped))") }
        return parts
    }

    /// Throws one error listing every missing, unexpected and mis-shaped tensor of `tensors` against
    /// `parameters` (nothing when they fit exactly).
    static func checkFits(_ tensors: [String: Tensor], _ parameters: [(name: String, parameter: Parameter)], source: String) throws {
        let parts = mismatches(tensors, parameters)
        guard !parts.isEmpty else { return }
        throw MixLabError(
            .shapeMismatch, what: "\(source) does not fit this model; " + parts.joined(separator: "; "),
            location: "checkpoint", fix: "load a checkpoint saved from a model with the same configuration (mixer, sizes, layers)")
    }
}
