import Foundation
import MixLabCore
@testable import MixLabTasks

/// The dataset manifests the prepared-dataset targets parse against (two classes, two examples per
/// split; 2×2 images with values up to 16), and a data cache that only names paths in errors.
enum FuzzManifests {
    /// A cache whose folder is never created: the readers fuzzed here take bytes, not files.
    static let cache = DataCache(root: "/nonexistent/mixlab-fuzz-cache")

    static let text = manifest(dataset: "fuzz-text", kind: "text", image: nil)
    static let image = manifest(dataset: "fuzz-image", kind: "image", image: #"{"height": 2, "width": 2, "maximum": 16}"#)

    /// The input cut in three at the points its first two bytes give (as fractions of the rest).
    static func threePieces(_ data: Data) -> [Data] {
        guard data.count >= 2 else { return [data, Data(), Data()] }
        let rest = data.dropFirst(2)
        let first = rest.startIndex + Int(data[data.startIndex]) * rest.count / 255
        let second = first + Int(data[data.startIndex + 1]) * (rest.endIndex - first) / 255
        return [Data(rest[..<first]), Data(rest[first..<second]), Data(rest[second...])]
    }

    private static func manifest(dataset: String, kind: String, image: String?) -> DatasetManifest {
        let json = """
            {"format": "\(DatasetManifest.currentFormat)", "dataset": "\(dataset)", "kind": "\(kind)", "classes": ["a", "b"],
             \(image.map { "\"image\": \($0)," } ?? "")
             "splits": {"train": {"count": 2, "perClass": [1, 1]}, "validation": {"count": 2, "perClass": [1, 1]},
                        "test": {"count": 2, "perClass": [1, 1]}},
             "files": [], "source": {"artifact": "fuzz", "sha256": "", "pinnedSHA256": "", "obtainedBy": "fuzz", "paths": []},
             "splitRule": "fuzz", "notes": [], "preparedAt": "2026-01-01T00:00:00Z"}
            """
        guard let manifest = try? JSONDecoder().decode(DatasetManifest.self, from: Data(json.utf8)) else {
            fatalError("the fuzz manifest does not decode: update FuzzManifests to the manifest format")
        }
        return manifest
    }
}
