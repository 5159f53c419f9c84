import Foundation
import MixLabCore

/// Reads a notebook's runnable blocks, their output regions and the notebook's directives.
///
/// Code fences follow CommonMark: a line of at least three backticks or tildes opens a fence (its info
/// string may not contain a backtick when the fence is of backticks), and the first later line of at
/// least as many of the same character, and nothing else, closes it. Fences may be indented (inside a
/// list item); the fence's indentation is removed from the code. A fence inside another fence is text:
/// a four-backtick block can show a runnable block without running it. An unclosed prose fence runs to
/// the end of the file; an unclosed runnable block is an error. Indented (four-space) code blocks are
/// not recognised: a fence line inside one would open a fence.
enum NotebookParser {
    /// The line that opens an output region.
    static let outputStart = "<!-- output -->"
    /// The line that closes an output region.
    static let outputEnd = "<!-- /output -->"
    /// Variable names the runner sets itself or that would break the blocks' environment.
    static let reservedNames: Set<String> = ["PATH", "HOME", "PWD", "IFS", "SHELL"]

    /// An opening code fence.
    struct Fence: Equatable {
        /// The whitespace before the fence characters.
        let indentation: String
        /// `` ` `` or `~`.
        let character: Character
        /// How many fence characters.
        let length: Int
        /// The info string, trimmed.
        let info: String
    }

    /// Reads and parses the notebook at `path`.
    ///
    /// - Throws: `MixLabError.ioFailure` when the file cannot be read; the parse errors of `parse(_:path:)`.
    static func parse(contentsOf path: String) throws -> NotebookDocument {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw MixLabError(
                .ioFailure, what: "no notebook file at \(path)", location: "mixlab notebook run",
                fix: "pass the path of a Markdown notebook, e.g. notebooks-md/02-write-your-own-mixer.md")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MixLabError(.ioFailure, what: "cannot read \(path)", location: path, fix: "check the file's permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw MixLabError(.invalidArgument, what: "\(path) is not UTF-8 text", location: path,
                              fix: "save the notebook as UTF-8")
        }
        return try parse(text, path: path)
    }

    /// Parses notebook text; `path` names the file in messages.
    ///
    /// - Throws: `MixLabError.invalidArgument` naming `path:line` for an unclosed runnable block or output
    ///   region, a runnable block in an unknown language, a bad attribute, a malformed directive, a
    ///   variable declared twice, or a smoke value for an undeclared variable.
    static func parse(_ text: String, path: String) throws -> NotebookDocument {
        // Split unicode scalars, not characters: "\r\n" is one Character in Swift. A CRLF file keeps its
        // "\r"s, which every comparison below ignores.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        func location(_ index: Int) -> String { "\(path):\(index + 1)" }
        var blocks: [NotebookBlock] = []
        var variables: [NotebookVariable] = []
        var smokeValues: [(name: String, value: String, line: Int)] = []
        var packages: [NotebookSwiftPackage] = []

        var index = 0
        while index < lines.count {
            let line = lines[index]
            if let fence = openingFence(line) {
                let closing = closingLine(of: fence, in: lines, after: index)
                let words = fence.info.words
                guard words.count >= 2, words[1] == "run" else {
                    guard let closing else { break }  // An unclosed prose fence runs to the end of the file.
                    index = closing + 1
                    continue
                }
                guard let language = NotebookBlock.Language(rawValue: words[0]) else {
                    throw MixLabError(
                        .invalidArgument, what: "no runner for '\(words[0])' blocks", location: location(index),
                        fix: "use ```sh run, ```bash run or ```swift run, or drop 'run' to keep the block as text")
                }
                guard let closing else {
                    throw MixLabError(
                        .invalidArgument, what: "the runnable block opened here is never closed", location: location(index),
                        fix: "close it with a line of \(fence.length) \(fence.character == "`" ? "backticks" : "tildes")")
                }
                let attributes = try NotebookBlockAttributes(parsing: Array(words.dropFirst(2)), location: location(index))
                let code = lines[(index + 1)..<closing].map { removing(fence.indentation, from: $0) }.joined(separator: "\n")
                let region = try outputRegion(after: closing, in: lines, indentation: fence.indentation, path: path)
                blocks.append(NotebookBlock(
                    number: blocks.count + 1, language: language, attributes: attributes, openingLine: index,
                    closingLine: closing, indentation: fence.indentation, code: code, output: region))
                index = (region?.endLine ?? closing) + 1
                continue
            }
            if line.trimmingCharacters(in: .whitespacesAndNewlines) == outputStart {
                throw MixLabError(
                    .invalidArgument, what: "an output region starts here but follows no runnable block",
                    location: location(index),
                    fix: "delete the region through its \(outputEnd) line (the runner writes regions right under their block)")
            }
            if let directive = try directive(line, location: location(index)) {
                switch directive.keyword {
                case "set":
                    for (name, value) in try assignments(directive.words, location: location(index)) {
                        if let earlier = variables.first(where: { $0.name == name }) {
                            throw MixLabError(
                                .invalidArgument, what: "the variable \(name) is declared twice", location: location(index),
                                fix: "keep one declaration (the other is at line \(earlier.line + 1))")
                        }
                        variables.append(NotebookVariable(name: name, value: value, smokeValue: nil, line: index))
                    }
                case "smoke":
                    for (name, value) in try assignments(directive.words, location: location(index)) {
                        if smokeValues.contains(where: { $0.name == name }) {
                            throw MixLabError(.invalidArgument, what: "the smoke value of \(name) is given twice",
                                              location: location(index), fix: "keep one smoke \(name)=…")
                        }
                        smokeValues.append((name, value, index))
                    }
                default:
                    packages.append(try swiftPackage(directive.words, line: index, location: location(index)))
                }
            }
            index += 1
        }
        for smoke in smokeValues {
            guard let position = variables.firstIndex(where: { $0.name == smoke.name }) else {
                throw MixLabError(
                    .invalidArgument, what: "a smoke value is given for \(smoke.name), which no 'set' directive declares",
                    location: location(smoke.line), fix: "declare its full-run value too: <!-- notebook: set \(smoke.name)=VALUE -->")
            }
            variables[position].smokeValue = smoke.value
        }
        return NotebookDocument(path: path, lines: lines, blocks: blocks, variables: variables, swiftPackages: packages)
    }

    // MARK: Fences

    /// The fence `line` opens, if it is a fence line.
    static func openingFence(_ line: String) -> Fence? {
        let content = line.drop { $0 == " " || $0 == "\t" }
        guard let character = content.first, character == "`" || character == "~" else { return nil }
        let length = content.prefix { $0 == character }.count
        guard length >= 3 else { return nil }
        let info = content.dropFirst(length).trimmingCharacters(in: .whitespacesAndNewlines)
        if character == "`", info.contains("`") { return nil }  // Inline code, not a fence.
        return Fence(indentation: String(line.prefix(line.count - content.count)), character: character,
                     length: length, info: info)
    }

    /// Whether `line` closes `fence`: at least as many of its characters and nothing else.
    static func closes(_ line: String, _ fence: Fence) -> Bool {
        let content = line.trimmingCharacters(in: .whitespacesAndNewlines)
        return content.count >= fence.length && content.allSatisfy { $0 == fence.character }
    }

    /// The index of the line closing the fence opened at `opening`, or nil when it is never closed.
    static func closingLine(of fence: Fence, in lines: [String], after opening: Int) -> Int? {
        var index = opening + 1
        while index < lines.count {
            if closes(lines[index], fence) { return index }
            index += 1
        }
        return nil
    }

    /// `line` without up to `indentation.count` leading blanks.
    static func removing(_ indentation: String, from line: String) -> String {
        var removable = indentation.count
        return String(line.drop { character in
            guard removable > 0, character == " " || character == "\t" else { return false }
            removable -= 1
            return true
        })
    }

    // MARK: Output regions

    /// The output region after the closing fence at `closing` (blank lines may separate them), if any.
    static func outputRegion(after closing: Int, in lines: [String], indentation: String, path: String) throws -> NotebookOutputRegion? {
        var start = closing + 1
        while start < lines.count, lines[start].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { start += 1 }
        guard start < lines.count, lines[start].trimmingCharacters(in: .whitespacesAndNewlines) == outputStart else { return nil }
        var index = start + 1
        while index < lines.count {
            if lines[index].trimmingCharacters(in: .whitespacesAndNewlines) == outputEnd {
                let content = lines[(start + 1)..<index].map { removing(indentation, from: $0) }
                return NotebookOutputRegion(startLine: start, endLine: index, content: content)
            }
            // The output may hold fences (a block's text output is fenced); skip them whole.
            if let fence = openingFence(lines[index]), let closing = closingLine(of: fence, in: lines, after: index) {
                index = closing + 1
                continue
            }
            index += 1
        }
        throw MixLabError(
            .invalidArgument, what: "the output region opened here is never closed", location: "\(path):\(start + 1)",
            fix: "end it with a line \(outputEnd), or delete the region (the next run writes it again)")
    }

    // MARK: Directives

    /// `<!-- notebook: KEYWORD WORDS… -->`, split; nil for any other line.
    static func directive(_ line: String, location: String) throws -> (keyword: String, words: [String])? {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("<!--") else { return nil }
        let body = trimmed.dropFirst(4).drop { $0 == " " || $0 == "\t" }
        guard body.hasPrefix("notebook:") else { return nil }
        guard body.hasSuffix("-->") else {
            throw MixLabError(
                .invalidArgument, what: "a notebook directive must open and close on one line", location: location,
                fix: "write it as <!-- notebook: set NAME=VALUE … -->")
        }
        let words = body.dropFirst("notebook:".count).dropLast(3).words
        let keywords = ["set", "smoke", "swift-package"]
        guard let keyword = words.first, keywords.contains(keyword) else {
            throw MixLabError(
                .invalidArgument, what: "'\(words.first ?? "")' is not a notebook directive", location: location,
                fix: "use one of: \(keywords.map { "<!-- notebook: \($0) … -->" }.joined(separator: ", "))")
        }
        return (keyword, Array(words.dropFirst()))
    }

    /// `NAME=VALUE` words, checked.
    static func assignments(_ words: [String], location: String) throws -> [(String, String)] {
        guard !words.isEmpty else {
            throw MixLabError(.invalidArgument, what: "the directive declares no variable", location: location,
                              fix: "write NAME=VALUE pairs, e.g. <!-- notebook: set STEPS=2000 -->")
        }
        return try words.map { word in
            guard let equals = word.firstIndex(of: "=") else {
                throw MixLabError(.invalidArgument, what: "'\(word)' is not NAME=VALUE", location: location,
                                  fix: "write NAME=VALUE with no spaces around '=', e.g. STEPS=2000")
            }
            let name = String(word[..<equals])
            let value = String(word[word.index(after: equals)...])
            guard let first = name.first, first.isASCII, first.isUppercase,
                  name.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }) else {
                throw MixLabError(
                    .invalidArgument, what: "'\(name)' is not a variable name", location: location,
                    fix: "use capital letters, digits and '_', starting with a letter, e.g. STEPS or HIDDEN_SIZE")
            }
            guard !reservedNames.contains(name), !name.hasPrefix("NOTEBOOK_") else {
                throw MixLabError(
                    .invalidArgument, what: "\(name) is reserved", location: location,
                    fix: "choose another name (the runner sets PATH and NOTEBOOK_*; HOME, PWD, IFS and SHELL belong to the shell)")
            }
            guard !value.isEmpty else {
                throw MixLabError(.invalidArgument, what: "\(name) has an empty value", location: location,
                                  fix: "give a value without spaces, e.g. \(name)=20")
            }
            return (name, value)
        }
    }

    /// `PATH PRODUCT…` of a `swift-package` directive.
    static func swiftPackage(_ words: [String], line: Int, location: String) throws -> NotebookSwiftPackage {
        guard words.count >= 2 else {
            throw MixLabError(
                .invalidArgument, what: "a swift-package directive needs a folder and at least one product", location: location,
                fix: "write <!-- notebook: swift-package ../Examples/SmoothingMixer SmoothingMixer -->")
        }
        for product in words.dropFirst() where !(product.first.map { $0.isLetter || $0 == "_" } ?? false)
            || !product.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            throw MixLabError(.invalidArgument, what: "'\(product)' is not a Swift product name", location: location,
                              fix: "name the package's library products, e.g. SmoothingMixer")
        }
        return NotebookSwiftPackage(path: words[0], products: Array(words.dropFirst()), line: line)
    }
}

extension Substring {
    /// The words of the text, split on spaces and tabs.
    fileprivate var words: [String] {
        split { $0 == " " || $0 == "\t" || $0 == "\r" }.map(String.init)
    }
}

extension String {
    /// The words of the text, split on spaces and tabs.
    fileprivate var words: [String] { self[...].words }
}
