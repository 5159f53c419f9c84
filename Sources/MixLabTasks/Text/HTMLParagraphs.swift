/// Extracts the text of the `<p>` paragraphs of an HTML page, without a full HTML parser.
///
/// A paragraph starts at a `<p>` or `<p …>` tag (any case) and ends at the next `</p>` or at the next
/// paragraph start (HTML closes an open paragraph there). Inside it, every tag `<…>` is removed, the
/// character references `&lt; &gt; &amp; &quot; &apos; &nbsp;` and numeric `&#N;` / `&#xH;` are decoded
/// (other named references are kept as written), and white space is collapsed to single spaces.
/// Paragraphs that end up empty are left out. That is exact for DocBook's HTML output (the Debian
/// installation guide), whose paragraphs hold only inline markup.
enum HTMLParagraphs {
    /// The paragraphs of `html`, in document order.
    /// - Complexity: O(n) in the length of the page.
    static func extract(_ html: String) -> [String] {
        let bytes = Array(html.utf8)
        var paragraphs: [String] = []
        var index = 0
        var start: Int?
        func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
        func isOpening(_ at: Int) -> Bool {
            at + 2 < bytes.count && bytes[at] == UInt8(ascii: "<") && lower(bytes[at + 1]) == UInt8(ascii: "p")
                && (bytes[at + 2] == UInt8(ascii: ">") || bytes[at + 2] == 0x20 || bytes[at + 2] == 0x09
                    || bytes[at + 2] == 0x0A || bytes[at + 2] == 0x0D)
        }
        func isClosing(_ at: Int) -> Bool {
            at + 3 < bytes.count && bytes[at] == UInt8(ascii: "<") && bytes[at + 1] == UInt8(ascii: "/")
                && lower(bytes[at + 2]) == UInt8(ascii: "p")
                && (bytes[at + 3] == UInt8(ascii: ">") || bytes[at + 3] == 0x20 || bytes[at + 3] == 0x0A)
        }
        func finish(_ end: Int) {
            guard let begin = start else { return }
            start = nil
            let text = TextRecord.collapsingWhitespace(decodeReferences(strippingTags(bytes[begin..<end])))
            if !text.isEmpty { paragraphs.append(text) }
        }
        while index < bytes.count {
            if isOpening(index) {
                finish(index)
                var close = index + 2
                while close < bytes.count && bytes[close] != UInt8(ascii: ">") { close += 1 }
                start = min(close + 1, bytes.count)
                index = close + 1
            } else if isClosing(index) {
                finish(index)
                index += 4
            } else {
                index += 1
            }
        }
        finish(bytes.count)
        return paragraphs
    }

    /// `bytes` without anything between `<` and `>` (tags and simple comments), as text.
    private static func strippingTags(_ bytes: ArraySlice<UInt8>) -> String {
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        var inTag = false
        for byte in bytes {
            if inTag {
                if byte == UInt8(ascii: ">") { inTag = false }
            } else if byte == UInt8(ascii: "<") {
                inTag = true
            } else {
                kept.append(byte)
            }
        }
        return String(decoding: kept, as: UTF8.self)
    }

    private static let namedReferences: [String: String] = [
        "lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}",
    ]

    /// `text` with character references decoded (unknown or malformed ones are kept as written).
    static func decodeReferences(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            let afterAmpersand = rest.index(after: ampersand)
            guard let semicolon = rest[afterAmpersand...].prefix(12).firstIndex(of: ";") else {
                result += "&"
                rest = rest[afterAmpersand...]
                continue
            }
            let name = rest[afterAmpersand..<semicolon]
            var decoded: String?
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                decoded = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else if name.hasPrefix("#") {
                decoded = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else {
                decoded = namedReferences[String(name)]
            }
            if let decoded {
                result += decoded
                rest = rest[rest.index(after: semicolon)...]
            } else {
                result += "&"
                rest = rest[afterAmpersand...]
            }
        }
        return result + rest
    }
}
