import MixLabKernels

/// Vectorised loops over one row of `count` floats for the fused layer passes (LayerNorm with its
/// residual sum and dropout mask, bias gradients): 16 lanes at a time with unaligned loads and stores,
/// then a scalar tail. Sums over a row use 16 partial sums, added at the end.
enum FusedRows {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// `out = a + b`, or `a + b ⊙ mask` (`out` may be `a` or `b`).
    @inline(__always)
    static func sum(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
        into out: UnsafeMutablePointer<Float>, count n: Int
    ) {
        var i = 0
        if let mask {
            while i + 16 <= n {
                store(load(a + i) + load(b + i) * load(mask + i), out + i)
                i += 16
            }
            while i < n {
                out[i] = a[i] + b[i] * mask[i]
                i += 1
            }
        } else {
            while i + 16 <= n {
                store(load(a + i) + load(b + i), out + i)
                i += 16
            }
            while i < n {
                out[i] = a[i] + b[i]
                i += 1
            }
        }
    }

    /// `Σ x[i]`.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n {
            acc += load(x + i)
            i += 16
        }
        var total = acc.sum()
        while i < n {
            total += x[i]
            i += 1
        }
        return total
    }

    /// `Σ (x[i] − mean)²`.
    @inline(__always)
    static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, _ n: Int, _ mean: Float) -> Float {
        var acc = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n {
            let d = load(x + i) - mean
            acc += d * d
            i += 16
        }
        var total = acc.sum()
        while i < n {
            let d = x[i] - mean
            total += d * d
            i += 1
        }
        return total
    }

    /// `x̂ = (x − mean)·r` into `normalized` (when given) and `x̂·γ + β` into `output` (which may be
    /// `x`).
    @inline(__always)
    static func normalize(
        _ x: UnsafePointer<Float>, mean: Float, reciprocal r: Float, gamma: UnsafePointer<Float>,
        beta: UnsafePointer<Float>, normalized: UnsafeMutablePointer<Float>?, output: UnsafeMutablePointer<Float>,
        count n: Int
    ) {
        var i = 0
        while i + 16 <= n {
            let value = (load(x + i) - mean) * r
            if let normalized { store(value, normalized + i) }
            store(value * load(gamma + i) + load(beta + i), output + i)
            i += 16
        }
        while i < n {
            let value = (x[i] - mean) * r
            normalized?[i] = value
            output[i] = value * gamma[i] + beta[i]
            i += 1
        }
    }

    /// One row of the LayerNorm backward pass: `out = r·(g⊙γ − mean(g⊙γ) − x̂·mean(g⊙γ⊙x̂))`, adding
    /// `g ⊙ x̂` into `dGamma` and `g` into `dBeta`.
    @inline(__always)
    static func layerNormBackward(
        g: UnsafePointer<Float>, n x̂: UnsafePointer<Float>, gamma: UnsafePointer<Float>, reciprocal r: Float,
        output: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
        count n: Int
    ) {
        var sumScaled = SIMD16<Float>(repeating: 0), sumScaledNormalized = SIMD16<Float>(repeating: 0)
        var i = 0
        while i + 16 <= n {
            let gv = load(g + i), nv = load(x̂ + i)
            let scaled = gv * load(gamma + i)
            sumScaled += scaled
            sumScaledNormalized += scaled * nv
            store(load(dGamma + i) + gv * nv, dGamma + i)
            store(load(dBeta + i) + gv, dBeta + i)
            i += 16
        }
        var meanG = sumScaled.sum(), meanGN = sumScaledNormalized.sum()
        while i < n {
            let scaled = g[i] * gamma[i]
            meanG += scaled
            meanGN += scaled * x̂[i]
            dGamma[i] += g[i] * x̂[i]
            dBeta[i] += g[i]
            i += 1
        }
        meanG /= Float(n)
        meanGN /= Float(n)
        i = 0
        while i + 16 <= n {
            store(r * (load(g + i) * load(gamma + i) - meanG - load(x̂ + i) * meanGN), output + i)
            i += 16
        }
        while i < n {
            output[i] = r * (g[i] * gamma[i] - meanG - x̂[i] * meanGN)
            i += 1
        }
    }

    /// `out = x ⊙ m`, adding `out` into `columnSums`.
    @inline(__always)
    static func multiplyAccumulating(
        _ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
        columnSums: UnsafeMutablePointer<Float>, count n: Int
    ) {
        var i = 0
        while i + 16 <= n {
            let v = load(x + i) * load(m + i)
            store(v, out + i)
            store(load(columnSums + i) + v, columnSums + i)
            i += 16
        }
        while i < n {
            let v = x[i] * m[i]
            out[i] = v
            columnSums[i] += v
            i += 1
        }
    }

    /// `sums += x`.
    @inline(__always)
    static func accumulate(_ x: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        while i + 16 <= n {
            store(load(sums + i) + load(x + i), sums + i)
            i += 16
        }
        while i < n {
            sums[i] += x[i]
            i += 1
        }
    }
}

/// Per-thread partial column sums over the rows of a `[rows, width]` pass, for parameter gradients
/// (`dγ`, `dβ`, bias gradients) computed inside a parallel pass.
///
/// The rows are split into a fixed number of contiguous chunks (it depends on the shape and the thread
/// count only); each chunk adds into its own `kinds × width` zeroed partial sums, and `add(kind:into:)`
/// adds the chunks' partials to a gradient in chunk order, so results are reproducible for a given
/// thread count.
final class ColumnPartials {
    /// Floats per row.
    let width: Int
    /// How many sums of `width` floats each chunk keeps.
    let kinds: Int
    /// The number of chunks.
    let chunks: Int
    private let rows: Int
    private let sums: UnsafeMutablePointer<Float>

    /// Zeroed partial sums for a pass over `rows` rows of `width` floats.
    init(width: Int, kinds: Int, rows: Int) {
        self.width = width
        self.kinds = kinds
        self.rows = rows
        chunks = max(1, min(Parallelism.threads, rows, rows * width / Elementwise.grain))
        sums = .allocate(capacity: max(1, chunks * kinds * width))
        sums.initialize(repeating: 0, count: max(1, chunks * kinds * width))
    }

    deinit { sums.deallocate() }

    /// Runs `body(rows, partials)` for every chunk, in parallel; `partials` points at the chunk's
    /// `kinds × width` sums (kind `k` at `partials + k·width`).
    func run(_ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let (sums, stride) = (self.sums, kinds * width)
        Parallelism.forEachNumberedChunk(of: rows, chunks: chunks) { chunk, range in
            body(range, sums + chunk * stride)
        }
    }

    /// Adds every chunk's sums of `kind`, in chunk order, into `target` (`width` floats).
    func add(kind: Int, into target: UnsafeMutablePointer<Float>) {
        for chunk in 0..<chunks {
            FusedRows.accumulate(sums + (chunk * kinds + kind) * width, into: target, count: width)
        }
    }
}
