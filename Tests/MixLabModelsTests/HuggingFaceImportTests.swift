import Foundation
import MixLabCore
@testable import MixLabModels
import Testing

/// The HF import check: a tiny random-weight FNetForSequenceClassification saved by transformers, and
/// PyTorch's outputs on fixed inputs (Scripts/fixtures/hf_fnet.py).
@Suite struct HuggingFaceImportTests {
    struct Expected: Decodable {
        let input_ids: [[Int]]
        let token_type_ids: [[Int]]
        let last_hidden_state: [Double]
        let pooler_output: [Double]
        let logits: [Double]
    }

    static var folder: String {
        Bundle.module.url(forResource: "hf-fnet-tiny", withExtension: nil, subdirectory: "Fixtures")!.path
    }

    static func expected() throws -> [Expected] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/expected.json"))
        struct File: Decodable { let cases: [Expected] }
        return try JSONDecoder().decode(File.self, from: data).cases
    }

    static func maxDifference(_ tensor: Tensor, _ reference: [Double]) -> Double {
        zip(tensor.values, reference).map { abs(Double($0) - $1) }.max() ?? .infinity
    }

    @Test func hiddenStatesPooledOutputAndLogitsMatchPyTorch() throws {
        let model = try HuggingFaceFNet.loadSequenceClassifier(folder: Self.folder)
        for case let expected in try Self.expected() {
            let batch = try TokenBatch(tokens: expected.input_ids, tokenTypes: expected.token_type_ids)
            var random = SeededRandom(seed: 0)
            let (hidden, _) = try model.encoder.forward(batch, training: false, random: &random)
            #expect(hidden.count == expected.last_hidden_state.count)
            let hiddenError = Self.maxDifference(hidden, expected.last_hidden_state)
            #expect(hiddenError <= 1e-4, "last hidden state differs from PyTorch by \(hiddenError)")
            let (logits, cache) = try model.logits(batch, training: false, random: &random)
            #expect(Self.maxDifference(try #require(cache.head.poolerOutput), expected.pooler_output) <= 1e-4)
            #expect(Self.maxDifference(logits, expected.logits) <= 1e-4)
        }
    }

    @Test func encoderImportSkipsTheHeads() throws {
        let encoder = try HuggingFaceFNet.loadEncoder(folder: Self.folder)
        let expected = try Self.expected()[1]
        var random = SeededRandom(seed: 0)
        let (hidden, _) = try encoder.forward(try TokenBatch(tokens: expected.input_ids, tokenTypes: expected.token_type_ids),
                                              training: false, random: &random)
        #expect(Self.maxDifference(hidden, expected.last_hidden_state) <= 1e-4)
    }

    @Test func rejectsOtherArchitecturesAndMissingFiles() throws {
        let folder = NSTemporaryDirectory() + "mixlab-hf-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect { try HuggingFaceFNet.loadEncoder(folder: folder) } throws: { ($0 as? MixLabError)?.code == .ioFailure }
        try Data(#"{"model_type": "bert", "vocab_size": 10}"#.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        #expect { try HuggingFaceFNet.loadEncoder(folder: folder) } throws: { error in
            (error as? MixLabError)?.what.contains("'bert' model, not FNet") == true
        }
        // An FNet config whose sizes do not match the weights: strict loading lists the mismatches.
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.folder + "/config.json"))) as! [String: Any]
        config["hidden_size"] = 24
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: folder + "/config.json"))
        try FileManager.default.copyItem(atPath: Self.folder + "/model.safetensors", toPath: folder + "/model.safetensors")
        #expect { try HuggingFaceFNet.loadEncoder(folder: folder) } throws: { error in
            (error as? MixLabError)?.what.contains("mis-shaped") == true
        }
    }
}
