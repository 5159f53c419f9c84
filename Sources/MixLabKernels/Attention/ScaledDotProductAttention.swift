import CVectorKernels
import MixLabCore

/// Multi-head scaled dot-product self-attention on projected queries, keys and values, forward and
/// backward, with every product an OpenBLAS GEMM: the core of `AttentionMixer`.
///
/// For each example `b` and head `h` (head size `d = C / heads`), with `Q_h, K_h, V_h` the `T × d`
/// column blocks of the head:
///
///     S = Q_h K_hᵀ / √d + M,   P = softmax_rows(S),   O_h = P V_h
///
/// where `M[i, j] = −∞` for padded keys `j` (0 otherwise). A query row whose keys are all padded has no
/// distribution to normalise: its `P` row, and so its output, is defined as zero (its gradients are
/// zero too), instead of the NaN that `0/0` would give.
///
/// The backward pass, given `dO_h`:
///
///     dV_h = Pᵀ dO_h,   dP = dO_h V_hᵀ,   dS = P ⊙ (dP − D),   D_i = Σ_j P_ij dP_ij
///     dQ_h = dS K_h / √d,   dK_h = dSᵀ Q_h / √d
///
/// `D_i` equals `dO_h[i] · O_h[i]` (FlashAttention-2 uses that form), but the sum over the row of
/// `P ⊙ dP` makes each row of `dS` sum to zero up to one rounding of `Σ_j P_ij` instead of a cancellation
/// between two differently rounded products: with a single key (T = 1) `dS` is then exactly 0, as
/// the math says. The row is in cache, so the extra read costs little.
///
/// Only the first `N ≤ T` positions of each example may be queried (`queries`, T by default): every
/// key and value is still used, so `O` holds the first N rows of the full attention's output. A
/// classifier that reads one position of the last layer needs no more (N = 1: the scores are `1 × T`
/// instead of `T × T`).
///
/// Layouts (row-major Float32): `qkv` is `(B·T, 3C)` with each token's row `[q | k | v]`, head `h`
/// at columns `h·d ..< (h+1)·d` of each part (only the first N rows of each example's `q` are read);
/// the output `O` is `(B·N, C)` with heads concatenated; saved probabilities are `(B, heads, N, T)`;
/// row statistics are `(B, heads, N, 2)`: each query row's maximum score and the reciprocal of its sum
/// of exponentials, enough to recompute `P` exactly.
///
/// Work is organised per (example, head) pair and, within a pair, in blocks of `rowsPerBlock` query
/// rows (all of T up to 2048, 512 rows at T = 4096), so the block of scores stays in cache between the
/// GEMM that makes it, the softmax, and the GEMM that uses it, and the scratch stays small. When the
/// pairs share out evenly over `Parallelism.threads`, each thread takes a contiguous run of pairs and
/// runs their GEMMs single-threaded; otherwise pairs are processed one after another, each GEMM split
/// over the threads (`BLAS.sgemm`) and the elementwise passes (softmax, `dS`) splitting a block's rows
/// in fixed chunks. The schedule depends only on the shapes and the thread count, so results are
/// deterministic for a given thread count, and a recomputed `P` is bitwise equal to the saved one (same
/// GEMM calls, same row statistics, same arithmetic).
///
/// Cost per pair: forward `4·N·T·d` flops (two GEMMs) plus `N·T` exponentials; backward `8·N·T·d`
/// (four GEMMs), plus `2·N·T·d` and `N·T` exponentials when `P` is recomputed. Memory: saving `P`
/// takes `4·B·heads·N·T` bytes (2 GiB at B = 8, heads = 4, N = T = 4096); recomputing keeps only the
/// statistics (`8·B·heads·N` bytes). Scratch: one block of `rowsPerBlock × T` floats (two in a
/// backward pass that recomputes `P`), 8 MiB each at T = 4096.
public struct ScaledDotProductAttention: Sendable {
    /// The batch size B.
    public let batch: Int
    /// The sequence length T: the keys and values of each example.
    public let length: Int
    /// The queried positions N of each example: its first N positions (`1 ... T`).
    public let queries: Int
    /// The hidden size C (all heads together).
    public let hidden: Int
    /// The number of heads; divides `hidden`.
    public let heads: Int
    /// Query rows processed together.
    public let rowsPerBlock: Int

    /// The head size `d = C / heads`.
    public var headSize: Int { hidden / heads }

    /// Floats of scores per block (8 MiB): 512 query rows at T = 4096.
    ///
    /// Measured at T = 4096, d = 256, one thread: the GEMMs run at 80 → 87 GF/s (scores) as blocks
    /// grow from 128 to 512 rows (each GEMM call packs all of `K` or `V` again, so fewer, larger calls
    /// pack less) and no faster beyond; the softmax passes work row by row, in L1/L2 either way.
    public static let blockFloats = 1 << 21

    /// The attention core for `(batch, length, hidden)` activations split into `heads` heads, querying
    /// the first `queries` positions of each example (all T when nil).
    ///
    /// `rowsPerBlock` defaults to as many rows as fit `blockFloats` scores, at least 128 (GEMMs with
    /// fewer rows spend too much of their time packing `K` and `V`) and at most N: every T ≤ 2048 is
    /// one block.
    public init(batch: Int, length: Int, hidden: Int, heads: Int, queries: Int? = nil, rowsPerBlock: Int? = nil) {
        precondition(heads >= 1 && hidden % heads == 0, "ScaledDotProductAttention: \(heads) heads do not divide \(hidden)")
        let queries = queries ?? length
        precondition(queries >= 1 && queries <= length, "ScaledDotProductAttention: \(queries) queries for length \(length)")
        self.batch = batch
        self.length = length
        self.queries = queries
        self.hidden = hidden
        self.heads = heads
        let rows = rowsPerBlock ?? max(128, Self.blockFloats / max(length, 1))
        self.rowsPerBlock = max(1, min(rows, queries))
    }

    /// Floats of `(B, heads, N, T)` saved probabilities.
    public var probabilityCount: Int { batch * heads * queries * length }
    /// Floats of `(B, heads, N, 2)` row statistics.
    public var statisticsCount: Int { batch * heads * queries * 2 }

    // MARK: Forward

    /// Computes the concatenated head outputs `O` (`(B·N, C)`) and the row statistics, and saves `P`
    /// into `probabilities` when given.
    ///
    /// - Parameters:
    ///   - qkv: `(B·T, 3C)` projected queries, keys and values.
    ///   - keyBias: `(B, T)` additive key mask (0 for real tokens, −∞ for padding), or nil.
    ///   - output: `(B·N, C)`, overwritten.
    ///   - probabilities: `(B, heads, N, T)`, overwritten, or nil to keep only the statistics.
    ///   - statistics: `(B, heads, N, 2)`, overwritten.
    public func forward(
        qkv: UnsafePointer<Float>, keyBias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
        probabilities: UnsafeMutablePointer<Float>?, statistics: UnsafeMutablePointer<Float>
    ) {
        let biases = effectiveKeyBiases(keyBias)
        let scratchCount = probabilities == nil ? rowsPerBlock * length : 0
        forEachPair(scratch: scratchCount) { b, h, scratch, rowChunks in
            forwardPair(
                b, h, qkv: qkv, keyBias: biases[b], output: output, probabilities: probabilities,
                statistics: statistics, scratch: scratch, rowChunks: rowChunks)
        }
    }

    /// The forward pass of one (example, head) pair, block by block.
    private func forwardPair(
        _ b: Int, _ h: Int, qkv: UnsafePointer<Float>, keyBias bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>?,
        statistics: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, rowChunks: Int
    ) {
        let (t, n, c, d, r) = (length, queries, hidden, headSize, rowsPerBlock)
        let alpha = 1 / Float(d).squareRoot()
        let pair = b * heads + h
        let q = qkv + b * t * 3 * c + h * d
        let k = q + c, v = q + 2 * c
        for r0 in stride(from: 0, to: n, by: r) {
            let rows = min(r, n - r0)
            let s = probabilities.map { $0 + (pair * n + r0) * t } ?? scratch  // rows × T
            let stats = statistics + (pair * n + r0) * 2
            // S = Q_h[R] K_hᵀ / √d
            BLAS.sgemm(
                transposeB: true, m: rows, n: t, k: d, alpha: alpha, a: q + r0 * 3 * c, lda: 3 * c,
                b: k, ldb: 3 * c, c: s, ldc: t)
            // P = softmax(S + M), row by row
            forEachRowChunk(rows, chunks: rowChunks) { range in
                for i in range { softmaxRow(s + i * t, count: t, bias: bias, statistics: stats + 2 * i) }
            }
            // O_h[R] = P V_h
            BLAS.sgemm(
                m: rows, n: d, k: t, a: s, lda: t, b: v, ldb: 3 * c, c: output + (b * n + r0) * c + h * d,
                ldc: c)
        }
    }

    // MARK: Backward

    /// Writes `dQKV` (`(B·T, 3C)`, overwritten) from `dO` (`(B·N, C)`) and what `forward` produced.
    ///
    /// - Parameters:
    ///   - qkv: the projected queries, keys and values, as given to `forward`.
    ///   - keyBias: the additive key mask, as given to `forward`.
    ///   - probabilities: the saved `P`, or nil to recompute it from `qkv`, `keyBias` and `statistics`.
    ///   - statistics: the row statistics from `forward`.
    ///   - outputGradient: `dO`, `(B·N, C)`.
    ///   - qkvGradient: `(B·T, 3C)`, overwritten; with N < T the `dQ` of the positions not queried is 0.
    public func backward(
        qkv: UnsafePointer<Float>, keyBias: UnsafePointer<Float>?,
        probabilities: UnsafePointer<Float>?, statistics: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>, qkvGradient: UnsafeMutablePointer<Float>
    ) {
        let biases = effectiveKeyBiases(keyBias)
        let block = rowsPerBlock * length
        // Scratch: dP (then dS) for a block, and the recomputed P when it was not saved.
        forEachPair(scratch: probabilities == nil ? 2 * block : block) { b, h, scratch, rowChunks in
            backwardPair(
                b, h, qkv: qkv, keyBias: biases[b], probabilities: probabilities, statistics: statistics,
                outputGradient: outputGradient, qkvGradient: qkvGradient, scoreGradient: scratch,
                recomputed: probabilities == nil ? scratch + block : nil, rowChunks: rowChunks)
        }
    }

    /// The backward pass of one (example, head) pair, block by block.
    private func backwardPair(
        _ b: Int, _ h: Int, qkv: UnsafePointer<Float>, keyBias bias: UnsafePointer<Float>?,
        probabilities: UnsafePointer<Float>?, statistics: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        qkvGradient: UnsafeMutablePointer<Float>, scoreGradient ds: UnsafeMutablePointer<Float>,
        recomputed: UnsafeMutablePointer<Float>?, rowChunks: Int
    ) {
        let (t, n, c, d, r) = (length, queries, hidden, headSize, rowsPerBlock)
        let alpha = 1 / Float(d).squareRoot()
        let pair = b * heads + h
        let q = qkv + b * t * 3 * c + h * d
        let k = q + c, v = q + 2 * c
        let dq = qkvGradient + b * t * 3 * c + h * d
        let dk = dq + c, dv = dq + 2 * c
        let dO = outputGradient + b * n * c + h * d
        for position in n..<t { (dq + position * 3 * c).update(repeating: 0, count: d) }
        for r0 in stride(from: 0, to: n, by: r) {
            let rows = min(r, n - r0)
            let stats = statistics + (pair * n + r0) * 2
            let p: UnsafePointer<Float>
            if let probabilities {
                p = probabilities + (pair * n + r0) * t
            } else {
                // P[R] again: the forward GEMM and softmax statistics give bitwise the same values.
                let s = recomputed!
                BLAS.sgemm(
                    transposeB: true, m: rows, n: t, k: d, alpha: alpha, a: q + r0 * 3 * c, lda: 3 * c,
                    b: k, ldb: 3 * c, c: s, ldc: t)
                forEachRowChunk(rows, chunks: rowChunks) { range in
                    for i in range { recomputeRow(s + i * t, count: t, bias: bias, statistics: stats + 2 * i) }
                }
                p = UnsafePointer(s)
            }
            // dP = dO_h[R] V_hᵀ
            BLAS.sgemm(
                transposeB: true, m: rows, n: t, k: d, a: dO + r0 * c, lda: c, b: v, ldb: 3 * c, c: ds, ldc: t)
            // dS = P ⊙ (dP − D), D_i = Σ_j P_ij dP_ij
            forEachRowChunk(rows, chunks: rowChunks) { range in
                for i in range { softmaxGradientRow(p + i * t, ds + i * t, count: t) }
            }
            let accumulate: Float = r0 == 0 ? 0 : 1
            // dV_h += P[R]ᵀ dO_h[R]
            BLAS.sgemm(
                transposeA: true, m: t, n: d, k: rows, a: p, lda: t, b: dO + r0 * c, ldb: c, beta: accumulate,
                c: dv, ldc: 3 * c)
            // dQ_h[R] = dS K_h / √d
            BLAS.sgemm(
                m: rows, n: d, k: t, alpha: alpha, a: ds, lda: t, b: k, ldb: 3 * c, c: dq + r0 * 3 * c,
                ldc: 3 * c)
            // dK_h += dSᵀ Q_h[R] / √d
            BLAS.sgemm(
                transposeA: true, m: t, n: d, k: rows, alpha: alpha, a: ds, lda: t, b: q + r0 * 3 * c,
                ldb: 3 * c, beta: accumulate, c: dk, ldc: 3 * c)
        }
    }

    // MARK: Helpers

    /// Per example, the key bias row, or nil when that example has no padded key (its add is skipped).
    private func effectiveKeyBiases(_ keyBias: UnsafePointer<Float>?) -> [UnsafePointer<Float>?] {
        (0..<batch).map { b in
            guard let keyBias else { return nil }
            let row = keyBias + b * length
            return (0..<length).contains { row[$0] != 0 } ? row : nil
        }
    }

    /// Runs `body(b, h, scratch, rowChunks)` for every (example, head) pair, with `count` floats of
    /// scratch for each thread; elementwise passes split a block's rows into `rowChunks` chunks.
    ///
    /// With enough pairs to share out evenly (a multiple of the thread count, or at least four per
    /// thread), the pairs are split into one contiguous run per thread and every GEMM inside runs
    /// single-threaded on its own thread (`Parallelism.isInsideParallelRegion`): faster than pairs one
    /// after another with each GEMM split over the threads, whose small products (`T × T × d` with
    /// d = 64) pay for a thread hand-off each (`mixlab bench mixer attention` times it). Otherwise pairs run one after another and
    /// each GEMM and elementwise pass is split over the threads.
    private func forEachPair(scratch count: Int, _ body: (Int, Int, UnsafeMutablePointer<Float>, Int) -> Void) {
        let pairs = batch * heads
        let threads = Parallelism.threads
        if threads > 1, pairs >= threads, pairs % threads == 0 || pairs >= 4 * threads, !Parallelism.isInsideParallelRegion {
            Parallelism.forEachChunk(of: pairs, chunks: threads) { range in
                let scratch = TensorStorage(count: count, zeroed: false)
                for pair in range { body(pair / heads, pair % heads, scratch.pointer, 1) }
            }
            return
        }
        let scratch = TensorStorage(count: count, zeroed: false)
        let rowChunks = rowsPerBlock * length >= 16_384 ? threads : 1
        for pair in 0..<pairs { body(pair / heads, pair % heads, scratch.pointer, rowChunks) }
    }

    /// Splits `rows` rows of a block into `chunks` chunks run in parallel.
    private func forEachRowChunk(_ rows: Int, chunks: Int, _ body: (Range<Int>) -> Void) {
        Parallelism.forEachChunk(of: rows, chunks: chunks, body)
    }

}

// MARK: Row kernels (C, chosen per instruction set)

/// In place: `s ← softmax(s + bias)`; writes the row maximum and the reciprocal of the sum to
/// `statistics[0...1]`. A row without any finite score (every key padded) becomes zeros, with
/// statistics `(0, 0)`.
@inline(__always)
private func softmaxRow(
    _ s: UnsafeMutablePointer<Float>, count n: Int, bias: UnsafePointer<Float>?, statistics: UnsafeMutablePointer<Float>
) {
    mixlab_softmax_row(s, n, bias, statistics)
}

/// In place: `s ← exp(s + bias − max) · inverse` from the statistics `softmaxRow` wrote: bitwise the
/// same probabilities, recomputed from the same scores.
@inline(__always)
private func recomputeRow(
    _ s: UnsafeMutablePointer<Float>, count n: Int, bias: UnsafePointer<Float>?, statistics: UnsafePointer<Float>
) {
    mixlab_softmax_recompute_row(s, n, bias, statistics)
}

/// In place on `g`: `g ← p ⊙ (g − Σ p ⊙ g)`, the softmax backward for one row.
@inline(__always)
private func softmaxGradientRow(_ p: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, count n: Int) {
    mixlab_softmax_gradient_row(p, g, n)
}
