/// Matrix products too small for BLAS to pay for its call.
extension Tensor {
    /// The most multiply-adds (n·m·k) a product may have to skip BLAS: a `cblas_sgemm` call
    /// costs about 2 000 instructions of set-up (operand checks, the worker pool's job, the
    /// library's own dispatch and packing) before its first multiply-add, and a plain loop
    /// spends three or four per multiply-add.
    static let tinyProductLimit = 512

    /// The longest shared dim any product may have to skip BLAS (`TinyDepth` may allow less).
    static let tinyProductDepth = 15

    /// `out = a @ b`, or `out += a @ b` when `accumulate`, for float `a` (n×k) and `b` (k×m)
    /// of `out`'s dtype with n·m·k at most `tinyProductLimit` and k at most
    /// `tinyProductDepth`; `out` is contiguous n×m and shares memory with neither. Returns
    /// false, leaving `out` alone, for other products.
    ///
    /// BLAS's rounding is kept: each entry is `fma` over the shared dim from 0, then added to
    /// the old entry (accumulating) or to +0 (as BLAS's `C = alpha·acc + C` on a zeroed C, which
    /// turns a -0 sum into +0).
    static func tinyProduct(_ a: Tensor, _ b: Tensor, into out: Tensor, accumulate: Bool) -> Bool {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        guard k <= tinyProductDepth, n &* m &* k <= tinyProductLimit else { return false }
        switch out.dtype {
        case .float32 where k > TinyDepth.float: return false
        case .float64 where k > TinyDepth.double: return false
        case .float32: tinyProduct(a, b, into: out, accumulate: accumulate, Float.self)
        case .float64: tinyProduct(a, b, into: out, accumulate: accumulate, Double.self)
        case .int64, .bool: return false
        }
        return true
    }

    static func tinyProduct<T: FloatElement>(_ a: Tensor, _ b: Tensor, into out: Tensor,
                                                     accumulate: Bool, _: T.Type) {
        let n = a.shape[0], k = a.shape[1], m = b.shape[1]
        let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(T.self)
        let rowStep = a.strides[0], stepA = a.strides[1], stepB = b.strides[0], columnStep = b.strides[1]
        for i in 0..<n {
            let row = pa + i &* rowStep, outRow = po + i &* m
            for j in 0..<m {
                var x = row, y = pb + j &* columnStep
                var sum: T = 0
                for _ in 0..<k {
                    sum = sum.addingProduct(x.pointee, y.pointee)
                    x += stepA
                    y += stepB
                }
                outRow[j] = accumulate ? sum + outRow[j] : sum + 0
            }
        }
    }
}

// MARK: - How deep BLAS keeps one chain

/// The longest shared dim up to which this process's OpenBLAS computes each entry of a
/// product as one chain of fused multiply-adds over the shared dim in order, from zero (what
/// `tinyProduct` repeats), per float dtype; found once, on the first tiny product.
///
/// Why measured and not fixed: the chain depends on the kernels OpenBLAS picks for the CPU.
/// With 0.3.21's Cooperlake kernels (a Zen 4/5 machine) both dtypes keep it up to 15 and split
/// it from 16 on (checked on 30 million random entries of both dtypes, every transpose, with
/// and without accumulation). Its Zen kernels (a Zen 3 machine) split float32's from k = 8
/// for outputs of 8 or more columns and keep float64's to 15: a fixed 15 there made a row of
/// a 4×8 @ 8×16 product differ from the same row inside a larger one. So the first tiny
/// product compares, for each depth up to 15, `tinyProduct`'s chain with OpenBLAS's own
/// result on the same operands, and tiny products keep to the depths that agreed. (Where
/// float32 products run on `WideSgemm`, AVX-512 CPUs, that result is the same chain at every
/// depth, and the probe finds 15.)
enum TinyDepth {
    /// The deepest shared dims at which the chains agreed for every depth up to them, per
    /// dtype, each found on first use (a float32 product on `WideSgemm` never opens OpenBLAS).
    static let float = probed(.float32)
    static let double = probed(.float64)

    /// `agreeingDepth` for `dtype`; without OpenBLAS there is no BLAS result to agree with,
    /// and every depth up to 15 is allowed.
    private static func probed(_ dtype: DType) -> Int {
        if !(dtype == .float32 && WideProducts.enabled), (try? BlasThreads.load()) == nil {
            return Tensor.tinyProductDepth
        }
        return agreeingDepth(dtype)
    }

    /// The deepest `k` such that for every depth up to it a product with 9 rows and each of
    /// 1, 7, 8, 16 and 31 columns, from BLAS, equals the chain entry by entry; 0 if even
    /// depth 1 differs.
    static func agreeingDepth(_ dtype: DType) -> Int {
        var seed: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: seed >> 11) % 2_000_001 - 1_000_000) / 65_536
        }
        let rows = 9
        for k in 1...Tensor.tinyProductDepth {
            for m in [1, 7, 8, 16, 31] {
                guard let a = try? Tensor((0..<(rows * k)).map { _ in next() }, shape: [rows, k]).materialized(dtype: dtype),
                      let b = try? Tensor((0..<(k * m)).map { _ in next() }, shape: [k, m]).materialized(dtype: dtype),
                      let blas = try? Tensor.empty([rows, m], dtype: dtype),
                      let chain = try? Tensor.empty([rows, m], dtype: dtype),
                      let product = try? BlasProduct(a, b, blas) else { return k - 1 }
                product.run()
                switch dtype {
                case .float32: Tensor.tinyProduct(a, b, into: chain, accumulate: false, Float.self)
                default: Tensor.tinyProduct(a, b, into: chain, accumulate: false, Double.self)
                }
                for i in 0..<(rows * m) where blas.element(i).bitPattern != chain.element(i).bitPattern { return k - 1 }
            }
        }
        return Tensor.tinyProductDepth
    }
}
