import Testing
@testable import Autograd
import AVX512Kernels

/// Float32 products on the AVX-512 register tile (`WideProducts`, `WideSgemm`): every entry
/// is the chain `TinyProducts` computes, one fused multiply-add after another over the shared
/// dim from +0, then + 0 or the old entry added, whatever the shape's ragged edges, the
/// operands' layouts, or the blocks and threads the product is split over. Skipped where
/// OpenBLAS computes them: a CPU without AVX-512F, or `LUAGRAD_SGEMM=openblas`.
@Suite(.enabled(if: WideProducts.enabled,
                "float32 products run on OpenBLAS here (no AVX-512F, or LUAGRAD_SGEMM=openblas)"))
struct WideSgemmTests {
    /// n × k @ k × m: ragged rows (not a multiple of 6) and columns (not of 64 or 16), narrow
    /// panels (≤ 16 columns), one step deep, the MLP's products (split along `k`, and into row
    /// blocks over the pool) and a square one split into column blocks.
    static let shapes: [(n: Int, k: Int, m: Int)] = [
        (7, 33, 70), (6, 64, 64), (13, 100, 17), (37, 300, 5), (100, 20, 130), (5, 1, 200), (64, 256, 10),
        (64, 784, 256), (784, 64, 256), (64, 10, 256), (150, 200, 300), (3, WideSgemm.maximumDepth, 70),
    ]

    /// A reproducible stream of values in about [-15, 15].
    struct Values {
        var seed: UInt64 = 0xD1B5_4A32_D192_ED03
        mutating func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: seed >> 11) % 2_000_001 - 1_000_000) / 65_536
        }
    }

    /// A product's operands as row-major arrays (whatever their strides) and its shape.
    struct Operands {
        let a: [Float], b: [Float], n: Int, k: Int, m: Int

        init(_ a: Tensor, _ b: Tensor) {
            (n, k, m) = (a.shape[0], a.shape[1], b.shape[1])
            self.a = (0..<(n * k)).map { Float(a.element($0)) }
            self.b = (0..<(k * m)).map { Float(b.element($0)) }
        }

        /// The chain of row `i` and column `j` over `depth` (a range of the shared dim).
        func chain(_ i: Int, _ j: Int, _ depth: Range<Int>) -> Float {
            var sum: Float = 0
            for p in depth { sum = sum.addingProduct(a[i * k + p], b[p * m + j]) }
            return sum
        }

        /// What entry (i, j) of the product (added onto `old` when given) must be: one chain,
        /// or the two chains of a product split along `k` (`Tensor.depthSplit`) added.
        func expected(_ i: Int, _ j: Int, old: Float?) -> Float {
            guard let split = Tensor.depthSplit(n: n, m: m, k: k) else {
                let sum = chain(i, j, 0..<k)
                return old.map { sum + $0 } ?? sum + 0
            }
            let sum = chain(i, j, 0..<split), rest = chain(i, j, split..<k) + 0
            return (old.map { sum + $0 } ?? sum + 0) + rest
        }
    }

    static func sameBits(_ x: Float, _ y: Float) -> Bool { x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN) }

    @Test(arguments: [false, true], [false, true])
    func everyEntryIsTheChain(transposedLeft: Bool, transposedRight: Bool) throws {
        var values = Values()
        for (n, k, m) in Self.shapes {
            var a = try Tensor((0..<(n * k)).map { _ in values.next() }, shape: [n, k]).materialized(dtype: .float32)
            var b = try Tensor((0..<(k * m)).map { _ in values.next() }, shape: [k, m]).materialized(dtype: .float32)
            // Transposed views are read through their strides, without a copy.
            if transposedLeft { a = try a.t().contiguous().t() }
            if transposedRight { b = try b.t().contiguous().t() }
            let product = try Tensor.matmulKernel(a, b), operands = Operands(a, b)
            var wrong = 0
            for i in 0..<n {
                for j in 0..<m {
                    let expected = operands.expected(i, j, old: nil)
                    if !Self.sameBits(Float(product.element(i * m + j)), expected) { wrong += 1 }
                }
            }
            #expect(wrong == 0, "\(n)x\(k) @ \(k)x\(m): \(wrong) entries differ")
        }
    }

    @Test func addingIntoAGradientAddsTheChain() throws {
        var values = Values()
        for (n, k, m) in Self.shapes {
            let a = try Tensor((0..<(n * k)).map { _ in values.next() }, shape: [n, k]).materialized(dtype: .float32)
            let b = try Tensor((0..<(k * m)).map { _ in values.next() }, shape: [k, m]).materialized(dtype: .float32)
            let old = try Tensor((0..<(n * m)).map { _ in values.next() }, shape: [n, m]).materialized(dtype: .float32)
            let out = try old.contiguous().clone()
            #expect(try Tensor.addProduct(a, b, into: out))
            let operands = Operands(a, b)
            var wrong = 0
            for i in 0..<n {
                for j in 0..<m {
                    let expected = operands.expected(i, j, old: Float(old.element(i * m + j)))
                    guard !Self.sameBits(Float(out.element(i * m + j)), expected) else { continue }
                    wrong += 1
                }
            }
            #expect(wrong == 0, "\(n)x\(k) @ \(k)x\(m) added: \(wrong) entries differ")
        }
    }

    /// Deeper products go to OpenBLAS, which rounds them its own way but closely.
    @Test func deeperProductsGoToOpenBLAS() throws {
        let deepest = WideSgemm.maximumDepth
        #expect(WideProducts.handles(alpha: 1, beta: 1, depth: deepest))
        #expect(!WideProducts.handles(alpha: 1, beta: 0, depth: deepest + 1))
        var values = Values()
        let n = 3, k = deepest + 1, m = 5
        let a = try Tensor((0..<(n * k)).map { _ in values.next() }, shape: [n, k]).materialized(dtype: .float32)
        let b = try Tensor((0..<(k * m)).map { _ in values.next() }, shape: [k, m]).materialized(dtype: .float32)
        let product = try Tensor.matmulKernel(a, b), operands = Operands(a, b)
        for i in 0..<n {
            for j in 0..<m {
                let exact = (0..<k).reduce(0.0) { $0 + Double(operands.a[i * k + $1]) * Double(operands.b[$1 * m + j]) }
                #expect(abs(product.element(i * m + j) - exact) <= 1e-3 * max(1, abs(exact)), "entry (\(i), \(j))")
            }
        }
    }

    /// Infinities and NaNs reach only their own rows and columns (the zero padding of ragged
    /// tiles is discarded, never added), and a product of zeros with a negative sign is +0.
    @Test func specialValuesStayInTheirRowsAndColumns() throws {
        let n = 13, k = 40, m = 70
        var values = Values()
        var left = (0..<(n * k)).map { _ in values.next() }, right = (0..<(k * m)).map { _ in values.next() }
        left[12 * k + 3] = .infinity  // last row, in the ragged sliver
        right[5 * m + 69] = .nan      // last column, in the ragged panel
        for p in 0..<k { left[4 * k + p] = -0.0; right[p * m + 2] = 0 }
        let a = try Tensor(left, shape: [n, k]).materialized(dtype: .float32)
        let b = try Tensor(right, shape: [k, m]).materialized(dtype: .float32)
        let product = try Tensor.matmulKernel(a, b), operands = Operands(a, b)
        for i in 0..<n {
            for j in 0..<m {
                let entry = Float(product.element(i * m + j))
                #expect(Self.sameBits(entry, operands.expected(i, j, old: nil)), "entry (\(i), \(j))")
                #expect(entry.isNaN == (j == 69 || (i == 12 && j == 2)), "entry (\(i), \(j)) is \(entry)")
            }
        }
        #expect(Float(product.element(4 * m + 2)).bitPattern == Float(0).bitPattern)
    }
}
