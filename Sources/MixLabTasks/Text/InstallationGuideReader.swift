import Foundation
import MixLabCore

/// Reads the Debian installation guide's HTML pages into language-labelled paragraphs.
///
/// The guide has one folder per language (`ca`, `cs`, …, `zh_CN`), each holding the same HTML pages
/// (`ch02s01.html`, …). Every `<p>` paragraph (`HTMLParagraphs`) of every page is an example labelled by
/// its language, with the source `LANGUAGE/PAGE`. Then, so that a label is never ambiguous and a text is
/// never in two splits:
/// 1. a non-English paragraph identical to any English paragraph is dropped (an untranslated leftover);
/// 2. within a language, a paragraph repeated later (pages in file-name order) is dropped;
/// 3. a paragraph whose text occurs in two or more languages is dropped from all of them.
/// Pages are held out by name (`SplitRules.groupSplit(page)`), identically in every language, so no
/// translation of a test paragraph is seen in training.
enum InstallationGuideReader {
    /// What was read, with the counts each rule dropped.
    struct Result {
        /// The remaining paragraphs, in language order then page order.
        var records: [TextRecord]
        /// Per language, the paragraphs identical to an English one (rule 1).
        var englishCopies: [String: Int]
        /// Paragraphs repeated within their language (rule 2).
        var repeats: Int
        /// Paragraphs shared by several languages (rule 3).
        var shared: Int
    }

    /// The paragraphs under `folder`, labelled by the index of their folder's name in `classNames`.
    ///
    /// - Throws: `MixLabError.ioFailure` when the language folders differ from `classNames`, there is no
    ///   `en` folder, or a page is not UTF-8.
    static func read(folder: String, classNames: [String]) throws -> Result {
        func bad(_ what: String) -> MixLabError {
            MixLabError(.ioFailure, what: "\(folder) is not the expected installation guide: \(what)", location: "data preparation",
                        fix: "check that the artifact is the pinned one (its layout may have changed in another version)")
        }
        let manager = FileManager.default
        let entries = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
        let languages = entries.filter { entry in
            var isFolder: ObjCBool = false
            return manager.fileExists(atPath: folder + "/" + entry, isDirectory: &isFolder) && isFolder.boolValue
                && ((try? manager.contentsOfDirectory(atPath: folder + "/" + entry)) ?? []).contains { $0.hasSuffix(".html") }
        }.sorted()
        guard languages == classNames.sorted() else {
            throw bad("its languages are \(languages.joined(separator: " ")), expected \(classNames.sorted().joined(separator: " "))")
        }
        guard languages.contains("en") else { throw bad("it has no English (en) pages") }

        // Paragraphs per language, in page order.
        var paragraphs: [String: [(page: String, text: String)]] = [:]
        for language in languages {
            let pages = ((try? manager.contentsOfDirectory(atPath: folder + "/" + language)) ?? [])
                .filter { $0.hasSuffix(".html") }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            var list: [(page: String, text: String)] = []
            for page in pages {
                guard let data = manager.contents(atPath: "\(folder)/\(language)/\(page)"),
                      let html = String(data: data, encoding: .utf8) else { throw bad("\(language)/\(page) is not readable UTF-8") }
                list += HTMLParagraphs.extract(html).map { (page, $0) }
            }
            paragraphs[language] = list
        }

        let english = Set(paragraphs["en", default: []].map(\.text))
        var englishCopies: [String: Int] = [:]
        var repeats = 0
        var kept: [String: [(page: String, text: String)]] = [:]
        var languagesOfText: [String: Set<String>] = [:]
        for language in languages {
            var seen = Set<String>()
            var list: [(page: String, text: String)] = []
            for paragraph in paragraphs[language, default: []] {
                if language != "en" && english.contains(paragraph.text) {
                    englishCopies[language, default: 0] += 1
                } else if !seen.insert(paragraph.text).inserted {
                    repeats += 1
                } else {
                    list.append(paragraph)
                    languagesOfText[paragraph.text, default: []].insert(language)
                }
            }
            kept[language] = list
        }
        var shared = 0
        var records: [TextRecord] = []
        let classIndex = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        for language in languages {
            for paragraph in kept[language, default: []] {
                if languagesOfText[paragraph.text, default: []].count > 1 { shared += 1; continue }
                records.append(TextRecord(label: classIndex[language]!, source: "\(language)/\(paragraph.page)", text: paragraph.text))
            }
        }
        return Result(records: records, englishCopies: englishCopies, repeats: repeats, shared: shared)
    }

    /// The page of a record's source (`LANGUAGE/PAGE`), which decides its split.
    static func page(of source: String) -> String {
        source.split(separator: "/", maxSplits: 1).last.map(String.init) ?? source
    }
}
