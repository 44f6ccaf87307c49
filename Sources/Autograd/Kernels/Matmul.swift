/// Matrix-product kernels.
extension Tensor {
    /// `a @ b` for 2-d `a` (n×k) and `b` (k×m) of the same dtype, as a new contiguous n×m tensor.
    static func matmulKernel(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let n = a.shape[0], m = b.shape[1]
        let dtype = a.dtype
        let out = try Tensor.empty([n, m], dtype: dtype)
        switch dtype {
        case .float32: try gemm(a, b, out, Float.self)
        case .float64: try gemm(a, b, out, Double.self)
        case .int64: try gemm(a, b, out, Int64.self)
        case .bool:
            let r = try matmulKernel(a.converted(to: .int64), b.converted(to: .int64))
            return try r.materialized(dtype: .bool)
        }
        return out
    }

    /// The i-k-j loop over contiguous operands: streams rows of `b` and `out` for cache locality.
    private static func gemm<T: GemmElement>(_ a: Tensor, _ b: Tensor, _ out: Tensor, _: T.Type) throws {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        let ac = a.isContiguous ? a : try a.materialized()
        let bc = b.isContiguous ? b : try b.materialized()
        let pa = ac.pointer(T.self), pb = bc.pointer(T.self), po = out.pointer(T.self)
        for i in 0..<(n * m) { po[i] = T.zeroValue }
        for i in 0..<n {
            let row = po + i * m
            for p in 0..<k {
                let s = pa[i * k + p]
                let brow = pb + p * m
                for j in 0..<m { row[j] = T.mulAdd(row[j], s, brow[j]) }
            }
        }
    }
}

/// An element type of matrix products.
protocol GemmElement: TensorElement {
    static var zeroValue: Self { get }
    /// `acc + x * y`; integers wrap on overflow as PyTorch's do, instead of trapping.
    static func mulAdd(_ acc: Self, _ x: Self, _ y: Self) -> Self
}

extension Float: GemmElement {
    static var zeroValue: Float { 0 }
    @inline(__always) static func mulAdd(_ acc: Float, _ x: Float, _ y: Float) -> Float { acc + x * y }
}

extension Double: GemmElement {
    static var zeroValue: Double { 0 }
    @inline(__always) static func mulAdd(_ acc: Double, _ x: Double, _ y: Double) -> Double { acc + x * y }
}

extension Int64: GemmElement {
    static var zeroValue: Int64 { 0 }
    @inline(__always) static func mulAdd(_ acc: Int64, _ x: Int64, _ y: Int64) -> Int64 { acc &+ x &* y }
}
