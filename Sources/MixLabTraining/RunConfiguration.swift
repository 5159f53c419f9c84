import MixLabCore
import MixLabMixers
import MixLabModels
import MixLabTasks

/// Everything that defines one training run, as flat `key=value` settings: the task, the model, the
/// optimiser and the schedule, the seed.
///
/// The same keys are used by `mixlab train` (`--set key=value`), by study files (a base configuration
/// plus axes that sweep keys) and in run records, so a row of a results table can always be re-run
/// from its settings. Nested settings use a dotted prefix: `task.length=512` is the task's `length`,
/// `mixer.axes=sequence` the mixer's `axes`, `attention.heads=4` the attention layers' `heads`.
///
/// The vocabulary, class count and sequence length come from the task; the model's position table is
/// sized to the task's sequence length.
public struct RunConfiguration: Sendable, Equatable, Codable {
    // Task.
    /// The task name (`task=`).
    public var task = "listops"
    /// The task's own settings (`task.KEY=`), keyed without the prefix.
    public var taskSettings: [String: String] = [:]
    // Model.
    /// The mixer of every non-attention layer (`mixer=`).
    public var mixer = "fourier"
    /// The mixer's settings (`mixer.KEY=`), keyed without the prefix.
    public var mixerSettings: [String: String] = [:]
    /// Hidden size H (`hidden=`).
    public var hidden = 128
    /// The embedding width E; 0 means "the hidden size".
    public var embedding = 0
    /// Encoder layers L (`layers=`).
    public var layers = 2
    /// Feed-forward width (`ffn=`).
    public var ffn = 512
    /// Hybrid: the number of attention layers (`attention-layers=`).
    public var attentionLayers = 0
    /// Hybrid: where the attention layers go (`placement=`).
    public var placement = HybridPlacement.top
    /// The attention layers' settings (`attention.KEY=`, e.g. `heads`), keyed without the prefix.
    public var attentionSettings: [String: String] = [:]
    /// Position embeddings (`positions=`).
    public var positions = PositionEmbedding.learned
    /// LayerNorm placement (`norm=`).
    public var norm = NormPlacement.post
    /// GELU form (`activation=`).
    public var activation = GELU.tanh
    /// Dropout probability in [0, 1) (`dropout=`).
    public var dropout: Float = 0.1
    /// LayerNorm ε > 0 (`layer-norm-eps=`).
    public var layerNormEpsilon: Float = 1e-12
    /// Sequence-classification pooling (`pooling=`).
    public var pooling = Pooling.mean
    // Training.
    /// Examples per training step (`batch=`).
    public var batch = 32
    /// Training steps (`steps=`).
    public var steps = 1000
    /// Peak learning rate (`lr=`), the schedule's maximum.
    public var learningRate: Float = 1e-3
    /// Learning-rate schedule (`schedule=`).
    public var schedule = ScheduleKind.linear
    /// Warm-up steps (`warmup=`).
    public var warmup = 100
    /// Optimiser (`optimizer=`).
    public var optimizer = OptimizerKind.adamw
    /// Weight decay λ ≥ 0 (`weight-decay=`): decoupled in AdamW, added to the gradient (`g + λθ`) in SGD.
    public var weightDecay: Float = 0.01
    /// SGD momentum μ in [0, 1) (`momentum=`); AdamW ignores it.
    public var momentum: Float = 0.9
    /// Gradient clipping by global norm; 0 turns it off.
    public var clip: Float = 1
    /// Cross-entropy label smoothing in [0, 1) (`label-smoothing=`).
    public var labelSmoothing: Float = 0
    /// Seed of the model, the data order and dropout (`seed=`).
    public var seed: UInt64 = 0
    /// Evaluate on validation every this many steps (and at the end).
    public var evalEvery = 100
    /// Add a point to the learning curve (mean training loss since the previous point) every this many
    /// steps, and at every evaluation (`log-every=`); also the interval of plain progress log lines.
    public var logEvery = 10
    /// Validation batches per evaluation; 0 means the whole validation split.
    public var evalBatches = 0
    /// Early stopping: stop after this many evaluations without a better validation accuracy; 0 = off.
    public var patience = 0
    /// Write a resumable checkpoint every this many steps (and at the end); 0 = only at the end.
    public var checkpointEvery = 500
    /// Worker threads for MixLab's loops and OpenBLAS; 0 means every core.
    public var threads = 0
    // Transfer (`PretrainedEncoder`).
    /// Where the encoder's initial weights come from (`init-from=`): a run folder, a MixLab checkpoint
    /// file, or a HuggingFace FNet folder; empty for a fresh initialisation from `seed`.
    public var initFrom = ""
    /// Keep the embeddings (word, position, type, their LayerNorm and projection) fixed
    /// (`freeze-embeddings=`).
    public var freezeEmbeddings = false
    /// Keep the first this many encoder blocks fixed (`freeze-blocks=`).
    public var freezeBlocks = 0
    /// The encoder's peak learning rate (`encoder-lr=`); 0 means `learningRate`, the head's. The
    /// schedule scales both alike.
    public var encoderLearningRate: Float = 0

    /// The transfer keys, which `settings` lists only when they are set: a run that does not use them
    /// is identified by the same settings as before they existed (run folders, study results).
    public static let transferKeys: Set<String> = ["init-from", "freeze-embeddings", "freeze-blocks", "encoder-lr"]

    /// The learning-rate schedule families (`schedule=`).
    public enum ScheduleKind: String, Sendable, Codable, CaseIterable {
        case constant, linear, cosine, rsqrt
    }

    /// The optimisers (`optimizer=`).
    public enum OptimizerKind: String, Sendable, Codable, CaseIterable {
        case adamw, sgd
    }

    /// The defaults.
    public init() {}

    /// Every accepted key (without the dotted `task.` / `mixer.` / `attention.` families), with its
    /// default, allowed values and meaning.
    public static let keys: [TaskSettingKey] = [
        .init("task", default: "listops", allowed: "a registered task", summary: "what to learn (`mixlab tasks`)"),
        .init("mixer", default: "fourier", allowed: "a registered mixer", summary: "the mixer of every non-attention layer"),
        .init("hidden", default: "128", allowed: "≥ 1", summary: "hidden size H"),
        .init("embedding", default: "0", allowed: "≥ 0", summary: "embedding width E (0: the hidden size)"),
        .init("layers", default: "2", allowed: "≥ 1", summary: "encoder layers L"),
        .init("ffn", default: "512", allowed: "≥ 1", summary: "feed-forward width"),
        .init("attention-layers", default: "0", allowed: "0…layers", summary: "hybrid: layers that use attention"),
        .init("placement", default: "top", allowed: "bottom|middle|mixed|top", summary: "hybrid: where they go"),
        .init("positions", default: "learned", allowed: "learned|sinusoidal|none", summary: "position embeddings"),
        .init("norm", default: "post", allowed: "post|pre", summary: "LayerNorm placement"),
        .init("activation", default: "tanh", allowed: "tanh|erf", summary: "GELU form"),
        .init("dropout", default: "0.1", allowed: "0…<1", summary: "dropout probability"),
        .init("layer-norm-eps", default: "1e-12", allowed: "> 0", summary: "LayerNorm epsilon"),
        .init("pooling", default: "mean", allowed: "first|mean|last", summary: "sequence-classification pooling"),
        .init("batch", default: "32", allowed: "≥ 1", summary: "examples per step"),
        .init("steps", default: "1000", allowed: "≥ 1", summary: "training steps"),
        .init("lr", default: "1e-3", allowed: "> 0", summary: "peak learning rate"),
        .init("schedule", default: "linear", allowed: "constant|linear|cosine|rsqrt", summary: "learning-rate schedule"),
        .init("warmup", default: "100", allowed: "≥ 0", summary: "warm-up steps"),
        .init("optimizer", default: "adamw", allowed: "adamw|sgd", summary: "optimiser"),
        .init("weight-decay", default: "0.01", allowed: "≥ 0", summary: "decoupled weight decay"),
        .init("momentum", default: "0.9", allowed: "0…<1", summary: "SGD momentum"),
        .init("clip", default: "1", allowed: "≥ 0", summary: "gradient clipping by global norm (0: off)"),
        .init("label-smoothing", default: "0", allowed: "0…<1", summary: "cross-entropy label smoothing"),
        .init("seed", default: "0", allowed: "0…2⁶⁴−1", summary: "seed of the model, data order and dropout"),
        .init("eval-every", default: "100", allowed: "≥ 1", summary: "steps between validation evaluations"),
        .init("log-every", default: "10", allowed: "≥ 1", summary: "steps between learning-curve points and log lines"),
        .init("eval-batches", default: "0", allowed: "≥ 0", summary: "validation batches per evaluation (0: all)"),
        .init("patience", default: "0", allowed: "≥ 0", summary: "early stopping after this many evaluations without gain (0: off)"),
        .init("checkpoint-every", default: "500", allowed: "≥ 0", summary: "steps between checkpoints (0: only at the end)"),
        .init("threads", default: "0", allowed: "≥ 0", summary: "threads (0: every core)"),
        .init("init-from", default: "", allowed: "a run folder, a .safetensors checkpoint or an HF FNet folder",
              summary: "start the encoder from these weights (the head starts fresh)"),
        .init("freeze-embeddings", default: "false", allowed: "true|false", summary: "keep the embeddings fixed"),
        .init("freeze-blocks", default: "0", allowed: "0…layers", summary: "keep the first k encoder blocks fixed"),
        .init("encoder-lr", default: "0", allowed: "≥ 0", summary: "the encoder's peak learning rate (0: lr)"),
    ]

    /// The dotted key families that pass settings through to the task, the mixer and attention layers.
    public static let prefixes = ["task.", "mixer.", "attention."]

    /// A configuration from flat settings; keys not given keep their defaults.
    ///
    /// - Parameters:
    ///   - settings: `key=value` settings, keyed by key (see `keys` and `prefixes`).
    ///   - location: where the settings come from (`command line`, `study.yaml`), for errors.
    /// - Throws: `MixLabError.unknownConfigKey` for a key that is not in `keys` and has no known prefix
    ///   (listing the accepted keys), `invalidConfigValue` for a value out of range. Task and mixer names
    ///   and their own settings are checked when the run is built.
    public init(settings: [String: String], location: String = "run configuration") throws {
        let known = Set(Self.keys.map(\.name))
        for key in settings.keys.sorted() where !known.contains(key) {
            if let prefix = Self.prefixes.first(where: { key.hasPrefix($0) }), key.count > prefix.count { continue }
            throw MixLabError(
                .unknownConfigKey, what: "there is no run setting '\(key)'", location: location,
                fix: "use one of: \(Self.keys.map(\.name).joined(separator: ", ")), or task.KEY / mixer.KEY / attention.KEY")
        }
        func text(_ key: String) -> String? { settings[key] }
        func integer(_ key: String, _ value: Int, _ range: ClosedRange<Int>) throws -> Int {
            try SettingValues.integer(text(key), key: key, default: value, in: range, location: location)
        }
        func number(_ key: String, _ value: Float, _ range: ClosedRange<Double>) throws -> Float {
            Float(try SettingValues.number(text(key), key: key, default: Double(value), in: range, location: location))
        }
        func option<Option: RawRepresentable & CaseIterable>(_ key: String, _ value: Option) throws -> Option
        where Option.RawValue == String {
            let raw = try SettingValues.choice(
                text(key), key: key, default: value.rawValue, allowed: Option.allCases.map(\.rawValue), location: location)
            return Option(rawValue: raw)!
        }
        func family(_ prefix: String) -> [String: String] {
            Dictionary(uniqueKeysWithValues: settings.compactMap { key, value in
                key.hasPrefix(prefix) ? (String(key.dropFirst(prefix.count)), value) : nil
            })
        }
        let size = 1...(1 << 24)
        let below1 = 0...0.999_999
        task = text("task") ?? task
        taskSettings = family("task.")
        mixer = text("mixer") ?? mixer
        mixerSettings = family("mixer.")
        attentionSettings = family("attention.")
        hidden = try integer("hidden", hidden, size)
        embedding = try integer("embedding", embedding, 0...(1 << 24))
        layers = try integer("layers", layers, 1...1024)
        ffn = try integer("ffn", ffn, size)
        attentionLayers = try integer("attention-layers", attentionLayers, 0...layers)
        placement = try option("placement", placement)
        positions = try option("positions", positions)
        norm = try option("norm", norm)
        activation = try option("activation", activation)
        dropout = try number("dropout", dropout, below1)
        layerNormEpsilon = try number("layer-norm-eps", layerNormEpsilon, 1e-30...1)
        pooling = try option("pooling", pooling)
        batch = try integer("batch", batch, size)
        steps = try integer("steps", steps, 1...(1 << 40))
        learningRate = try number("lr", learningRate, 1e-12...1e3)
        schedule = try option("schedule", schedule)
        warmup = try integer("warmup", warmup, 0...(1 << 40))
        optimizer = try option("optimizer", optimizer)
        weightDecay = try number("weight-decay", weightDecay, 0...1e3)
        momentum = try number("momentum", momentum, below1)
        clip = try number("clip", clip, 0...1e9)
        labelSmoothing = try number("label-smoothing", labelSmoothing, below1)
        if let seedText = text("seed") {
            guard let value = UInt64(seedText) else {
                throw MixLabError(
                    .invalidConfigValue, what: "seed=\(seedText) is not a seed", location: location,
                    fix: "set seed to an integer from 0 to \(UInt64.max)")
            }
            seed = value
        }
        evalEvery = try integer("eval-every", evalEvery, 1...(1 << 40))
        logEvery = try integer("log-every", logEvery, 1...(1 << 40))
        evalBatches = try integer("eval-batches", evalBatches, 0...(1 << 40))
        patience = try integer("patience", patience, 0...(1 << 20))
        checkpointEvery = try integer("checkpoint-every", checkpointEvery, 0...(1 << 40))
        threads = try integer("threads", threads, 0...1024)
        initFrom = text("init-from") ?? initFrom
        freezeEmbeddings = try SettingValues.choice(
            text("freeze-embeddings"), key: "freeze-embeddings", default: "false", allowed: ["true", "false"], location: location) == "true"
        freezeBlocks = try integer("freeze-blocks", freezeBlocks, 0...layers)
        encoderLearningRate = try number("encoder-lr", encoderLearningRate, 0...1e3)
        if schedule == .linear || schedule == .cosine, warmup >= steps {
            throw MixLabError(
                .invalidConfigValue, what: "warmup=\(warmup) is not below steps=\(steps)", location: location,
                fix: "shorten the warm-up or train for more steps (a \(schedule.rawValue) schedule decays to 0 at the last step)")
        }
    }

    /// Every setting with its value, defaults included: what a run record stores and a study table shows.
    public var settings: [String: String] {
        var values: [String: String] = [
            "task": task, "mixer": mixer, "hidden": "\(hidden)", "embedding": "\(embedding)", "layers": "\(layers)",
            "ffn": "\(ffn)", "attention-layers": "\(attentionLayers)", "placement": placement.rawValue,
            "positions": positions.rawValue, "norm": norm.rawValue, "activation": activation.rawValue,
            "dropout": "\(dropout)", "layer-norm-eps": "\(layerNormEpsilon)", "pooling": pooling.rawValue,
            "batch": "\(batch)", "steps": "\(steps)", "lr": "\(learningRate)", "schedule": schedule.rawValue,
            "warmup": "\(warmup)", "optimizer": optimizer.rawValue, "weight-decay": "\(weightDecay)",
            "momentum": "\(momentum)", "clip": "\(clip)", "label-smoothing": "\(labelSmoothing)", "seed": "\(seed)",
            "eval-every": "\(evalEvery)", "log-every": "\(logEvery)", "eval-batches": "\(evalBatches)", "patience": "\(patience)",
            "checkpoint-every": "\(checkpointEvery)", "threads": "\(threads)",
        ]
        for (prefix, family) in [("task.", taskSettings), ("mixer.", mixerSettings), ("attention.", attentionSettings)] {
            for (key, value) in family { values[prefix + key] = value }
        }
        if !initFrom.isEmpty { values["init-from"] = initFrom }
        if freezeEmbeddings { values["freeze-embeddings"] = "true" }
        if freezeBlocks > 0 { values["freeze-blocks"] = "\(freezeBlocks)" }
        if encoderLearningRate > 0 { values["encoder-lr"] = "\(encoderLearningRate)" }
        return values
    }

    /// The encoder's peak learning rate as a multiple of the head's (1 unless `encoder-lr` is set).
    public var encoderLearningRateScale: Float {
        encoderLearningRate > 0 ? encoderLearningRate / learningRate : 1
    }

    /// The encoder for `task`: its vocabulary, and positions for its sequence length.
    ///
    /// - Parameters:
    ///   - task: the task the encoder reads.
    ///   - registry: where the mixer names are looked up (a run's own registry, or `.shared`).
    /// - Throws: the encoder configuration's validation errors (unknown mixer, bad sizes).
    public func encoderConfiguration(
        for task: any LearningTask, registry: MixerRegistry = .shared
    ) throws -> EncoderConfiguration {
        var configuration = EncoderConfiguration()
        configuration.vocabularySize = task.vocabulary.size
        configuration.embeddingSize = embedding == 0 ? hidden : embedding
        configuration.hiddenSize = hidden
        configuration.layers = layers
        configuration.intermediateSize = ffn
        configuration.maxPositions = task.sequenceLength
        configuration.mixer = mixer
        configuration.mixerSettings = mixerSettings
        configuration.attentionLayers = attentionLayers
        configuration.attentionPlacement = placement
        configuration.attentionSettings = attentionSettings
        configuration.positions = positions
        configuration.normPlacement = norm
        configuration.activation = activation
        configuration.dropout = dropout
        configuration.layerNormEpsilon = layerNormEpsilon
        try configuration.validate(registry: registry)
        return configuration
    }

    /// The learning-rate schedule over `steps`.
    public var learningRateSchedule: LearningRateSchedule {
        switch schedule {
        case .constant: return .constant(peak: learningRate)
        case .linear: return .linear(peak: learningRate, warmup: warmup, total: steps)
        case .cosine: return .cosine(peak: learningRate, warmup: warmup, total: steps)
        case .rsqrt: return .reciprocalSquareRoot(peak: learningRate, warmup: warmup)
        }
    }
}
