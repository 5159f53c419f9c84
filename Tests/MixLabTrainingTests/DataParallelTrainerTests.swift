import Foundation
import MixLabCore
import MixLabDistributed
import MixLabKernels
import Testing

import MixLabTasks
@testable import MixLabTraining

/// Data-parallel training with ranks as threads (`ThreadGroup`): N ranks with a global batch B train
/// like one process with batch B, up to float rounding (the summation order differs). The tolerance:
/// every step's loss within 2e-4 (relative) and every final weight within 2e-3 + 2e-3·|w| of the single
/// process — observed differences are near 1e-6; a wrong weighting (plain average of uneven shards) or
/// a shard that is read twice moves losses by 1e-2 and more.
@Suite(.serialized) struct DataParallelTrainerTests {
    typealias Support = TrainerTestSupport

    /// Trains `task` on `ranks` threads; returns rank 0's trainer, the record and the per-step losses.
    static func train(
        _ task: any LearningTask, ranks: Int, settings: [String: String] = [:], rankSettings: [Int: [String: String]] = [:],
        folder: String? = nil, crashAfter: Int? = nil
    ) throws -> (trainer: Trainer, record: RunRecord, losses: [Int: Float]) {
        let group = ThreadGroup(size: ranks)
        let results = Results(count: ranks)
        // One thread per rank (a dispatch queue may run fewer at once than there are ranks, which would deadlock).
        let finished = DispatchGroup()
        for rank in 0..<ranks {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                do {
                    let log = Support.LossLog()
                    let configuration = try Support.configuration(task, settings.merging(rankSettings[rank] ?? [:]) { $1 })
                    let trainer = try Trainer(
                        configuration: configuration, task: task, directory: folder,
                        observer: Support.observer(log, crashAfter: rank == 0 ? crashAfter : nil),
                        communicator: group.communicator(rank: rank))
                    let record = try trainer.run()
                    results.set(rank, .success((trainer, record, log.losses)))
                } catch {
                    results.set(rank, .failure(error))
                    group.fail()
                }
            }
        }
        finished.wait()
        // A rank's own error first (the others only report that it stopped them).
        if let error = results.errors.first(where: { ($0 as? MixLabError)?.what != ThreadGroup.stopped.what }) ?? results.errors.first {
            throw error
        }
        return try results.values[0]!.get()
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Result<(Trainer, RunRecord, [Int: Float]), Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ rank: Int, _ value: Result<(Trainer, RunRecord, [Int: Float]), Error>) {
            lock.lock()
            values[rank] = value
            lock.unlock()
        }
        var errors: [Error] {
            values.compactMap { if case .failure(let error)? = $0 { return error } else { return nil } }
        }
    }

    static func expectClose(_ parallel: (trainer: Trainer, record: RunRecord, losses: [Int: Float]),
                            _ single: (trainer: Trainer, record: RunRecord, losses: [Int: Float])) {
        #expect(parallel.losses.keys.sorted() == single.losses.keys.sorted())
        for (step, loss) in single.losses {
            let other = parallel.losses[step]!
            #expect(abs(other - loss) <= 2e-4 * max(1, abs(loss)), "step \(step): \(other) vs \(loss)")
        }
        let weights = Dictionary(uniqueKeysWithValues: single.trainer.parameters.map { ($0.name, $0.parameter.value.values) })
        for (name, parameter) in parallel.trainer.parameters {
            let reference = weights[name]!
            let worst = zip(parameter.value.values, reference).map { abs($0 - $1) - 2e-3 * abs($1) }.max() ?? 0
            #expect(worst <= 2e-3, "\(name): off by \(worst) beyond the relative part")
        }
        #expect(abs(parallel.record.test!.loss - single.record.test!.loss) <= 1e-3 * max(1, single.record.test!.loss))
        #expect(parallel.record.test!.count == single.record.test!.count)
    }

    /// Sequence, token (some positions unscored), MLM (resampled masks, scored counts that vary per
    /// example) and pair tasks: 3 ranks with shards 3, 3, 4 of a batch of 10, and 2 ranks of 5, against one process.
    @Test(arguments: LearnableTestTask.Kind.allCases) func unevenShardsTrainLikeOneProcess(kind: LearnableTestTask.Kind) throws {
        let task = LearnableTestTask(kind, train: 80, validation: 30, test: 30)
        let settings = ["batch": "10", "steps": "10", "eval-every": "5"]
        let single = try Self.train(task, ranks: 1, settings: settings)
        #expect(single.record.dataParallelism == nil)
        for ranks in [2, 3] {
            let parallel = try Self.train(task, ranks: ranks, settings: settings)
            Self.expectClose(parallel, single)
            #expect(parallel.record.dataParallelism?.ranks == ranks)
            #expect(parallel.record.dataParallelism?.gradientValues == single.record.parameterCount + 2)
        }
    }

    /// Only rank 0 writes the run folder; a run of 3 ranks that stops after step 6 (its checkpoint is
    /// from step 4) resumes in one process and ends as an uninterrupted single-process run does.
    @Test func rankZeroWritesAndTheCheckpointResumesInOneProcess() throws {
        let task = LearnableTestTask(.tokenClass, train: 80, validation: 30, test: 30)
        let folder = Support.temporaryFolder("data-parallel")
        defer { Support.remove(folder) }
        let settings = ["batch": "10", "steps": "12"]
        let single = try Self.train(task, ranks: 1, settings: settings)
        #expect(throws: Support.SimulatedCrash.self) { try Self.train(task, ranks: 3, settings: settings, folder: folder, crashAfter: 6) }
        #expect(FileManager.default.fileExists(atPath: folder + "/checkpoint-last.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/run.json"))
        let log = Support.LossLog()
        let resumed = try Trainer(
            configuration: try Support.configuration(task, settings), task: task, directory: folder, observer: Support.observer(log))
        let record = try resumed.run()
        #expect(log.resumedFrom == 4)
        #expect(record.resumedAtSteps == [4])
        #expect(record.dataParallelism == nil)
        Self.expectClose((resumed, record, single.losses.filter { $0.key <= 4 }.merging(log.losses) { $1 }), single)
    }

    @Test func ranksWithOtherSettingsStopWithAClearError() {
        let task = LearnableTestTask(.marker, train: 80, validation: 30, test: 30)
        do {
            _ = try Self.train(task, ranks: 2, settings: ["batch": "10"], rankSettings: [1: ["lr": "5e-3"]])
            Issue.record("ranks with different learning rates were accepted")
        } catch let error as MixLabError {
            #expect(error.what.contains("rank 1 of 2 disagrees with rank 0: lr: rank 0 has 0.01, this rank 0.005"))
            #expect(error.fix.contains("same command line"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func moreRanksThanTheBatchIsAClearError() {
        let task = LearnableTestTask(.marker, train: 80, validation: 30, test: 30)
        do {
            _ = try Self.train(task, ranks: 5, settings: ["batch": "4"])
            Issue.record("5 ranks for a batch of 4 were accepted")
        } catch let error as MixLabError {
            #expect(error.what.contains("5 ranks are more than the global batch of 4"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
