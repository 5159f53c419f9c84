import MixLabCore
import MixLabModels
import Testing

@testable import MixLabTraining

/// `AccuracyByLength`: equal-count bins at the lengths' quantiles, ties kept together, lengths from
/// padding masks, and refusals.
@Suite struct AccuracyByLengthTests {
    @Test func binsSplitAtTheQuantilesOfTheLengths() throws {
        // 8 distinct lengths in 4 bins: two each, edges at the 2nd, 4th, 6th and 8th smallest.
        let lengths = [80, 10, 70, 20, 60, 30, 50, 40]
        let right = [true, true, false, true, true, false, false, true]
        let byLength = try AccuracyByLength(lengths: lengths, right: right, binCount: 4)
        #expect(byLength.bins == [
            .init(shortest: 10, longest: 20, examples: 2, correct: 2),
            .init(shortest: 30, longest: 40, examples: 2, correct: 1),
            .init(shortest: 50, longest: 60, examples: 2, correct: 1),
            .init(shortest: 70, longest: 80, examples: 2, correct: 1),
        ])
        #expect(byLength.bins[1].accuracy == 0.5)
        // 7 lengths in 3 bins: edges at the ⌈7/3⌉ = 3rd, ⌈14/3⌉ = 5th and 7th smallest.
        let seven = try AccuracyByLength(lengths: [1, 2, 3, 4, 5, 6, 7], right: Array(repeating: true, count: 7), binCount: 3)
        #expect(seven.bins.map(\.examples) == [3, 2, 2] && seven.bins.map(\.longest) == [3, 5, 7])
        // More bins than lengths: one bin per length.
        let few = try AccuracyByLength(lengths: [5, 9], right: [false, true], binCount: 10)
        #expect(few.bins == [.init(shortest: 5, longest: 5, examples: 1, correct: 0), .init(shortest: 9, longest: 9, examples: 1, correct: 1)])
    }

    @Test func equalLengthsStayInOneBin() throws {
        // Truncated documents: most are at the maximum length, so the upper bins merge into one.
        let lengths = [3, 5, 8, 8, 8, 8, 8, 8]
        let byLength = try AccuracyByLength(lengths: lengths, right: [true, false, true, true, false, true, true, true], binCount: 4)
        #expect(byLength.bins == [.init(shortest: 3, longest: 5, examples: 2, correct: 1), .init(shortest: 8, longest: 8, examples: 6, correct: 5)])
        let one = try AccuracyByLength(lengths: [4, 4, 4], right: [true, false, false], binCount: 3)
        #expect(one.bins == [.init(shortest: 4, longest: 4, examples: 3, correct: 1)])
    }

    @Test func lengthsComeFromThePaddingMaskAndPairsTakeTheLonger() throws {
        let mask = [[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 1]]
        let batch = try TokenBatch(tokens: [[1, 2, 3, 0], [4, 5, 0, 0], [6, 0, 0, 0], [7, 8, 9, 1]], paddingMask: mask)
        #expect(AccuracyByLength.lengths(of: batch, pairs: false) == [3, 2, 1, 4])
        // Rows 0 and 2 are pair 0, rows 1 and 3 pair 1.
        #expect(AccuracyByLength.lengths(of: batch, pairs: true) == [3, 4])
        let full = try TokenBatch(tokens: [[1, 2], [3, 4]])
        #expect(AccuracyByLength.lengths(of: full, pairs: false) == [2, 2])
    }

    @Test func badInputsAreRefused() {
        #expect(throws: MixLabError.self) { try AccuracyByLength(lengths: [1, 2], right: [true, true], binCount: 0) }
        #expect(throws: MixLabError.self) { try AccuracyByLength(lengths: [], right: [], binCount: 2) }
        #expect(throws: MixLabError.self) { try AccuracyByLength(lengths: [1, 2], right: [true], binCount: 2) }
        #expect(throws: MixLabError.self) { try AccuracyByLength(lengths: [1, -2], right: [true, true], binCount: 2) }
    }
}
