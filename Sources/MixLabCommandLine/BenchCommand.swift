import ArgumentParser
import Foundation
import MixLab

/// `mixlab bench`: benchmarks.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmark mixers.",
        subcommands: [
            BenchMixerCommand.self, BenchCrossoverCommand.self, BenchTrainCommand.self, BenchPretrainCommand.self, BenchInferCommand.self,
            BenchAllReduceCommand.self,
        ])
}

/// Options every benchmark shares.
struct BenchmarkOptions: ParsableArguments {
    @Option(help: "Measured repetitions.")
    var runs: Int = 20

    @Option(help: "Unmeasured repetitions first.")
    var warmup: Int = 3

    @Option(help: "Threads (default: MIXLAB_THREADS or all cores).")
    var threads: Int?

    @Option(help: "FFTW planning effort: estimate, measure or patient (default: MIXLAB_FFTW_EFFORT or measure: benchmarks time the fastest plans).")
    var fftwEffort: String?

    @Flag(help: "Print one JSON object per line instead of a table.")
    var json = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1 (got \(runs))") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more (got \(warmup))") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        if let fftwEffort, FFTWPlanner.Effort(rawValue: fftwEffort) == nil {
            throw ValidationError("--fftw-effort must be one of: estimate, measure, patient (got '\(fftwEffort)')")
        }
    }

    /// Applies the thread count and planner effort.
    func apply() throws {
        if let threads { try Parallelism.setThreads(threads) }
        FFTWPlanner.shared.effort = Self.effort(option: fftwEffort, environment: ProcessInfo.processInfo.environment)
    }

    /// The planner effort of a benchmark: `--fftw-effort`, else `MIXLAB_FFTW_EFFORT`, else `measure`
    /// (unlike training, whose default `estimate` keeps runs reproducible, a benchmark times the
    /// fastest plans FFTW finds).
    static func effort(option: String?, environment: [String: String]) -> FFTWPlanner.Effort {
        option.flatMap(FFTWPlanner.Effort.init(rawValue:))
            ?? environment["MIXLAB_FFTW_EFFORT"].flatMap(FFTWPlanner.Effort.init(rawValue:)) ?? .measure
    }
}

/// `mixlab bench mixer NAME --shape B,T,C`.
struct BenchMixerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mixer",
        abstract: "Time a mixer's forward and forward+backward passes (after checking it against its dense reference).",
        discussion: """
            Example: mixlab bench mixer fourier --shape 32,512,256
            JSON lines (--json) carry mixer, config, shape, pass, median_ms, min_ms, runs, threads.
            """)

    @Argument(help: "The registered mixer name (see `mixlab mixers`).")
    var name: String

    @Option(help: "The input shape B,T,C (batch, sequence, hidden).")
    var shape: String

    @Option(name: .customLong("set"), help: ArgumentHelp("A setting of the mixer (repeatable), e.g. --set path=fft.", valueName: "key=value"))
    var settings: [String] = []

    @OptionGroup var options: BenchmarkOptions

    func run() throws {
        try options.apply()
        let shape = try Shape.parse(self.shape, location: "--shape")
        guard shape.count == 3 else {
            throw MixLabError(
                .invalidArgument, what: "--shape \(self.shape) has \(shape.count) sizes", location: "--shape",
                fix: "give three sizes B,T,C, e.g. --shape 32,512,256")
        }
        let configuration = try MixerConfiguration(parsing: settings, location: "--set")
        let mixer = try MixerRegistry.shared.make(
            name, configuration: configuration, context: MixerBuildContext(sequenceLength: shape[1], hiddenSize: shape[2]))
        let benchmark = MixerBenchmark(mixer: mixer, shape: shape, warmup: options.warmup, runs: options.runs)
        let check = try benchmark.checkAgainstReference()
        guard check.passed else {
            throw MixLabError(
                .invalidArgument,
                what: "\(mixer.descriptor.summary) differs from its dense reference by \(check.relativeError!) "
                    + "(relative; tolerance \(check.tolerance)) on \(Shape.describe(shape))",
                location: "mixlab bench mixer", fix: "this is a bug in the mixer's fast path: report it with this shape")
        }
        let rows = try benchmark.run()
        print(Self.render(mixer: mixer, shape: shape, rows: rows, check: check, json: options.json))
    }

    static func render(
        mixer: any TokenMixer, shape: [Int], rows: [MixerBenchmark.Row], check: MixerBenchmark.ReferenceCheck, json: Bool
    ) -> String {
        if json {
            return rows.map { row in
                var object: [String: Any] = [
                    "mixer": mixer.descriptor.name, "config": mixer.descriptor.configuration, "shape": shape,
                    "pass": row.pass, "median_ms": row.timing.median, "min_ms": row.timing.minimum,
                    "runs": row.timing.runs, "threads": Parallelism.threads, "peak_rss_mib": peakResidentMiB(),
                ]
                if let error = check.relativeError { object["reference_relative_error"] = error }
                return jsonLine(object)
            }.joined(separator: "\n")
        }
        var table = TextTable(["mixer", "shape", "pass", "median ms", "min ms", "runs"])
        for row in rows {
            table.add([
                mixer.descriptor.summary, Shape.describe(shape), row.pass, formatted(row.timing.median),
                formatted(row.timing.minimum), String(row.timing.runs),
            ])
        }
        let checkLine = check.relativeError.map {
            "reference check (example 0 vs dense Double): relative error \(String(format: "%.1e", $0)), tolerance \(check.tolerance)"
        } ?? "reference check: \(mixer.descriptor.name) has no dense reference"
        return table.rendered + "\n" + checkLine + "\nthreads: \(Parallelism.threads)"
    }
}

/// `mixlab bench crossover`: where the Fourier mixer's DFT-matrix path stops beating the FFT path.
struct BenchCrossoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crossover",
        abstract: "Time the Fourier mixer's FFT and DFT-matrix paths over lengths, to place the automatic crossover.")

    @Option(help: "Lengths n to try (comma-separated); shapes are B,n,n and B,n,256 / B,256,n per axis.")
    var lengths: String = "8,16,32,48,64,128,256"

    @Option(help: "Batch size B.")
    var batch: Int = 8

    @OptionGroup var options: BenchmarkOptions

    func run() throws {
        try options.apply()
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1 (got \(batch))") }
        let lengths = try Shape.parse(self.lengths, location: "--lengths")
        var table = TextTable(["axes", "shape", "fft ms", "matrix ms", "faster", "auto picks"])
        for axes in MixingAxes.allCases {
            for n in lengths {
                let shape: [Int]
                switch axes {
                case .both: shape = [batch, n, n]
                case .sequence: shape = [batch, n, 256]
                case .hidden: shape = [batch, 256, n]
                }
                var medians: [FourierMixer.Path: Double] = [:]
                for path in [FourierMixer.Path.fft, .matrix] {
                    let mixer = FourierMixer(axes: axes, path: path)
                    let benchmark = MixerBenchmark(mixer: mixer, shape: shape, warmup: options.warmup, runs: options.runs)
                    medians[path] = try benchmark.run()[0].timing.median
                }
                let faster = medians[.fft]! <= medians[.matrix]! ? "fft" : "matrix"
                let auto = FourierMixer(axes: axes).resolvedPath(sequenceLength: shape[1], hiddenSize: shape[2]).rawValue
                if options.json {
                    print(jsonLine([
                        "axes": axes.rawValue, "shape": shape, "fft_median_ms": medians[.fft]!,
                        "matrix_median_ms": medians[.matrix]!, "faster": faster, "auto": auto,
                        "threads": Parallelism.threads,
                    ]))
                } else {
                    table.add([axes.rawValue, Shape.describe(shape), formatted(medians[.fft]!, digits: 3),
                               formatted(medians[.matrix]!, digits: 3), faster, auto])
                }
            }
        }
        if !options.json { print(table.rendered + "\nthreads: \(Parallelism.threads)") }
    }
}
