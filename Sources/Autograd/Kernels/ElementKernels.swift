/// Element functions as types: what the element-wise kernels are generic over.
///
/// An op declares its element functions as a small kernel type next to the op (`AddKernel`,
/// `SqrtKernel`) instead of passing closures. Generic specialization then compiles every loop
/// of `Tensor.zip` and `Tensor.map` once per kernel, with the function inlined, the parallel
/// workers' chunk loop included: a closure would be one function shared by every op, calling
/// the element function indirectly once per element (no vectorization, `sqrt` as a call).
///
/// Floating-point functions are written once, generic over `FloatElement`, and specialize to
/// float32 and float64. Kernels are values, so an op can carry parameters (`round(decimals=)`).

// MARK: - Kernel protocols

/// The element functions of a binary op (`add`, `maximum`, `pow`).
///
/// `int` and `bool` are optional: a kernel that defines one says so with `hasInt`/`hasBool`.
/// Without `int`, int64 operands throw "not implemented for 'Long'"; without `bool`, bool
/// operands compute as int64.
protocol BinaryKernel: Sendable {
    /// The function on float32 and float64 elements.
    func float<T: FloatElement>(_ a: T, _ b: T) -> T
    /// The function on int64 elements (used only when `hasInt`).
    func int(_ a: Int64, _ b: Int64) -> Int64
    /// The function on bool elements (used only when `hasBool`).
    func bool(_ a: Bool, _ b: Bool) -> Bool
    static var hasInt: Bool { get }
    static var hasBool: Bool { get }
}

extension BinaryKernel {
    func int(_ a: Int64, _ b: Int64) -> Int64 { 0 }
    func bool(_ a: Bool, _ b: Bool) -> Bool { false }
    static var hasInt: Bool { false }
    static var hasBool: Bool { false }
}

/// A binary op defined on truth values only: its operands are converted to bool first.
protocol LogicalKernel: BinaryKernel {}

extension LogicalKernel {
    func float<T: FloatElement>(_ a: T, _ b: T) -> T { 0 }
    static var hasBool: Bool { true }
}

/// The element function of a comparison: one generic function serves every element type.
protocol ComparisonKernel: Sendable {
    func compare<T: Comparable>(_ a: T, _ b: T) -> Bool
}

/// The element functions of a unary op (`exp`, `neg`, `floor`).
///
/// `Tensor.floatUnary` uses only `float`; `Tensor.sameTypeUnary` also uses `int` and `bool`
/// when the kernel has them (`hasInt`/`hasBool`), and throws for those dtypes otherwise.
protocol UnaryKernel: Sendable {
    /// The function on float32 and float64 elements.
    func float<T: FloatElement>(_ x: T) -> T
    /// The function on int64 elements (used only when `hasInt`).
    func int(_ x: Int64) -> Int64
    /// The function on bool elements (used only when `hasBool`).
    func bool(_ x: Bool) -> Bool
    static var hasInt: Bool { get }
    static var hasBool: Bool { get }
}

extension UnaryKernel {
    func int(_ x: Int64) -> Int64 { 0 }
    func bool(_ x: Bool) -> Bool { false }
    static var hasInt: Bool { false }
    static var hasBool: Bool { false }
}

/// A predicate of one element (`isnan`, `logical_not`), defined for every dtype.
protocol PredicateKernel: Sendable {
    func float<T: FloatElement>(_ x: T) -> Bool
    func int(_ x: Int64) -> Bool
    func bool(_ x: Bool) -> Bool
}

// MARK: - Typed element functions

/// An element function of two operands with fixed element types: what `Tensor.zip` loops over.
protocol ZipFunction {
    associatedtype Operand: TensorElement
    associatedtype Result: TensorElement
    func callAsFunction(_ a: Operand, _ b: Operand) -> Result
}

/// An element function of one operand with fixed element types: what `Tensor.map` loops over.
protocol MapFunction {
    associatedtype Operand: TensorElement
    associatedtype Result: TensorElement
    func callAsFunction(_ x: Operand) -> Result
}

/// A binary kernel's floating-point function on `T`.
struct BinaryFloat<K: BinaryKernel, T: FloatElement>: ZipFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { kernel.float(a, b) }
}

/// A binary kernel's int64 function.
struct BinaryInt<K: BinaryKernel>: ZipFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ a: Int64, _ b: Int64) -> Int64 { kernel.int(a, b) }
}

/// A binary kernel's bool function.
struct BinaryBool<K: BinaryKernel>: ZipFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ a: Bool, _ b: Bool) -> Bool { kernel.bool(a, b) }
}

/// A comparison on `T`.
struct Compare<K: ComparisonKernel, T: TensorElement & Comparable>: ZipFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ a: T, _ b: T) -> Bool { kernel.compare(a, b) }
}

/// A unary kernel's floating-point function on `T`.
struct UnaryFloat<K: UnaryKernel, T: FloatElement>: MapFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ x: T) -> T { kernel.float(x) }
}

/// A unary kernel's int64 function.
struct UnaryInt<K: UnaryKernel>: MapFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ x: Int64) -> Int64 { kernel.int(x) }
}

/// A unary kernel's bool function.
struct UnaryBool<K: UnaryKernel>: MapFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ x: Bool) -> Bool { kernel.bool(x) }
}

/// A predicate on floating-point `T`.
struct PredicateFloat<K: PredicateKernel, T: FloatElement>: MapFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ x: T) -> Bool { kernel.float(x) }
}

/// A predicate on int64.
struct PredicateInt<K: PredicateKernel>: MapFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ x: Int64) -> Bool { kernel.int(x) }
}

/// A predicate on bool.
struct PredicateBool<K: PredicateKernel>: MapFunction {
    let kernel: K
    @inline(__always) func callAsFunction(_ x: Bool) -> Bool { kernel.bool(x) }
}
