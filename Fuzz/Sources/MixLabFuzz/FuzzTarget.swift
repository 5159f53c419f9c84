import Foundation
import MixLabCore
@testable import MixLabCommandLine
@testable import MixLabModels
@testable import MixLabNotebooks
@testable import MixLabStudies
@testable import MixLabTasks
@testable import MixLabTraining

/// One fuzz target: a reader of outside bytes, fed an input as its file would hold it.
///
/// Each target calls the function that meets a file's bytes (readers that take a path read the file and
/// hand its bytes to that function). Every error a reader throws is an answer; only a crash, a
/// sanitizer report, a hang or a leak is a finding.
struct FuzzTarget: Sendable {
    /// The name `MIXLAB_FUZZ_TARGET` and `make fuzz` use, and the folder of its seed corpus.
    let name: String
    /// The file kind, for the summary table.
    let reads: String
    /// Feeds one input to the reader.
    let run: @Sendable (Data) -> Void

    /// Every target, one per reader of outside bytes.
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "safetensors", reads: "safetensors checkpoint (header, tensors, checksum)") { data in
            _ = try? SafeTensors.decode(data, path: "fuzz.safetensors")
        },
        FuzzTarget(name: "checkpoint", reads: "checkpoint-last.safetensors (weights, optimiser, trainer state)") { data in
            guard let contents = try? SafeTensors.decode(data, path: "fuzz.safetensors") else { return }
            _ = try? TrainerState.decode(metadata: contents.metadata, source: "fuzz.safetensors")
        },
        FuzzTarget(name: "trainer-state", reads: "trainer state JSON (checkpoint metadata)") { data in
            let metadata = [TrainerState.metadataKey: String(decoding: data, as: UTF8.self)]
            _ = try? TrainerState.decode(metadata: metadata, source: "fuzz.safetensors")
        },
        FuzzTarget(name: "hf-config", reads: "HuggingFace config.json") { data in
            _ = try? HuggingFaceFNet.configuration(json: data, path: "config.json")
        },
        FuzzTarget(name: "tokenizer-json", reads: "HuggingFace tokenizer.json (WordPiece)") { data in
            guard let (tokenizer, _) = try? WordPieceTokenizer.decode(data, path: "tokenizer.json", location: "fuzz") else { return }
            _ = tokenizer.encode("Hello, world! Ünïcode 中文 [MASK] tokenisation")
        },
        FuzzTarget(name: "run-config", reads: "mixlab train --config FILE (JSON settings)") { data in
            guard let settings = try? TrainCommand.settings(fromConfigData: data, path: "config.json") else { return }
            _ = try? RunConfiguration(settings: settings)
        },
        FuzzTarget(name: "run-settings", reads: "a run folder's settings.json") { data in
            _ = try? RunDirectory.SavedSettings.decode(data, path: RunDirectory.settingsFile)
        },
        FuzzTarget(name: "run-record", reads: "a run folder's run.json") { data in
            _ = try? RunRecord.decode(data, path: RunDirectory.recordFile)
        },
        FuzzTarget(name: "study-spec", reads: "study.yaml") { data in
            _ = try? StudySpecification(yaml: String(decoding: data, as: UTF8.self), path: "study.yaml")
        },
        FuzzTarget(name: "results-jsonl", reads: "a study's results.jsonl") { data in
            _ = try? StudyResultsFile.parse(data, path: "results.jsonl")
        },
        FuzzTarget(name: "notebook", reads: "notebook Markdown") { data in
            _ = try? NotebookParser.parse(String(decoding: data, as: UTF8.self), path: "notebook.md")
        },
        FuzzTarget(name: "idx", reads: "IDX images + labels (Fashion-MNIST)") { data in
            // The first byte splits the input: images before the split point, labels after it.
            guard let first = data.first else { return }
            let rest = data.dropFirst()
            let split = rest.startIndex + min(rest.count, Int(first) * rest.count / 255)
            _ = try? IDXReader.read(images: Data(rest[..<split]), imagesName: "images-idx3-ubyte", labels: Data(rest[split...]),
                                    labelsName: "labels-idx1-ubyte", classes: 10, size: (height: 2, width: 2))
        },
        FuzzTarget(name: "orange-tab", reads: "Orange .tab (20 Newsgroups, Reuters)") { data in
            _ = try? OrangeTabReader.read(data, fileName: "train.tab", classNames: ["acq", "crude", "earn"])
        },
        FuzzTarget(name: "csv", reads: "Rotten Tomatoes CSV") { data in
            _ = try? RottenTomatoesReader.read(data, fileName: "rotten_tomatoes.csv", classNames: ["rotten", "fresh"])
        },
        FuzzTarget(name: "html", reads: "installation-guide HTML paragraphs") { data in
            _ = HTMLParagraphs.extract(String(decoding: data, as: UTF8.self))
        },
        FuzzTarget(name: "digits", reads: "scikit-learn digits CSV") { data in
            _ = try? DigitsReader.read(data, fileName: "digits.csv")
        },
        FuzzTarget(name: "manifest", reads: "a prepared dataset's manifest.json") { data in
            _ = try? DatasetManifest.decode(data, dataset: "fuzz-text", in: FuzzManifests.cache, location: "fuzz")
        },
        FuzzTarget(name: "prepared-text", reads: "a prepared text dataset's split files") { data in
            for (split, piece) in zip(TaskSplit.allCases, FuzzManifests.threePieces(data)) {
                _ = try? PreparedTextCorpus.parse(piece, split, of: FuzzManifests.text, in: FuzzManifests.cache, location: "fuzz")
            }
        },
        FuzzTarget(name: "prepared-image", reads: "a prepared image dataset's pixel and label files") { data in
            // Per split, the first fifth of its piece is the label file, the rest the pixel file.
            for (split, piece) in zip(TaskSplit.allCases, FuzzManifests.threePieces(data)) {
                let labels = piece.prefix(piece.count / 5)
                _ = try? PreparedImageSet.decode(
                    pixels: Data(piece.dropFirst(labels.count)), labels: Data(labels), split, of: FuzzManifests.image,
                    in: FuzzManifests.cache, location: "fuzz")
            }
        },
    ]
}
