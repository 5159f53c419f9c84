import ArgumentParser
import Foundation
import MixLab

/// `mixlab export`: write a trained model in another library's format.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's model in another library's format.",
        subcommands: [ExportHuggingFaceCommand.self])
}

/// `mixlab export huggingface RUN DIR`: a run's model as a HuggingFace transformers FNet folder.
struct ExportHuggingFaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "huggingface",
        abstract: "Write a run's model as a HuggingFace transformers FNet folder (config.json, model.safetensors, tokenizer).",
        discussion: """
            Runs whose encoder HuggingFace's FNet computes exactly (mixer=fourier over both axes, unnormalised; no \
            attention layers; positions=learned; norm=post; embedding width = hidden) are written as \
            FNetForSequenceClassification (pooling=first), FNetForTokenClassification (token tasks) or FNetForMaskedLM \
            (mlm), with tokenizer.json and tokenizer_config.json for text tasks and a README.md with notes. A mean- or \
            last-pooled classifier has no HuggingFace class: its encoder is written as FNetModel. Any other run is \
            written in MixLab's own format (mixlab-model.safetensors, mixlab-settings.json), with the reasons.
            Load it in Python with FNetForSequenceClassification.from_pretrained(DIR) and AutoTokenizer.from_pretrained(DIR); \
            pad inputs to the task's length (padding="max_length", truncation=True): FNet mixes padding like any token.
            Examples:
              mixlab export huggingface runs/sentiment exported/sentiment
              mixlab export huggingface runs/pretrain exported/pretrain --checkpoint best --force
            """)

    @Argument(help: ArgumentHelp("The run folder (mixlab train --out).", valueName: "run"))
    var runFolder: String

    @Argument(help: ArgumentHelp("The folder to write (missing or empty, unless --force).", valueName: "dir"))
    var folder: String

    @Option(help: "Which checkpoint: last (the final weights) or best (the best validation accuracy).")
    var checkpoint: String = "last"

    @Option(help: ArgumentHelp("The run's WordPiece tokenizer.json, when it is no longer where the run's settings say.", valueName: "file"))
    var tokenizer: String?

    @Flag(help: "Replace the folder's contents when it is not empty.")
    var force = false

    func validate() throws {
        if HuggingFaceExport.CheckpointChoice(rawValue: checkpoint) == nil {
            throw ValidationError("--checkpoint \(checkpoint): use last or best")
        }
    }

    func run() throws {
        let result = try HuggingFaceExport.export(
            run: runFolder, to: folder, checkpoint: HuggingFaceExport.CheckpointChoice(rawValue: checkpoint)!, force: force,
            tokenizerFile: tokenizer)
        print(Self.summary(result))
    }

    /// What was written, then every note.
    static func summary(_ result: HuggingFaceExport.Result) -> String {
        let what = result.architecture.map { "\($0.rawValue) (HuggingFace transformers)" } ?? "MixLab's own format (no HuggingFace class computes this model)"
        return (["wrote \(result.folder): \(what)", "files: " + result.files.joined(separator: ", ")] + result.notes.map { "note: \($0)" })
            .joined(separator: "\n")
    }
}
