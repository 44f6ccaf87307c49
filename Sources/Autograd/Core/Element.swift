#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Swift type that can be a tensor element.
public protocol TensorElement: Sendable {
    static var dtype: DType { get }
    /// The value as a Double (exact for bool, float32 and float64).
    var doubleValue: Double { get }
    /// Converts from Double as PyTorch casts: truncation toward zero for integers, `!= 0` for bool.
    init(converting value: Double)
    var int64Value: Int64 { get }
    init(converting value: Int64)
    /// PyTorch's `a < b` for this type: numbers by value, `false < true`; false when either is NaN.
    static func precedes(_ a: Self, _ b: Self) -> Bool
    /// Whether the value is a floating-point NaN (never for int64 and bool).
    var isNaNValue: Bool { get }
    /// `a + b` as PyTorch adds this type in place (`scatter_add`, `index_add`): wrapping for
    /// int64, `or` for bool.
    static func plus(_ a: Self, _ b: Self) -> Self
}

/// A floating-point tensor element with the math library's functions.
public protocol FloatElement: TensorElement, BinaryFloatingPoint {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func fmod(_ x: Self, _ y: Self) -> Self
    /// The square root. Kernels use this rather than `squareRoot()`, whose C shim is not
    /// inlined into parallel workers' loops; libm's `sqrtf`/`sqrt` vectorize there.
    static func sqrt(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func tan(_ x: Self) -> Self
    static func exp2(_ x: Self) -> Self
    static func log2(_ x: Self) -> Self
    static func log10(_ x: Self) -> Self
}

// MARK: - Conformances

extension FloatElement {
    @inline(__always) public static func precedes(_ a: Self, _ b: Self) -> Bool { a < b }
    @inline(__always) public var isNaNValue: Bool { isNaN }
    @inline(__always) public static func plus(_ a: Self, _ b: Self) -> Self { a + b }
}

extension Float: FloatElement {
    public static var dtype: DType { .float32 }
    public var doubleValue: Double { Double(self) }
    public init(converting value: Double) { self = Float(value) }
    public var int64Value: Int64 { Int64(clampingFloat: Double(self)) }
    public init(converting value: Int64) { self = Float(value) }
    public static func exp(_ x: Float) -> Float { expf(x) }
    public static func log(_ x: Float) -> Float { logf(x) }
    public static func sin(_ x: Float) -> Float { sinf(x) }
    public static func cos(_ x: Float) -> Float { cosf(x) }
    public static func tanh(_ x: Float) -> Float { tanhf(x) }
    public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    public static func fmod(_ x: Float, _ y: Float) -> Float { fmodf(x, y) }
    public static func sqrt(_ x: Float) -> Float { sqrtf(x) }
    public static func log1p(_ x: Float) -> Float { log1pf(x) }
    public static func expm1(_ x: Float) -> Float { expm1f(x) }
    public static func tan(_ x: Float) -> Float { tanf(x) }
    public static func exp2(_ x: Float) -> Float { exp2f(x) }
    public static func log2(_ x: Float) -> Float { log2f(x) }
    public static func log10(_ x: Float) -> Float { log10f(x) }
}

extension Double: FloatElement {
    public static var dtype: DType { .float64 }
    public var doubleValue: Double { self }
    public init(converting value: Double) { self = value }
    public var int64Value: Int64 { Int64(clampingFloat: self) }
    public init(converting value: Int64) { self = Double(value) }
    public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    public static func log(_ x: Double) -> Double { Glibc.log(x) }
    public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
    public static func fmod(_ x: Double, _ y: Double) -> Double { Glibc.fmod(x, y) }
    public static func sqrt(_ x: Double) -> Double { Glibc.sqrt(x) }
    public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    public static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
    public static func tan(_ x: Double) -> Double { Glibc.tan(x) }
    public static func exp2(_ x: Double) -> Double { Glibc.exp2(x) }
    public static func log2(_ x: Double) -> Double { Glibc.log2(x) }
    public static func log10(_ x: Double) -> Double { Glibc.log10(x) }
}

extension Int64: TensorElement {
    public static var dtype: DType { .int64 }
    public var doubleValue: Double { Double(self) }
    public init(converting value: Double) { self = Int64(clampingFloat: value) }
    public var int64Value: Int64 { self }
    public init(converting value: Int64) { self = value }
    @inline(__always) public static func precedes(_ a: Int64, _ b: Int64) -> Bool { a < b }
    @inline(__always) public var isNaNValue: Bool { false }
    @inline(__always) public static func plus(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
}

extension Bool: TensorElement {
    public static var dtype: DType { .bool }
    public var doubleValue: Double { self ? 1 : 0 }
    public init(converting value: Double) { self = value != 0 }
    public var int64Value: Int64 { self ? 1 : 0 }
    public init(converting value: Int64) { self = value != 0 }
    @inline(__always) public static func precedes(_ a: Bool, _ b: Bool) -> Bool { !a && b }
    @inline(__always) public var isNaNValue: Bool { false }
    @inline(__always) public static func plus(_ a: Bool, _ b: Bool) -> Bool { a || b }
}

extension Int64 {
    /// Truncates toward zero; NaN becomes 0 and out-of-range values saturate instead of trapping
    /// (PyTorch leaves these undefined; a crash is never acceptable here).
    init(clampingFloat value: Double) {
        if value.isNaN { self = 0 }
        else if value >= 9.223372036854775807e18 { self = .max }
        else if value <= -9.223372036854775808e18 { self = .min }
        else { self = Int64(value.rounded(.towardZero)) }
    }
}
