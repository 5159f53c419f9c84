import Foundation
import MixLabCore
@testable import MixLabModels
import Testing

@Suite struct OptimizerTests {
    @Test func adamWMatchesTheReferenceUpdate() throws {
        let p = Parameter(name: "w", value: try Tensor(shape: [2], values: [1, -2]))
        let optimizer = try AdamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, decayExclusions: [])
        var reference: [Double] = [1, -2], m: [Double] = [0, 0], v: [Double] = [0, 0]
        for step in 1...3 {
            let g: [Double] = [0.5 * Double(step), -1]
            p.gradient = try Tensor(shape: [2], values: g.map(Float.init))
            optimizer.step([("w", p)], learningRate: 0.01)
            for i in 0..<2 {
                reference[i] -= 0.01 * 0.1 * reference[i]
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mHat = m[i] / (1 - pow(0.9, Double(step))), vHat = v[i] / (1 - pow(0.999, Double(step)))
                reference[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        #expect(abs(Double(p.value[0]) - reference[0]) < 1e-6 && abs(Double(p.value[1]) - reference[1]) < 1e-6)
        #expect(optimizer.stepCount == 3)
    }

    /// 37 values: the 16-lane path and the scalar tail, against the update in Double; a snapshot of the
    /// state taken between steps keeps its values.
    @Test func adamWUpdatesEveryLaneAndLeavesStateSnapshotsAlone() throws {
        let count = 37
        let initial = (0..<count).map { Float($0 % 7) - 3 }
        let p = Parameter(name: "w", value: try Tensor(shape: [count], values: initial))
        let optimizer = try AdamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, decayExclusions: [])
        var reference = initial.map(Double.init), m = [Double](repeating: 0, count: count), v = m
        var snapshot: [String: Tensor] = [:]
        for step in 1...3 {
            let g = (0..<count).map { Double(($0 * 5 + step) % 11) * 0.1 - 0.5 }
            p.gradient = try Tensor(shape: [count], values: g.map(Float.init))
            optimizer.step([("w", p)], learningRate: 0.01)
            for i in 0..<count {
                reference[i] -= 0.01 * 0.1 * reference[i]
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mHat = m[i] / (1 - pow(0.9, Double(step))), vHat = v[i] / (1 - pow(0.999, Double(step)))
                reference[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
            if step == 1 { snapshot = optimizer.state }
        }
        for i in 0..<count { #expect(abs(Double(p.value[i]) - reference[i]) < 1e-5, "value \(i)") }
        let firstMoment = try #require(snapshot["w.exp_avg"])
        let g1 = (0..<count).map { Double(($0 * 5 + 1) % 11) * 0.1 - 0.5 }
        for i in 0..<count { #expect(abs(Double(firstMoment[i]) - 0.1 * g1[i]) < 1e-6, "snapshot of step 1, value \(i)") }
    }

    @Test func frozenParametersAndExclusionsAreRespected() throws {
        let frozen = Parameter(name: "basis", value: Tensor(shape: [2], repeating: 1), isTrainable: false)
        let bias = Parameter(name: "layer.bias", value: Tensor(shape: [2], repeating: 1))
        frozen.gradient = Tensor(shape: [2], repeating: 1)
        let optimizer = try AdamW(weightDecay: 0.5)
        optimizer.step([("basis", frozen), ("layer.bias", bias)], learningRate: 0.1)
        #expect(frozen.value.values == [1, 1])
        #expect(bias.value.values == [1, 1], "zero gradient and no decay on biases")
    }

    @Test func sgdWithMomentum() throws {
        let p = Parameter(name: "w", value: Tensor(zeros: [1]))
        let optimizer = try SGD(momentum: 0.5)
        p.gradient = Tensor(shape: [1], repeating: 1)
        optimizer.step([("w", p)], learningRate: 1)  // b = 1, w = −1
        optimizer.step([("w", p)], learningRate: 1)  // b = 1.5, w = −2.5
        #expect(p.value[0] == -2.5)
        #expect(throws: MixLabError.self) { try SGD(momentum: 1) }
        #expect(throws: MixLabError.self) { try AdamW(beta2: 1) }
    }

    @Test func schedulesFollowTheirFormulas() throws {
        let linear = LearningRateSchedule.linear(peak: 1, warmup: 10, total: 110)
        #expect(linear.rate(at: 5) == 0.5 && linear.rate(at: 10) == 1 && linear.rate(at: 60) == 0.5 && linear.rate(at: 110) == 0)
        let cosine = LearningRateSchedule.cosine(peak: 2, warmup: 0, total: 100)
        #expect(abs(cosine.rate(at: 50) - 1) < 1e-5 && cosine.rate(at: 100) < 1e-6)
        let lra = LearningRateSchedule.reciprocalSquareRoot(peak: 0.05, warmup: 100)
        #expect(abs(lra.rate(at: 50) - 0.025) < 1e-7 && abs(lra.rate(at: 400) - 0.025) < 1e-7)
        #expect(LearningRateSchedule.constant(peak: 3).rate(at: 7) == 3)
        #expect(throws: MixLabError.self) { try LearningRateSchedule.linear(peak: 1, warmup: 10, total: 10).validate() }
        #expect(throws: MixLabError.self) { try LearningRateSchedule.constant(peak: .nan).validate() }
    }

    @Test func clippingScalesToTheMaximumNorm() throws {
        let a = Parameter(name: "a", value: Tensor(zeros: [2])), b = Parameter(name: "b", value: Tensor(zeros: [1]))
        a.gradient = try Tensor(shape: [2], values: [3, 0])
        b.gradient = try Tensor(shape: [1], values: [4])
        let norm = clipGradients([("a", a), ("b", b)], maxNorm: 1)
        #expect(norm == 5)
        #expect(abs(a.gradient.norm * a.gradient.norm + b.gradient.norm * b.gradient.norm - 1) < 1e-5)
        #expect(clipGradients([("a", a), ("b", b)], maxNorm: 10) < 1.0001)
    }
}

@Suite struct CheckpointTests {
    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "mixlab-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).safetensors"
    }

    @Test func safetensorsRoundTripsAndMatchesTheFormat() throws {
        let path = Self.temporaryPath("format")
        defer { unlink(path) }
        let a = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5])
        try SafeTensors.write(SafeTensors.Contents(tensors: ["a": a, "b": Tensor(zeros: [0])], metadata: ["k": "v"]), to: path)
        let file = try #require(FileManager.default.contents(atPath: path))
        let headerLength = Int(file.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        #expect(headerLength % 8 == 0)
        let header = try #require(try JSONSerialization.jsonObject(with: file.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        let entry = try #require(header["a"] as? [String: Any])
        #expect(entry["dtype"] as? String == "F32" && entry["shape"] as? [Int] == [2, 3])
        #expect(file.count == 8 + headerLength + 24)
        let back = try SafeTensors.read(path)
        #expect(back.tensors["a"] == a && back.tensors["b"]?.shape == [0] && back.metadata["k"] == "v")
    }

    @Test func detectsTruncationCorruptionAndWrongDtype() throws {
        let path = Self.temporaryPath("bad")
        defer { unlink(path) }
        try SafeTensors.write(SafeTensors.Contents(tensors: ["w": Tensor(shape: [64], repeating: 1)]), to: path)
        var file = try #require(FileManager.default.contents(atPath: path))
        // Truncated: the seal over the whole file catches it.
        try file.prefix(file.count - 10).write(to: URL(fileURLWithPath: path))
        #expect { try SafeTensors.read(path) } throws: { ($0 as? MixLabError)?.what.contains("does not match its checksum") == true }
        // Truncated, in a file without the seal (as written before it existed): the structure check catches it.
        let unsealed = file.replacing(Data("\"\(FileIntegrity.key)\"".utf8), with: Data("\"mixlab.xntegrity\"".utf8))
            .replacing(Data("\"crc32:".utf8), with: Data("\"other:".utf8))
        try unsealed.prefix(unsealed.count - 10).write(to: URL(fileURLWithPath: path))
        #expect { try SafeTensors.read(path) } throws: { ($0 as? MixLabError)?.what.contains("does not fit the data") == true }
        // One data byte flipped: the checksum catches it.
        file[file.count - 3] ^= 0x40
        try file.write(to: URL(fileURLWithPath: path))
        #expect { try SafeTensors.read(path) } throws: { ($0 as? MixLabError)?.what.contains("checksum") == true }
        // A header that is not JSON.
        try Data([16, 0, 0, 0, 0, 0, 0, 0] + Array("not json at all!".utf8)).write(to: URL(fileURLWithPath: path))
        #expect { try SafeTensors.read(path) } throws: { ($0 as? MixLabError)?.what.contains("JSON") == true }
        // A half-precision tensor.
        let header = Array(#"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#.utf8)
        try Data([UInt8(header.count), 0, 0, 0, 0, 0, 0, 0] + header + [0, 0, 0, 0]).write(to: URL(fileURLWithPath: path))
        #expect { try SafeTensors.read(path) } throws: { error in
            let e = error as? MixLabError
            return e?.what.contains("dtype F16") == true && e?.fix.contains("float32") == true
        }
        #expect(throws: MixLabError.self) { try SafeTensors.read(path + ".missing") }
    }

    @Test func strictLoadingReportsEveryMismatchAndChangesNothing() throws {
        let path = Self.temporaryPath("strict")
        defer { unlink(path) }
        let saved = [("a", Parameter(name: "a", value: Tensor(zeros: [2]))), ("b", Parameter(name: "b", value: Tensor(zeros: [3])))]
        try Checkpoint.save(saved.map { ($0.0, $0.1) }, to: path)
        let target = [("a", Parameter(name: "a", value: Tensor(shape: [2], repeating: 7))),
                      ("b", Parameter(name: "b", value: Tensor(shape: [4], repeating: 7))),
                      ("c", Parameter(name: "c", value: Tensor(zeros: [1])))]
        #expect {
            try Checkpoint.load(into: target.map { ($0.0, $0.1) }, from: path)
        } throws: { error in
            let what = (error as? MixLabError)?.what ?? ""
            return what.contains("missing: c") && what.contains("mis-shaped: b (model [4], file [3])")
        }
        #expect(target[0].1.value.values == [7, 7], "nothing is loaded from a checkpoint that does not fit")
        #expect(throws: MixLabError.self) { try Checkpoint.save([("a", saved[0].1)], to: "/nonexistent-dir/x.safetensors") }
    }

    @Test func resumedTrainingContinuesExactly() throws {
        let path = Self.temporaryPath("resume")
        defer { unlink(path) }
        var configuration = EncoderTests.tinyConfiguration(mixer: "fourier")
        configuration.dropout = 0.1
        func train(_ model: SequenceClassifier, _ optimizer: AdamW, steps: Range<Int>) throws -> [Float] {
            try steps.map { step in
                var random = SeededRandom(seed: 11).derived(UInt64(step))
                model.zeroGradients()
                let loss = try model.lossAndGradients(EncoderTests.batch, labels: [1, 2], training: true, random: &random).loss
                optimizer.step(model.namedParameters, learningRate: 1e-2)
                return loss
            }
        }
        let straight = try SequenceClassifier(configuration, classes: 3, sequenceLength: 6, seed: 3)
        let straightLosses = try train(straight, try AdamW(), steps: 0..<4)

        let first = try SequenceClassifier(configuration, classes: 3, sequenceLength: 6, seed: 3)
        let firstOptimizer = try AdamW()
        var losses = try train(first, firstOptimizer, steps: 0..<2)
        try Checkpoint.save(first.namedParameters, optimizer: firstOptimizer, metadata: ["seed": "3"], to: path)
        let resumed = try SequenceClassifier(configuration, classes: 3, sequenceLength: 6, seed: 99)
        let resumedOptimizer = try AdamW()
        let metadata = try Checkpoint.load(into: resumed.namedParameters, optimizer: resumedOptimizer, from: path)
        #expect(metadata["seed"] == "3" && resumedOptimizer.stepCount == 2)
        losses += try train(resumed, resumedOptimizer, steps: 2..<4)
        #expect(losses == straightLosses)
        #expect(straight.namedParameters.map(\.parameter.value) == resumed.namedParameters.map(\.parameter.value))
        #expect(throws: MixLabError.self) { try Checkpoint.load(into: resumed.namedParameters, optimizer: try SGD(), from: path) }
    }
}

@Suite struct MaskedLanguageModelTests {
    @Test func gradientsMatchFiniteDifferencesIncludingTheTiedDecoder() throws {
        var configuration = EncoderTests.tinyConfiguration(mixer: "fourier")
        configuration.embeddingSize = 8
        let model = try MaskedLanguageModel(configuration, sequenceLength: 6, seed: 4)
        var initialisation = SeededRandom(seed: 5)
        for (name, parameter) in model.namedParameters {
            let noise = Tensor.normal(parameter.value.shape, standardDeviation: 0.3, using: &initialisation)
            parameter.value = name.hasSuffix("LayerNorm.weight") ? Tensor(shape: noise.shape, repeating: 1) + noise : noise
        }
        let labels: [Int32] = [-100, 4, -100, -100, 9, -100, 2, -100, -100, -100, -100, 7]
        var random = SeededRandom(seed: 0)
        model.zeroGradients()
        let result = try model.lossAndGradients(EncoderTests.batch, labels: labels, training: false, random: &random)
        #expect(result.counted == 4)
        var check = GradientCheck(seed: 3)
        for (name, parameter) in model.namedParameters where name.contains("word_embeddings") || name.hasPrefix("cls.") || name.contains("layer.1.output.dense") {
            let error = try check.worstError(of: parameter) {
                let copy = model.namedParameters.map { ($0.parameter.gradient) }
                defer { for (p, g) in zip(model.namedParameters, copy) { p.parameter.gradient = g } }
                var r = SeededRandom(seed: 0)
                return Double(try model.lossAndGradients(EncoderTests.batch, labels: labels, training: false, random: &r).loss)
            }
            #expect(error < 3e-2, "\(name): relative error \(error)")
        }
    }
}

extension MaskedLanguageModelTests {
    /// Training on the scored positions alone gives the loss, accuracy and gradients of the head run on
    /// every position (dropout on, the same stream), up to rounding.
    @Test func theScoredPositionsAloneGiveTheFullHeadsLossAndGradients() throws {
        var configuration = EncoderTests.tinyConfiguration(mixer: "fourier")
        configuration.embeddingSize = 8
        let labels: [Int32] = [-100, 4, -100, -100, 9, -100, 2, -100, -100, -100, -100, 7]
        var results: [CrossEntropy.Result] = []
        var gradients: [[String: Tensor]] = []
        for scoredOnly in [true, false] {
            let model = try MaskedLanguageModel(configuration, sequenceLength: 6, seed: 4)
            model.scoresOnlyLabelledPositions = scoredOnly
            var random = SeededRandom(seed: 8)
            model.zeroGradients()
            results.append(try model.lossAndGradients(EncoderTests.batch, labels: labels, training: true, random: &random))
            gradients.append(Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.name, $0.parameter.gradient) }))
        }
        #expect(abs(results[0].loss - results[1].loss) <= 1e-5 * abs(results[1].loss))
        #expect(results[0].counted == 4 && results[1].counted == 4 && results[0].correct == results[1].correct)
        for (name, full) in gradients[1] {
            let scale = max(1e-3, full.values.map { abs($0) }.max() ?? 0)
            let difference = zip(gradients[0][name]!.values, full.values).map { abs($0 - $1) }.max() ?? 0
            #expect(difference <= 1e-5 * scale, "\(name): \(difference) against gradients up to \(scale)")
        }
    }
}

@Suite struct NonFiniteGuardTests {
    @Test func namesTheStepAndTheParameter() throws {
        let good = Parameter(name: "fnet.encoder.layer.0.output.dense.weight", value: Tensor(zeros: [2]))
        let bad = Parameter(name: "fnet.encoder.layer.1.intermediate.dense.bias", value: Tensor(zeros: [3]))
        bad.gradient[2] = .nan
        #expect {
            try NonFiniteGuard.check(loss: 1, parameters: [(good.name, good), (bad.name, bad)], step: 17)
        } throws: { error in
            let e = error as! MixLabError
            return e.code == .nonFiniteValue && e.what.contains("layer.1.intermediate.dense.bias") && e.what.contains("step 17")
        }
        #expect(throws: MixLabError.self) { try NonFiniteGuard.check(loss: .infinity, parameters: [], step: 3) }
        try NonFiniteGuard.check(loss: 0.5, parameters: [(good.name, good)], step: 1)
    }
}

@Suite struct DamagedInputTests {
    @Test func aHeaderWhoseShapeOverflowsIsAnErrorNotATrap() throws {
        let path = CheckpointTests.temporaryPath("overflow")
        defer { unlink(path) }
        let header = Array(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#.utf8)
        let padded = header + Array(repeating: UInt8(0x20), count: (8 - header.count % 8) % 8)
        var file = withUnsafeBytes(of: UInt64(padded.count).littleEndian) { Array($0) }
        file += padded + Array(repeating: 0, count: 16)
        try Data(file).write(to: URL(fileURLWithPath: path))
        #expect { try SafeTensors.read(path) } throws: { ($0 as? MixLabError)?.what.contains("does not fit the data") == true }
    }

    @Test func resumingAWeightsOnlyCheckpointWithAnOptimiserIsRefused() throws {
        let path = CheckpointTests.temporaryPath("weights-only")
        defer { unlink(path) }
        let parameter = Parameter(name: "w", value: Tensor(zeros: [2]))
        try Checkpoint.save([("w", parameter)], to: path)
        #expect { try Checkpoint.load(into: [("w", parameter)], optimizer: try AdamW(), from: path) } throws: { error in
            (error as? MixLabError)?.what.contains("no optimiser state") == true
        }
        try Checkpoint.load(into: [("w", parameter)], from: path)
    }

    @Test func optimiserStateThatMatchesNoParameterIsRefused() throws {
        let path = CheckpointTests.temporaryPath("state")
        defer { unlink(path) }
        let parameter = Parameter(name: "w", value: Tensor(zeros: [2]))
        parameter.gradient = Tensor(shape: [2], repeating: 1)
        let optimizer = try AdamW()
        optimizer.step([("w", parameter)], learningRate: 0.1)
        try Checkpoint.save([("w", parameter)], optimizer: optimizer, to: path)
        var contents = try SafeTensors.read(path)
        contents.tensors["optimizer.w.exp_avg"] = Tensor(zeros: [1])
        try SafeTensors.write(contents, to: path)
        #expect { try Checkpoint.load(into: [("w", parameter)], optimizer: try AdamW(), from: path) } throws: { error in
            (error as? MixLabError)?.what.contains("optimiser state 'w.exp_avg'") == true
        }
    }

    @Test func flatBatchesAndHeadInputsAreChecked() throws {
        #expect(throws: MixLabError.self) { try TokenBatch(batchSize: 2, sequenceLength: 3, tokens: [1, 2, 3, 4, 5]) }
        #expect(throws: MixLabError.self) {
            try TokenBatch(batchSize: 1, sequenceLength: 3, tokens: [1, 2, 3], tokenTypes: [0, 1])
        }
        #expect(throws: MixLabError.self) {
            try TokenBatch(batchSize: 1, sequenceLength: 3, tokens: [1, 2, 3], paddingMask: Tensor(zeros: [3]))
        }
        var random = SeededRandom(seed: 1)
        let head = SequenceClassificationHead(hiddenSize: 4, classes: 2, pooling: .mean, random: &random)
        #expect(throws: MixLabError.self) { try head.forward(Tensor(zeros: [2, 4]), paddingMask: nil) }
        #expect(throws: MixLabError.self) { try head.forward(Tensor(zeros: [2, 3, 4]), paddingMask: Tensor(zeros: [2, 2])) }
    }
}
