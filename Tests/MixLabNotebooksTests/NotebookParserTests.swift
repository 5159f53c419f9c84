import Foundation
import MixLabCore
@testable import MixLabNotebooks
import Testing

@Suite struct NotebookParserTests {
    @Test func findsRunnableBlocksWithTheirAttributesAndLeavesOtherCodeAsProse() throws {
        let text = """
            # Title
            ```swift
            let notRun = 1
            ```
            ```sh run rtol=0.05 atol=1e-6 output=markdown timeout=30
            echo hi
            ```
            ~~~bash run
            echo tilde
            ~~~
            ```python
            print("prose")
            ```
            """
        let document = try NotebookParser.parse(text, path: "n.md")
        #expect(document.blocks.count == 2)
        let first = document.blocks[0]
        #expect(first.number == 1 && first.language == .sh && first.lineNumber == 5 && first.code == "echo hi")
        #expect(first.attributes.relativeTolerance == 0.05 && first.attributes.absoluteTolerance == 1e-6)
        #expect(first.attributes.output == .markdown && first.attributes.timeout == 30)
        let second = document.blocks[1]
        #expect(second.language == .bash && second.code == "echo tilde" && second.attributes == NotebookBlockAttributes())
        #expect(document.text == text)
    }

    /// A runnable block shown inside a longer fence is text; a block in a list item keeps its
    /// indentation out of the code; an inline ``` span is not a fence.
    @Test func nestedAndIndentedFences() throws {
        let text = """
            ````markdown
            ```sh run
            echo never
            ```
            ````
            Inline ```sh run``` is not a fence.

            1. A step:

               ```sh run
               echo one
                 echo indented
               ```
            """
        let document = try NotebookParser.parse(text, path: "n.md")
        #expect(document.blocks.count == 1)
        let block = try #require(document.blocks.first)
        #expect(block.indentation == "   " && block.lineNumber == 10)
        #expect(block.code == "echo one\n  echo indented")
    }

    /// Text output holding fence characters is fenced with a longer fence, and parsing the region back
    /// skips over it, so the region's end marker is found after it.
    @Test func outputRegionsHoldingFencesRoundTrip() throws {
        let text = """
            ```sh run
            printf '```\\n<!-- /output -->\\n```\\n'
            ```
            After.
            """
        let document = try NotebookParser.parse(text, path: "n.md")
        let output = NotebookOutput(text: "```\n<!-- /output -->\n```", format: .text, images: [])
        #expect(output.regionContent.first == "````text")
        let written = document.replacingOutputs([1: output])
        let reread = try NotebookParser.parse(written, path: "n.md")
        let region = try #require(reread.blocks.first?.output)
        #expect(region.content == output.regionContent)
        #expect(written.hasSuffix("<!-- /output -->\nAfter."))
        #expect(reread.replacingOutputs([1: output]) == written)
    }

    @Test func outputRegionsAreIndentedLikeTheirBlockAndReplacedInPlace() throws {
        let text = "- item\n\n  ```sh run\n  echo a\n  ```\n\n  <!-- output -->\n  ```text\n  old\n  ```\n  <!-- /output -->\n\nEnd.\n"
        let document = try NotebookParser.parse(text, path: "n.md")
        let region = try #require(document.blocks.first?.output)
        #expect(region.content == ["```text", "old", "```"])
        let written = document.replacingOutputs([1: NotebookOutput(text: "new", format: .text, images: ["n.assets/a.svg"])])
        #expect(written == "- item\n\n  ```sh run\n  echo a\n  ```\n\n  <!-- output -->\n  ```text\n  new\n  ```\n\n  ![a](n.assets/a.svg)\n  <!-- /output -->\n\nEnd.\n")
        // An empty output removes the region and the blank line before it.
        let emptied = document.replacingOutputs([1: NotebookOutput(text: "", format: .text, images: [])])
        #expect(emptied == "- item\n\n  ```sh run\n  echo a\n  ```\n\nEnd.\n")
    }

    @Test func windowsLineEndingsAreRead() throws {
        let text = "<!-- notebook: set A=1 -->\r\n```sh run rtol=0.1\r\necho\r\n```\r\n\r\n<!-- output -->\r\n```text\r\nx\r\n```\r\n<!-- /output -->\r\n"
        let document = try NotebookParser.parse(text, path: "n.md")
        #expect(document.variables.map(\.value) == ["1"])
        #expect(document.blocks.first?.attributes.relativeTolerance == 0.1)
        #expect(document.blocks.first?.output?.startLine == 5)
        #expect(document.text == text)
    }

    @Test func markdownOutputIsInsertedRawWithABlankLineBeforeTheEndMarker() throws {
        let output = NotebookOutput(text: "| a |\n|---|\n| 1 |", format: .markdown, images: [])
        #expect(output.regionContent == ["| a |", "|---|", "| 1 |", ""])
        #expect(NotebookOutput(text: "x", format: .none, images: []).regionContent.isEmpty)
    }

    @Test func normalisationDropsColoursProgressAndTrailingBlanks() {
        let raw = Data("\n\u{1B}[1;32mgreen\u{1B}[0m  \n10%\r50%\r100%\nline\r\n\n\n".utf8)
        #expect(NotebookOutput.normalised(raw) == "green\n100%\nline")
    }

    @Test func directivesDeclareVariablesSmokeValuesAndPackages() throws {
        let text = """
            <!-- notebook: set STEPS=2000 SHAPE=32,512,256 -->
            <!-- notebook: smoke STEPS=20 -->
            <!-- notebook: swift-package ../Examples/SmoothingMixer SmoothingMixer -->
            <!-- an ordinary comment -->
            ```text
            <!-- notebook: set IGNORED=1 -->
            ```
            """
        let document = try NotebookParser.parse(text, path: "n.md")
        #expect(document.variables.map(\.name) == ["STEPS", "SHAPE"])
        #expect(document.variableValues(smoke: false) == ["STEPS": "2000", "SHAPE": "32,512,256"])
        #expect(document.variableValues(smoke: true) == ["STEPS": "20", "SHAPE": "32,512,256"])
        #expect(document.swiftPackages == [NotebookSwiftPackage(path: "../Examples/SmoothingMixer", products: ["SmoothingMixer"], line: 2)])
    }

    /// Every malformed input is a MixLabError naming the file and the line.
    @Test(arguments: [
        ("```sh run colour=red\necho\n```", 1, "unknown block attribute"),
        ("```sh run rtol=-1\necho\n```", 1, "rtol"),
        ("```sh run rtol=0.1 rtol=0.2\necho\n```", 1, "twice"),
        ("```sh run fast\necho\n```", 1, "key=value"),
        ("\n```python run\nprint(1)\n```", 2, "no runner"),
        ("```sh run\necho", 1, "never closed"),
        ("```sh run\necho\n```\n<!-- output -->\n```text\nx\n```", 4, "never closed"),
        ("text\n<!-- output -->\nx\n<!-- /output -->", 2, "follows no runnable block"),
        ("<!-- notebook: set steps=1 -->", 1, "not a variable name"),
        ("<!-- notebook: set STEPS -->", 1, "not NAME=VALUE"),
        ("<!-- notebook: set STEPS= -->", 1, "empty value"),
        ("<!-- notebook: set PATH=/tmp -->", 1, "reserved"),
        ("<!-- notebook: set A=1 -->\n<!-- notebook: set A=2 -->", 2, "declared twice"),
        ("<!-- notebook: smoke A=1 -->", 1, "no 'set' directive"),
        ("<!-- notebook: set A=1\n-->", 1, "one line"),
        ("<!-- notebook: sett A=1 -->", 1, "not a notebook directive"),
        ("<!-- notebook: swift-package ../Example -->", 1, "needs a folder"),
    ])
    func badInputNamesFileAndLine(text: String, line: Int, message: String) {
        do {
            _ = try NotebookParser.parse(text, path: "bad.md")
            Issue.record("accepted: \(text)")
        } catch let error as MixLabError {
            #expect(error.location == "bad.md:\(line)", "\(error)")
            #expect(error.description.contains(message), "\(error)")
            #expect(!error.fix.isEmpty)
        } catch {
            Issue.record("not a MixLabError: \(error)")
        }
    }

    @Test func aMissingNotebookIsAnIOError() {
        #expect {
            try NotebookParser.parse(contentsOf: "/nonexistent/notebook.md")
        } throws: { error in
            guard let error = error as? MixLabError else { return false }
            return error.code == .ioFailure && error.what.contains("/nonexistent/notebook.md")
        }
    }

    /// The generated program: a marker call before each Swift block, `#sourceLocation` pointing at the
    /// notebook's lines, and shell blocks left out.
    @Test func swiftBlocksBecomeOneProgramWithSourceLocations() throws {
        let text = "```swift run\nlet x = 1\n```\n\n```sh run\necho\n```\n\n```swift run\nprint(x)\n```\n"
        let document = try NotebookParser.parse(text, path: "notebooks-md/01-a b.md")
        let program = NotebookSwiftProgram(document: document, absolutePath: "/r/notebooks-md/01-a b.md", packages: [])
        #expect(program.targetName == "Notebook_01_a_b")
        let expected = """
            NotebookRunnerLink.begin(block: 1)
            #sourceLocation(file: "/r/notebooks-md/01-a b.md", line: 2)
            let x = 1
            #sourceLocation()
            NotebookRunnerLink.begin(block: 3)
            #sourceLocation(file: "/r/notebooks-md/01-a b.md", line: 10)
            print(x)
            #sourceLocation()
            NotebookRunnerLink.end()

            """
        #expect(program.mainSource.hasSuffix(expected), "\(program.mainSource)")
    }
}
