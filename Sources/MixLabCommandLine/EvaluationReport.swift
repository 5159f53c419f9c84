import Foundation
import MixLab

/// The files `mixlab eval` writes for one `RunEvaluation`, and the folder beside the run they go into.
///
/// The folder is `RUN/eval/<split>-<checkpoint>[-<overrides>]`, where `<overrides>` is the first 8 hex
/// digits of the SHA-256 of the task overrides as sorted `key=value` lines (present only with
/// overrides). It holds `metrics.json` (the whole evaluation), `report.md` (the metrics, the per-class
/// table and the confusion matrix as Markdown tables) and `confusion.svg` (the confusion matrix drawn
/// with `SVGHeatmap`: colour is the fraction of the true class's examples, the text the count) when the
/// evaluation has a confusion matrix. The files are written into a hidden folder beside it that is
/// renamed into place once complete, so the folder is never seen half written; an existing folder is
/// replaced only when asked (`force`), and nothing outside `RUN/eval/` is touched.
struct EvaluationReport {
    /// The evaluation reported.
    let evaluation: RunEvaluation

    /// The folder of the evaluation of `run` on `split` with `checkpoint` and `overrides`:
    /// `RUN/eval/<split>-<checkpoint>`, and `-<8 hex digits>` of the overrides.
    static func folder(
        run: String, split: TaskSplit, checkpoint: TrainedRun.CheckpointChoice, overrides: [String: String]
    ) -> String {
        var name = "\(split.rawValue)-\(checkpoint.rawValue)"
        if !overrides.isEmpty {
            let lines = overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined()
            name += "-" + ContentDigest.hex(of: Data(lines.utf8)).prefix(8)
        }
        return RunDirectory(run).file(RunDirectory.evaluationsFolder + "/" + name)
    }

    /// The path of the evaluation's folder inside the run folder.
    var folder: String {
        Self.folder(run: evaluation.run, split: evaluation.split, checkpoint: evaluation.checkpoint, overrides: evaluation.taskOverrides)
    }

    /// The refusal to replace the report in `folder`.
    static func refusal(_ folder: String) -> MixLabError {
        MixLabError(.invalidArgument, what: "\(folder) already holds an evaluation", location: "mixlab eval output",
                    fix: "pass --force to replace it, or move it away first")
    }

    /// `text` with the characters that would break a Markdown table cell (`|`, line breaks) escaped.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// A Markdown table.
    static func table(_ headers: [String], alignments: [String], _ rows: [[String]]) -> [String] {
        ["| " + headers.map(cell).joined(separator: " | ") + " |", "|" + alignments.joined(separator: "|") + "|"]
            + rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
    }

    /// The report as Markdown (also what `mixlab eval` prints).
    var markdown: String {
        let e = evaluation
        let isMaskedLM = e.model == .maskedLanguageModel
        let settings = e.taskSettings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        var lines = ["# Evaluation of \(e.run)", ""]
        lines += Self.table(["", ""], alignments: ["---", "---"], [
            ["task", e.task + (settings.isEmpty ? "" : " (\(settings))")],
            ["task overrides", e.taskOverrides.isEmpty ? "none" : e.taskOverrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ", ")],
            ["split", "\(e.split.rawValue) (\(e.examples) examples)"],
            ["checkpoint", "\(e.checkpoint.rawValue): weights after step \(e.checkpointStep)" + (e.runFinished ? "" : " (unfinished run)")],
            ["checkpoint SHA-256", e.checkpointSHA256],
            ["model", e.model.rawValue],
            ["batch", "\(e.batchSize)"],
        ])
        lines += [""]
        let metricRows: [[String]] = isMaskedLM
            ? [["masked-token accuracy", formatted(e.metrics.accuracy, digits: 4)],
               ["loss (mean over masked tokens)", formatted(e.metrics.loss, digits: 4)],
               ["masked tokens scored", "\(e.metrics.count)"]]
            : [["accuracy", formatted(e.metrics.accuracy, digits: 4)],
               ["macro-F1", formatted(e.metrics.macroF1, digits: 4)],
               ["loss", formatted(e.metrics.loss, digits: 4)],
               [e.examples == e.metrics.count ? "examples scored" : "labels scored", "\(e.metrics.count)"]]
        lines += Self.table(["metric", "value"], alignments: ["---", "---:"], metricRows)
        if let perClass = e.perClass, let names = e.classNames {
            lines += ["", "## Per class", ""]
            lines += Self.table(
                ["class", "precision", "recall", "F1", "support", "predicted"], alignments: ["---", "---:", "---:", "---:", "---:", "---:"],
                zip(names, perClass).map { name, scores in
                    [name, formatted(scores.precision, digits: 4), formatted(scores.recall, digits: 4), formatted(scores.f1, digits: 4),
                     "\(scores.support)", "\(scores.predicted)"]
                })
        }
        if let confusion = e.confusion, let names = e.classNames {
            lines += ["", "## Confusion matrix", "", "Rows are the true classes, columns the predicted ones.", ""]
            lines += Self.table(
                ["true ↓ predicted →"] + names, alignments: ["---"] + names.map { _ in "---:" },
                zip(names, confusion).map { name, row in [name] + row.map(String.init) })
            lines += ["", "![confusion matrix](\(Self.confusionFile))"]
        }
        if let byLength = e.byLength {
            lines += ["", "## Accuracy by input length", "",
                      "Real tokens per example (of a pair: the longer document), in bins of about equal size; "
                        + "95 % interval of each bin's accuracy from its examples (logit scale); the most frequent label's "
                        + "share is the accuracy of always answering it in that bin.", ""]
            lines += Self.table(
                ["tokens", "examples", "correct", "accuracy", "95 % interval", "most frequent label"],
                alignments: ["---", "---:", "---:", "---:", "---", "---:"],
                byLength.bins.map { bin in
                    let range = bin.shortest == bin.longest ? "\(bin.shortest)" : "\(bin.shortest)–\(bin.longest)"
                    let interval = ProportionInterval([bin.accuracy], evaluationSize: bin.examples)?.interval
                    return [range, "\(bin.examples)", "\(bin.correct)", formatted(bin.accuracy, digits: 4),
                            interval.map { "[\(formatted($0.lowerBound, digits: 3)), \(formatted($0.upperBound, digits: 3))]" } ?? "–",
                            formatted(bin.mostFrequentLabelShare, digits: 4)]
                })
        }
        if !e.notes.isEmpty {
            lines += ["", "## Notes", ""] + e.notes.map { "- " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The SVG file of the confusion matrix.
    static let confusionFile = "confusion.svg"

    /// The confusion matrix drawn as a labelled heatmap, or nil without one.
    var confusionSVG: String? {
        guard let confusion = evaluation.confusion, let names = evaluation.classNames else { return nil }
        let k = names.count
        let fractions = confusion.flatMap { row -> [Double] in
            let total = row.reduce(0, +)
            return row.map { total > 0 ? Double($0) / Double(total) : 0 }
        }
        var heatmap = SVGHeatmap(
            title: "\(evaluation.task), \(evaluation.split.rawValue), \(evaluation.checkpoint.rawValue): rows true, columns predicted",
            values: fractions, rows: k, columns: k, scale: 1, cellSize: 36)
        heatmap.rowLabels = names
        heatmap.columnLabels = names
        heatmap.cellTexts = confusion.flatMap { $0.map(String.init) }
        return heatmap.svg
    }

    /// The files of the report by name.
    func files() throws -> [(name: String, data: Data)] {
        var files: [(name: String, data: Data)] = [("metrics.json", try evaluation.encoded()), ("report.md", Data(markdown.utf8))]
        if let svg = confusionSVG { files.append((Self.confusionFile, Data(svg.utf8))) }
        return files
    }

    /// Writes the report's folder; returns its path.
    ///
    /// - Parameter force: replace a folder of an earlier evaluation with the same name.
    /// - Throws: `MixLabError.invalidArgument` when the folder exists and `force` is false;
    ///   `ioFailure` when a file or folder cannot be written (an earlier folder is then left as it was).
    @discardableResult
    func write(force: Bool) throws -> String {
        let target = folder
        let parent = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        let manager = FileManager.default
        if manager.fileExists(atPath: target), !force { throw Self.refusal(target) }
        do {
            try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw MixLabError(.ioFailure, what: "cannot create \(parent) (\(error.localizedDescription))", location: "mixlab eval output",
                              fix: "check that the run folder is writable")
        }
        let unique = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let partial = parent + "/.partial-\(name)-\(unique)"
        guard mkdir(partial, 0o755) == 0 else {
            throw MixLabError(.ioFailure, what: "cannot create \(partial) (\(String(cString: strerror(errno))))", location: "mixlab eval output",
                              fix: "check that the run folder is writable")
        }
        do {
            for file in try files() { try AtomicFile.write(file.data, to: partial + "/" + file.name) }
            var aside: String?
            if manager.fileExists(atPath: target) {
                let moved = parent + "/.replaced-\(name)-\(unique)"
                guard rename(target, moved) == 0 else {
                    throw MixLabError(.ioFailure, what: "cannot move the earlier \(target) aside (\(String(cString: strerror(errno))))",
                                      location: "mixlab eval --force", fix: "check the folder's permissions")
                }
                aside = moved
            }
            guard rename(partial, target) == 0 else {
                let failure = errno
                if let aside { rename(aside, target) }
                if failure == EEXIST || failure == ENOTEMPTY { throw Self.refusal(target) }
                throw MixLabError(.ioFailure, what: "cannot rename \(partial) to \(target) (\(String(cString: strerror(failure))))",
                                  location: "mixlab eval output", fix: "check the folder's permissions")
            }
            if let aside { try? manager.removeItem(atPath: aside) }
        } catch {
            try? manager.removeItem(atPath: partial)
            throw error
        }
        let descriptor = open(parent, O_RDONLY)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
        return target
    }
}
