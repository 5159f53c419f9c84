import Foundation
import Testing

/// Every public or open declaration in the package's `Sources/` has a `///` doc comment.
///
/// The rule, line by line (a plain text scan, not a Swift parser):
/// - A declaration is a line that, after leading whitespace and any attributes on the same line
///   (`@inlinable public var …`), starts with `public ` or `open `.
/// - Not checked: `public extension …` (the extension's members are checked one by one) and
///   `public import …`.
/// - Attribute lines directly above a declaration (`@inlinable`, `@discardableResult`, `@Test`, …) are
///   skipped; the line above them must start with `///`. A blank line, a `//` comment or another
///   declaration there fails.
/// - Only the first line of a multi-line declaration is looked at. Attributes whose arguments span
///   several lines, and `public` at the start of a line inside a multi-line string literal, are not
///   understood: the first fails as undocumented, the second is taken for a declaration.
///
/// A failure lists `path:line: declaration` for every offender, paths relative to the package.
@Suite struct PublicDocumentationTests {
    /// The package's `Sources/` folder: `../../Sources` from this file (`Tests/MixLabCoreTests/`).
    static let sourcesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("../../Sources")
        .standardizedFileURL

    /// An undocumented declaration: its 1-based line number and its text (trimmed).
    struct Finding: Equatable, CustomStringConvertible {
        /// The 1-based line number.
        var line: Int
        /// The declaration's line, without leading and trailing whitespace.
        var declaration: String

        /// `line: declaration`.
        var description: String { "\(line): \(declaration)" }
    }

    /// `line` without leading attributes (`@name` or `@name(…)`, each followed by whitespace), trimmed.
    static func droppingAttributes(_ line: String) -> Substring {
        var rest = Substring(line.trimmingCharacters(in: .whitespaces))
        while rest.first == "@" {
            var index = rest.index(after: rest.startIndex)
            while index < rest.endIndex, rest[index].isLetter || rest[index].isNumber || rest[index] == "_" {
                index = rest.index(after: index)
            }
            if index < rest.endIndex, rest[index] == "(" {
                var depth = 0
                while index < rest.endIndex {
                    if rest[index] == "(" { depth += 1 }
                    if rest[index] == ")" { depth -= 1 }
                    index = rest.index(after: index)
                    if depth == 0 { break }
                }
            }
            rest = rest[index...].drop(while: { $0 == " " || $0 == "\t" })
        }
        return rest
    }

    /// Whether `line` (trimmed of attributes) declares something public or open that must be documented.
    static func isCheckedDeclaration(_ line: String) -> Bool {
        let rest = droppingAttributes(line)
        guard rest.hasPrefix("public ") || rest.hasPrefix("open ") else { return false }
        return !(rest.hasPrefix("public extension ") || rest.hasPrefix("public import "))
    }

    /// The checked declarations in `source` whose line above (skipping attribute lines) is not a `///` line.
    static func undocumentedDeclarations(in source: String) -> [Finding] {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var findings: [Finding] = []
        for (index, line) in lines.enumerated() where isCheckedDeclaration(line) {
            var above = index - 1
            while above >= 0, lines[above].hasPrefix("@") { above -= 1 }
            if above < 0 || !lines[above].hasPrefix("///") {
                findings.append(Finding(line: index + 1, declaration: line))
            }
        }
        return findings
    }

    /// Every `.swift` file under `folder`, sorted by path.
    static func swiftFiles(under folder: URL) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        let files = (enumerator?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "swift" }
        return files.sorted { $0.path < $1.path }
    }

    /// Scans `Sources/` and lists every public or open declaration without a `///` comment above it.
    @Test func everyPublicDeclarationHasADocComment() throws {
        let files = Self.swiftFiles(under: Self.sourcesFolder)
        try #require(!files.isEmpty, "no Swift files under \(Self.sourcesFolder.path)")
        let packageFolder = Self.sourcesFolder.deletingLastPathComponent().path + "/"
        var checked = 0
        var missing: [String] = []
        for file in files {
            let source = try String(contentsOf: file, encoding: .utf8)
            checked += source.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { Self.isCheckedDeclaration(String($0)) }.count
            let path = file.standardizedFileURL.path.replacingOccurrences(of: packageFolder, with: "")
            missing += Self.undocumentedDeclarations(in: source).map { "\(path):\($0)" }
        }
        #expect(checked > 100, "only \(checked) public declarations found: is \(Self.sourcesFolder.path) the package's Sources?")
        #expect(
            missing.isEmpty,
            "\(missing.count) public declaration(s) without a /// doc comment:\n\(missing.joined(separator: "\n"))")
    }

    /// The rule on a small sample: what is flagged, and what is skipped.
    @Test func checkerFlagsOnlyUndocumentedDeclarations() {
        let sample = """
            /// A documented type.
            public struct Sample {
                /// Documented.
                public let a: Int
                public let b: Int
                /// Documented, above an attribute.
                @inlinable
                public var c: Int { a }
                @discardableResult
                public func d() -> Int { 0 }
                // A plain comment is not documentation.
                public init() { a = 0; b = 0 }
                @inlinable public var e: Int { a }
                let internalValue = 0
                func open() {}
            }
            public extension Sample {
                /// Documented.
                open func f() {}

                open func g() {}
            }
            public import Foundation
            """
        #expect(PublicDocumentationTests.undocumentedDeclarations(in: sample) == [
            Finding(line: 5, declaration: "public let b: Int"),
            Finding(line: 10, declaration: "public func d() -> Int { 0 }"),
            Finding(line: 12, declaration: "public init() { a = 0; b = 0 }"),
            Finding(line: 13, declaration: "@inlinable public var e: Int { a }"),
            Finding(line: 21, declaration: "open func g() {}"),
        ])
    }
}
