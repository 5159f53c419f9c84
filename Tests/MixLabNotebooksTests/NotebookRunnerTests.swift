import Foundation
import MixLabCore
@testable import MixLabNotebooks
import Testing

/// Runs notebooks of shell blocks in temporary folders (Swift blocks are compiled by the CI smoke run of
/// the real notebooks: a build here would compete with `swift test` for the build folder).
@Suite struct NotebookRunnerTests {
    /// A fresh folder holding `text` as `name`; returns the notebook's path.
    static func notebook(_ text: String, name: String = "n.md") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("notebook-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    static func outcome(_ mode: NotebookRunner.Mode, _ path: String) -> NotebookRunner.Outcome {
        NotebookRunner(mode: mode).run([path])[0].outcome
    }

    static let sample = """
        # Sample

        <!-- notebook: set COUNT=3 -->
        <!-- notebook: smoke COUNT=1 -->

        ```sh run
        echo "count $COUNT"
        pwd
        ```

        Prose between blocks.

        ```sh run output=markdown
        echo "| n | square |"
        echo "|---:|---:|"
        for i in $(seq 1 $COUNT); do echo "| $i | $((i * i)) |"; done
        ```

        ```bash run
        printf '<svg xmlns="http://www.w3.org/2000/svg"/>' > "$NOTEBOOK_ASSETS/dot.svg"
        echo "smoke=$NOTEBOOK_SMOKE"
        ```
        """

    @Test func writesOutputsUnderBlocksAndIsIdempotent() throws {
        let path = try Self.notebook(Self.sample)
        let folder = (path as NSString).deletingLastPathComponent
        guard case .written(changed: true) = Self.outcome(.write, path) else { Issue.record("not written"); return }
        let first = try Self.read(path)
        let resolvedFolder = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        #expect(first.contains("<!-- output -->\n```text\ncount 3\n"))
        #expect(first.contains(resolvedFolder) || first.contains(folder), "blocks run in the notebook's folder")
        #expect(first.contains("<!-- output -->\n| n | square |\n|---:|---:|\n| 1 | 1 |\n| 2 | 4 |\n| 3 | 9 |\n\n<!-- /output -->"))
        #expect(first.contains("```text\nsmoke=0\n```\n\n![dot](n.assets/dot.svg)\n<!-- /output -->"))
        #expect(FileManager.default.fileExists(atPath: folder + "/n.assets/dot.svg"))
        #expect(first.hasPrefix(Self.sample.components(separatedBy: "```sh run")[0]))
        // A second run changes nothing.
        guard case .written(changed: false) = Self.outcome(.write, path) else { Issue.record("rewritten"); return }
        #expect(try Self.read(path) == first)
        // Nothing is left behind next to the notebook but the notebook and its figures.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["n.assets", "n.md"])
    }

    @Test func aFailingBlockLeavesTheNotebookAndItsFiguresUnchanged() throws {
        let path = try Self.notebook(Self.sample)
        guard case .written = Self.outcome(.write, path) else { Issue.record("first run failed"); return }
        let folder = (path as NSString).deletingLastPathComponent
        let broken = try Self.read(path).replacingOccurrences(of: "pwd\n", with: "pwd\necho 'it broke' >&2\nfalse\n")
            .replacingOccurrences(of: "dot.svg\"", with: "other.svg\"")
        try Data(broken.utf8).write(to: URL(fileURLWithPath: path))
        guard case .failed(let error) = Self.outcome(.write, path) else { Issue.record("the failure was not reported"); return }
        #expect(error.code == .notebookBlockFailed)
        #expect(error.location == "\(path):6")
        #expect(error.what.contains("block 1") && error.what.contains("exit status 1"))
        #expect(error.fix.contains("it broke"))
        #expect(try Self.read(path) == broken)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/n.assets") == ["dot.svg"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["n.assets", "n.md"])
    }

    @Test func aBlockOutlivingItsTimeoutIsStopped() throws {
        let path = try Self.notebook("```sh run timeout=0.5\necho started\nsleep 30\n```\n")
        let started = Date()
        guard case .failed(let error) = Self.outcome(.write, path) else { Issue.record("no timeout"); return }
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(error.what.contains("timeout of 0.5 s") && error.location.hasSuffix("n.md:1"))
        #expect(error.fix.contains("started"))
        #expect(try Self.read(path) == "```sh run timeout=0.5\necho started\nsleep 30\n```\n")
    }

    /// `--check` accepts a number within the block's tolerance and reports one beyond it, with a diff;
    /// it never writes.
    @Test func checkComparesNumbersWithinTheBlocksTolerance() throws {
        let text = "<!-- notebook: set VALUE=1.04 -->\n\n```sh run rtol=0.05\necho \"time $VALUE ms\"\n```\n\n```sh run\necho fixed 7\n```\n"
        let path = try Self.notebook(text)
        guard case .written = Self.outcome(.write, path) else { Issue.record("first run failed"); return }
        let committed = try Self.read(path)
        let within = committed.replacingOccurrences(of: "```text\ntime 1.04 ms", with: "```text\ntime 1.00 ms")
        try Data(within.utf8).write(to: URL(fileURLWithPath: path))
        guard case .checked(let none) = Self.outcome(.check, path) else { Issue.record("check failed"); return }
        #expect(none.isEmpty)
        let beyond = committed.replacingOccurrences(of: "```text\ntime 1.04 ms", with: "```text\ntime 0.90 ms")
            .replacingOccurrences(of: "```text\nfixed 7\n", with: "```text\nfixed 7.0001\n")
        try Data(beyond.utf8).write(to: URL(fileURLWithPath: path))
        guard case .checked(let changes) = Self.outcome(.check, path) else { Issue.record("check failed"); return }
        #expect(changes.map(\.block.number) == [1, 2])
        #expect(changes[0].difference.contains("- time 0.90 ms\n+ time 1.04 ms"))
        #expect(changes[0].difference.contains("largest relative difference of a number: 0.135 (rtol 0.05"))
        #expect(try Self.read(path) == beyond)
    }

    @Test func smokeRunsExportTheSmokeValuesAndWriteNothing() throws {
        let text = "<!-- notebook: set COUNT=3 LABEL=full -->\n<!-- notebook: smoke COUNT=1 -->\n\n```sh run\ntest \"$COUNT\" = 1\ntest \"$LABEL\" = full\ntest \"$NOTEBOOK_SMOKE\" = 1\necho x > \"$NOTEBOOK_ASSETS/f.svg\"\n```\n"
        let path = try Self.notebook(text)
        guard case .smokePassed = Self.outcome(.smoke, path) else { Issue.record("smoke run failed"); return }
        let folder = (path as NSString).deletingLastPathComponent
        #expect(try Self.read(path) == text)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["n.md"])
        // A full run sees the full values, so the same block fails.
        guard case .failed(let error) = Self.outcome(.write, path) else { Issue.record("full values not exported"); return }
        #expect(error.code == .notebookBlockFailed)
    }

    @Test func figuresNoBlockWritesAnyMoreDisappear() throws {
        let path = try Self.notebook("```sh run\necho a > \"$NOTEBOOK_ASSETS/a.svg\"\necho b > \"$NOTEBOOK_ASSETS/b.png\"\n```\n")
        guard case .written = Self.outcome(.write, path) else { Issue.record("first run failed"); return }
        #expect(try Self.read(path).contains("![a](n.assets/a.svg)\n![b](n.assets/b.png)"))
        let only = try Self.read(path).replacingOccurrences(of: "echo b > \"$NOTEBOOK_ASSETS/b.png\"\n", with: "")
        try Data(only.utf8).write(to: URL(fileURLWithPath: path))
        guard case .written = Self.outcome(.write, path) else { Issue.record("second run failed"); return }
        let folder = (path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/n.assets") == ["a.svg"])
        #expect(!(try Self.read(path)).contains("b.png"))
    }

    @Test func everyNotebookIsReportedWhenOneIsMissing() throws {
        let path = try Self.notebook("```sh run\necho ok\n```\n")
        let reports = NotebookRunner(mode: .smoke).run(["/nonexistent/x.md", path])
        #expect(reports.map(\.isProblem) == [true, false])
        guard case .failed(let error) = reports[0].outcome else { Issue.record("missing file accepted"); return }
        #expect(error.code == .ioFailure)
        #expect(reports[0].summary.contains("error: no notebook file at /nonexistent/x.md"))
    }

    /// The scratch package: one executable per notebook depending on MixLab and the declared packages,
    /// MixLab's pins copied only when a version differs, sources left alone when unchanged.
    @Test func swiftBlocksGetAScratchPackageBesideMixLabsBuild() throws {
        let library = URL(fileURLWithPath: (try Self.notebook("", name: "Package.swift") as NSString).deletingLastPathComponent)
        let pins = #"{"originHash": "a", "pins": [{"identity": "yams", "state": {"revision": "r", "version": "6.2.2"}}], "version": 3}"#
        try Data(pins.utf8).write(to: library.appendingPathComponent("Package.resolved"))
        let example = library.appendingPathComponent("Example")
        try FileManager.default.createDirectory(at: example, withIntermediateDirectories: true)
        try Data("let package = Package(\n    name: \"ExamplePackage\",".utf8).write(to: example.appendingPathComponent("Package.swift"))
        let document = try NotebookParser.parse("```swift run\nprint(1)\n```\n", path: "nb/01-first.md")
        let program = NotebookSwiftProgram(
            document: document, absolutePath: "/x/nb/01-first.md",
            packages: [NotebookSwiftPackage(path: example.path, products: ["Example"], line: 0)])
        let build = NotebookSwiftBuild(library: library, configuration: .release, scratch: library, log: { _ in })
        try build.writePackage([program])
        let manifest = try String(contentsOf: build.packageFolder.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(manifest.contains(".package(name: \"MixLab\", path: \"\(library.path)\")"))
        #expect(manifest.contains(".package(name: \"ExamplePackage\", path: \"\(example.path)\")"))
        #expect(manifest.contains(#"name: "Notebook_01_first""#) && manifest.contains(#"path: "Sources/Notebook_01_first""#))
        #expect(manifest.contains(#".product(name: "Example", package: "ExamplePackage")"#))
        let main = build.packageFolder.appendingPathComponent("Sources/Notebook_01_first/main.swift")
        #expect(try String(contentsOf: main, encoding: .utf8) == program.mainSource)
        #expect(NotebookSwiftBuild.pinnedVersions(build.packageFolder.appendingPathComponent("Package.resolved")) == ["yams": "6.2.2"])
        #expect(build.buildArguments.suffix(6) == ["-c", "release", "-Xswiftc", "-target-cpu", "-Xswiftc", "native"])
        #expect(build.executable(program).path == library.path + "/.build/release/Notebook_01_first")
        // Unchanged sources are not rewritten (their modification time stays), so nothing recompiles.
        let written = try FileManager.default.attributesOfItem(atPath: main.path)[.modificationDate] as? Date
        Thread.sleep(forTimeInterval: 0.01)
        try build.writePackage([program])
        #expect(try FileManager.default.attributesOfItem(atPath: main.path)[.modificationDate] as? Date == written)
    }
}

@Suite struct NotebookOutputComparisonTests {
    @Test func linesAgreeWhenTheirTextMatchesAndNumbersAreWithinTolerance() {
        let loose = NotebookOutputComparison(relativeTolerance: 0.1, absoluteTolerance: 1e-6)
        #expect(loose.linesAgree("fourier   1.00 ms  [32, 512, 256]", "fourier 1.09 ms [32, 512, 256]"))
        #expect(!loose.linesAgree("fourier 1.00 ms", "fourier 1.12 ms"))
        #expect(loose.linesAgree("error 3e-7", "error 9e-7"))
        #expect(!loose.linesAgree("fourier 1.00 ms", "hartley 1.00 ms"))
        #expect(loose.linesAgree("trailing  ", "trailing") && loose.linesAgree("   9.99 ms", "  10.01 ms"))
        let exact = NotebookOutputComparison(relativeTolerance: 0, absoluteTolerance: 0)
        #expect(exact.linesAgree("x = 1.50", "x = 1.5"))
        #expect(!exact.linesAgree("x = 1.5", "x = 1.5000001"))
    }

    @Test func numbersAreReadWithSignsExponentsAndNotInsideWords() {
        typealias T = NotebookOutputComparison.Token
        #expect(NotebookOutputComparison.tokens("a=-1.5e-3, b=.25") == [T.text("a="), .number(-1.5e-3), .text(", b="), .number(0.25)])
        #expect(NotebookOutputComparison.tokens("db2 x-1") == [T.text("db"), .number(2), .text(" x-"), .number(1)])
        #expect(NotebookOutputComparison.tokens("−3 ms") == [T.number(-3), .text(" ms")])
    }

    @Test func differenceListsRemovedAndAddedLines() throws {
        let comparison = NotebookOutputComparison(relativeTolerance: 0, absoluteTolerance: 0)
        #expect(comparison.difference(committed: ["a 1", "b"], new: ["a  1", "b"]) == nil)
        let report = try #require(comparison.difference(committed: ["a 1", "b", "c"], new: ["a 2", "b", "d", "e"]))
        #expect(report == "- a 1\n+ a 2\n- c\n+ d\n+ e\nlargest relative difference of a number: 0.5 (rtol 0, atol 0)")
    }
}
