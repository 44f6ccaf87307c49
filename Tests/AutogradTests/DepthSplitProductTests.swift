import Testing
@testable import Autograd

/// Products split along the shared dim (`Matmul+Depth.swift`): their bits depend on the shape
/// only, and they stay within float rounding of the exact product.
@Suite struct DepthSplitProductTests {
    /// n × k @ k × m shapes the pool splits along `k` (n ≤ m, k ≥ 2m, 2^20 ≤ n·m·k < 2^30):
    /// the MLP step's batch-64 and batch-256 first products, and an odd `k`.
    static let shapes: [(n: Int, k: Int, m: Int)] = [(64, 784, 256), (256, 784, 256), (33, 1001, 100)]

    /// A reproducible stream of values in about [-15, 15].
    struct Values {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: seed >> 11) % 2_000_001 - 1_000_000) / 65_536
        }
    }

    @Test func theShapesSplitAlongK() {
        // Half of k, rounded up to the kernels' row tile (`ProductGrain`: 396 on Zen 3).
        let half = ProductGrain.shared.roundedUp(392)
        #expect(half >= 392 && half < 392 + ProductGrain.shared.rowStep)
        #expect(Tensor.depthSplit(n: 64, m: 256, k: 784) == half)
        #expect(Tensor.depthSplit(n: 256, m: 256, k: 784) == half)
        // Square products, tall outputs, small and very large products keep the output blocks.
        #expect(Tensor.depthSplit(n: 1024, m: 1024, k: 1024) == nil)
        #expect(Tensor.depthSplit(n: 784, m: 256, k: 64) == nil)
        #expect(Tensor.depthSplit(n: 8, m: 16, k: 784) == nil)
        #expect(Tensor.depthSplit(n: 256, m: 1024, k: 1 << 13) == nil)
    }

    @Test(arguments: [DType.float32, .float64], [false, true])
    func oneThreadAndTwoGiveTheSameBits(dtype: DType, transposedLeft: Bool) throws {
        var values = Values()
        for (n, k, m) in Self.shapes {
            var a = try Tensor((0..<(n * k)).map { _ in values.next() }, shape: [n, k]).materialized(dtype: dtype)
            let b = try Tensor((0..<(k * m)).map { _ in values.next() }, shape: [k, m]).materialized(dtype: dtype)
            // A transposed view goes to BLAS as a transpose flag, its halves likewise.
            if transposedLeft { a = try a.t().contiguous().t() }
            let pooled = try Tensor.matmulKernel(a, b)
            // Inside a part of a pool job the pool is busy: the product runs both halves here.
            var alone: Tensor?
            var failure: Error?
            WorkerPool.shared.run(parts: 2) { p in
                if p == 0 { do { alone = try Tensor.matmulKernel(a, b) } catch { failure = error } }
                return true
            }
            if let failure { throw failure }
            let single = try #require(alone)
            for i in 0..<(n * m) where pooled.element(i).bitPattern != single.element(i).bitPattern {
                Issue.record("\(n)x\(k) @ \(k)x\(m): entry \(i) differs, \(pooled.element(i)) vs \(single.element(i))")
                break
            }
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func staysWithinRoundingOfTheExactProduct(dtype: DType) throws {
        var values = Values()
        for (n, k, m) in Self.shapes {
            let av = (0..<(n * k)).map { _ in values.next() }, bv = (0..<(k * m)).map { _ in values.next() }
            let a = try Tensor(av, shape: [n, k]).materialized(dtype: dtype)
            let b = try Tensor(bv, shape: [k, m]).materialized(dtype: dtype)
            let product = try Tensor.matmulKernel(a, b)
            let unit = dtype == .float32 ? Double(Float.ulpOfOne) : Double.ulpOfOne
            for i in 0..<n {
                for j in 0..<m {
                    // The inputs are exact in either dtype; the reference sums in double
                    // precision, and a bound on a float sum's error is k · ε · Σ|a·b|.
                    var exact = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        exact += av[i * k + p] * bv[p * m + j]
                        magnitude += abs(av[i * k + p] * bv[p * m + j])
                    }
                    let error = abs(product.element(i * m + j) - exact)
                    #expect(error <= Double(k) * unit * magnitude + 1e-9 * magnitude,
                            "\(n)x\(k) @ \(k)x\(m) [\(i), \(j)]: \(product.element(i * m + j)) vs \(exact)")
                }
            }
        }
    }
}
