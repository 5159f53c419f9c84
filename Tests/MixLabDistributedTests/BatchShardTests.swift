import MixLabCore
import Testing

@testable import MixLabDistributed

@Suite struct BatchShardTests {
    /// For every batch up to 40 and every rank count up to the batch, the shards tile 0..<B in rank
    /// order, and their sizes differ by at most one.
    @Test func shardsTileTheBatchInOrder() throws {
        for batch in 1...40 {
            for ranks in 1...batch {
                let shards = try (0..<ranks).map { try BatchShard(rank: $0, ranks: ranks, batch: batch) }
                #expect(shards.first!.start == 0)
                #expect(shards.last!.end == batch)
                for (left, right) in zip(shards, shards.dropFirst()) { #expect(left.end == right.start) }
                let sizes = shards.map(\.count)
                #expect(sizes.min()! >= 1)
                #expect(sizes.max()! - sizes.min()! <= 1)
            }
        }
    }

    @Test func unevenShardsOfTenOverThree() throws {
        let rows = try (0..<3).map { try BatchShard(rank: $0, ranks: 3, batch: 10).rows }
        #expect(rows == [0..<3, 3..<6, 6..<10])
    }

    /// The trainer's weighting: per-shard means weighted by their counts, summed and divided by the total
    /// count, give the mean over the whole batch (here of per-example values with uneven shards).
    @Test func countWeightedMeansGiveTheGlobalMean() throws {
        let values: [Double] = (0..<11).map { Double($0 * $0) - 7.5 }
        let globalMean = values.reduce(0, +) / Double(values.count)
        for ranks in 1...11 {
            var weightedSum = 0.0, total = 0.0
            for rank in 0..<ranks {
                let shard = try BatchShard(rank: rank, ranks: ranks, batch: values.count)
                let part = values[shard.rows]
                let mean = part.reduce(0, +) / Double(part.count)
                weightedSum += Double(shard.count) * mean
                total += Double(shard.count)
            }
            #expect(abs(weightedSum / total - globalMean) < 1e-12)
        }
    }

    @Test func moreRanksThanRowsIsAClearError() {
        do {
            _ = try BatchShard(rank: 0, ranks: 5, batch: 4)
            Issue.record("5 ranks for a batch of 4 were accepted")
        } catch let error as MixLabError {
            #expect(error.what.contains("5 ranks are more than the global batch of 4"))
            #expect(error.fix.contains("mpirun -np 4"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(throws: MixLabError.self) { try BatchShard(rank: 3, ranks: 3, batch: 9) }
        #expect(throws: MixLabError.self) { try BatchShard(rank: 0, ranks: 0, batch: 9) }
    }
}
