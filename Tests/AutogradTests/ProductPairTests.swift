import Testing
@testable import Autograd

/// The two gradients of a small matrix product run side by side (`ProductPair.swift`): each
/// must come out with the bits it has when computed alone, one after the other.
@Suite struct ProductPairTests {
    /// mat1 n×k @ mat2 k×m shapes whose gradients qualify for a pair (`pairMinimum` ≤ n·m·k
    /// < 2^20): the MLP's second layer at batch 64 and 256, and odd sizes off OpenBLAS's tiles.
    static let shapes: [(n: Int, k: Int, m: Int)] = [(64, 256, 10), (256, 256, 10), (33, 257, 65),
                                                      (48, 96, 40), (200, 64, 12), (17, 310, 40)]

    /// Seeded values in about ±15, with many bits set.
    private struct Values {
        var seed: UInt64
        mutating func tensor(_ shape: [Int], _ dtype: DType) throws -> Tensor {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { _ -> Double in
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Double(Int64(bitPattern: seed >> 11) % 2_000_001 - 1_000_000) / 65_536
            }
            return try Tensor(values, shape: shape).materialized(dtype: dtype)
        }
    }

    private static func expectSameBits(_ x: Tensor, _ y: Tensor, _ what: String) throws {
        #expect(x.shape == y.shape, "\(what): shapes")
        let a = try x.contiguous(), b = try y.contiguous()
        for i in 0..<a.numel where a.element(i).bitPattern != b.element(i).bitPattern {
            Issue.record("\(what): entry \(i) differs, \(a.element(i)) vs \(b.element(i))")
            return
        }
    }

    /// `productPair` against `matmulKernel` and `addProduct` one at a time, on the calling
    /// thread: new outputs, and sums added into existing tensors.
    @Test(arguments: [DType.float32, .float64], [false, true])
    func pairGivesTheBitsOfEachProductAlone(dtype: DType, accumulate: Bool) throws {
        var values = Values(seed: 0x9E37_79B9_7F4A_7C15)
        for (n, k, m) in Self.shapes {
            let grad = try values.tensor([n, m], dtype)
            let mat1 = try values.tensor([n, k], dtype), mat2 = try values.tensor([k, m], dtype)
            let mat1T = try mat1.t(), mat2T = try mat2.t()
            let start1 = try values.tensor([n, k], dtype), start2 = try values.tensor([k, m], dtype)
            let into1 = accumulate ? try start1.clone() : nil, into2 = accumulate ? try start2.clone() : nil
            let pair = try Tensor.productPair(Tensor.PairedProduct(a: grad, b: mat2T, into: into1),
                                              Tensor.PairedProduct(a: mat1T, b: grad, into: into2))
            guard Parallel.workers > 1 else {
                #expect(pair == nil)
                continue
            }
            let (first, second) = try #require(pair, "\(n)x\(k)x\(m) should run as a pair")
            let alone1 = accumulate ? try start1.clone() : try Tensor.matmulKernel(grad, mat2T)
            let alone2 = accumulate ? try start2.clone() : try Tensor.matmulKernel(mat1T, grad)
            if accumulate {
                #expect(try Tensor.addProduct(grad, mat2T, into: alone1))
                #expect(try Tensor.addProduct(mat1T, grad, into: alone2))
            }
            try Self.expectSameBits(first, alone1, "\(dtype) \(n)x\(k)x\(m) grad @ mat2ᵀ")
            try Self.expectSameBits(second, alone2, "\(dtype) \(n)x\(k)x\(m) mat1ᵀ @ grad")
        }
    }

    /// Through `backward`: `mm` and `addmm` gradients of row-major operands and of
    /// column-major ones (`x:t()`), into new gradients and into existing `.grad`s, against the
    /// formulas' products computed one after the other.
    @Test(arguments: [false, true], [false, true])
    func backwardGivesTheSequentialBits(columnMajor: Bool, existingGrads: Bool) throws {
        var values = Values(seed: 0x2545_F491_4F6C_DD1D)
        for (n, k, m) in Self.shapes {
            for viaAddmm in [false, true] {
                // The leaves; the operands are their transposes when `columnMajor`.
                let x = try values.tensor(columnMajor ? [k, n] : [n, k], .float32)
                let w = try values.tensor(columnMajor ? [m, k] : [k, m], .float32)
                let grad = try values.tensor([n, m], .float32)
                let startX = try values.tensor(x.shape, .float32), startW = try values.tensor(w.shape, .float32)
                for leaf in [x, w] { try leaf.setRequiresGrad(true) }
                if existingGrads {
                    try x.setGrad(try startX.clone())
                    try w.setGrad(try startW.clone())
                }
                let mat1 = columnMajor ? try x.t() : x, mat2 = columnMajor ? try w.t() : w
                let out = viaAddmm ? try Tensor.zeros([m]).addmm(mat1, mat2) : try mat1.mm(mat2)
                try out.backward(gradient: grad)

                // The formulas one after the other (`mat1Gradient`, `mat2Gradient`); a
                // column-major operand's gradient reaches its leaf through `t()`, added there.
                let (expectX, expectW) = try withNoGrad {
                    let a = mat1.detach(), b = mat2.detach()
                    if columnMajor {
                        let gx = try b.mm(grad.t()), gw = try grad.t().mm(a)
                        return existingGrads ? (try startX.add(gx), try startW.add(gw)) : (gx, gw)
                    }
                    guard existingGrads else { return (try grad.mm(b.t()), try a.t().mm(grad)) }
                    let intoX = try startX.clone(), intoW = try startW.clone()
                    #expect(try Tensor.addProduct(grad, b.t(), into: intoX))
                    #expect(try Tensor.addProduct(a.t(), grad, into: intoW))
                    return (intoX, intoW)
                }
                let what = "\(viaAddmm ? "addmm" : "mm") \(n)x\(k)x\(m)"
                try Self.expectSameBits(try #require(x.grad), expectX, "\(what) x.grad")
                try Self.expectSameBits(try #require(w.grad), expectW, "\(what) w.grad")
            }
        }
    }
}
