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
/// - sequence axis: column strips whose rows fit in L2; every filter tap adds a whole strip row
///   (SIMD across C); the first level reads the input rows directly and detail rows go straight to the
///   output, only the low band passes through scratch;
/// - hidden axis: per row, in polyphase form: the even and odd samples are split into periodically
///   extended scratch arrays, so every tap is a contiguous SIMD multiply-add;
/// - both: the separable transform `W_T · X · W_Cᵀ` (GSL's "standard" 2-D form, every row fully then
///   every column fully); the hidden pass writes the output, the sequence pass works on it in place.
/// Work is split over `Parallelism.threads` in fixed chunks (rows, then example×strip items).
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
    private let stripWidth: Int
    /// The margin, in samples, of the periodically extended polyphase arrays of the row kernel.
    private let margin: Int

    /// Prepares the transform of `(sequenceLength, hiddenSize)` examples with `sequenceLevels` levels
    /// along T and `hiddenLevels` along C (each at most log₂ of its length; 0 on an axis not in `axes`).
    public init(
        filters: WaveletFilters, sequenceLength: Int, hiddenSize: Int, axes: MixingAxes,
        sequenceLevels: Int, hiddenLevels: Int
    ) {
        precondition(sequenceLength >= 1 && hiddenSize >= 1, "WaveletFilterBank: empty example")
        precondition(axes.includesSequence || sequenceLevels == 0, "WaveletFilterBank: sequence not transformed")
        precondition(axes.includesHidden || hiddenLevels == 0, "WaveletFilterBank: hidden not transformed")
        precondition(sequenceLevels == 0 || (sequenceLength & (sequenceLength - 1) == 0
            && sequenceLength >> sequenceLevels >= 1), "WaveletFilterBank: bad sequence levels")
        precondition(hiddenLevels == 0 || (hiddenSize & (hiddenSize - 1) == 0
            && hiddenSize >> hiddenLevels >= 1), "WaveletFilterBank: bad hidden levels")
        self.filters = filters
        self.sequenceLength = sequenceLength
        self.hiddenSize = hiddenSize
        self.axes = axes
        self.sequenceLevels = sequenceLevels
        self.hiddenLevels = hiddenLevels
        let nc = filters.taps
        margin = nc / 2 + 2
        analysisTaps = AnalysisTaps(low: filters.analysisLow, high: filters.analysisHigh, offset: filters.offset, margin: margin)
        adjointTaps = SynthesisTaps(
            low: filters.analysisLow, high: filters.analysisHigh, offset: filters.offset, margin: margin)
        synthesisTaps = SynthesisTaps(
            low: filters.synthesisLow, high: filters.synthesisHigh, offset: filters.offset, margin: margin)
        // About 128 KiB of strip (T rows) per thread.
        let budget = max(16, (32 * 1024 / sequenceLength) / 16 * 16)
        stripWidth = min(budget, 256, (hiddenSize + 15) / 16 * 16)
    }

    /// Writes the `direction` transform of `batch` examples from `input` to `output` (not overlapping).
    public func apply(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, direction: Direction) {
        switch axes {
        case .hidden:
            hiddenPass(input, output, batch: batch, direction: direction)
        case .sequence:
            sequencePass(input, output, batch: batch, direction: direction, inPlace: false)
        case .both:
            hiddenPass(input, output, batch: batch, direction: direction)
            sequencePass(UnsafePointer(output), output, batch: batch, direction: direction, inPlace: true)
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
        let extended = n / 2 + 2 * margin + filters.taps + 8
        Parallelism.forEachChunk(of: rows) { range in
            // Two ping-pong low bands, and the two periodically extended polyphase arrays.
            let scratch = TensorStorage(count: n + 2 * extended, zeroed: true)
            let bands = (scratch.pointer, scratch.pointer + n / 2)
            let phases = (scratch.pointer + n, scratch.pointer + n + extended)
            for row in range {
                let source = input + row * n
                let target = output + row * n
                switch direction {
                case .analysis:
                    analyzeRow(source, target, count: n, levels: levels, bands: bands, phases: phases)
                case .adjoint:
                    synthesizeRow(source, target, count: n, levels: levels, taps: adjointTaps, bands: bands, phases: phases)
                case .synthesis:
                    synthesizeRow(source, target, count: n, levels: levels, taps: synthesisTaps, bands: bands, phases: phases)
                }
            }
        }
    }

    private func analyzeRow(
        _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, count n: Int, levels: Int,
        bands: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>),
        phases: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    ) {
        var current = source
        var m = n
        for level in 1...levels {
            let half = m / 2
            let low = level == levels ? target : (level % 2 == 1 ? bands.0 : bands.1)
            analysisTaps.analyzeRow(current, count: m, low: low, high: target + half, phases: phases, margin: margin)
            current = UnsafePointer(low)
            m = half
        }
    }

    private func synthesizeRow(
        _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, count n: Int, levels: Int,
        taps: SynthesisTaps, bands: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>),
        phases: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    ) {
        var current = source  // the low band of the coarsest level: cA_L
        for level in stride(from: levels, through: 1, by: -1) {
            let half = n >> level
            let out = level == 1 ? target : (level % 2 == 1 ? bands.0 : bands.1)
            taps.synthesizeRow(low: current, high: source + half, half: half, into: out, phases: phases, margin: margin)
            current = UnsafePointer(out)
        }
    }

    // MARK: Sequence axis (column strips)

    private func sequencePass(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, direction: Direction,
        inPlace: Bool
    ) {
        let (t, c, levels, width) = (sequenceLength, hiddenSize, sequenceLevels, stripWidth)
        guard levels > 0 else {
            if !inPlace { output.update(from: input, count: batch * t * c) }
            return
        }
        let strips = (c + width - 1) / width
        let exampleSize = t * c
        Parallelism.forEachChunk(of: batch * strips) { items in
            // A gathered copy of the strip (in place only) and two ping-pong low bands of T/2 rows.
            let scratch = TensorStorage(count: (inPlace ? t * width : 0) + t * width, zeroed: true)
            let bands = (scratch.pointer, scratch.pointer + (t / 2) * width)
            let gathered = scratch.pointer + t * width
            for item in items {
                let (b, strip) = item.quotientAndRemainder(dividingBy: strips)
                let column = strip * width
                let count = min(width, c - column)
                var source = Lines(input + b * exampleSize + column, stride: c)
                let target = MutableLines(output + b * exampleSize + column, stride: c)
                if inPlace {
                    for row in 0..<t { (gathered + row * width).update(from: source.base + row * c, count: count) }
                    source = Lines(gathered, stride: width)
                }
                switch direction {
                case .analysis:
                    var current = source
                    var m = t
                    for level in 1...levels {
                        let half = m / 2
                        let low = level == levels ? target : MutableLines(level % 2 == 1 ? bands.0 : bands.1, stride: width)
                        analysisTaps.analyzeColumns(
                            current, rows: m, low: low, high: target.advanced(by: half), count: count, offset: filters.offset)
                        current = Lines(low)
                        m = half
                    }
                case .adjoint, .synthesis:
                    let taps = direction == .adjoint ? adjointTaps : synthesisTaps
                    var current = source
                    for level in stride(from: levels, through: 1, by: -1) {
                        let half = t >> level
                        let out = level == 1 ? target : MutableLines(level % 2 == 1 ? bands.0 : bands.1, stride: width)
                        taps.synthesizeColumns(
                            low: current, high: source.advanced(by: half), half: half, into: out, count: count,
                            offset: filters.offset, taps: filters.taps)
                        current = Lines(out)
                    }
                }
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

// MARK: - Analysis taps

/// One nonzero tap of an analysis filter: coefficient of `a[(2i − offset + k) mod m]` in output i.
private struct AnalysisTap {
    /// The tap index k.
    let k: Int
    /// Polyphase: 0 when `k − offset` is even (an even sample), 1 when odd.
    let phase: Int
    /// Polyphase: the position, in the extended phase array, of the sample output 0 reads:
    /// `margin + floor((k − offset)/2)`.
    let shift: Int
    let coefficient: Float
}

/// The analysis filters `h1` (low) and `g1` (high) as lists of nonzero taps.
private struct AnalysisTaps {
    let low: [AnalysisTap]
    let high: [AnalysisTap]
    /// The filter length nc.
    let taps: Int

    init(low: [Double], high: [Double], offset: Int, margin: Int) {
        func taps(_ filter: [Double]) -> [AnalysisTap] {
            filter.indices.filter { filter[$0] != 0 }.map { k in
                let d = k - offset
                let floorHalf = d >= 0 ? d / 2 : -((-d + 1) / 2)
                return AnalysisTap(k: k, phase: d & 1, shift: margin + floorHalf, coefficient: Float(filter[k]))
            }
        }
        self.low = taps(low)
        self.high = taps(high)
        self.taps = low.count
    }

    /// One level along rows: `m` rows of `lines` → low rows into `low`, high rows into `high`.
    func analyzeColumns(_ lines: Lines, rows m: Int, low: MutableLines, high: MutableLines, count: Int, offset: Int) {
        let half = m / 2
        let mask = m - 1
        let bias = m * (taps + 2) - offset  // ≥ 0, ≡ −offset (mod m)
        self.low.withUnsafeBufferPointer { lowTaps in
            self.high.withUnsafeBufferPointer { highTaps in
                for i in 0..<half {
                    let base = 2 * i + bias
                    filterRows(lines, lowTaps, base: base, mask: mask, into: low[i], count: count)
                    filterRows(lines, highTaps, base: base, mask: mask, into: high[i], count: count)
                }
            }
        }
    }

    /// One level along a row of `m` contiguous floats → `low` (m/2) and `high` (m/2), polyphase.
    func analyzeRow(
        _ source: UnsafePointer<Float>, count m: Int, low: UnsafeMutablePointer<Float>, high: UnsafeMutablePointer<Float>,
        phases: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>), margin: Int
    ) {
        let half = m / 2
        let (even, odd) = phases
        // Split even and odd samples into [margin, margin + half), then extend both periodically.
        var i = 0
        while i + 16 <= half {
            let pair = UnsafeRawPointer(source + 2 * i).loadUnaligned(as: SIMD32<Float>.self)
            UnsafeMutableRawPointer(even + margin + i).storeBytes(of: pair.evenHalf, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(odd + margin + i).storeBytes(of: pair.oddHalf, as: SIMD16<Float>.self)
            i += 16
        }
        while i < half {
            even[margin + i] = source[2 * i]
            odd[margin + i] = source[2 * i + 1]
            i += 1
        }
        extendPeriodically(even, margin: margin, period: half, extra: margin + taps)
        extendPeriodically(odd, margin: margin, period: half, extra: margin + taps)
        let arrays = (UnsafePointer(even), UnsafePointer(odd))
        self.low.withUnsafeBufferPointer { lowTaps in
            self.high.withUnsafeBufferPointer { highTaps in
                polyphaseFilter(arrays, lowTaps, into: low, count: half)
                polyphaseFilter(arrays, highTaps, into: high, count: half)
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
    var c = 0
    while c + 16 <= count {
        var sum = SIMD16<Float>()
        for tap in taps {
            let x = UnsafeRawPointer(lines[(base + tap.k) & mask] + c).loadUnaligned(as: SIMD16<Float>.self)
            sum += tap.coefficient * x
        }
        UnsafeMutableRawPointer(out + c).storeBytes(of: sum, as: SIMD16<Float>.self)
        c += 16
    }
    while c < count {
        var sum: Float = 0
        for tap in taps { sum += tap.coefficient * lines[(base + tap.k) & mask][c] }
        out[c] = sum
        c += 1
    }
}

/// `out[i] = Σ_taps coefficient · phase[tap.phase][i + tap.shift]` for `i < count`.
@inline(__always)
private func polyphaseFilter(
    _ phases: (UnsafePointer<Float>, UnsafePointer<Float>), _ taps: UnsafeBufferPointer<AnalysisTap>,
    into out: UnsafeMutablePointer<Float>, count: Int
) {
    var i = 0
    while i + 16 <= count {
        var sum = SIMD16<Float>()
        for tap in taps {
            let source = (tap.phase == 0 ? phases.0 : phases.1) + i + tap.shift
            sum += tap.coefficient * UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self)
        }
        UnsafeMutableRawPointer(out + i).storeBytes(of: sum, as: SIMD16<Float>.self)
        i += 16
    }
    while i < count {
        var sum: Float = 0
        for tap in taps { sum += tap.coefficient * (tap.phase == 0 ? phases.0 : phases.1)[i + tap.shift] }
        out[i] = sum
        i += 1
    }
}

/// Fills `a[0..<margin]` and `a[margin + period ..< margin + period + extra]` so that
/// `a[margin + j] = a[margin + (j mod period)]` for every j in range.
@inline(__always)
private func extendPeriodically(_ a: UnsafeMutablePointer<Float>, margin: Int, period: Int, extra: Int) {
    for q in 0..<margin {
        let j = ((q - margin) % period + period) % period
        a[q] = a[margin + j]
    }
    for q in 0..<extra {
        a[margin + period + q] = a[margin + q % period]
    }
}

// MARK: - Synthesis-pattern taps

/// One tap of the synthesis pattern in gather form: output j (with `j + offset − k` even) adds
/// `low · lowBand[(j + offset − k)/2] + high · highBand[…]` (indices mod m/2).
private struct SynthesisTap {
    let k: Int
    /// Polyphase: `margin + (parity + offset − k)/2`, the extended-band position output 0 of this parity reads.
    let shift: Int
    let low: Float
    let high: Float
}

/// A low/high filter pair used in the synthesis pattern (adjoint: `h1, g1`; inverse: `h2, g2`), as
/// tap lists per output parity.
private struct SynthesisTaps {
    /// `byParity[r]`: the taps contributing to outputs `j ≡ r (mod 2)`.
    let byParity: [[SynthesisTap]]
    /// The largest tap index k in use.
    let largestTap: Int

    init(low: [Double], high: [Double], offset: Int, margin: Int) {
        byParity = (0..<2).map { parity in
            low.indices.filter { k in (parity + offset - k) & 1 == 0 && (low[k] != 0 || high[k] != 0) }.map { k in
                SynthesisTap(k: k, shift: margin + (parity + offset - k) / 2, low: Float(low[k]), high: Float(high[k]))
            }
        }
        largestTap = byParity.joined().map(\.k).max() ?? 0
    }

    /// One level along rows: low band (`half` rows) and high band (`half` rows) → `2·half` rows.
    func synthesizeColumns(
        low: Lines, high: Lines, half: Int, into out: MutableLines, count: Int, offset: Int, taps nc: Int
    ) {
        let m = 2 * half
        let mask = half - 1
        let bias = m * (nc + 2) + offset  // keeps j + offset − k + (multiple of m) ≥ 0
        byParity[0].withUnsafeBufferPointer { even in
            byParity[1].withUnsafeBufferPointer { odd in
                for j in 0..<m {
                    gatherRows(low, high, j & 1 == 0 ? even : odd, base: j + bias, mask: mask, into: out[j], count: count)
                }
            }
        }
    }

    /// One level along a row: `low` and `high` (`half` floats each) → `out` (`2·half` floats), polyphase.
    func synthesizeRow(
        low: UnsafePointer<Float>, high: UnsafePointer<Float>, half: Int, into out: UnsafeMutablePointer<Float>,
        phases: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>), margin: Int
    ) {
        let (lows, highs) = phases
        let extra = margin + largestTap + 2
        (lows + margin).update(from: low, count: half)
        (highs + margin).update(from: high, count: half)
        extendPeriodically(lows, margin: margin, period: half, extra: extra)
        extendPeriodically(highs, margin: margin, period: half, extra: extra)
        let (l, h) = (UnsafePointer(lows), UnsafePointer(highs))
        byParity[0].withUnsafeBufferPointer { evenTaps in
            byParity[1].withUnsafeBufferPointer { oddTaps in
                var p = 0
                while p + 16 <= half {
                    let even = polyphaseSum(l, h, evenTaps, at: p)
                    let odd = polyphaseSum(l, h, oddTaps, at: p)
                    UnsafeMutableRawPointer(out + 2 * p).storeBytes(of: interleave(even, odd), as: SIMD32<Float>.self)
                    p += 16
                }
                while p < half {
                    var even: Float = 0
                    var odd: Float = 0
                    for tap in evenTaps { even += tap.low * l[p + tap.shift] + tap.high * h[p + tap.shift] }
                    for tap in oddTaps { odd += tap.low * l[p + tap.shift] + tap.high * h[p + tap.shift] }
                    out[2 * p] = even
                    out[2 * p + 1] = odd
                    p += 1
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
    var c = 0
    while c + 16 <= count {
        var sum = SIMD16<Float>()
        for tap in taps {
            let q = ((base - tap.k) >> 1) & mask
            let x = UnsafeRawPointer(low[q] + c).loadUnaligned(as: SIMD16<Float>.self)
            let y = UnsafeRawPointer(high[q] + c).loadUnaligned(as: SIMD16<Float>.self)
            sum += tap.low * x + tap.high * y
        }
        UnsafeMutableRawPointer(out + c).storeBytes(of: sum, as: SIMD16<Float>.self)
        c += 16
    }
    while c < count {
        var sum: Float = 0
        for tap in taps {
            let q = ((base - tap.k) >> 1) & mask
            sum += tap.low * low[q][c] + tap.high * high[q][c]
        }
        out[c] = sum
        c += 1
    }
}

/// `Σ_taps low · l[p + shift …] + high · h[p + shift …]` for 16 consecutive outputs of one parity.
@inline(__always)
private func polyphaseSum(
    _ l: UnsafePointer<Float>, _ h: UnsafePointer<Float>, _ taps: UnsafeBufferPointer<SynthesisTap>, at p: Int
) -> SIMD16<Float> {
    var sum = SIMD16<Float>()
    for tap in taps {
        let x = UnsafeRawPointer(l + p + tap.shift).loadUnaligned(as: SIMD16<Float>.self)
        let y = UnsafeRawPointer(h + p + tap.shift).loadUnaligned(as: SIMD16<Float>.self)
        sum += tap.low * x + tap.high * y
    }
    return sum
}

/// `(e0, o0, e1, o1, …, e15, o15)`.
@inline(__always)
private func interleave(_ even: SIMD16<Float>, _ odd: SIMD16<Float>) -> SIMD32<Float> {
    var result = SIMD32<Float>()
    for i in 0..<16 {
        result[2 * i] = even[i]
        result[2 * i + 1] = odd[i]
    }
    return result
}
