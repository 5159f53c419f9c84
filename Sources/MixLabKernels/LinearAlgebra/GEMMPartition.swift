/// How one matrix product `C (m × n) = op(A)·op(B)` is split over `Parallelism.threads`: into
/// contiguous blocks of rows of `C` (`op(A)`'s rows) or of columns (`op(B)`'s columns), one
/// single-threaded GEMM per block.
///
/// The longer of the two dimensions is split, in units of 16 (the row unroll of OpenBLAS's AVX-512
/// kernels), into nearly equal blocks, one per thread; each block packs its own share of the split
/// operand and all of the other, which is small whenever the split dimension is the long one. The inner
/// dimension `k` is never split (no partial sums to add), and the blocks depend only on the shape and the
/// thread count, so results are reproducible for a given thread count; they can differ from a one-call
/// product in the last bits where OpenBLAS's kernels treat block edges differently. Not split: products
/// under `minimumParallelWork` multiply-adds (too little work to repay a thread hand-off), products
/// inside a parallel loop (`Parallelism.isInsideParallelRegion`), and any product when there is one
/// thread. On the feed-forward shapes of a training step the split runs at least as fast as OpenBLAS's
/// own threading (`mixlab bench train` reports the achieved GEMM GFLOP/s).
struct GEMMPartition {
    /// One block: its size and where it starts in `C`.
    struct Block {
        /// Rows of this block of `C`.
        let m: Int
        /// Columns of this block of `C`.
        let n: Int
        /// First row of the block.
        let row: Int
        /// First column of the block.
        let column: Int

        /// The operands' and result's first elements for this block, given the whole product's.
        func offsets<T>(
            a: UnsafePointer<T>, b: UnsafePointer<T>, c: UnsafeMutablePointer<T>, transposeA: Bool,
            transposeB: Bool, lda: Int, ldb: Int, ldc: Int
        ) -> (UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>) {
            (a + (transposeA ? row : row * lda), b + (transposeB ? column * ldb : column), c + row * ldc + column)
        }
    }

    /// Products with fewer multiply-adds (`m·n·k`) run on the calling thread alone.
    static let minimumParallelWork = 1 << 21
    /// Blocks are whole multiples of this many rows or columns (except the last).
    static let unit = 16

    let m: Int
    let n: Int
    let k: Int
    /// The number of blocks: 1 (the whole product) or the thread count.
    let blockCount: Int
    private let splitsRows: Bool

    /// The split of an `m × n × k` product over `threads` threads.
    init(m: Int, n: Int, k: Int, threads: Int = Parallelism.threads) {
        self.m = m
        self.n = n
        self.k = k
        splitsRows = m >= n
        let units = ((splitsRows ? m : n) + Self.unit - 1) / Self.unit
        let parallel = threads > 1 && units > 1 && m * n * k >= Self.minimumParallelWork && !Parallelism.isInsideParallelRegion
        blockCount = parallel ? min(threads, units) : 1
    }

    /// Block `index` of `blockCount`.
    func block(_ index: Int) -> Block {
        guard blockCount > 1 else { return Block(m: m, n: n, row: 0, column: 0) }
        let length = splitsRows ? m : n
        let units = Parallelism.chunkRange(index, of: (length + Self.unit - 1) / Self.unit, chunks: blockCount)
        let start = units.lowerBound * Self.unit, end = min(units.upperBound * Self.unit, length)
        return splitsRows
            ? Block(m: end - start, n: n, row: start, column: 0)
            : Block(m: m, n: end - start, row: 0, column: start)
    }

    /// Runs `body` for every block: in parallel when there are several, otherwise once for the whole
    /// product on the calling thread.
    func run(_ body: (Block) -> Void) {
        if blockCount == 1 {
            body(block(0))
            return
        }
        Parallelism.forEachChunk(of: blockCount, chunks: blockCount) { range in
            for index in range { body(block(index)) }
        }
    }
}
