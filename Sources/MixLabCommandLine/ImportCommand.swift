import ArgumentParser
import Foundation
import MixLab

/// `mixlab import`: read a model written by another library.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read a model written by another library as a MixLab checkpoint.",
        subcommands: [ImportHuggingFaceCommand.self])
}

/// `mixlab import huggingface DIR OUT`: a HuggingFace FNet folder as a MixLab checkpoint file.
struct ImportHuggingFaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "huggingface",
        abstract: "Turn a HuggingFace FNet folder (config.json, model.safetensors) into a MixLab checkpoint file.",
        discussion: """
            The checkpoint holds the weights under MixLab's names, without optimiser state, and records the encoder \
            as run settings (metadata mixlab.encoder-settings: mixer=fourier, hidden, embedding, layers, ffn, activation, \
            layer-norm-eps, positions=learned, norm=post) and its sizes (mixlab.encoder-sizes: vocabulary-size, \
            max-positions), so that --set init-from=OUT starts a run's encoder from it. A tokenizer.json in the folder is \
            copied beside it as NAME.tokenizer.json (for OUT = NAME.safetensors); use it with task.tokens=subword \
            task.tokenizer=NAME.tokenizer.json.
            Examples:
              mixlab import huggingface exported/pretrain pretrained.safetensors
              mixlab train --task news20 --set task.tokens=subword --set task.tokenizer=pretrained.tokenizer.json \\
                  --set init-from=pretrained.safetensors --out runs/news20-from-hf
            """)

    @Argument(help: ArgumentHelp("The folder written by save_pretrained.", valueName: "dir"))
    var folder: String

    @Argument(help: ArgumentHelp("The checkpoint file to write (e.g. pretrained.safetensors).", valueName: "out"))
    var output: String

    @Flag(help: "Replace the checkpoint (and its tokenizer copy) when it exists.")
    var force = false

    func run() throws {
        let result = try HuggingFaceImport.importFolder(folder, to: output, force: force)
        print(Self.summary(result))
    }

    /// What was written, the encoder's settings, then every note.
    static func summary(_ result: HuggingFaceImport.Result) -> String {
        var lines = ["wrote \(result.checkpoint): \(result.architecture) as MixLab's \(result.model)"]
        if let tokenizer = result.tokenizer { lines.append("wrote \(tokenizer) (the folder's tokenizer.json)") }
        lines.append("encoder: " + result.encoderSettings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        lines.append("use it: --set init-from=\(result.checkpoint)")
        return (lines + result.notes.map { "note: \($0)" }).joined(separator: "\n")
    }
}
