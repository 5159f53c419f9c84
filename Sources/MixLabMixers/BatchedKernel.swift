import MixLabCore

/// Runs a batched kernel over `input` `(B, T, C)` into a new tensor of the same shape.
///
/// `body(x, y, B)` reads the B examples stored at `x` and writes B examples at `y` (the calling
/// convention of every transform kernel: `kernel.apply(x, y, batch: B)`). An empty batch returns an
/// empty tensor without calling `body` (an empty buffer has no base address).
func mapExamples(
    _ input: Tensor, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
) -> Tensor {
    var output = Tensor(uninitialized: input.shape)
    let batch = input.shape[0]
    guard batch > 0, input.count > 0 else { return output }
    input.withUnsafeBufferPointer { x in
        output.withUnsafeMutableBufferPointer { y in
            body(x.baseAddress!, y.baseAddress!, batch)
        }
    }
    return output
}
