import ArgumentParser
import Foundation
import MixLab

/// The model shape and mixer options shared by `bench train` and `bench infer`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Mixer of the non-attention layers (see `mixlab mixers`).")
    var mixer: String = "fourier"

    @Option(name: .customLong("set"), help: ArgumentHelp("A setting of --mixer (repeatable), e.g. --set axes=sequence.", valueName: "key=value"))
    var settings: [String] = []

    @Option(help: "Vocabulary size.")
    var vocab: Int = 256

    @Option(help: "Hidden size H (the embedding size is H too, as in HF FNet).")
    var hidden: Int = 128

    @Option(help: "Number of encoder layers.")
    var layers: Int = 2

    @Option(help: "Feed-forward size.")
    var ffn: Int = 512

    @Option(help: "Batch size.")
    var batch: Int = 32

    @Option(help: "Sequence length.")
    var seq: Int = 512

    @Option(help: "Hybrid: number of layers that use attention instead.")
    var attentionLayers: Int = 0

    @Option(help: "Hybrid: where the attention layers go: bottom, middle, mixed or top.")
    var placement: String = "top"

    @Option(help: "Attention heads of the attention layers (HF BERT uses hidden/64).")
    var heads: Int?

    @Option(help: "Dropout probability (HF's default 0.1, on in training as in HuggingFace's models).")
    var dropout: Float = 0.1

    @Flag(help: ArgumentHelp(
        "Compute every position of the last block, as HuggingFace does.",
        discussion: "By default the last block computes only the first token, the one the classifier pools "
            + "(same logits, loss and gradients up to rounding; see SequenceClassifier.computesOnlyPooledPosition)."))
    var everyPosition = false

    /// What the last block computes: `pooled` (the first token only) or `all`.
    var lastBlockPositions: String { everyPosition ? "all" : "pooled" }

    /// The encoder configuration these options describe.
    func configuration() throws -> EncoderConfiguration {
        var configuration = EncoderConfiguration()
        configuration.vocabularySize = vocab
        configuration.embeddingSize = hidden
        configuration.hiddenSize = hidden
        configuration.layers = layers
        configuration.intermediateSize = ffn
        configuration.maxPositions = max(seq, 1)
        configuration.mixer = mixer
        configuration.mixerSettings = try MixerConfiguration(parsing: settings, location: "--set").values
        configuration.attentionLayers = attentionLayers
        guard let place = HybridPlacement(rawValue: placement) else {
            throw MixLabError(.invalidArgument, what: "--placement \(placement) is not a hybrid placement", location: "--placement",
                              fix: "use one of: \(HybridPlacement.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        configuration.attentionPlacement = place
        configuration.attentionSettings = ["heads": String(heads ?? max(hidden / 64, 1))]
        if mixer == "attention", configuration.mixerSettings["heads"] == nil {
            configuration.mixerSettings["heads"] = String(heads ?? max(hidden / 64, 1))
        }
        configuration.dropout = dropout
        try configuration.validate()
        guard batch >= 1, seq >= 1 else {
            throw MixLabError(.invalidArgument, what: "--batch \(batch) and --seq \(seq) must be at least 1", location: "mixlab bench",
                              fix: "pass positive sizes, e.g. --batch 32 --seq 512")
        }
        return configuration
    }

    /// `mixer(settings)` or the hybrid description.
    var modelDescription: String {
        let base = settings.isEmpty ? mixer : "\(mixer)(\(settings.joined(separator: ", ")))"
        return attentionLayers > 0 ? "\(base)+\(attentionLayers)×attention(\(placement))" : base
    }
}

/// Prints a benchmark result as a table row or a JSON line.
func reportModelBenchmark(
    pass: String, options: ModelOptions, timing: TimingSummary, gemmFlopsPerRun: Double, freshBlocks: Int, json: Bool,
    headPositions: String? = nil
) {
    let tokens = Double(options.batch * options.seq)
    let tokensPerSecond = tokens / (timing.median / 1000)
    let gemmGigaflops = gemmFlopsPerRun / (timing.median / 1000) / 1e9
    if json {
        print(jsonLine([
            "model": options.modelDescription, "pass": pass, "vocab": options.vocab, "hidden": options.hidden,
            "layers": options.layers, "ffn": options.ffn, "batch": options.batch, "seq": options.seq,
            "median_ms": timing.median, "min_ms": timing.minimum, "runs": timing.runs,
            "tokens_per_s": tokensPerSecond, "peak_rss_mib": peakResidentMiB(), "threads": Parallelism.threads,
            "gemm_gflop_per_run": gemmFlopsPerRun / 1e9, "gemm_gflop_per_s": gemmGigaflops,
            "fresh_blocks_during_runs": freshBlocks, "last_block_positions": options.lastBlockPositions,
        ].merging(headPositions.map { ["head_positions": $0] } ?? [:]) { $1 }))
    } else {
        var table = TextTable(["model", "pass", "batch×seq", "median ms", "min ms", "tokens/s", "peak RSS MiB", "runs"])
        table.add([options.modelDescription, pass, "\(options.batch)×\(options.seq)", formatted(timing.median), formatted(timing.minimum),
                   String(format: "%.0f", tokensPerSecond), String(format: "%.0f", peakResidentMiB()), String(timing.runs)])
        let lastBlock = options.everyPosition ? "every position" : "the pooled first token only (--every-position for all)"
        print(table.rendered + (headPositions.map { "\nmasked-LM head runs on: \($0) positions" } ?? "") + "\nvocab \(options.vocab), hidden \(options.hidden), layers \(options.layers), ffn \(options.ffn), threads \(Parallelism.threads)"
              + "\nlast block computes: \(lastBlock)"
              + String(format: "\nGEMM work %.2f GFLOP per run, %.0f GFLOP/s at the median time (FFTs and elementwise work not counted)",
                       gemmFlopsPerRun / 1e9, gemmGigaflops)
              + "\nlarge buffers taken from the system during the measured runs: \(freshBlocks) (0 = every buffer reused)")
    }
}

/// `mixlab bench train`: one training step of a sequence classifier.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time one training step (forward, loss, backward, AdamW) of an FNet-style classifier.",
        discussion: "Example (config A of the PyTorch comparison in the README): mixlab bench train --vocab 256 --hidden 128 --layers 2 --ffn 512 --batch 32 --seq 512")

    @OptionGroup var model: ModelOptions
    @OptionGroup var options: BenchmarkOptions

    func run() throws {
        try options.apply()
        let benchmark = try ModelBenchmark(
            configuration: try model.configuration(), batchSize: model.batch, sequenceLength: model.seq,
            computesOnlyPooledPosition: !model.everyPosition)
        var step = 0
        let result = try measureModelPass(options) {
            try benchmark.trainingStep(step)
            step += 1
        }
        reportModelBenchmark(pass: "train", options: model, timing: result.timing, gemmFlopsPerRun: result.flops,
                             freshBlocks: result.freshBlocks, json: options.json)
    }
}

/// `mixlab bench pretrain`: one masked-language-modelling pre-training step.
struct BenchPretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Time one masked-language-modelling pre-training step (forward, loss, backward, AdamW).",
        discussion: "15 % of the positions are scored; the masked-LM head runs on every position (as HF's "
            + "FNetForMaskedLM, with --every-position; by default the head runs on the scored positions alone, as training does). "
            + "Example (config B): mixlab bench pretrain --vocab 8192 --hidden 256 --layers 4 --ffn 1024 --batch 16 --seq 512")

    @OptionGroup var model: ModelOptions
    @OptionGroup var options: BenchmarkOptions

    func run() throws {
        try options.apply()
        let benchmark = try PretrainingBenchmark(configuration: try model.configuration(), batchSize: model.batch, sequenceLength: model.seq)
        benchmark.model.scoresOnlyLabelledPositions = !model.everyPosition
        var step = 0
        let result = try measureModelPass(options) {
            try benchmark.trainingStep(step)
            step += 1
        }
        var described = model
        described.everyPosition = true  // the encoder's last block computes every position for this head
        reportModelBenchmark(pass: "pretrain", options: described, timing: result.timing, gemmFlopsPerRun: result.flops,
                             freshBlocks: result.freshBlocks, json: options.json, headPositions: model.everyPosition ? "all" : "scored")
    }
}

/// `mixlab bench infer`: one inference batch of a sequence classifier.
struct BenchInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Time one inference batch (forward only) of an FNet-style classifier.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var options: BenchmarkOptions

    func run() throws {
        try options.apply()
        let benchmark = try ModelBenchmark(
            configuration: try model.configuration(), batchSize: model.batch, sequenceLength: model.seq,
            computesOnlyPooledPosition: !model.everyPosition)
        let result = try measureModelPass(options) { try benchmark.inference() }
        reportModelBenchmark(pass: "infer", options: model, timing: result.timing, gemmFlopsPerRun: result.flops,
                             freshBlocks: result.freshBlocks, json: options.json)
    }
}

/// Warms up, then times `body`; also counts GEMM flops per run and the large buffers the measured runs
/// took from the system instead of reusing them.
func measureModelPass(_ options: BenchmarkOptions, _ body: () throws -> Void)
    throws -> (timing: TimingSummary, flops: Double, freshBlocks: Int)
{
    for _ in 0..<options.warmup { try body() }
    let flopsBefore = BLAS.performedFlops
    let blocksBefore = TensorMemoryPool.shared.blocksAllocatedFromSystem
    let timing = try TimingSummary.measure(warmup: 0, runs: options.runs, body)
    let flops = Double(BLAS.performedFlops - flopsBefore) / Double(options.runs)
    return (timing, flops, TensorMemoryPool.shared.blocksAllocatedFromSystem - blocksBefore)
}
