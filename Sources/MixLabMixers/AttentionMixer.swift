import Foundation
import MixLabCore
import MixLabKernels

/// BERT's mixing: multi-head scaled dot-product self-attention with query, key, value and output
/// projections and the padding mask — the baseline FNet is compared with.
///
/// For each example `X` of shape `(T, C)`, with `heads` heads of size `d = C / heads`:
///
///     Q = X Wqᵀ + bq,   K = X Wkᵀ (+ bk, which cancels: see below),   V = X Wvᵀ + bv
///     O_h = softmax(Q_h K_hᵀ / √d + M) V_h          (h = 0 ..< heads; Q_h = columns h·d ..< (h+1)·d)
///     Y = [O_0 | … | O_{heads−1}] Woᵀ + bo
///
/// where `M[i, j] = −∞` when key `j` is padding (`MixerContext.paddingMask[b, j] == 0`) and 0
/// otherwise. Padded positions still get outputs (their queries attend to the real keys), as in BERT; a
/// query whose keys are *all* padded has no distribution to normalise and gets `O = 0`, so `Y = bo`
/// there, with zero gradients (instead of NaN).
///
/// - Parameters: `query.weight`, `key.weight`, `value.weight`, `output.weight` (`C × C`, PyTorch layout
///   `[out, in]`: `y = x Wᵀ + b`) and `query.bias`, `key.bias`, `value.bias`, `output.bias` (`C`), the
///   names and layout of HuggingFace BERT's `attention.self.{query,key,value}` and
///   `attention.output.dense`, so an importer maps them one to one. Initialised as HuggingFace does:
///   weights normal(0, 0.02), biases zero, each weight from its own sub-stream of
///   `MixerBuildContext.random`.
/// - The key bias cannot change the output: it adds `q_i · bk / √d` to every score of query row `i`,
///   and the softmax is invariant to adding a constant to a row. The forward pass therefore leaves it
///   out (the output is exactly independent of it, instead of changing by rounding), and its gradient
///   is exactly zero, as the math says. It is kept so BERT checkpoints load and save one to one.
/// - Shapes: input and output `(B, T, C)`; C is fixed at construction (`hiddenSize: exactly C`), any T.
/// - Linear: no. Adjoint: none (the backward pass is the vector–Jacobian product). Inverse: none.
/// - Backward (hand-written, every product a GEMM): `dWo += dYᵀ O`, `dO = dY Wo`; per head
///   `dV_h = Pᵀ dO_h`, `dP = dO_h V_hᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P))`, `dQ_h = dS K_h / √d`,
///   `dK_h = dSᵀ Q_h / √d` (see `ScaledDotProductAttention`); then `dW{q,k,v} += dZᵀ X`, biases add
///   the column sums, and `dX = dQ Wq + dK Wk + dV Wv` (one GEMM with the packed `[3C, C]` weight).
/// - Probabilities `P` for the backward pass: `probabilities = save` keeps them (`4·B·heads·T²` bytes:
///   128 MiB at `[32, 512, 256]` with 4 heads, 2 GiB at `[8, 4096, 256]`); `recompute` keeps only two
///   statistics per query row and recomputes `P` in the backward pass with one more GEMM per head
///   (bitwise the same `P`, hence the same gradients), for long sequences and deep models where the
///   saved `P` of every layer would not fit. `auto` (the default) saves `P` in training while it takes at
///   most `AttentionMixer.savedProbabilityLimit` bytes and recomputes beyond; in evaluation mode it saves
///   nothing.
/// - Not included yet: dropout on the attention probabilities (BERT trains with 0.1); the mixer is
///   deterministic in training and evaluation alike.
/// - Complexity: projections `8·B·T·C²` flops forward and `16·B·T·C²` backward; attention
///   `4·B·T²·C` forward and `8·B·T²·C` backward (`+2·B·T²·C` when recomputing), plus `B·heads·T²`
///   exponentials (vectorised, `VectorExponential`) per pass over `P`. The fused `Q|K|V` projection
///   is one GEMM over all `B·T` tokens; attention runs per (example, head) pair in query blocks of at
///   most 8 MiB of scores, pairs one after another, every GEMM on OpenBLAS's threads.
/// - Memory: residuals hold `X` (shared with the input), `Q|K|V` (`12·B·T·C` bytes), `O`
///   (`4·B·T·C`), the row statistics (`8·B·heads·T`) and, when saved, `P`; the backward pass adds
///   `dO`, `dQ|dK|dV` and `dX` (`20·B·T·C` bytes) and one or two blocks of scratch.
/// - Threads: the (example, head) pairs run one after another, each GEMM on OpenBLAS's threads
///   (OpenBLAS's thread count is global, so the pairs cannot run in parallel with single-threaded GEMMs).
///   `mixlab bench mixer attention --shape B,T,C` times it on the machine at hand.
/// - Lengths: any T ≥ 1; C fixed at construction and a multiple of `heads`.
/// - First positions only (`FirstPositionsMixer`): `forward(_:firstPositions:context:)` projects
///   queries for the first N positions of each example only and attends from those alone (keys and
///   values from all T): `4·B·T·C²` flops for the key and value projections, `4·B·N·(C² + T·C)` for
///   the rest, `B·heads·N·T` probabilities. At N = 1 the attention costs `O(T)` per example instead of
///   `O(T²)`.
///
/// References: A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017; J. Devlin et al., "BERT",
/// NAACL 2019; HuggingFace `transformers` `BertSelfAttention`; T. Dao, "FlashAttention-2", 2023
/// (query blocks, recomputing `P` from per-row statistics); J. Lee-Thorp et al., FNet
/// (arXiv 2105.03824), the `BERT` baseline.
public final class AttentionMixer: FirstPositionsMixer, Sendable {
    /// What the forward pass keeps of the attention probabilities for the backward pass.
    public enum ProbabilityStorage: String, Sendable, CaseIterable {
        /// `save` up to `savedProbabilityLimit` bytes of `P`, `recompute` beyond.
        case auto
        /// Keep `P`, `(B, heads, T, T)`.
        case save
        /// Keep two statistics per query row and recompute `P` in the backward pass.
        case recompute
    }

    /// The largest saved `P` that `auto` keeps: 1 GiB.
    public static let savedProbabilityLimit = 1 << 30

    /// The hidden size C the projections are built for.
    public let hiddenSize: Int
    /// The number of heads; divides `hiddenSize`.
    public let heads: Int
    /// What the forward pass keeps for the backward pass.
    public let probabilityStorage: ProbabilityStorage
    /// The mixer's name (`attention`), lengths (any T, exactly C) and settings (see `MixerDescriptor`).
    public let descriptor: MixerDescriptor

    /// `query.weight` `[C, C]` (`[out, in]`).
    public let queryWeight: Parameter
    /// `query.bias` `[C]`.
    public let queryBias: Parameter
    /// `key.weight` `[C, C]`.
    public let keyWeight: Parameter
    /// `key.bias` `[C]`.
    public let keyBias: Parameter
    /// `value.weight` `[C, C]`.
    public let valueWeight: Parameter
    /// `value.bias` `[C]`.
    public let valueBias: Parameter
    /// `output.weight` `[C, C]`.
    public let outputWeight: Parameter
    /// `output.bias` `[C]`.
    public let outputBias: Parameter

    /// All eight parameters, queries first, each weight before its bias.
    public var parameters: [Parameter] {
        [queryWeight, queryBias, keyWeight, keyBias, valueWeight, valueBias, outputWeight, outputBias]
    }

    /// Self-attention over `hiddenSize` features split into `heads` heads, initialised from `random`.
    ///
    /// - Throws: `MixLabError.invalidArgument` for a hidden size or head count below 1, and
    ///   `unsupportedLength` when `heads` does not divide `hiddenSize` (listing the head counts that do).
    public init(
        hiddenSize: Int, heads: Int = 1, probabilities: ProbabilityStorage = .auto,
        random: SeededRandom = SeededRandom(seed: 0)
    ) throws {
        guard hiddenSize >= 1, heads >= 1 else {
            throw MixLabError(
                .invalidArgument, what: "hidden size \(hiddenSize) and heads \(heads) must both be at least 1",
                location: "mixer attention", fix: "pass a hidden size C ≥ 1 and a head count that divides it")
        }
        guard hiddenSize % heads == 0 else {
            let divisors = (1...hiddenSize).filter { hiddenSize % $0 == 0 }.map(String.init).joined(separator: ", ")
            throw MixLabError(
                .unsupportedLength,
                what: "hidden size C = \(hiddenSize) is not a multiple of heads = \(heads)",
                location: "mixer attention(heads=\(heads))",
                fix: "set heads to a divisor of \(hiddenSize): \(divisors) (or use a hidden size that is a multiple of \(heads))")
        }
        self.hiddenSize = hiddenSize
        self.heads = heads
        self.probabilityStorage = probabilities
        let c = hiddenSize
        func weight(_ name: String, stream: UInt64) -> Parameter {
            var generator = random.derived(stream)
            return Parameter(name: name, value: Tensor.normal([c, c], standardDeviation: 0.02, using: &generator))
        }
        queryWeight = weight("query.weight", stream: 0)
        keyWeight = weight("key.weight", stream: 1)
        valueWeight = weight("value.weight", stream: 2)
        outputWeight = weight("output.weight", stream: 3)
        queryBias = Parameter(name: "query.bias", value: Tensor(zeros: [c]))
        keyBias = Parameter(name: "key.bias", value: Tensor(zeros: [c]))
        valueBias = Parameter(name: "value.bias", value: Tensor(zeros: [c]))
        outputBias = Parameter(name: "output.bias", value: Tensor(zeros: [c]))
        descriptor = MixerDescriptor(
            name: "attention", axes: .both, isLinear: false, sequenceLength: .any, hiddenSize: .exactly(c),
            configuration: ["heads": String(heads), "probabilities": probabilities.rawValue])
    }

    /// Whether the forward pass for `batch` examples of length `length`, querying the first `queries`
    /// positions of each (all when nil), keeps `P`. In evaluation mode `auto` never keeps it (a
    /// backward pass after it, rare, recomputes `P` with identical results).
    public func savesProbabilities(batch: Int, length: Int, queries: Int? = nil, training: Bool = true) -> Bool {
        switch probabilityStorage {
        case .save: return true
        case .recompute: return false
        case .auto:
            let bytes = batch * heads * (queries ?? length) * length * MemoryLayout<Float>.stride
            return training && bytes <= Self.savedProbabilityLimit
        }
    }

    // Residuals, in order: X (B,T,C), QKV (B,T,3C), O (B,N,C), P (B,heads,N,T) or empty,
    // row statistics (B,heads,N,2), key bias (B,T) or empty, packed [Wq; Wk; Wv] (3C,C), Wo (C,C);
    // N = T except after `forward(_:firstPositions:context:)`.
    private static let residualCount = 8

    /// `Y` and the residuals the backward pass needs (see the type's documentation).
    ///
    /// - Throws: `MixLabError` for a wrong rank or hidden size, a padding mask that is not `(B, T)` or
    ///   holds values other than 0 and 1, or (when asked) a non-finite input.
    public func forward(_ input: Tensor, context: MixerContext) throws -> (output: Tensor, residuals: MixerResiduals) {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        return try attend(input, queries: input.shape[1], context: context)
    }

    /// The first `positions` positions of `Y`, `(B, N, C)`, attending from those positions only.
    ///
    /// - Throws: as `forward(_:context:)`, and for `positions` outside `1 ... T`.
    public func forward(_ input: Tensor, firstPositions positions: Int, context: MixerContext) throws
        -> (output: Tensor, residuals: MixerResiduals)
    {
        try descriptor.validate(input, checksFinite: context.checksFiniteInput)
        try validateFirstPositions(positions, of: input)
        return try attend(input, queries: positions, context: context)
    }

    /// `dX` `(B, T, C)` for the gradient of the first N output positions; adds the parameters' gradients.
    public func backward(firstPositions outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws
        -> Tensor
    {
        try backward(outputGradient, residuals: residuals, context: context)
    }

    /// The first `queries` positions of `Y` for a validated input, and the residuals.
    private func attend(_ input: Tensor, queries: Int, context: MixerContext) throws
        -> (output: Tensor, residuals: MixerResiduals)
    {
        try BLAS.requireAvailable(for: "AttentionMixer")
        let (batch, t, c) = (input.shape[0], input.shape[1], input.shape[2])
        let keyBias = try Self.keyBias(from: context.paddingMask, batch: batch, length: t, location: descriptor.summary)
        let core = ScaledDotProductAttention(batch: batch, length: t, hidden: c, heads: heads, queries: queries)
        let tokens = batch * t
        let outputTokens = batch * queries

        // Q|K|V = X [Wq; Wk; Wv]ᵀ + [bq | 0 | bv]: one GEMM over all tokens.
        let packedWeight = Self.stack([queryWeight.value, keyWeight.value, valueWeight.value], shape: [3 * c, c])
        // [bq | 0 | bv]: the key bias is left out (see the type's documentation).
        let packedBias = Self.stack([queryBias.value, Tensor(zeros: [c]), valueBias.value], shape: [3 * c])
        var qkv = Tensor(uninitialized: [batch, t, 3 * c])
        var o = Tensor(uninitialized: [batch, queries, c])
        var statistics = Tensor(uninitialized: [batch, heads, queries, 2])
        var probabilities = savesProbabilities(batch: batch, length: t, queries: queries, training: context.isTraining)
            ? Tensor(uninitialized: [batch, heads, queries, t]) : Tensor(zeros: [0])
        var y = Tensor(uninitialized: [batch, queries, c])
        let outputWeightValue = outputWeight.value
        input.withUnsafeBufferPointer { x in
            qkv.withUnsafeMutableBufferPointer { qkv in
                packedWeight.withUnsafeBufferPointer { w in
                    packedBias.withUnsafeBufferPointer { bias in
                        Self.fillRows(qkv.baseAddress!, rows: tokens, with: bias.baseAddress!, width: 3 * c)
                    }
                    if queries == t {
                        BLAS.sgemm(
                            transposeB: true, m: tokens, n: 3 * c, k: c, a: x.baseAddress!, lda: c, b: w.baseAddress!,
                            ldb: c, beta: 1, c: qkv.baseAddress!, ldc: 3 * c)
                        return
                    }
                    // K|V for every token; Q for the queried positions only (the other Q rows hold the
                    // bias and are never read).
                    BLAS.sgemm(
                        transposeB: true, m: tokens, n: 2 * c, k: c, a: x.baseAddress!, lda: c,
                        b: w.baseAddress! + c * c, ldb: c, beta: 1, c: qkv.baseAddress! + c, ldc: 3 * c)
                    for example in 0..<batch {
                        BLAS.sgemm(
                            transposeB: true, m: queries, n: c, k: c, a: x.baseAddress! + example * t * c, lda: c,
                            b: w.baseAddress!, ldb: c, beta: 1, c: qkv.baseAddress! + example * t * 3 * c, ldc: 3 * c)
                    }
                }
            }
        }
        // O = [softmax(Q_h K_hᵀ/√d + M) V_h]_h
        let saves = probabilities.count > 0
        qkv.withUnsafeBufferPointer { qkv in
            o.withUnsafeMutableBufferPointer { o in
                statistics.withUnsafeMutableBufferPointer { statistics in
                    probabilities.withUnsafeMutableBufferPointer { p in
                        Self.withOptionalPointer(keyBias) { bias in
                            core.forward(
                                qkv: qkv.baseAddress!, keyBias: bias, output: o.baseAddress!,
                                probabilities: saves ? p.baseAddress! : nil, statistics: statistics.baseAddress!)
                        }
                    }
                }
            }
        }
        // Y = O Woᵀ + bo
        o.withUnsafeBufferPointer { o in
            y.withUnsafeMutableBufferPointer { y in
                outputWeightValue.withUnsafeBufferPointer { w in
                    outputBias.value.withUnsafeBufferPointer { bias in
                        Self.fillRows(y.baseAddress!, rows: outputTokens, with: bias.baseAddress!, width: c)
                    }
                    BLAS.sgemm(
                        transposeB: true, m: outputTokens, n: c, k: c, a: o.baseAddress!, lda: c, b: w.baseAddress!,
                        ldb: c, beta: 1, c: y.baseAddress!, ldc: c)
                }
            }
        }
        let residuals = MixerResiduals([
            input, qkv, o, probabilities, statistics, keyBias ?? Tensor(zeros: [0]), packedWeight, outputWeightValue,
        ])
        return (y, residuals)
    }

    /// `dX` for `dY`; adds the eight parameters' gradients into `Parameter.gradient`. After
    /// `forward(_:firstPositions:context:)`, `dY` is the gradient of those N positions, `(B, N, C)`.
    ///
    /// - Throws: `MixLabError` when `outputGradient` or `residuals` do not come from this mixer's forward
    ///   pass on the same shape.
    public func backward(_ outputGradient: Tensor, residuals: MixerResiduals, context: MixerContext) throws -> Tensor {
        let saved = residuals.tensors
        guard saved.count == Self.residualCount, saved[0].rank == 3, saved[2].rank == 3 else {
            throw MixLabError(
                .invalidArgument, what: "the residuals hold \(saved.count) tensors, not the \(Self.residualCount) "
                    + "that attention's forward pass saves", location: "\(descriptor.summary) backward",
                fix: "pass the residuals returned by this mixer's forward pass")
        }
        let x = saved[0], qkv = saved[1], o = saved[2], probabilities = saved[3], statistics = saved[4]
        let keyBias = saved[5].count > 0 ? saved[5] : nil
        let packedWeight = saved[6], outputWeightValue = saved[7]
        guard outputGradient.shape == o.shape else {
            throw MixLabError.shapeMismatch(
                expected: Shape.describe(o.shape), found: outputGradient.shape,
                location: "\(descriptor.summary) backward", fix: "pass the gradient of the forward pass's output")
        }
        let (batch, t, c, queries) = (x.shape[0], x.shape[1], x.shape[2], o.shape[1])
        let tokens = batch * t
        let outputTokens = batch * queries
        let core = ScaledDotProductAttention(batch: batch, length: t, hidden: c, heads: heads, queries: queries)
        var ones = Tensor(shape: [tokens], repeating: 1)  // for column sums (bias gradients) as GEMMs
        var dO = Tensor(uninitialized: [batch, queries, c])
        var dQKV = Tensor(uninitialized: [batch, t, 3 * c])
        var dX = Tensor(uninitialized: x.shape)

        // Output projection: dWo += dYᵀ O, dbo += Σ_rows dY, dO = dY Wo.
        outputGradient.withUnsafeBufferPointer { dY in
            o.withUnsafeBufferPointer { o in
                Self.accumulate(into: outputWeight) { g in
                    BLAS.sgemm(
                        transposeA: true, m: c, n: c, k: outputTokens, a: dY.baseAddress!, lda: c, b: o.baseAddress!,
                        ldb: c, beta: 1, c: g, ldc: c)
                }
            }
            ones.withUnsafeMutableBufferPointer { ones in
                Self.accumulate(into: outputBias) { g in
                    BLAS.sgemm(
                        m: 1, n: c, k: outputTokens, a: ones.baseAddress!, lda: outputTokens, b: dY.baseAddress!,
                        ldb: c, beta: 1, c: g, ldc: c)
                }
            }
            outputWeightValue.withUnsafeBufferPointer { w in
                dO.withUnsafeMutableBufferPointer { dO in
                    BLAS.sgemm(
                        m: outputTokens, n: c, k: c, a: dY.baseAddress!, lda: c, b: w.baseAddress!, ldb: c,
                        c: dO.baseAddress!, ldc: c)
                }
            }
        }
        // Attention: dQKV from dO.
        qkv.withUnsafeBufferPointer { qkv in
            probabilities.withUnsafeBufferPointer { p in
                statistics.withUnsafeBufferPointer { statistics in
                    dO.withUnsafeBufferPointer { dO in
                        dQKV.withUnsafeMutableBufferPointer { dQKV in
                            Self.withOptionalPointer(keyBias) { bias in
                                core.backward(
                                    qkv: qkv.baseAddress!, keyBias: bias, probabilities: p.count > 0 ? p.baseAddress! : nil,
                                    statistics: statistics.baseAddress!, outputGradient: dO.baseAddress!,
                                    qkvGradient: dQKV.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        // Input projections: dW += dZᵀ X and db += Σ_rows dZ for Z = Q, K, V (but see `key.bias`);
        // dX = dQKV [Wq; Wk; Wv]. With N < T queried positions, dQ is zero beyond them: the query
        // products run over the first N rows of each example only.
        let queryRows = queries == t ? [0..<tokens] : (0..<batch).map { $0 * t ..< $0 * t + queries }
        dQKV.withUnsafeBufferPointer { dZ in
            x.withUnsafeBufferPointer { x in
                for (part, (weight, bias)) in [(queryWeight, queryBias), (keyWeight, nil), (valueWeight, valueBias)].enumerated() {
                    for rows in part == 0 ? queryRows : [0..<tokens] {
                        let column = dZ.baseAddress! + rows.lowerBound * 3 * c + part * c
                        Self.accumulate(into: weight) { g in
                            BLAS.sgemm(
                                transposeA: true, m: c, n: c, k: rows.count, a: column, lda: 3 * c,
                                b: x.baseAddress! + rows.lowerBound * c, ldb: c, beta: 1, c: g, ldc: c)
                        }
                        guard let bias else { continue }
                        ones.withUnsafeMutableBufferPointer { ones in
                            Self.accumulate(into: bias) { g in
                                BLAS.sgemm(
                                    m: 1, n: c, k: rows.count, a: ones.baseAddress!, lda: rows.count, b: column,
                                    ldb: 3 * c, beta: 1, c: g, ldc: c)
                            }
                        }
                    }
                }
            }
            packedWeight.withUnsafeBufferPointer { w in
                dX.withUnsafeMutableBufferPointer { dX in
                    if queries == t {
                        BLAS.sgemm(
                            m: tokens, n: c, k: 3 * c, a: dZ.baseAddress!, lda: 3 * c, b: w.baseAddress!, ldb: c,
                            c: dX.baseAddress!, ldc: c)
                        return
                    }
                    // dX = [dK | dV] [Wk; Wv] for every token, then += dQ Wq on the queried rows.
                    BLAS.sgemm(
                        m: tokens, n: c, k: 2 * c, a: dZ.baseAddress! + c, lda: 3 * c, b: w.baseAddress! + c * c,
                        ldb: c, c: dX.baseAddress!, ldc: c)
                    for rows in queryRows {
                        BLAS.sgemm(
                            m: rows.count, n: c, k: c, a: dZ.baseAddress! + rows.lowerBound * 3 * c, lda: 3 * c,
                            b: w.baseAddress!, ldb: c, beta: 1, c: dX.baseAddress! + rows.lowerBound * c, ldc: c)
                    }
                }
            }
        }
        return dX
    }

    // MARK: Helpers

    /// The additive key mask `(B, T)` (0 for real tokens, −∞ for padding) from a `(B, T)` padding mask,
    /// or nil when nothing is padded.
    static func keyBias(from mask: Tensor?, batch: Int, length: Int, location: String) throws -> Tensor? {
        guard let mask else { return nil }
        guard mask.shape == [batch, length] else {
            throw MixLabError.shapeMismatch(
                expected: "(B, T) = \(Shape.describe([batch, length]))", found: mask.shape,
                location: "\(location) padding mask",
                fix: "pass one value per token of the input: 1 for real tokens, 0 for padding")
        }
        var padded = false
        let bias = try Tensor(shape: [batch, length], values: mask.values.enumerated().map { index, value in
            switch value {
            case 1: return 0
            case 0:
                padded = true
                return -.infinity
            default:
                let position = mask.multiIndex(ofFlat: index)
                throw MixLabError(
                    .invalidArgument,
                    what: "the padding mask holds \(value) at [b, t] = \(Shape.describe(position))",
                    location: "\(location) padding mask",
                    fix: "use 1 for real tokens and 0 for padding (not an additive mask such as −10000)")
            }
        })
        return padded ? bias : nil
    }

    /// The values of `parts` one after another, as a tensor of `shape` (whose size is their total).
    private static func stack(_ parts: [Tensor], shape: [Int]) -> Tensor {
        var stacked = Tensor(uninitialized: shape)
        stacked.withUnsafeMutableBufferPointer { target in
            var offset = 0
            for part in parts {
                part.withUnsafeBufferPointer { source in
                    (target.baseAddress! + offset).update(from: source.baseAddress!, count: source.count)
                }
                offset += part.count
            }
            precondition(offset == target.count, "AttentionMixer.stack: \(offset) values for shape \(shape)")
        }
        return stacked
    }

    /// Sets each of `rows` rows of `width` floats at `target` to `row`, splitting rows over the threads.
    private static func fillRows(_ target: UnsafeMutablePointer<Float>, rows: Int, with row: UnsafePointer<Float>, width: Int) {
        let chunks = rows * width >= 1 << 16 ? Parallelism.threads : 1
        Parallelism.forEachChunk(of: rows, chunks: chunks) { range in
            for i in range { (target + i * width).update(from: row, count: width) }
        }
    }

    /// Runs `body` on the gradient storage of `parameter`, which it adds into.
    private static func accumulate(into parameter: Parameter, _ body: (UnsafeMutablePointer<Float>) -> Void) {
        parameter.gradient.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    /// Calls `body` with the tensor's base address, or nil.
    private static func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let tensor else { return body(nil) }
        return tensor.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

extension AttentionMixer: DenseReferenceProviding {
    /// The same attention with the same parameters, by definition in Double
    /// (`DenseReference.multiHeadSelfAttention`), without padding.
    public func denseReference(_ input: Tensor) throws -> [Double] {
        try denseReference(input, paddingMask: nil)
    }

    /// The dense Double reference with a `(B, T)` padding mask (1 = real token, 0 = padding).
    public func denseReference(_ input: Tensor, paddingMask: Tensor?) throws -> [Double] {
        try descriptor.validate(input)
        _ = try Self.keyBias(from: paddingMask, batch: input.shape[0], length: input.shape[1], location: descriptor.summary)
        func doubles(_ parameter: Parameter) -> [Double] { parameter.value.values.map(Double.init) }
        let weights = DenseReference.AttentionWeights(
            query: doubles(queryWeight), queryBias: doubles(queryBias), key: doubles(keyWeight),
            keyBias: doubles(keyBias), value: doubles(valueWeight), valueBias: doubles(valueBias),
            output: doubles(outputWeight), outputBias: doubles(outputBias))
        return DenseReference.multiHeadSelfAttention(
            input.values.map(Double.init), shape: input.shape, heads: heads, weights: weights,
            paddingMask: paddingMask?.values.map(Double.init))
    }
}

extension AttentionMixer {
    /// The registry entry: `attention` with keys `heads` and `probabilities` (needs the hidden size).
    public static let registration = MixerRegistration(
        name: "attention",
        summary: "BERT: multi-head scaled dot-product self-attention with Q/K/V/output projections and padding mask",
        keys: [
            MixerConfigurationKey("heads", default: "1", allowed: "a divisor of C", summary: "attention heads (BERT: C/64)"),
            MixerConfigurationKey(
                "probabilities", default: "auto", allowed: "auto|save|recompute",
                summary: "keep softmax P for backward, or recompute it"),
        ]
    ) { configuration, context in
        guard let hiddenSize = context.hiddenSize else {
            throw MixLabError(
                .invalidArgument, what: "attention needs the hidden size C to build its C×C projections",
                location: "mixer attention", fix: "pass MixerBuildContext(hiddenSize: C)")
        }
        return try AttentionMixer(
            hiddenSize: hiddenSize,
            heads: try configuration.integer("heads", default: 1, in: 1...(1 << 20), mixer: "attention"),
            probabilities: try configuration.option("probabilities", default: ProbabilityStorage.auto, mixer: "attention"),
            random: context.random)
    }
}
