@testable import MixLabCommandLine
import Testing

@Suite struct NotebookCommandTests {
    @Test func commandRejectsCheckWithSmoke() {
        #expect(throws: (any Error).self) { try NotebookRunCommand.parse(["--check", "--smoke", "n.md"]) }
        #expect(throws: (any Error).self) { try NotebookRunCommand.parse([]) }
    }
}
