import Foundation
import MixLabCore

/// What a Slurm batch job asks for besides its tasks: a partition, a time limit, cores per task and
/// memory, each optional and checked when given.
///
/// `directives` renders them as `#SBATCH` lines in a fixed order; a value left out leaves the cluster's
/// default. Both of MixLab's job scripts (`SlurmArrayScript`, `SlurmTrainingScript`) take them from here,
/// so they accept and refuse the same values. O(length of the values).
public struct SlurmResources: Sendable, Equatable {
    /// `--partition`, if given.
    public let partition: String?
    /// `--time` (`HH:MM:SS` or `D-HH:MM:SS`), if given.
    public let time: String?
    /// `--cpus-per-task`, if given.
    public let cpusPerTask: Int?
    /// `--mem` (a number with an optional unit `K`, `M`, `G` or `T`, per node), if given.
    public let memory: String?

    /// Resources, checked.
    ///
    /// - Throws: `MixLabError.invalidArgument` for a malformed `time` or `memory`, fewer than one core per
    ///   task, or an empty partition name or one with spaces or quotes.
    public init(partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil, memory: String? = nil) throws {
        if let time, !Self.isSlurmTime(time) {
            throw MixLabError(.invalidArgument, what: "--time \(time) is not a Slurm time limit", location: "--time",
                              fix: "write HH:MM:SS or D-HH:MM:SS, e.g. --time 02:00:00")
        }
        if let memory, !Self.isSlurmMemory(memory) {
            throw MixLabError(.invalidArgument, what: "--mem \(memory) is not a Slurm memory size", location: "--mem",
                              fix: "write a number with an optional unit K, M, G or T, e.g. --mem 4G")
        }
        if let cpusPerTask, cpusPerTask < 1 {
            throw MixLabError(.invalidArgument, what: "--cpus-per-task \(cpusPerTask) is below 1", location: "--cpus-per-task",
                              fix: "give 1 or more cores per task")
        }
        if let partition, partition.isEmpty || partition.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) {
            throw MixLabError(.invalidArgument, what: "--partition '\(partition)' is not a partition name", location: "--partition",
                              fix: "give the name `sinfo` lists, e.g. --partition cpu")
        }
        self.partition = partition
        self.time = time
        self.cpusPerTask = cpusPerTask
        self.memory = memory
    }

    /// The `#SBATCH` lines of the values given: partition, time, cores per task, memory.
    public var directives: [String] {
        var lines: [String] = []
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let cpusPerTask { lines.append("#SBATCH --cpus-per-task=\(cpusPerTask)") }
        if let memory { lines.append("#SBATCH --mem=\(memory)") }
        return lines
    }

    /// `HH:MM:SS` or `D-HH:MM:SS` with minutes and seconds below 60.
    static func isSlurmTime(_ text: String) -> Bool {
        var clock = Substring(text)
        if let dash = text.firstIndex(of: "-") {
            guard let days = Int(text[..<dash]), days >= 0 else { return false }
            clock = text[text.index(after: dash)...]
        }
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy({ $0.isASCII && $0.isNumber }) }) else { return false }
        return Int(parts[1])! < 60 && Int(parts[2])! < 60
    }

    /// Digits with an optional unit `K`, `M`, `G` or `T`.
    static func isSlurmMemory(_ text: String) -> Bool {
        var digits = Substring(text)
        if let last = text.last, "KMGTkmgt".contains(last) { digits = digits.dropLast() }
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
