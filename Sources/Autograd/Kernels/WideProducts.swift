#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AVX512Kernels
import CCPUFeatures

/// Which float32 products run on LuaGrad's own AVX-512 register tile (`WideSgemm`) instead of
/// OpenBLAS: all that `BlasProduct` computes with `alpha` 1 and `beta` 0 or 1 (a product, or
/// one added into a gradient) and a shared dim up to `WideSgemm.maximumDepth`, on a CPU with
/// AVX-512F.
///
/// Why: there each core does twice the multiply-adds per cycle that OpenBLAS's kernels reach
/// (AVX512Kernels/WideSgemm.swift), and the training steps are mostly products. The bits
/// change with it: each entry is one fused chain from zero, where OpenBLAS's kernels split
/// deep chains (`TinyDepth`). `LUAGRAD_SGEMM=openblas` in the environment keeps OpenBLAS.
enum WideProducts {
    /// Whether float32 products go to `WideSgemm`: the CPU and the OS run AVX-512F, and
    /// `LUAGRAD_SGEMM` is not `openblas`. Read once.
    static let enabled: Bool = {
        if let choice = getenv("LUAGRAD_SGEMM"), String(cString: choice) == "openblas" { return false }
        return lg_cpu_has_avx512f() != 0
    }()

    /// Whether `out = alpha · (a @ b) + beta · out` with shared dim `depth` runs on the wide tile.
    static func handles(alpha: Double, beta: Double, depth: Int) -> Bool {
        enabled && alpha == 1 && (beta == 0 || beta == 1) && depth <= WideSgemm.maximumDepth
    }
}
