import Foundation
import MixLabCore

/// A notebook: a Markdown file whose runnable code blocks `mixlab notebook run` executes in order,
/// writing each block's output back under it.
///
/// The format (documented for authors in `notebooks-md/README.md`):
/// - A runnable block is a fenced code block whose info string is `LANGUAGE run [key=value …]`, with
///   LANGUAGE `sh`, `bash` or `swift`; every other code block is prose. Attributes are in
///   `NotebookBlockAttributes`.
/// - Each runnable block's output sits right under it between `<!-- output -->` and `<!-- /output -->`
///   lines (`NotebookOutput`), replaced on every run.
/// - One-line directives outside code blocks declare variables (`<!-- notebook: set STEPS=2000 -->`), their
///   smoke-run values (`<!-- notebook: smoke STEPS=20 -->`) and local Swift packages the Swift blocks
///   import (`<!-- notebook: swift-package ../Examples/SmoothingMixer SmoothingMixer -->`).
struct NotebookDocument: Sendable {
    /// The path as given, for messages.
    let path: String
    /// The file's lines (split on `\n`; a final newline gives a last empty line).
    let lines: [String]
    /// The runnable blocks, in file order.
    let blocks: [NotebookBlock]
    /// The declared variables, in declaration order.
    let variables: [NotebookVariable]
    /// The local Swift packages the Swift blocks import.
    let swiftPackages: [NotebookSwiftPackage]

    /// The file's text.
    var text: String { lines.joined(separator: "\n") }

    /// Whether some block is Swift (and so needs the MixLab package to compile against).
    var hasSwiftBlocks: Bool { blocks.contains { $0.language == .swift } }

    /// `path:line` for a 0-based line index.
    func location(ofLine index: Int) -> String { "\(path):\(index + 1)" }

    /// The variables' values for a run: smoke values where declared when `smoke`, full values otherwise.
    func variableValues(smoke: Bool) -> [String: String] {
        Dictionary(uniqueKeysWithValues: variables.map { ($0.name, smoke ? ($0.smokeValue ?? $0.value) : $0.value) })
    }
}

/// A fenced code block the runner executes.
public struct NotebookBlock: Sendable, Equatable {
    /// How a block is run.
    public enum Language: String, Sendable, CaseIterable {
        /// `/bin/sh -e`.
        case sh
        /// `bash -e -o pipefail`.
        case bash
        /// Swift top-level code compiled against MixLab (all Swift blocks of a notebook share one program).
        case swift
    }

    /// The block's number among the notebook's runnable blocks, from 1.
    public let number: Int
    /// How it runs.
    public let language: Language
    /// Tolerances, output format, timeout.
    let attributes: NotebookBlockAttributes
    /// The 0-based line index of the opening fence.
    let openingLine: Int
    /// The 0-based line index of the closing fence.
    let closingLine: Int
    /// The whitespace before the opening fence (a block inside a list item is indented); the output
    /// region is written with the same indentation.
    let indentation: String
    /// The code, with the fence's indentation removed from each line.
    let code: String
    /// The output region written by an earlier run, if any.
    let output: NotebookOutputRegion?

    /// The 1-based line number of the opening fence, for messages.
    public var lineNumber: Int { openingLine + 1 }
    /// The 1-based line number of the first line of code.
    var firstCodeLineNumber: Int { openingLine + 2 }
}

/// The `<!-- output -->` … `<!-- /output -->` region under a block.
struct NotebookOutputRegion: Sendable, Equatable {
    /// The 0-based index of the `<!-- output -->` line.
    let startLine: Int
    /// The 0-based index of the `<!-- /output -->` line.
    let endLine: Int
    /// The lines between the two markers, with the block's indentation removed.
    let content: [String]
}

/// A variable declared with `<!-- notebook: set NAME=VALUE -->`, exported to every block's environment.
struct NotebookVariable: Sendable, Equatable {
    /// The name: capital letters, digits and `_`, starting with a letter.
    let name: String
    /// The value of a full run.
    let value: String
    /// The value of a smoke run (`<!-- notebook: smoke NAME=VALUE -->`), if declared.
    var smokeValue: String?
    /// The 0-based line index of the declaration.
    let line: Int
}

/// A local Swift package whose products the notebook's Swift blocks import.
struct NotebookSwiftPackage: Sendable, Equatable {
    /// The package folder, relative to the notebook's folder (or absolute).
    let path: String
    /// The library products to link, e.g. `SmoothingMixer`.
    let products: [String]
    /// The 0-based line index of the directive.
    let line: Int
}
