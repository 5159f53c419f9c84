import Foundation
import MixLabCore
import MixLabTasks
import MixLabTraining

/// A study's results file: one JSON line per finished run (`StudyResultRow`), appended by any number
/// of processes at once, read back tolerating a crash in the middle of a write.
///
/// **Appending.** The file is opened with `O_APPEND`, locked with `flock(LOCK_EX)`, read, and the new
/// rows whose (study, cell) is not in it yet are written with one `write` of all their bytes, then
/// `fsync`ed before the lock is released. Writers therefore never interleave, never duplicate a cell
/// (two processes that finish the same cell append it once), and a row that `append` returned for is
/// on disk. Readers take `flock(LOCK_SH)`, so they never see half of a row being written.
///
/// **Crashes.** A process killed during its `write` (or a full disk) can leave an unfinished last
/// line. Reading ignores it with a warning; the next `append` cuts it off (under the lock) before
/// writing, so every complete row before it is kept. A complete last row that merely lacks its final
/// newline (a file edited by hand) is kept, and the newline added by the next append. A malformed line
/// that is not the last is an error naming its line number: it is never skipped silently.
///
/// **Shared filesystems.** Shards on several machines may append to one file on a shared filesystem
/// if it supports `flock` across machines: Linux NFS clients (NFSv4, or NFSv3 with `lockd`) turn
/// `flock` into byte-range locks the server arbitrates; Lustre needs the `flock` mount option; GPFS
/// and BeeGFS support it. Where locking across machines is not available, give each shard its own
/// file (`mixlab study run --results FILE`) and merge them afterwards (`merge(from:)`).
public struct StudyResultsFile: Sendable {
    /// The file.
    public let url: URL

    /// The results file at `url` (it need not exist yet).
    public init(_ url: URL) {
        self.url = url
    }

    /// What a results file holds.
    public struct Contents: Sendable, Equatable {
        /// The rows, in file order.
        public var rows: [StudyResultRow]
        /// Problems that were tolerated (an unfinished last line), for the user.
        public var warnings: [String]
        /// The byte offset where an unfinished last line starts, if there is one.
        public var unfinishedLineOffset: Int?
        /// Whether the last row lacks its final newline.
        public var missingFinalNewline: Bool

        /// The (study, cell) keys of the rows.
        public var keys: Set<String> { Set(rows.map { StudyResultsFile.key($0) }) }
    }

    /// What an append did.
    public struct AppendOutcome: Sendable, Equatable {
        /// Rows written.
        public var appended: Int
        /// Rows left out because their (study, cell) was already in the file or earlier in the batch.
        public var skipped: Int
        /// Bytes of an unfinished last line that were cut off before writing (0 if none).
        public var removedBytes: Int
        /// Warnings from reading the file first.
        public var warnings: [String]
    }

    /// Reads every row (an absent file has none).
    ///
    /// - Throws: `MixLabError` for an unreadable file or a malformed line that is not the last.
    public func read() throws -> Contents {
        guard FileManager.default.fileExists(atPath: url.path) else {
            return Contents(rows: [], warnings: [], unfinishedLineOffset: nil, missingFinalNewline: false)
        }
        let descriptor = try open(flags: O_RDONLY)
        defer { close(descriptor) }
        try lock(descriptor, LOCK_SH)
        defer { flock(descriptor, LOCK_UN) }
        return try Self.parse(try readAll(descriptor), path: url.path)
    }

    /// Appends the rows whose (study, cell) is not in the file yet, atomically with respect to other
    /// writers (see the type's documentation).
    ///
    /// - Throws: `MixLabError.ioFailure` when the file cannot be opened, locked, written or flushed;
    ///   the parse errors of `read()` (nothing is written to a file with a malformed line).
    @discardableResult
    public func append(_ rows: [StudyResultRow]) throws -> AppendOutcome {
        let existed = FileManager.default.fileExists(atPath: url.path)
        let descriptor = try open(flags: O_RDWR | O_APPEND | O_CREAT)
        defer { close(descriptor) }
        try lock(descriptor, LOCK_EX)
        defer { flock(descriptor, LOCK_UN) }
        if !existed { Self.flushFolder(of: url) }

        let contents = try Self.parse(try readAll(descriptor), path: url.path)
        var present = contents.keys
        var bytes = Data()
        var appended = 0
        for row in rows where present.insert(Self.key(row)).inserted {
            bytes.append(try row.jsonLine())
            appended += 1
        }
        var removed = 0
        if bytes.isEmpty { return AppendOutcome(appended: 0, skipped: rows.count, removedBytes: 0, warnings: contents.warnings) }
        if let offset = contents.unfinishedLineOffset {
            var status = stat()
            fstat(descriptor, &status)
            removed = Int(status.st_size) - offset
            guard ftruncate(descriptor, off_t(offset)) == 0 else { throw ioError("cannot cut the unfinished last line of") }
        } else if contents.missingFinalNewline {
            bytes.insert(0x0A, at: 0)
        }
        var status = stat()
        fstat(descriptor, &status)
        let sizeBefore = status.st_size
        do {
            try bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0, errno == EINTR { continue }
                    guard written > 0 else { throw ioError("cannot append to") }
                    offset += written
                }
            }
        } catch {
            // A full disk or a file-size limit: cut what was written, so that the earlier rows are all
            // the file holds (a crash here leaves an unfinished line, which the next append removes).
            ftruncate(descriptor, sizeBefore)
            throw error
        }
        guard fsync(descriptor) == 0 else { throw ioError("cannot flush") }
        return AppendOutcome(appended: appended, skipped: rows.count - appended, removedBytes: removed, warnings: contents.warnings)
    }

    /// Appends to this file the rows of `inputs` (results files of shards written separately) whose
    /// (study, cell) it lacks, in input order; a cell present in several inputs is taken from the first.
    ///
    /// - Throws: the errors of `read()` for any input (nothing is written then) and of `append`.
    @discardableResult
    public func merge(from inputs: [StudyResultsFile]) throws -> AppendOutcome {
        var rows: [StudyResultRow] = []
        var warnings: [String] = []
        for input in inputs {
            guard FileManager.default.fileExists(atPath: input.url.path) else {
                throw MixLabError(.ioFailure, what: "the results file \(input.url.path) does not exist", location: "study merge",
                                  fix: "check the path of each input")
            }
            let contents = try input.read()
            rows += contents.rows
            warnings += contents.warnings
        }
        var outcome = try append(rows)
        outcome.warnings = warnings + outcome.warnings
        return outcome
    }

    // MARK: - Parsing

    /// The identity of a row: its study and cell.
    static func key(_ row: StudyResultRow) -> String { key(study: row.study, cell: row.cell) }

    /// The identity of the row of `cell` in `study`.
    static func key(study: String, cell: String) -> String { study + "\u{1F}" + cell }

    /// Parses the bytes of a results file (see the type's documentation for the crash rules).
    static func parse(_ data: Data, path: String) throws -> Contents {
        var rows: [StudyResultRow] = []
        var warnings: [String] = []
        var unfinished: Int?
        var missingNewline = false
        let bytes = [UInt8](data)
        var start = 0
        var lineNumber = 0
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: 0x0A)
            let line = Data(bytes[start..<(end ?? bytes.count)])
            defer { start = (end ?? bytes.count) + 1 }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let location = "\(path):\(lineNumber)"
            if end == nil {
                // The last line has no newline: a complete row written by hand, or a write cut short.
                if let row = try? StudyResultRow(jsonLine: line, location: location) {
                    rows.append(row)
                    missingNewline = true
                } else {
                    unfinished = start
                    warnings.append(
                        "\(location): the last line is an unfinished row (\(line.count) bytes, from a run killed while writing?); "
                            + "it is ignored and will be removed by the next append (its cell runs again)")
                }
                continue
            }
            rows.append(try StudyResultRow(jsonLine: line, location: location))
        }
        return Contents(rows: rows, warnings: warnings, unfinishedLineOffset: unfinished, missingFinalNewline: missingNewline)
    }

    // MARK: - Files

    private func open(flags: Int32) throws -> Int32 {
        let descriptor = Foundation.open(url.path, flags | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ioError("cannot open") }
        return descriptor
    }

    private func lock(_ descriptor: Int32, _ operation: Int32) throws {
        while flock(descriptor, operation) != 0 {
            guard errno == EINTR else { throw ioError("cannot lock") }
        }
    }

    private func readAll(_ descriptor: Int32) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, $0.count, offset) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw ioError("cannot read") }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
            offset += off_t(count)
        }
    }

    private func ioError(_ action: String) -> MixLabError {
        let reason = String(cString: strerror(errno))
        return MixLabError(
            .ioFailure, what: "\(action) the results file \(url.path) (\(reason))", location: url.path,
            fix: errno == ENOLCK
                ? "the filesystem does not support locking: give each shard its own file (--results) and merge them with `mixlab study merge`"
                : "check the folder exists, is writable and has free space; rows already in the file are untouched")
    }

    /// Makes a new file's name durable by flushing its folder.
    private static func flushFolder(of url: URL) {
        let descriptor = Foundation.open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
