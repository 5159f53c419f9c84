import MixLabCore

/// Multi-level periodic discrete wavelet transforms of a batch of `(T, C)` examples with GSL's filters,
/// in Float32: the analysis transform `W`, its adjoint `Wᵀ`, and its inverse.
///
/// One level on m values is GSL's step (see `WaveletFilters`):
/// `low[i] = Σ_k h1[k]·a[(2i − offset + k) mod m]`, `high[i] = Σ_k g1[k]·a[…]`, stored as `[low | high]`.
/// L levels repeat it on the low half, giving GSL's (and pywt's `wavedec`) layout
/// `[cA_L | cD_L | cD_(L−1) | … | cD_1]` with band lengths `n/2^L, n/2^L, n/2^(L−1), …, n/2`. GSL only
/// offers the full depth (`L = log₂ n`) and one direction pattern per filter pair, so this kernel runs
/// the filter bank itself:
/// - analysis: the gather above with `h1, g1` (equals `gsl_wavelet_transform_forward` at full depth);
/// - adjoint: the transpose of each analysis step, `a[(2i − offset + k) mod m] += h1[k]·low[i] + g1[k]·high[i]`,
///   from the coarsest level to the finest — GSL's inverse pattern with the *analysis* filters;
/// - synthesis (inverse): the same pattern with `h2, g2` (equals `gsl_wavelet_transform_inverse` at
///   full depth). For Haar and Daubechies `h2 = h1`, `g2 = g1`, so adjoint and inverse coincide; for
///   the B-splines they do not.
/// Both synthesis-pattern directions are computed in gather form: output j collects the taps k with
/// `j + offset − k` even, from coefficient `(j + offset − k)/2 mod m/2` — no zeroing, no scatter.
///
/// Layout of the work (O(n·nc) per transformed line, n the axis length, nc the taps):
/// - sequence axis: level by level over whole rows, every filter tap adds a whole row (SIMD across C,
///   contiguous rows, prefetch-friendly); the first level reads the input rows directly, detail rows go
///   straight to the output, only the low band passes through scratch;
/// - hidden axis: per row, as a filter whose coefficients alternate with the output's parity, over a
///   periodically extended copy of the row: analysis computes the interleaved `(low[0], high[0],
///   low[1], …)` with contiguous SIMD multiply-adds and then splits it into `[low | high]`; synthesis
///   interleaves `(low[i], high[i])` first and filters that (`RowFilter`);
/// - both: the separable transform `W_T · X · W_Cᵀ` (GSL's "standard" 2-D form, every row fully then
///   every column fully); the hidden pass writes a scratch batch, the sequence pass reads it.
/// Work is split over `Parallelism.threads` in fixed chunks: rows for the hidden pass; examples for the
/// sequence pass, or each level's rows when the batch is smaller than the thread count.
public final class WaveletFilterBank: @unchecked Sendable {
    /// Which operator a call computes.
    public enum Direction: Sendable {
        /// `W·x`: the analysis (forward) transform.
        case analysis
        /// `Wᵀ·g`: the transpose of the analysis transform (the backward pass).
        case adjoint
        /// `W⁻¹·y`: the synthesis (inverse) transform.
        case synthesis
    }

    /// The filters.
    public let filters: WaveletFilters
    /// The sequence length T (a power of two when the sequence axis is transformed).
    public let sequenceLength: Int
    /// The hidden size C (a power of two when the hidden axis is transformed).
    public let hiddenSize: Int
    /// The transformed axes.
    public let axes: MixingAxes
    /// Levels along the sequence axis (0 when it is not transformed).
    public let sequenceLevels: Int
    /// Levels along the hidden axis (0 when it is not transformed).
    public let hiddenLevels: Int

    private let analysisTaps: AnalysisTaps
    private let adjointTaps: SynthesisTaps
    private let synthesisTaps: SynthesisTaps
    private let rowAnalysis: RowFilter
    private let rowAdjoint: RowFilter
    private let rowSynthesis: RowFilter
    private let analysisTail: RowTail
    private let adjointTail: RowTail
    private let synthesisTail: RowTail

    /// Prepares the transform of `(sequenceLength, hiddenSize)` examples with `sequenceLevels` levels
    /// along T and `hiddenLevels` along C (each at most log₂ of its length; 0 on an axis not in `axes`).
    public init(
        filters: WaveletFilters, sequenceLength: Int, hiddenSize: Int, axes: MixingAxes,
        sequenceLevels: Int, hiddenLevels: Int
    ) {
        precondition(sequenceLength >= 1 && hiddenSize >= 1, "WaveletFilterBank: empty example")
        precondition(axes.includesSequence || sequenceLevels == 0, "WaveletFilterBank: sequence not transformed")
        precondition(axes.includesHidden || hiddenLevels == 0, "WaveletFilterBank: hidden not transformed")
        precondition(sequenceLevels == 0 || (PowerOfTwo.contains(sequenceLength)
            && sequenceLength >> sequenceLevels >= 1), "WaveletFilterBank: bad sequence levels")
        precondition(hiddenLevels == 0 || (PowerOfTwo.contains(hiddenSize)
            && hiddenSize >> hiddenLevels >= 1), "WaveletFilterBank: bad hidden levels")
        self.filters = filters
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.axes = axes
        self.sequenceLevels = sequenceLevels
        self.hiddenLevels = hiddenLevels
        let (h1, g1, h2, g2, offset) = (
            filters.analysisLow, filters.analysisHigh, filters.synthesisLow, filters.synthesisHigh, filters.offset)
        analysisTaps = AnalysisTaps(low: h1, high: g1)
        adjointTaps = SynthesisTaps(low: h1, high: g1, offset: offset)
        synthesisTaps = SynthesisTaps(low: h2, high: g2, offset: offset)
        rowAnalysis = RowFilter(analysisLow: h1, high: g1, offset: offset)
        rowAdjoint = RowFilter(synthesisLow: h1, high: g1, offset: offset)
        rowSynthesis = RowFilter(synthesisLow: h2, high: g2, offset: offset)
        let (n, l) = (hiddenSize, hiddenLevels)
        analysisTail = RowTail(length: n, levels: l) { m, r in
            DenseReference.waveletAnalysisMatrix(low: h1, high: g1, offset: offset, length: m, levels: r)
        }
        adjointTail = RowTail(length: n, levels: l) { m, r in
            DenseReference.transpose(
                DenseReference.waveletAnalysisMatrix(low: h1, high: g1, offset: offset, length: m, levels: r), m)
        }
        synthesisTail = RowTail(length: n, levels: l) { m, r in
            DenseReference.waveletSynthesisMatrix(low: h2, high: g2, offset: offset, length: m, levels: r)
        }
    }

    /// Writes the `direction` transform of `batch` examples from `input` to `output` (not overlapping).
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, direction: Direction) {
        switch axes {
        case .hidden:
            hiddenPass(input, output, batch: batch, direction: direction)
        case .sequence:
            sequencePass(input, output, batch: batch, direction: direction)
        case .both:
            let rows = TensorStorage(count: batch * sequenceLength * hiddenSize, zeroed: false)
            hiddenPass(input, rows.pointer, batch: batch, direction: direction)
            sequencePass(UnsafePointer(rows.pointer), output, batch: batch, direction: direction)
        }
    }

    // MARK: Hidden axis (rows)

    private func hiddenPass(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, direction: Direction) {
        let (n, levels) = (hiddenSize, hiddenLevels)
        let rows = batch * sequenceLength
        guard levels > 0 else {
            output.update(from: input, count: rows * n)
            return
        }
        let (filter, tail): (RowFilter, RowTail)
        switch direction {
        case .analysis: (filter, tail) = (rowAnalysis, analysisTail)
        case .adjoint: (filter, tail) = (rowAdjoint, adjointTail)
        case .synthesis: (filter, tail) = (rowSynthesis, synthesisTail)
        }
        // Levels 1…filtered run the row filter (lengths > 16); the rest is the tail matrix on ≤ 16 values.
        let filtered = levels - tail.levels
        let margin = filter.margin
        Parallelism.forEachChunk(of: rows) { range in
            // A low band (n), the interleaved row (n), the extended row (n + 2·margin), 64-byte aligned.
            let scratch = TensorStorage(count: 3 * n + 2 * margin + 32, zeroed: true)
            let band = scratch.pointer
            let interleaved = scratch.pointer + n
            let extended = scratch.pointer + 2 * n + 16
            let center = extended + margin
            filter.coefficients.withUnsafeBufferPointer { coefficients in
                for row in range {
                    let source = input + row * n
                    let target = output + row * n
                    if direction == .analysis {
                        // Each level reads its input at `center` and leaves its low band there for the next.
                        copyFloats(source, to: center, count: n)
                        var m = n
                        for level in stride(from: 1, through: filtered, by: 1) {
                            let half = m / 2
                            filter.run(coefficients, extended: extended, count: m, into: interleaved)
                            let low = level == levels ? target : center
                            split(interleaved, low: low, high: target + half, half: half)
                            m = half
                        }
                        if tail.levels > 0 { tail.apply(UnsafePointer(center), into: target) }
                    } else {
                        // Coarsest levels first: the tail, then the row filter from level `filtered` to 1.
                        var low = source
                        if tail.levels > 0 {
                            let out = filtered == 0 ? target : band
                            tail.apply(source, into: out)
                            low = UnsafePointer(out)
                        }
                        for level in stride(from: filtered, through: 1, by: -1) {
                            let half = n >> level
                            merge(low: low, high: source + half, half: half, into: center)
                            let out = level == 1 ? target : band
                            filter.run(coefficients, extended: extended, count: 2 * half, into: out)
                            low = UnsafePointer(out)
                        }
                    }
                }
            }
        }
    }

    // MARK: Sequence axis (whole rows, level by level)

    private func sequencePass(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, direction: Direction
    ) {
        let (t, c) = (sequenceLength, hiddenSize)
        guard sequenceLevels > 0 else {
            output.update(from: input, count: batch * t * c)
            return
        }
        let exampleSize = t * c
        if batch >= Parallelism.threads {
            Parallelism.forEachChunk(of: batch) { examples in
                let scratch = TensorStorage(count: t * c, zeroed: false)
                for b in examples {
                    transformColumns(
                        input + b * exampleSize, output + b * exampleSize, scratch: scratch.pointer, direction: direction,
                        parallel: false)
                }
            }
        } else {
            // Fewer examples than threads: the threads share each level's rows instead.
            let scratch = TensorStorage(count: t * c, zeroed: false)
            for b in 0..<batch {
                transformColumns(
                    input + b * exampleSize, output + b * exampleSize, scratch: scratch.pointer, direction: direction,
                    parallel: true)
            }
        }
    }

    /// All levels along T of one example, level by level over whole rows (SIMD across C).
    ///
    /// `scratch` holds `T·C` floats: two low bands of up to T/2 rows. With `parallel`, each level's
    /// output rows are split over the threads.
    private func transformColumns(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
        direction: Direction, parallel: Bool
    ) {
        let (t, c, levels, offset) = (sequenceLength, hiddenSize, sequenceLevels, filters.offset)
        let bands = (scratch, scratch + (t / 2) * c)
        let source = Lines(input, stride: c)
        let target = MutableLines(output, stride: c)
        func run(_ count: Int, _ body: (Range<Int>) -> Void) {
            if parallel { Parallelism.forEachChunk(of: count, body) } else { body(0..<count) }
        }
        switch direction {
        case .analysis:
            var current = source
            var m = t
            for level in 1...levels {
                let half = m / 2
                let low = level == levels ? target : MutableLines(level % 2 == 1 ? bands.0 : bands.1, stride: c)
                let lines = current
                run(half) { range in
                    analysisTaps.analyzeColumns(
                        lines, rows: m, low: low, high: target.advanced(by: half), outputs: range, count: c, offset: offset)
                }
                current = Lines(low)
                m = half
            }
        case .adjoint, .synthesis:
            let taps = direction == .adjoint ? adjointTaps : synthesisTaps
            var current = source  // cA_L
            for level in stride(from: levels, through: 1, by: -1) {
                let half = t >> level
                let out = level == 1 ? target : MutableLines(level % 2 == 1 ? bands.0 : bands.1, stride: c)
                let low = current
                run(2 * half) { range in
                    taps.synthesizeColumns(
                        low: low, high: source.advanced(by: half), half: half, into: out, outputs: range, count: c,
                        offset: offset)
                }
                current = Lines(out)
            }
        }
    }
}

// MARK: - Strided rows

/// Rows of floats `stride` apart, read-only.
private struct Lines {
    let base: UnsafePointer<Float>
    let stride: Int

    init(_ base: UnsafePointer<Float>, stride: Int) {
        self.base = base
        self.stride = stride
    }

    init(_ lines: MutableLines) {
        self.base = UnsafePointer(lines.base)
        self.stride = lines.stride
    }

    @inline(__always) subscript(row: Int) -> UnsafePointer<Float> { base + row * stride }

    func advanced(by rows: Int) -> Lines { Lines(base + rows * stride, stride: stride) }
}

/// Rows of floats `stride` apart, writable.
private struct MutableLines {
    let base: UnsafeMutablePointer<Float>
    let stride: Int

    init(_ base: UnsafeMutablePointer<Float>, stride: Int) {
        self.base = base
        self.stride = stride
    }

    @inline(__always) subscript(row: Int) -> UnsafeMutablePointer<Float> { base + row * stride }

    func advanced(by rows: Int) -> MutableLines { MutableLines(base + rows * stride, stride: stride) }
}

// MARK: - Analysis taps (columns)

/// One nonzero tap of an analysis filter: coefficient of `a[(2i − offset + k) mod m]` in output i.
private struct AnalysisTap {
    /// The tap index k.
    let k: Int
    let coefficient: Float
    /// The coefficient in every lane (no broadcast in the hot loop).
    let vector: SIMD16<Float>
}

/// The analysis filters `h1` (low) and `g1` (high) as lists of nonzero taps.
private struct AnalysisTaps {
    let low: [AnalysisTap]
    let high: [AnalysisTap]
    /// The filter length nc.
    let taps: Int

    init(low: [Double], high: [Double]) {
        func taps(_ filter: [Double]) -> [AnalysisTap] {
            filter.indices.filter { filter[$0] != 0 }.map {
                AnalysisTap(k: $0, coefficient: Float(filter[$0]), vector: SIMD16(repeating: Float(filter[$0])))
            }
        }
        self.low = taps(low)
        self.high = taps(high)
        self.taps = low.count
    }

    /// One level along rows: `m` rows of `lines` → low rows into `low`, high rows into `high`, for the
    /// output pairs i in `outputs` (⊂ 0..<m/2).
    func analyzeColumns(
        _ lines: Lines, rows m: Int, low: MutableLines, high: MutableLines, outputs: Range<Int>, count: Int, offset: Int
    ) {
        let mask = m - 1
        let bias = m * (taps + 2) - offset  // ≥ 0, ≡ −offset (mod m)
        self.low.withUnsafeBufferPointer { lowTaps in
            self.high.withUnsafeBufferPointer { highTaps in
                for i in outputs {
                    let base = 2 * i + bias
                    filterRows(lines, lowTaps, base: base, mask: mask, into: low[i], count: count)
                    filterRows(lines, highTaps, base: base, mask: mask, into: high[i], count: count)
                }
            }
        }
    }
}

/// `out[c] = Σ_taps coefficient · lines[(base + k) & mask][c]` for `c < count`.
@inline(__always)
private func filterRows(
    _ lines: Lines, _ taps: UnsafeBufferPointer<AnalysisTap>, base: Int, mask: Int,
    into out: UnsafeMutablePointer<Float>, count: Int
) {
    sumOverTaps(taps, count: count, into: out) { tap, c in
        tap.vector * load16(lines[(base + tap.k) & mask] + c)
    } scalar: { tap, c in
        tap.coefficient * lines[(base + tap.k) & mask][c]
    }
}

/// `out[i] = Σ_taps term(tap, i)` for `i < count`, where `vector(tap, i)` gives the terms of outputs
/// `i ..< i + 16` and `scalar(tap, i)` the term of output i (the same arithmetic, one lane).
///
/// Four vectors (64 outputs) per pass over the taps, so each tap's rows and coefficients are loaded
/// once per 64 outputs; then single vectors, then scalars. Each output adds its taps' terms in tap
/// order, starting from 0. O(count · taps).
@inline(__always)
private func sumOverTaps<Tap>(
    _ taps: UnsafeBufferPointer<Tap>, count: Int, into out: UnsafeMutablePointer<Float>,
    vector: (Tap, Int) -> SIMD16<Float>, scalar: (Tap, Int) -> Float
) {
    var i = 0
    while i + 64 <= count {
        var (s0, s1, s2, s3) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
        for tap in taps {
            s0 += vector(tap, i)
            s1 += vector(tap, i + 16)
            s2 += vector(tap, i + 32)
            s3 += vector(tap, i + 48)
        }
        store16(s0, out + i)
        store16(s1, out + i + 16)
        store16(s2, out + i + 32)
        store16(s3, out + i + 48)
        i += 64
    }
    while i + 16 <= count {
        var sum = SIMD16<Float>()
        for tap in taps { sum += vector(tap, i) }
        store16(sum, out + i)
        i += 16
    }
    while i < count {
        var sum: Float = 0
        for tap in taps { sum += scalar(tap, i) }
        out[i] = sum
        i += 1
    }
}

// MARK: - Synthesis-pattern taps (columns)

/// One tap of the synthesis pattern in gather form: output j (with `j + offset − k` even) adds
/// `low · lowBand[(j + offset − k)/2] + high · highBand[…]` (indices mod m/2).
private struct SynthesisTap {
    let k: Int
    let low: Float
    let high: Float
    /// `low` and `high` in every lane.
    let lowVector: SIMD16<Float>
    let highVector: SIMD16<Float>
}

/// A low/high filter pair used in the synthesis pattern (adjoint: `h1, g1`; inverse: `h2, g2`), as
/// tap lists per output parity.
private struct SynthesisTaps {
    /// `byParity[r]`: the taps contributing to outputs `j ≡ r (mod 2)`.
    let byParity: [[SynthesisTap]]
    /// The filter length nc.
    let taps: Int

    init(low: [Double], high: [Double], offset: Int) {
        byParity = (0..<2).map { parity in
            low.indices.filter { k in (parity + offset - k) & 1 == 0 && (low[k] != 0 || high[k] != 0) }.map { k in
                SynthesisTap(
                    k: k, low: Float(low[k]), high: Float(high[k]),
                    lowVector: SIMD16(repeating: Float(low[k])), highVector: SIMD16(repeating: Float(high[k])))
            }
        }
        taps = low.count
    }

    /// One level along rows: low band (`half` rows) and high band (`half` rows) → `2·half` rows, for the
    /// output rows j in `outputs` (⊂ 0..<2·half).
    func synthesizeColumns(
        low: Lines, high: Lines, half: Int, into out: MutableLines, outputs: Range<Int>, count: Int, offset: Int
    ) {
        let m = 2 * half
        let mask = half - 1
        let bias = m * (taps + 2) + offset  // keeps j + offset − k + (multiple of m) ≥ 0
        byParity[0].withUnsafeBufferPointer { even in
            byParity[1].withUnsafeBufferPointer { odd in
                for j in outputs {
                    gatherRows(low, high, j & 1 == 0 ? even : odd, base: j + bias, mask: mask, into: out[j], count: count)
                }
            }
        }
    }
}

/// `out[c] = Σ_taps low · lowBand[q][c] + high · highBand[q][c]`, `q = ((base − k) >> 1) & mask`.
@inline(__always)
private func gatherRows(
    _ low: Lines, _ high: Lines, _ taps: UnsafeBufferPointer<SynthesisTap>, base: Int, mask: Int,
    into out: UnsafeMutablePointer<Float>, count: Int
) {
    sumOverTaps(taps, count: count, into: out) { tap, c in
        let q = ((base - tap.k) >> 1) & mask
        return tap.lowVector * load16(low[q] + c) + tap.highVector * load16(high[q] + c)
    } scalar: { tap, c in
        let q = ((base - tap.k) >> 1) & mask
        return tap.low * low[q][c] + tap.high * high[q][c]
    }
}

// MARK: - Rows: filters with parity-alternating coefficients

/// One level along a contiguous row as `out[j] = Σ_d c_d(j mod 2) · x[(j + d) mod m]`: a filter whose
/// coefficients alternate with the parity of the output index.
///
/// - Analysis with `h1, g1`: the interleaved coefficients `out[2i] = low[i]`, `out[2i+1] = high[i]` of
///   `x = a`: `c_d(even) = h1[d + offset]`, `c_d(odd) = g1[d + offset + 1]`.
/// - Synthesis pattern with `fl, fh` (adjoint: `h1, g1`; inverse: `h2, g2`) on the interleaved
///   `x = (low[0], high[0], low[1], …)`: output j gathers `fl[k]·x[j + offset − k]` and
///   `fh[k]·x[j + offset − k + 1]` over k with `j + offset − k` even, so `c_d` is `fl[offset − d]` when
///   `j + d` is even and `fh[offset − d + 1]` when it is odd.
/// Sixteen consecutive outputs (starting at an even j) are one SIMD multiply-add per d, with the
/// coefficient vector `(c_d(even), c_d(odd), c_d(even), …)`.
private struct RowFilter {
    /// The relative offsets d with a nonzero coefficient.
    let offsets: [Int]
    /// Per offset: the alternating coefficient vector and the two scalars.
    let coefficients: [RowCoefficient]
    /// The periodic margin each side of the extended row: `max |d|`.
    let margin: Int

    init(analysisLow h1: [Double], high g1: [Double], offset: Int) {
        let nc = h1.count
        func at(_ f: [Double], _ k: Int) -> Double { f.indices.contains(k) ? f[k] : 0 }
        self.init(range: (-offset - 1)...(nc - 1 - offset)) { d in
            (at(h1, d + offset), at(g1, d + offset + 1))
        }
    }

    init(synthesisLow fl: [Double], high fh: [Double], offset: Int) {
        let nc = fl.count
        func at(_ f: [Double], _ k: Int) -> Double { f.indices.contains(k) ? f[k] : 0 }
        self.init(range: (offset - nc + 1)...(offset + 1)) { d in
            let (whenSumEven, whenSumOdd) = (at(fl, offset - d), at(fh, offset - d + 1))
            return d & 1 == 0 ? (whenSumEven, whenSumOdd) : (whenSumOdd, whenSumEven)
        }
    }

    /// From `(even, odd)` coefficients per offset d in `range`.
    private init(range: ClosedRange<Int>, coefficient: (Int) -> (Double, Double)) {
        var offsets: [Int] = []
        var coefficients: [RowCoefficient] = []
        for d in range {
            let (even, odd) = coefficient(d)
            guard even != 0 || odd != 0 else { continue }
            offsets.append(d)
            var vector = SIMD16<Float>()
            for lane in 0..<16 { vector[lane] = Float(lane & 1 == 0 ? even : odd) }
            coefficients.append(RowCoefficient(d: d, vector: vector, even: Float(even), odd: Float(odd)))
        }
        self.offsets = offsets
        self.coefficients = coefficients
        self.margin = offsets.map(abs).max() ?? 0
    }

    /// `out[j]` for `j < m` from `x = extended[margin ..< margin + m]` (m even, a power of two); fills the
    /// periodic margins `extended[0 ..< margin]` and `extended[margin + m ..< m + 2·margin]` first.
    func run(
        _ coefficients: UnsafeBufferPointer<RowCoefficient>, extended: UnsafeMutablePointer<Float>, count m: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        let mask = m - 1
        let center = extended + margin
        for q in 0..<margin {
            extended[q] = center[(q - margin) & mask]
            center[m + q] = center[q & mask]
        }
        sumOverTaps(coefficients, count: m, into: out) { c, j in
            c.vector * load16(center + j + c.d)
        } scalar: { c, j in
            (j & 1 == 0 ? c.even : c.odd) * center[j + c.d]
        }
    }
}

/// The last levels of a row transform, on the leading m ≤ 16 values, as one dense m×m matrix
/// (built in Double from `DenseReference`, rounded once): 16 multiply-adds of SIMD columns for m = 16,
/// instead of several short filter levels.
private struct RowTail {
    /// The levels the matrix covers (0: no tail).
    let levels: Int
    /// The matrix size m.
    let size: Int
    /// Column j of the matrix, padded to 16 lanes.
    let columns: [SIMD16<Float>]

    /// The tail of an `n`-value row transform of `levels` levels: the levels that act on 16 values or
    /// fewer. `matrix(m, r)` returns the row-major m×m matrix of those r levels on length m.
    init(length n: Int, levels: Int, matrix: (Int, Int) -> [Double]) {
        var m = n
        var done = 0
        while done < levels && m > 16 {
            m /= 2
            done += 1
        }
        self.levels = levels - done
        self.size = m
        guard self.levels > 0 else {
            columns = []
            return
        }
        let a = matrix(m, self.levels)
        columns = (0..<m).map { j in
            var column = SIMD16<Float>()
            for i in 0..<m { column[i] = Float(a[i * m + j]) }
            return column
        }
    }

    /// `out[0..<m] = M · x[0..<m]` (`x` and `out` may not overlap).
    func apply(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        columns.withUnsafeBufferPointer { columns in
            var sum = SIMD16<Float>()
            for j in 0..<size { sum += x[j] * columns[j] }
            if size == 16 {
                UnsafeMutableRawPointer(out).storeBytes(of: sum, as: SIMD16<Float>.self)
            } else {
                for i in 0..<size { out[i] = sum[i] }
            }
        }
    }
}

/// One offset of a `RowFilter`.
private struct RowCoefficient {
    let d: Int
    let vector: SIMD16<Float>
    let even: Float
    let odd: Float
}

/// `low[i] = x[2i]`, `high[i] = x[2i + 1]` for `i < half`.
///
/// Sixteen pairs at a time: each pair is one 64-bit lane (little-endian: `x[2i]` in its low half), split
/// by truncation and shift — SIMD narrowing, no per-element shuffles.
@inline(__always)
private func split(_ x: UnsafePointer<Float>, low: UnsafeMutablePointer<Float>, high: UnsafeMutablePointer<Float>, half: Int) {
    var i = 0
    while i + 16 <= half {
        let pairs = UnsafeRawPointer(x + 2 * i).loadUnaligned(as: SIMD16<UInt64>.self)
        let even = SIMD16<UInt32>(truncatingIfNeeded: pairs)
        let odd = SIMD16<UInt32>(truncatingIfNeeded: pairs &>> 32)
        UnsafeMutableRawPointer(low + i).storeBytes(of: even, as: SIMD16<UInt32>.self)
        UnsafeMutableRawPointer(high + i).storeBytes(of: odd, as: SIMD16<UInt32>.self)
        i += 16
    }
    while i < half {
        low[i] = x[2 * i]
        high[i] = x[2 * i + 1]
        i += 1
    }
}

/// `x[2i] = low[i]`, `x[2i + 1] = high[i]` for `i < half` (the converse of `split`: widen, shift, or).
@inline(__always)
private func merge(low: UnsafePointer<Float>, high: UnsafePointer<Float>, half: Int, into x: UnsafeMutablePointer<Float>) {
    var i = 0
    while i + 16 <= half {
        let even = SIMD16<UInt64>(truncatingIfNeeded: UnsafeRawPointer(low + i).loadUnaligned(as: SIMD16<UInt32>.self))
        let odd = SIMD16<UInt64>(truncatingIfNeeded: UnsafeRawPointer(high + i).loadUnaligned(as: SIMD16<UInt32>.self))
        UnsafeMutableRawPointer(x + 2 * i).storeBytes(of: even | (odd &<< 32), as: SIMD16<UInt64>.self)
        i += 16
    }
    while i < half {
        x[2 * i] = low[i]
        x[2 * i + 1] = high[i]
        i += 1
    }
}
