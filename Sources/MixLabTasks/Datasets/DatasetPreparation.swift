import Foundation
import MixLabCore

/// Turns the extracted files of an artifact into train/validation/test splits, per the descriptor's
/// layout and `SplitRules`.
enum DatasetPreparation {
    /// The examples of every split.
    enum Content {
        /// Text examples by split.
        case text([TaskSplit: [TextRecord]])
        /// Image examples by split.
        case image([TaskSplit: ImageSet])
    }

    /// Reads and splits the dataset of `descriptor` from the artifact extracted at `root` (and, for a
    /// pre-training corpus, the prepared datasets of `cache` it requires).
    ///
    /// - Returns: the splits, and notes on what was dropped (with counts) for the manifest.
    /// - Throws: the readers' `MixLabError.ioFailure` for files that do not have the expected format.
    static func prepare(_ descriptor: DatasetDescriptor, extractedAt root: String, cache: DataCache) throws -> (content: Content, notes: [String]) {
        let classes = descriptor.classNames
        switch descriptor.layout {
        case let .orangeTab(trainPath, testPath):
            let train = try OrangeTabReader.read(
                ArtifactExtractor.contents(of: root + "/" + trainPath), fileName: fileName(trainPath), classNames: classes)
            let test = try OrangeTabReader.read(
                ArtifactExtractor.contents(of: root + "/" + testPath), fileName: fileName(testPath), classNames: classes)
            let held = SplitRules.stratifiedHoldOut(
                labels: train.records.map(\.label), digests: train.records.map { SplitRules.digest(Data($0.text.utf8)) },
                fraction: SplitRules.validationFraction)
            var notes: [String] = []
            if train.emptyDropped + test.emptyDropped > 0 {
                notes.append("dropped documents with an empty text: \(train.emptyDropped) train, \(test.emptyDropped) test")
            }
            return (.text([
                .train: zip(train.records, held).filter { !$0.1 }.map(\.0),
                .validation: zip(train.records, held).filter { $0.1 }.map(\.0),
                .test: test.records,
            ]), notes)

        case let .rottenTomatoesCSV(path):
            let read = try RottenTomatoesReader.read(
                ArtifactExtractor.contents(of: root + "/" + path), fileName: fileName(path), classNames: classes)
            var notes = ["dropped plot rows (plot summaries, not reviews): \(read.plotsDropped)"]
            if read.emptyDropped > 0 { notes.append("dropped reviews with an empty text: \(read.emptyDropped)") }
            return (.text(Dictionary(grouping: read.records) { SplitRules.groupSplit($0.source) }), notes)

        case let .polarityCSV(path):
            let read = try PolarityReader.read(ArtifactExtractor.contents(of: root + "/" + path), fileName: fileName(path))
            var notes: [String] = []
            if read.repeatsDropped > 0 { notes.append("dropped reviews whose text repeats an earlier review: \(read.repeatsDropped)") }
            if read.emptyDropped > 0 { notes.append("dropped reviews with an empty text: \(read.emptyDropped)") }
            let records = read.records
            let digests = records.map { SplitRules.digest(Data($0.text.utf8)) }
            let heldForTest = SplitRules.stratifiedHoldOut(labels: records.map(\.label), digests: digests, fraction: SplitRules.testFraction)
            let rest = records.indices.filter { !heldForTest[$0] }
            let heldForValidation = SplitRules.stratifiedHoldOut(
                labels: rest.map { records[$0].label }, digests: rest.map { digests[$0] }, fraction: SplitRules.validationFraction)
            return (.text([
                .train: zip(rest, heldForValidation).filter { !$0.1 }.map { records[$0.0] },
                .validation: zip(rest, heldForValidation).filter { $0.1 }.map { records[$0.0] },
                .test: records.indices.filter { heldForTest[$0] }.map { records[$0] },
            ]), notes)

        case let .installationGuide(directory):
            let read = try InstallationGuideReader.read(folder: root + "/" + directory, classNames: classes)
            let copies = read.englishCopies.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let notes = [
                "dropped non-English paragraphs identical to an English one (untranslated): \(copies.map(\.value).reduce(0, +)) ("
                    + copies.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")",
                "dropped paragraphs repeated within their language: \(read.repeats)",
                "dropped paragraphs whose text occurs in several languages: \(read.shared)",
            ]
            return (.text(Dictionary(grouping: read.records) {
                SplitRules.groupSplit(InstallationGuideReader.page(of: $0.source))
            }), notes)

        case let .idx(trainImages, trainLabels, testImages, testLabels):
            guard let size = descriptor.imageSize else { preconditionFailure("an IDX dataset needs an image size") }
            func read(_ images: String, _ labels: String) throws -> ImageSet {
                try IDXReader.read(
                    images: ArtifactExtractor.contents(of: root + "/" + images), imagesName: fileName(images),
                    labels: ArtifactExtractor.contents(of: root + "/" + labels), labelsName: fileName(labels),
                    classes: classes.count, size: size)
            }
            let train = try read(trainImages, trainLabels)
            let test = try read(testImages, testLabels)
            let (kept, held) = holdOut(train, fraction: SplitRules.validationFraction)
            return (.image([.train: kept, .validation: held, .test: test]), [])

        case let .pretrainingCorpus(layout):
            let (splits, notes) = try PretrainingCorpusBuilder.build(layout, classNames: classes, extractedAt: root, cache: cache)
            return (.text(splits), notes)

        case let .digitsCSV(path):
            let all = try DigitsReader.read(ArtifactExtractor.contents(of: root + "/" + path), fileName: fileName(path))
            let (rest, test) = holdOut(all, fraction: SplitRules.testFraction)
            let (train, validation) = holdOut(rest, fraction: SplitRules.validationFraction)
            return (.image([.train: train, .validation: validation, .test: test]), [])
        }
    }

    /// Splits `set` into (kept, held out) with `SplitRules.stratifiedHoldOut` on the pixel digests.
    private static func holdOut(_ set: ImageSet, fraction: Double) -> (ImageSet, ImageSet) {
        let digests = (0..<set.count).map { SplitRules.digest(set.image($0)) }
        let held = SplitRules.stratifiedHoldOut(labels: set.labels.map(Int.init), digests: digests, fraction: fraction)
        var kept = ImageSet(height: set.height, width: set.width)
        var out = ImageSet(height: set.height, width: set.width)
        for index in 0..<set.count {
            if held[index] { out.append(set.image(index), label: set.labels[index]) } else { kept.append(set.image(index), label: set.labels[index]) }
        }
        return (kept, out)
    }

    private static func fileName(_ path: String) -> String {
        (path as NSString).lastPathComponent
    }
}
