import Foundation
import MixLab
@testable import MixLabCommandLine
@testable import MixLabTraining
import Testing

/// `mixlab export huggingface` and `mixlab import huggingface` run as commands on the fixture runs of
/// `MixLabTrainingTests/Fixtures/hf-export`: what they write and print, `--force`, `--checkpoint`,
/// `--tokenizer`, and their errors and exit codes.
@Suite struct HuggingFaceCommandTests {
    /// The fixture folder of the export tests (`Tests/MixLabTrainingTests/Fixtures/hf-export`).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MixLabTrainingTests/Fixtures/hf-export").path

    /// A fresh folder (created).
    static func scratch(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "mixlab-hf-cli-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The files of `folder` with their bytes.
    static func files(_ folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            result[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return result
    }

    @Test func exportWritesTheFolderPrintsWhatItWroteAndNeedsForceToReplaceIt() throws {
        let scratch = try Self.scratch("export")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let out = scratch + "/sentiment"
        let run = Self.fixtures + "/sentiment-word/run"
        let (status, printed) = try MissingLibraryTests.mixlab(["export", "huggingface", run, out], environment: [:])
        #expect(status == 0, "\(printed)")
        #expect(printed.contains("wrote \(out): FNetForSequenceClassification (HuggingFace transformers)"))
        #expect(printed.contains("files: config.json, model.safetensors, tokenizer.json, tokenizer_config.json, README.md"))
        #expect(printed.contains("note: inputs: pad and cut to 24 tokens"))
        #expect(try Self.files(out) == (try Self.files(Self.fixtures + "/sentiment-word/export")))

        let (again, refusal) = try MissingLibraryTests.mixlab(["export", "huggingface", run, out], environment: [:])
        #expect(again != 0 && refusal.contains("\(out) exists and is not empty") && refusal.contains("pass --force"), "\(refusal)")
        let (forced, replaced) = try MissingLibraryTests.mixlab(["export", "huggingface", run, out, "--force"], environment: [:])
        #expect(forced == 0 && replaced.contains("wrote \(out)"), "\(replaced)")

        let (badChoice, choice) = try MissingLibraryTests.mixlab(["export", "huggingface", run, scratch + "/x", "--checkpoint", "newest"], environment: [:])
        #expect(badChoice != 0 && choice.contains("--checkpoint newest: use last or best"), "\(choice)")
        let (noBest, best) = try MissingLibraryTests.mixlab(["export", "huggingface", run, scratch + "/x", "--checkpoint", "best"], environment: [:])
        #expect(noBest != 0 && best.contains("has no checkpoint-best.safetensors") && best.contains("--checkpoint last"), "\(best)")
        #expect(!FileManager.default.fileExists(atPath: scratch + "/x"))
    }

    @Test func exportOfASubwordRunTakesTheTokenizerFromTheOption() throws {
        let scratch = try Self.scratch("tokenizer")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let run = Self.fixtures + "/mlm-subword/run"
        let command = try ExportHuggingFaceCommand.parse([run, scratch + "/mlm", "--tokenizer", Self.fixtures + "/wordpiece.json"])
        #expect(command.tokenizer == Self.fixtures + "/wordpiece.json" && command.checkpoint == "last" && !command.force)
        try command.run()
        #expect(try Self.files(scratch + "/mlm") == (try Self.files(Self.fixtures + "/mlm-subword/export")))
        let wrong = try ExportHuggingFaceCommand.parse([run, scratch + "/wrong", "--tokenizer", Self.fixtures + "/sentiment-word/export/tokenizer.json"])
        #expect { try wrong.run() } throws: { error in
            (error as? MixLabError)?.what.contains("the run was trained with a tokenizer of SHA-256") == true
        }
        #expect(!FileManager.default.fileExists(atPath: scratch + "/wrong"))
    }

    @Test func theSummaryNamesTheFormatTheFilesAndEveryNote() {
        let huggingFace = HuggingFaceExport.Result(
            architecture: .tokenClassification, folder: "out", files: ["config.json", "model.safetensors", "README.md"], notes: ["a", "b"])
        #expect(ExportHuggingFaceCommand.summary(huggingFace)
            == "wrote out: FNetForTokenClassification (HuggingFace transformers)\nfiles: config.json, model.safetensors, README.md\nnote: a\nnote: b")
        let own = HuggingFaceExport.Result(architecture: nil, folder: "out", files: ["mixlab-model.safetensors"], notes: [])
        #expect(ExportHuggingFaceCommand.summary(own).hasPrefix("wrote out: MixLab's own format (no HuggingFace class computes this model)"))
    }

    @Test func importWritesTheCheckpointAndTokenizerPrintsHowToUseThemAndNeedsForceToReplace() throws {
        let scratch = try Self.scratch("import")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let export = Self.fixtures + "/sentiment-word/export"
        let out = scratch + "/sentiment.safetensors"
        let (status, printed) = try MissingLibraryTests.mixlab(["import", "huggingface", export, out], environment: [:])
        #expect(status == 0, "\(printed)")
        #expect(printed.contains("wrote \(out): FNetForSequenceClassification as MixLab's sequence-classifier"))
        #expect(printed.contains("wrote \(scratch)/sentiment.tokenizer.json (the folder's tokenizer.json)"))
        #expect(printed.contains("encoder: ") && printed.contains("hidden=8") && printed.contains("mixer=fourier") && printed.contains("pooling=first"))
        #expect(printed.contains("use it: --set init-from=\(out)"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch + "/sentiment.tokenizer.json"))
            == (try Data(contentsOf: URL(fileURLWithPath: export + "/tokenizer.json"))))
        let written = try Data(contentsOf: URL(fileURLWithPath: out))

        let (again, refusal) = try MissingLibraryTests.mixlab(["import", "huggingface", export, out], environment: [:])
        #expect(again != 0 && refusal.contains("already exist") && refusal.contains("pass --force"), "\(refusal)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == written)
        let (forced, replaced) = try MissingLibraryTests.mixlab(["import", "huggingface", export, out, "--force"], environment: [:])
        #expect(forced == 0 && replaced.contains("wrote \(out)"), "\(replaced)")

        let (missing, nowhere) = try MissingLibraryTests.mixlab(["import", "huggingface", scratch + "/none", scratch + "/none.safetensors"], environment: [:])
        #expect(missing != 0 && nowhere.contains("there is no folder \(scratch)/none") && nowhere.contains("save_pretrained"), "\(nowhere)")
        #expect(!FileManager.default.fileExists(atPath: scratch + "/none.safetensors"))
    }

    @Test func importOfAnEncoderSaysWhatWasLeftOut() throws {
        let scratch = try Self.scratch("import-encoder")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let out = scratch + "/encoder.safetensors"
        let command = try ImportHuggingFaceCommand.parse([Self.fixtures + "/sentiment-byte-mean/export", out])
        try command.run()
        let result = try HuggingFaceImport.importFolder(Self.fixtures + "/sentiment-byte-mean/export", to: out, force: true)
        let summary = ImportHuggingFaceCommand.summary(result)
        #expect(summary.hasPrefix("wrote \(out): FNetModel as MixLab's encoder"))
        #expect(summary.contains("note: left out (the MixLab encoder has no such layer): fnet.pooler.dense.bias, fnet.pooler.dense.weight"))
        #expect(!summary.contains("pooling="), "an encoder has no pooling setting")
    }
}
