import Foundation
import MixLabCore

/// Writes prepared splits and their manifest into a folder (the files `DatasetManifest` documents).
enum PreparedDatasetWriter {
    /// The file name of a text split: `train.tsv`.
    static func textFile(_ split: TaskSplit) -> String { "\(split.rawValue).tsv" }
    /// The file name of an image split's pixels: `train-images.u8`.
    static func imageFile(_ split: TaskSplit) -> String { "\(split.rawValue)-images.u8" }
    /// The file name of an image split's labels: `train-labels.u8`.
    static func labelFile(_ split: TaskSplit) -> String { "\(split.rawValue)-labels.u8" }

    /// Writes `content` into `folder` (which must exist), the manifest last, each file flushed to disk.
    ///
    /// - Returns: the manifest written.
    /// - Throws: `MixLabError.ioFailure` when a file cannot be written.
    static func write(
        _ content: DatasetPreparation.Content, of descriptor: DatasetDescriptor, source: DatasetManifest.Source,
        notes: [String], into folder: String
    ) throws -> DatasetManifest {
        var files: [DatasetManifest.File] = []
        var splits: [String: DatasetManifest.SplitCounts] = [:]
        func store(_ data: Data, as name: String) throws {
            try AtomicFile.write(data, to: folder + "/" + name)
            files.append(.init(name: name, bytes: data.count, sha256: ContentDigest.hex(of: data)))
        }
        func counts(_ labels: [Int]) -> DatasetManifest.SplitCounts {
            var perClass = [Int](repeating: 0, count: descriptor.classNames.count)
            for label in labels { perClass[label] += 1 }
            return .init(count: labels.count, perClass: perClass)
        }
        var image: DatasetManifest.ImageShape?
        switch content {
        case let .text(bySplit):
            for split in TaskSplit.allCases {
                let records = bySplit[split] ?? []
                var lines = Data()
                for record in records {
                    lines.append(contentsOf: descriptor.classNames[record.label].utf8)
                    lines.append(0x09)
                    lines.append(contentsOf: record.source.utf8)
                    lines.append(0x09)
                    lines.append(contentsOf: record.text.utf8)
                    lines.append(0x0A)
                }
                try store(lines, as: textFile(split))
                splits[split.rawValue] = counts(records.map(\.label))
            }
        case let .image(bySplit):
            guard let size = descriptor.imageSize else { preconditionFailure("an image dataset needs an image size") }
            image = .init(height: size.height, width: size.width, maximum: descriptor.maximumIntensity)
            for split in TaskSplit.allCases {
                let set = bySplit[split] ?? ImageSet(height: size.height, width: size.width)
                try store(Data(set.pixels), as: imageFile(split))
                try store(Data(set.labels), as: labelFile(split))
                splits[split.rawValue] = counts(set.labels.map(Int.init))
            }
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let manifest = DatasetManifest(
            format: DatasetManifest.currentFormat, dataset: descriptor.name, kind: descriptor.kind, classes: descriptor.classNames,
            image: image, splits: splits, files: files, source: source, splitRule: descriptor.splitRule, notes: notes,
            preparedAt: formatter.string(from: Date()))
        try AtomicFile.write(FileIntegrity.sealedJSONObject(try manifest.encoded()), to: folder + "/" + DatasetManifest.fileName)
        return manifest
    }
}
