import Foundation
import MixLabCore

/// Reads the IDX files of MNIST-style datasets (LeCun et al.; Fashion-MNIST uses the same format).
///
/// An IDX file is a big-endian header — the magic number (0x00000803 for a 3-D uint8 array of images,
/// 0x00000801 for a 1-D uint8 array of labels), then one 32-bit size per dimension — followed by the
/// raw uint8 values. The image and label files of a split must agree on the count, and the file length
/// must be exactly header + values.
enum IDXReader {
    /// The images of `images` with the labels of `labels`.
    ///
    /// - Parameters:
    ///   - classes: labels must be below this.
    ///   - size: the expected image height and width.
    /// - Throws: `MixLabError.ioFailure` naming the file for a wrong magic number, size, count or label.
    static func read(images: Data, imagesName: String, labels: Data, labelsName: String, classes: Int,
                     size: (height: Int, width: Int)) throws -> ImageSet {
        func bad(_ file: String, _ what: String) -> MixLabError {
            MixLabError(.ioFailure, what: "\(file) is not the expected IDX file: \(what)", location: "data preparation",
                        fix: "check that the artifact is the pinned one (its files may be damaged or of another dataset)")
        }
        func word(_ data: Data, _ index: Int) -> Int {
            data.withUnsafeBytes { Int(UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self))) }
        }
        guard images.count >= 16 else { throw bad(imagesName, "only \(images.count) bytes") }
        guard labels.count >= 8 else { throw bad(labelsName, "only \(labels.count) bytes") }
        guard word(images, 0) == 0x803 else { throw bad(imagesName, String(format: "magic number 0x%08x, expected 0x00000803", word(images, 0))) }
        guard word(labels, 0) == 0x801 else { throw bad(labelsName, String(format: "magic number 0x%08x, expected 0x00000801", word(labels, 0))) }
        let count = word(images, 1)
        let (rows, columns) = (word(images, 2), word(images, 3))
        guard rows == size.height, columns == size.width else {
            throw bad(imagesName, "images are \(rows)×\(columns), expected \(size.height)×\(size.width)")
        }
        guard word(labels, 1) == count else { throw bad(labelsName, "it holds \(word(labels, 1)) labels for \(count) images") }
        guard images.count == 16 + count * rows * columns else {
            throw bad(imagesName, "\(images.count) bytes, expected \(16 + count * rows * columns) for \(count) images (truncated?)")
        }
        guard labels.count == 8 + count else { throw bad(labelsName, "\(labels.count) bytes, expected \(8 + count)") }
        let labelValues = [UInt8](labels.dropFirst(8))
        if let index = labelValues.firstIndex(where: { Int($0) >= classes }) {
            throw bad(labelsName, "label \(labelValues[index]) of image \(index) is not below \(classes)")
        }
        return ImageSet(height: rows, width: columns, pixels: [UInt8](images.dropFirst(16)), labels: labelValues)
    }
}
