import Foundation
import MixLabCore
import MixLabMixers
import Testing

/// `KernelCache` builds one kernel per key, even when many threads ask for it at once.
@Suite struct KernelCacheTests {
    /// A kernel whose identity tells whether two lookups returned the same object.
    final class Kernel: Sendable {
        let shape: [Int]
        init(shape: [Int]) { self.shape = shape }
    }

    /// Counts factory calls from any thread.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }

    @Test func buildsOncePerKeyAndReturnsTheCachedKernel() {
        let cache = KernelCache<[Int], Kernel>()
        var builds = 0
        let first = cache.kernel(for: [4, 8]) { builds += 1; return Kernel(shape: [4, 8]) }
        let again = cache.kernel(for: [4, 8]) { builds += 1; return Kernel(shape: [4, 8]) }
        let other = cache.kernel(for: [8, 4]) { builds += 1; return Kernel(shape: [8, 4]) }
        #expect(first === again && first !== other && other.shape == [8, 4])
        #expect(builds == 2 && cache.count == 2)
    }

    @Test func aFailingFactoryCachesNothing() throws {
        struct Failure: Error {}
        let cache = KernelCache<Int, Kernel>()
        #expect(throws: Failure.self) { _ = try cache.kernel(for: 3) { throw Failure() } }
        #expect(cache.count == 0)
        let kernel = cache.kernel(for: 3) { Kernel(shape: [3]) }
        #expect(kernel.shape == [3] && cache.count == 1)
    }

    @Test func concurrentLookupsBuildEachKernelOnce() {
        let cache = KernelCache<[Int], Kernel>()
        let builds = Counter()
        let seen = Identities()
        let keys = (1...4).map { [$0, 2 * $0] }
        DispatchQueue.concurrentPerform(iterations: 400) { i in
            let key = keys[i % keys.count]
            let kernel = cache.kernel(for: key) {
                builds.increment()
                Thread.sleep(forTimeInterval: 0.001)  // widen the window for a racing second build
                return Kernel(shape: key)
            }
            seen.insert(key, ObjectIdentifier(kernel))
        }
        #expect(builds.count == keys.count && cache.count == keys.count)
        for key in keys {
            let cached = cache.kernel(for: key) { Kernel(shape: []) }
            #expect(seen.identities(of: key) == [ObjectIdentifier(cached)])
        }
    }

    /// The objects each key returned, collected from any thread.
    final class Identities: @unchecked Sendable {
        private let lock = NSLock()
        private var byKey: [[Int]: Set<ObjectIdentifier>] = [:]
        func insert(_ key: [Int], _ identity: ObjectIdentifier) { lock.withLock { _ = byKey[key, default: []].insert(identity) } }
        func identities(of key: [Int]) -> Set<ObjectIdentifier> { lock.withLock { byKey[key] ?? [] } }
    }

    @Test func mixersShareOneKernelAcrossThreads() throws {
        let mixer = FourierMixer(path: .fft)
        var random = SeededRandom(seed: 3)
        let input = Tensor.normal([2, 8, 6], standardDeviation: 1, using: &random)
        let expected = try mixer.apply(input)
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if (try? mixer.apply(input)) != expected { mismatches.increment() }
        }
        #expect(mismatches.count == 0)
    }
}

/// `PowerOfTwo`: the one power-of-two test and padding length every mixer and kernel uses.
@Suite struct PowerOfTwoTests {
    @Test func containsExactlyThePowersOfTwo() {
        let powers = Set((0..<62).map { 1 << $0 })
        for n in -5...1100 { #expect(PowerOfTwo.contains(n) == powers.contains(n), "n = \(n)") }
        #expect(PowerOfTwo.contains(1 << 62) && !PowerOfTwo.contains((1 << 62) + 1) && !PowerOfTwo.contains(Int.min))
    }

    @Test func atLeastIsTheSmallestPowerOfTwoNotBelow() {
        #expect([-3, 0, 1, 2, 3, 4, 5, 48, 64, 65, 1000].map(PowerOfTwo.atLeast) == [1, 1, 1, 2, 4, 4, 8, 64, 64, 128, 1024])
        #expect(PowerOfTwo.atLeast((1 << 61) + 1) == 1 << 62)
        #expect(LengthRequirement.powerOfTwo.paddedLength(for: 48) == PowerOfTwo.atLeast(48))
    }
}
