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
/// Readers that take a path get the input written to a scratch file first (`FuzzScratch`), so the
/// code under test is exactly what runs on a user's file. Every error a reader throws is an answer;
/// only a crash, a sanitizer report, a hang or a leak is a finding.
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
            let folder = FuzzScratch.shared.write(data, to: "hf/config.json")
            _ = try? HuggingFaceFNet.configuration(folder: folder)
        },
        FuzzTarget(name: "run-config", reads: "mixlab train --config FILE (JSON settings)") { data in
            let path = FuzzScratch.shared.file(data, named: "config.json")
            guard let settings = try? TrainCommand.settings(fromConfigFile: path) else { return }
            _ = try? RunConfiguration(settings: settings)
        },
        FuzzTarget(name: "run-settings", reads: "a run folder's settings.json") { data in
            let folder = FuzzScratch.shared.write(data, to: "run/\(RunDirectory.settingsFile)")
            _ = try? RunDirectory(folder).readSettings()
        },
        FuzzTarget(name: "run-record", reads: "a run folder's run.json") { data in
            _ = try? JSONDecoder().decode(RunRecord.self, from: data)
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
            let cache = FuzzScratch.shared.cache
            _ = FuzzScratch.shared.write(data, to: "cache/fuzz-text/\(DatasetManifest.fileName)")
            _ = try? DatasetManifest.read(dataset: "fuzz-text", in: cache, location: "fuzz")
        },
        FuzzTarget(name: "prepared-text", reads: "a prepared text dataset's split files") { data in
            FuzzScratch.shared.prepareText(data)
            _ = try? PreparedTextCorpus.open("fuzz-text", in: FuzzScratch.shared.cache, location: "fuzz")
        },
        FuzzTarget(name: "prepared-image", reads: "a prepared image dataset's pixel and label files") { data in
            FuzzScratch.shared.prepareImages(data)
            _ = try? PreparedImageSet.open("fuzz-image", in: FuzzScratch.shared.cache, location: "fuzz")
        },
    ]
}
