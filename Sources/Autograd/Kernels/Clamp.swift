/// The clamp kernel: bounds applied element-wise with broadcasting, NaN-propagating.
extension Tensor {
    /// Clamps to `low` and/or `high` (tensors, possibly wrapped numbers) in `dtype`, with
    /// broadcasting; a NaN input or bound gives NaN, and when min > max the result is max.
    static func clampKernel(_ x: Tensor, _ low: Tensor?, _ high: Tensor?, dtype: DType) throws -> Tensor {
        var result = try x.converted(to: dtype)
        if let low {
            result = try arithmetic(result, low, dtype: dtype, op: "clamp", ClampMinKernel())
        }
        if let high {
            result = try arithmetic(result, high, dtype: dtype, op: "clamp", ClampMaxKernel())
        }
        if result === x { result = try x.materialized() }
        return result
    }

    /// `x` raised to the bound `low`; a NaN input or bound gives NaN.
    struct ClampMinKernel: BinaryKernel {
        func float<T: FloatElement>(_ x: T, _ low: T) -> T { x.isNaN ? x : (low.isNaN || x < low ? low : x) }
        func int(_ x: Int64, _ low: Int64) -> Int64 { Swift.max(x, low) }
        static var hasInt: Bool { true }
    }

    /// `x` lowered to the bound `high`; a NaN input or bound gives NaN.
    struct ClampMaxKernel: BinaryKernel {
        func float<T: FloatElement>(_ x: T, _ high: T) -> T { x.isNaN ? x : (high.isNaN || x > high ? high : x) }
        func int(_ x: Int64, _ high: Int64) -> Int64 { Swift.min(x, high) }
        static var hasInt: Bool { true }
    }
}
