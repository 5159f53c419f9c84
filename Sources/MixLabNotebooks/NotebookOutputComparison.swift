import Foundation

/// Compares a block's committed output with a new run's, numbers within the block's tolerances.
///
/// Each line is read as text and numbers (`-1.5`, `2e-7`, `.5`). Two lines agree when their text is the
/// same — runs of spaces and tabs count as one space, leading and trailing blanks are ignored, so a
/// re-aligned table column does not count as a change — and their numbers agree pairwise:
/// `|a − b| ≤ max(atol, rtol·max(|a|, |b|))`. A sign belongs to a number when no letter or digit precedes
/// it (`x-1` is text and 1; `(-1)` is −1).
struct NotebookOutputComparison: Sendable {
    /// One piece of a line.
    enum Token: Equatable {
        case text(String)
        case number(Double)
    }

    /// Relative tolerance.
    let relativeTolerance: Double
    /// Absolute tolerance.
    let absoluteTolerance: Double
    /// The most changed lines a report shows.
    let maximumShownLines = 24

    /// The comparison a block's attributes declare.
    init(_ attributes: NotebookBlockAttributes) {
        relativeTolerance = attributes.relativeTolerance
        absoluteTolerance = attributes.absoluteTolerance
    }

    /// A comparison with explicit tolerances.
    init(relativeTolerance: Double, absoluteTolerance: Double) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// Whether `a` and `b` agree within the tolerances.
    func numbersAgree(_ a: Double, _ b: Double) -> Bool {
        a == b || abs(a - b) <= max(absoluteTolerance, relativeTolerance * max(abs(a), abs(b)))
    }

    /// The text and numbers of `line`.
    static func tokens(_ line: String) -> [Token] {
        var tokens: [Token] = []
        var text = ""
        let characters = Array(line)
        var index = 0
        func flushText() {
            if !text.isEmpty { tokens.append(.text(text)) }
            text = ""
        }
        while index < characters.count {
            let character = characters[index]
            if character == " " || character == "\t" {
                while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 }
                // Leading and trailing blanks are dropped: right-aligned columns move when a number grows.
                if index < characters.count, !text.isEmpty || !tokens.isEmpty { text.append(" ") }
                continue
            }
            let previous = index > 0 ? characters[index - 1] : " "
            if let (value, length) = number(at: index, in: characters) {
                let signed = characters[index] == "-" || characters[index] == "+" || characters[index] == "−"
                if !signed || !(previous.isLetter || previous.isNumber || previous == "." || previous == ")") {
                    flushText()
                    tokens.append(.number(value))
                    index += length
                    continue
                }
            }
            text.append(character)
            index += 1
        }
        flushText()
        return tokens
    }

    /// The number starting at `start`, with its length in characters.
    private static func number(at start: Int, in characters: [Character]) -> (Double, Int)? {
        var index = start
        var literal = ""
        if index < characters.count, "+-−".contains(characters[index]) {
            literal.append(characters[index] == "−" ? "-" : characters[index])
            index += 1
        }
        let digitsStart = index
        while index < characters.count, characters[index].isASCII, characters[index].isNumber { literal.append(characters[index]); index += 1 }
        var digits = index - digitsStart
        if index < characters.count, characters[index] == "." {
            var fraction = index + 1
            while fraction < characters.count, characters[fraction].isASCII, characters[fraction].isNumber { fraction += 1 }
            if fraction > index + 1 || digits > 0 {
                literal.append(contentsOf: characters[index..<fraction])
                digits += fraction - index - 1
                index = fraction
            }
        }
        guard digits > 0 else { return nil }
        if index < characters.count, characters[index] == "e" || characters[index] == "E" {
            var exponent = index + 1
            if exponent < characters.count, characters[exponent] == "-" || characters[exponent] == "+" { exponent += 1 }
            let exponentDigits = exponent
            while exponent < characters.count, characters[exponent].isASCII, characters[exponent].isNumber { exponent += 1 }
            if exponent > exponentDigits {
                literal.append(contentsOf: characters[index..<exponent])
                index = exponent
            }
        }
        guard let value = Double(literal) else { return nil }
        return (value, index - start)
    }

    /// Whether two lines have the same text around their numbers.
    func sameText(_ a: [Token], _ b: [Token]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { pair in
            switch pair {
            case (.text(let x), .text(let y)): return x == y
            case (.number, .number): return true
            default: return false
            }
        }
    }

    /// Whether two lines agree: same text, numbers within tolerance.
    func linesAgree(_ a: String, _ b: String) -> Bool {
        tokensAgree(Self.tokens(a), Self.tokens(b))
    }

    /// Whether two tokenised lines agree.
    func tokensAgree(_ x: [Token], _ y: [Token]) -> Bool {
        guard sameText(x, y) else { return false }
        return zip(x, y).allSatisfy { pair in
            if case (.number(let p), .number(let q)) = pair { return numbersAgree(p, q) }
            return true
        }
    }

    /// The largest relative difference between the numbers of two lines with the same text.
    func largestRelativeDifference(_ a: String, _ b: String) -> Double? {
        let (x, y) = (Self.tokens(a), Self.tokens(b))
        guard sameText(x, y) else { return nil }
        return zip(x, y).compactMap { pair -> Double? in
            guard case (.number(let p), .number(let q)) = pair, p != q else { return nil }
            return abs(p - q) / max(abs(p), abs(q))
        }.max()
    }

    /// nil when every line agrees; otherwise a short report: changed lines as `- committed` / `+ new`,
    /// and the largest relative difference of numbers on lines whose text is unchanged.
    func difference(committed: [String], new: [String]) -> String? {
        let (x, y) = (committed.map(Self.tokens), new.map(Self.tokens))
        let operations = Self.alignment(committed, new) { tokensAgree(x[$0], y[$1]) }
        guard operations.contains(where: { if case .same = $0 { return false } else { return true } }) else { return nil }
        var shown: [String] = []
        var hidden = 0
        var largest: Double?
        var removed: [String] = []
        for operation in operations + [.same] {
            switch operation {
            case .removed(let line):
                removed.append(line)
                if shown.count < maximumShownLines { shown.append("- " + line) } else { hidden += 1 }
            case .added(let line):
                if let old = removed.first {
                    removed.removeFirst()
                    if let difference = largestRelativeDifference(old, line) { largest = max(largest ?? 0, difference) }
                }
                if shown.count < maximumShownLines { shown.append("+ " + line) } else { hidden += 1 }
            case .same:
                removed = []
            }
        }
        if hidden > 0 { shown.append("… \(hidden) more changed line(s)") }
        if let largest {
            shown.append(String(format: "largest relative difference of a number: %.3g (rtol %g, atol %g)",
                                largest, relativeTolerance, absoluteTolerance))
        }
        return shown.joined(separator: "\n")
    }

    /// One step of a line alignment.
    enum Operation: Equatable {
        case same
        case removed(String)
        case added(String)
    }

    /// A longest-common-subsequence alignment of two line lists (positional beyond 4 million pairs).
    /// `agree(i, j)` tells whether `a[i]` and `b[j]` agree.
    static func alignment(_ a: [String], _ b: [String], agree: (Int, Int) -> Bool) -> [Operation] {
        let (n, m) = (a.count, b.count)
        guard n * m <= 4_000_000 else {
            var operations: [Operation] = []
            for index in 0..<max(n, m) {
                if index < n, index < m, agree(index, index) { operations.append(.same); continue }
                if index < n { operations.append(.removed(a[index])) }
                if index < m { operations.append(.added(b[index])) }
            }
            return operations
        }
        // lengths[i][j]: the LCS length of a[i...] and b[j...].
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lengths[i][j] = agree(i, j) ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var operations: [Operation] = []
        var (i, j) = (0, 0)
        while i < n || j < m {
            if i < n, j < m, agree(i, j) {
                operations.append(.same)
                (i, j) = (i + 1, j + 1)
            } else if j < m, i == n || lengths[i][j + 1] > lengths[i + 1][j] {
                operations.append(.added(b[j]))
                j += 1
            } else {
                operations.append(.removed(a[i]))
                i += 1
            }
        }
        return operations
    }
}
