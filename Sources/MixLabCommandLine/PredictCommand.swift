import ArgumentParser
import Foundation
import MixLab

/// `mixlab predict RUN`: classifies raw texts, one per input line, with a trained text classification run.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify texts (one per line) with a trained text classification run; one JSON line per input line.",
        discussion: """
            Reads one text per line from --input (a file, or - for standard input) and writes, in input order, \
            one JSON object per line to standard output:
              {"label": "fresh", "line": 1, "probabilities": {"fresh": 0.83, "rotten": 0.17}}
            Texts are tokenised exactly as the run's task tokenises its examples (white space collapsed; \
            bytes, words or WordPiece subwords; the classification token when the task uses one) and read in \
            batches of --batch texts by the model of --checkpoint (last: the final weights; best: those of the \
            best validation accuracy).

            An empty line (or one of white space only) gives {"error": "empty line", "line": N}. Input that is \
            not UTF-8 text (invalid UTF-8, or control bytes such as NUL) is refused before anything is \
            written, naming the first such line. Texts longer than the model's sequence length are cut to it, \
            and one note on standard error says how many were. Only runs of text classification tasks \
            (news20, reuters8, rt-sentiment, langid) read raw text.

            Example: mixlab predict runs/rt-fnet --input reviews.txt > predictions.jsonl
            """)

    @Argument(help: ArgumentHelp("The run folder (mixlab train --out) of a text classification task.", valueName: "run"))
    var path: String

    @Option(help: "The texts, one per line: a file, or - for standard input.")
    var input: String = "-"

    @Option(help: "The weights to use: last (final) or best (best validation accuracy).")
    var checkpoint: String = TrainedRun.CheckpointChoice.last.rawValue

    @Option(help: "Texts per batch (default: the run's batch setting).")
    var batch: Int?

    @Option(help: "Threads (default: the run's threads setting; 0 there means every core).")
    var threads: Int?

    func validate() throws {
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1 (got \(batch))") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }

    func run() throws {
        let predictor = try TextPredictor(run: try TrainedRun(path: path, checkpoint: try EvalCommand.checkpointChoice(checkpoint)))
        for warning in predictor.run.warnings { TrainingProgressReporter.writeToStandardError("warning: \(warning)\n") }
        let configured = predictor.run.configuration.threads
        let count = threads ?? (configured == 0 ? max(1, ProcessInfo.processInfo.activeProcessorCount) : configured)
        if Parallelism.threads != count { try Parallelism.setThreads(count) }
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: input) else {
                throw MixLabError(.ioFailure, what: "cannot read \(input)", location: "--input", fix: "check the path, or pass - for standard input")
            }
            data = contents
        }
        try Self.predict(
            predictor, input: data, inputName: input == "-" ? "standard input" : input,
            batchSize: batch ?? predictor.run.configuration.batch,
            note: { TrainingProgressReporter.writeToStandardError("note: \($0)\n") },
            write: { print($0) })
    }

    /// One input line: a text, or an empty line.
    enum InputLine: Equatable {
        /// A line holding text.
        case text(String)
        /// A line that is empty or white space only.
        case empty
    }

    /// Splits `data` into lines (`\n`, with a `\r` before it dropped; a final line break ends the last
    /// line rather than starting an empty one) and checks that each is text.
    ///
    /// - Throws: `MixLabError.invalidArgument` naming the first line that is not valid UTF-8 or holds a
    ///   control byte other than tab, vertical tab, form feed and carriage return (binary data), with the
    ///   number of such lines.
    static func lines(of data: Data, inputName: String) throws -> [InputLine] {
        var pieces = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        if data.last == 0x0A || data.isEmpty { pieces.removeLast() }
        var lines: [InputLine] = []
        var problems: [(line: Int, what: String)] = []
        for (index, piece) in pieces.enumerated() {
            let bytes = piece.last == 0x0D ? piece.dropLast() : piece[...]
            if let control = bytes.firstIndex(where: { $0 < 0x20 && ![0x09, 0x0B, 0x0C, 0x0D].contains($0) }) {
                problems.append((index + 1, String(format: "holds the control byte 0x%02X at byte %d (binary data)",
                                                   bytes[control], control - bytes.startIndex + 1)))
                continue
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                problems.append((index + 1, "is not valid UTF-8"))
                continue
            }
            lines.append(text.allSatisfy(\.isWhitespace) ? .empty : .text(text))
        }
        if let first = problems.first {
            let others = problems.count > 1 ? " (\(problems.count) lines in all: \(problems.prefix(10).map { String($0.line) }.joined(separator: ", "))"
                + (problems.count > 10 ? ", …" : "") + ")" : ""
            throw MixLabError(
                .invalidArgument, what: "line \(first.line) of \(inputName) \(first.what)\(others)", location: "--input \(inputName)",
                fix: "give one UTF-8 text per line (convert other encodings first, e.g. iconv -f LATIN1 -t UTF-8), without binary data")
        }
        return lines
    }

    /// Predicts every line of `input`: checks it (`lines(of:inputName:)`), tokenises every text, calls
    /// `note` once when texts were truncated, then writes one JSON line per input line through `write`,
    /// in order, `batchSize` texts per model call.
    ///
    /// - Throws: the input's errors (nothing is written then) and the model's.
    static func predict(
        _ predictor: TextPredictor, input: Data, inputName: String, batchSize: Int,
        note: (String) -> Void, write: (String) -> Void
    ) throws {
        let lines = try lines(of: input, inputName: inputName)
        let encoded = lines.map { line -> TextClassificationTask.EncodedText? in
            if case .text(let text) = line { return predictor.task.encode(text: text) }
            return nil
        }
        let truncated = encoded.filter { $0?.isTruncated == true }.count
        if truncated > 0 {
            let texts = encoded.filter { $0 != nil }.count
            note("\(truncated) of \(texts) text line(s) were longer than the model's sequence length of "
                + "\(predictor.task.sequenceLength) tokens (tokens=\(predictor.task.settings["tokens"] ?? "?")) and were truncated to it")
        }
        let names = predictor.task.classNames
        var chunk: [Int] = []
        var texts = 0
        func flush() throws {
            let rows = chunk.compactMap { encoded[$0]?.tokens }
            var probabilities = rows.isEmpty ? [] : try predictor.probabilities(rows)[...]
            for index in chunk {
                guard encoded[index] != nil else {
                    write(jsonLine(["line": index + 1, "error": "empty line"]))
                    continue
                }
                let row = probabilities.removeFirst()
                write(jsonLine([
                    "line": index + 1, "label": names[TextPredictor.label(of: row)],
                    "probabilities": Dictionary(zip(names, row), uniquingKeysWith: { first, _ in first }),
                ]))
            }
            chunk.removeAll()
            texts = 0
        }
        for index in lines.indices {
            chunk.append(index)
            if encoded[index] != nil { texts += 1 }
            if texts == batchSize { try flush() }
        }
        try flush()
    }
}
