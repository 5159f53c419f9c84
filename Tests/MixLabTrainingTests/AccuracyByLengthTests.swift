import MixLabCore
import MixLabModels
import Testing

@testable import MixLabTraining

/// `AccuracyByLength`: equal-count bins at the lengths' quantiles, ties kept together, each bin's most
/// frequent label, lengths from padding masks, and refusals.
@Suite struct AccuracyByLengthTests {
    typealias Bin = AccuracyByLength.Bin

    @Test func binsSplitAtTheQuantilesOfTheLengths() throws {
        // 8 distinct lengths in 4 bins: two each, edges at the 2nd, 4th, 6th and 8th smallest.
        let lengths = [80, 10, 70, 20, 60, 30, 50, 40]
        let labels: [Int32] = [1, 0, 1, 0, 2, 2, 2, 1]
        let correct = [true, true, false, true, true, false, false, true]
        let byLength = try AccuracyByLength(lengths: lengths, labels: labels, correct: correct, binCount: 4)
        #expect(byLength.bins == [
            Bin(shortest: 10, longest: 20, examples: 2, correct: 2, mostFrequentLabelCount: 2),
            Bin(shortest: 30, longest: 40, examples: 2, correct: 1, mostFrequentLabelCount: 1),
            Bin(shortest: 50, longest: 60, examples: 2, correct: 1, mostFrequentLabelCount: 2),
            Bin(shortest: 70, longest: 80, examples: 2, correct: 1, mostFrequentLabelCount: 2),
        ])
        #expect(byLength.bins[1].accuracy == 0.5 && byLength.bins[1].mostFrequentLabelShare == 0.5 && byLength.bins[0].mostFrequentLabelShare == 1)
        // 7 lengths in 3 bins: edges at the ⌈7/3⌉ = 3rd, ⌈14/3⌉ = 5th and 7th smallest.
        let seven = try AccuracyByLength(
            lengths: [1, 2, 3, 4, 5, 6, 7], labels: Array(repeating: 0, count: 7), correct: Array(repeating: true, count: 7), binCount: 3)
        #expect(seven.bins.map(\.examples) == [3, 2, 2] && seven.bins.map(\.longest) == [3, 5, 7])
        // More bins than lengths: one bin per length.
        let few = try AccuracyByLength(lengths: [5, 9], labels: [0, 1], correct: [false, true], binCount: 10)
        #expect(few.bins == [Bin(shortest: 5, longest: 5, examples: 1, correct: 0, mostFrequentLabelCount: 1),
                             Bin(shortest: 9, longest: 9, examples: 1, correct: 1, mostFrequentLabelCount: 1)])
    }

    @Test func equalLengthsStayInOneBin() throws {
        // Truncated documents: most are at the kept length, so the upper bins merge into one.
        let lengths = [3, 5, 8, 8, 8, 8, 8, 8]
        let byLength = try AccuracyByLength(
            lengths: lengths, labels: [0, 1, 0, 0, 1, 0, 1, 0], correct: [true, false, true, true, false, true, true, true], binCount: 4)
        #expect(byLength.bins == [Bin(shortest: 3, longest: 5, examples: 2, correct: 1, mostFrequentLabelCount: 1),
                                  Bin(shortest: 8, longest: 8, examples: 6, correct: 5, mostFrequentLabelCount: 4)])
        let one = try AccuracyByLength(lengths: [4, 4, 4], labels: [2, 2, 2], correct: [true, false, false], binCount: 3)
        #expect(one.bins == [Bin(shortest: 4, longest: 4, examples: 3, correct: 1, mostFrequentLabelCount: 3)])
    }

    @Test func lengthsComeFromThePaddingMaskAndPairsTakeTheLonger() throws {
        let mask = [[1, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0]]
        let batch = try TokenBatch(tokens: [[1, 0, 0, 0], [4, 5, 6, 7], [6, 7, 8, 0], [7, 8, 0, 0]], paddingMask: mask)
        #expect(AccuracyByLength.lengths(of: batch, pairs: false) == [1, 4, 3, 2])
        // Rows 0 and 2 are pair 0, rows 1 and 3 pair 1 (neighbouring rows would give [4, 3], the shorter [1, 2]).
        #expect(AccuracyByLength.lengths(of: batch, pairs: true) == [3, 4])
        let full = try TokenBatch(tokens: [[1, 2], [3, 4]])
        #expect(AccuracyByLength.lengths(of: full, pairs: false) == [2, 2])
    }

    @Test func badInputsAreRefused() {
        #expect(throws: MixLabError.self) { try AccuracyByLength(lengths: [1, 2], labels: [0, 0], correct: [true, true], binCount: 0) }
        #expect(throws: MixLabError.self) { try AccuracyByLength(lengths: [], labels: [], correct: [], binCount: 2) }
        #expect(throws: MixLabError.self) { try AccuracyByLength(lengths: [1, 2], labels: [0, 0], correct: [true], binCount: 2) }
        #expect(throws: MixLabError.self) { try AccuracyByLength(lengths: [1, 2], labels: [0], correct: [true, true], binCount: 2) }
        #expect(throws: MixLabError.self) { try AccuracyByLength(lengths: [1, -2], labels: [0, 0], correct: [true, true], binCount: 2) }
    }
}
