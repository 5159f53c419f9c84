/// `target[i] = source[i]` for `i < count`, inline: short rows (a transform's rows of tens to hundreds of
/// values) cost no call into `memmove` each. The ranges must not overlap. O(count).
@inline(__always)
func copyFloats(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 16 <= n {
        let x = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(target + i).storeBytes(of: x, as: SIMD16<Float>.self)
        i += 16
    }
    while i < n {
        target[i] = source[i]
        i += 1
    }
}
