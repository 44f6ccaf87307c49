import Synchronization

/// An n-dimensional array that records the operations applied to it for differentiation.
///
/// A tensor is a view of a `Storage`: `shape`, `strides` and `offset` (in elements) say where
/// its elements are. Views share storage; in-place writes bump the storage's version counter.
public final class Tensor {
    // MARK: - Data

    /// The memory this tensor (and every view of it) reads. (A `var` only so uniqueness can
    /// be asked of it; it never changes.)
    public private(set) var storage: Storage
    /// The size of each dimension.
    public let shape: [Int]
    /// How many elements to step in storage for one step along each dimension.
    public let strides: [Int]
    /// The position of the first element in storage, in elements.
    public let offset: Int
    /// The number of elements.
    public let numel: Int
    /// The tensor this one is a view of (the root base), if it is a view.
    public let viewBase: Tensor?

    // MARK: - Autograd state

    /// The accumulated gradient of a leaf (or of a non-leaf that retains its grad).
    public internal(set) var gradStorage: Tensor? {
        get { extras?.gradStorage }
        set {
            if newValue != nil || extras != nil { extrasForWriting.gradStorage = newValue }
            // A gradient with a graph may lead back to a node that kept this tensor itself.
            if isSavedAsInput { laterTensorAttached(newValue) }
        }
    }
    /// The node that made this tensor; nil for leaves.
    public internal(set) var gradFn: Node?
    /// Which output of `gradFn` this tensor is.
    var outputNr = 0
    /// The node that accumulates into `.grad`, shared by every graph this leaf is in.
    ///
    /// Held strongly (it holds its leaf unowned, cleared by this tensor's deinit, so there is no
    /// cycle): held weakly, as PyTorch does, every short graph made a new node and a
    /// weak-reference side table for it.
    var accumulator: AccumulateGrad? {
        get { extras?.accumulator }
        set { if newValue != nil || extras != nil { extrasForWriting.accumulator = newValue } }
    }
    /// The forward-mode tangent of a dual tensor (`unpack_dual(x).tangent`).
    public internal(set) var tangent: Tensor? {
        get { extras?.tangent }
        set {
            if newValue != nil || extras != nil { extrasForWriting.tangent = newValue }
            if isSavedAsInput { laterTensorAttached(newValue) }
        }
    }
    /// Hooks on this leaf's gradient, run before it accumulates into `.grad`.
    var leafHooks: [GradHook] {
        get { extras?.leafHooks ?? [] }
        set { if !newValue.isEmpty || extras != nil { extrasForWriting.leafHooks = newValue } }
    }
    /// Whether hooks are set on this leaf's gradient (read in place: `leafHooks` returns a
    /// copy of the array, a retain and release per gradient a leaf receives).
    var hasLeafHooks: Bool { !(extras?.leafHooks.isEmpty ?? true) }
    /// What leaves and few other tensors carry (`.grad`, the accumulator, a tangent, hooks),
    /// kept apart: an op's result has none of it, and as four fields of its own they were
    /// four references to release (nil or empty) in every dying tensor's deinit, and 24
    /// bytes more per tensor.
    private var extras: TensorExtras?
    private var extrasForWriting: TensorExtras {
        if let extras { return extras }
        let made = TensorExtras()
        extras = made
        return made
    }

    // MARK: - One-byte fields
    // Declared last so that they share one word: a class lays out its fields in declaration
    // order, and interleaved with the words above they padded every tensor by 24 bytes.

    /// The element type.
    public let dtype: DType
    /// Whether elements are laid out row-major with no gaps.
    ///
    /// Fixed at creation (shape and strides never change), since kernels ask it several times
    /// per op.
    public let isContiguous: Bool
    /// Whether gradients flow to this tensor (`requires_grad`).
    public internal(set) var requiresGrad = false
    /// Whether a non-leaf keeps its `.grad` (`retain_grad()`).
    public internal(set) var retainsGrad = false
    /// A Lua or Swift number wrapped as a 0-d tensor: it takes part in type promotion as a scalar.
    public internal(set) var isWrappedNumber = false
    /// Marked by `torch.nn.Parameter`: printing starts with `Parameter containing:`, as PyTorch's
    /// `Parameter.__repr__` does. A flag on the object rather than a subclass, so every handle on
    /// the tensor (Lua userdata, Swift reference) agrees.
    public var isParameter = false
    /// Whether a graph node has kept this very tensor as a saved input (`SavedTensor`): if its
    /// history is ever replaced, those nodes must let go of it (`historyReplaced(from:)`).
    var isSavedAsInput = false

    /// Tensors alive in the process (for leak tests).
    public static let live = LiveCount(.tensors)

    /// A tensor over `storage`; `contiguous` says whether `strides` lay `shape` out row-major
    /// when the caller knows (a new output), and is worked out otherwise.
    init(storage: Storage, shape: [Int], strides: [Int], offset: Int, dtype: DType,
         viewBase: Tensor? = nil, contiguous: Bool? = nil) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.dtype = dtype
        var n = 1
        for s in shape { n &*= s }
        self.numel = n
        self.isContiguous = contiguous ?? Tensor.isContiguous(shape, strides)
        self.viewBase = viewBase
        Tensor.live.add(1)
    }

    deinit {
        Tensor.live.subtract(1)
        // The last tensor on a small storage hands it to the thread's pool for the next op's
        // output (see `StoragePool`).
        if storage.isInline && isKnownUniquelyReferenced(&storage) { Storage.recycle(storage) }
        // (A leaf's accumulator forgets it when the extras go: `TensorExtras.deinit`.)
        // A long chain of nodes must not be freed by recursion (a million-op graph would
        // overflow the stack): hand the node to the iterative teardown.
        // Most tensors die while their node is still held by the graph downstream: a plain
        // release then, with no stack to allocate.
        if gradFn != nil && isKnownUniquelyReferenced(&gradFn) {
            let node = gradFn.unsafelyUnwrapped
            gradFn = nil
            Node.releaseLast(node)
        }
    }

    // MARK: - Creation

    /// A contiguous tensor of `shape` with uninitialized elements.
    public static func empty(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        try Shapes.validate(shape)
        let count = Shapes.numel(shape) ?? 0
        let storage = try Storage.make(count: count, dtype: dtype)
        return Tensor(storage: storage, shape: shape, strides: Shapes.contiguousStrides(shape),
                      offset: 0, dtype: dtype, contiguous: true)
    }

    /// A contiguous tensor with `model`'s shape, sharing its shape and stride arrays when
    /// `model` is contiguous (no array allocation: the hot path of element-wise ops).
    static func empty(like model: Tensor, dtype: DType) throws -> Tensor {
        guard model.isContiguous else { return try empty(model.shape, dtype: dtype) }
        let storage = try Storage.make(count: model.numel, dtype: dtype)
        return Tensor(storage: storage, shape: model.shape, strides: model.strides, offset: 0, dtype: dtype,
                      contiguous: true)
    }

    /// A contiguous tensor holding `values` in row-major order.
    public convenience init<T: TensorElement>(_ values: [T], shape: [Int]? = nil) throws {
        let shape = shape ?? [values.count]
        try Shapes.validate(shape)
        guard Shapes.numel(shape) == values.count else {
            throw TorchError("shape \(Shapes.format(shape)) is invalid for input of size \(values.count)")
        }
        let storage = try Storage.make(count: values.count, dtype: T.dtype)
        let p = storage.bytes.assumingMemoryBound(to: T.self)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { p.update(from: base, count: src.count) }
        }
        self.init(storage: storage, shape: shape, strides: Shapes.contiguousStrides(shape),
                  offset: 0, dtype: T.dtype)
    }

    /// A 0-d tensor of `dtype` holding `value` converted to it.
    public static func scalar(_ value: Double, dtype: DType) throws -> Tensor {
        let t = try empty([], dtype: dtype)
        t.setElement(0, value)
        return t
    }

    /// A 0-d tensor wrapping a script or Swift number, which promotes like a Python scalar:
    /// `x * 2` keeps x's dtype where a 0-d int64 tensor would not.
    public static func wrapping(_ value: Scalar) throws -> Tensor { try wrapped(value) }

    /// Marks a tensor built from script numbers: it promotes like Python numbers do.
    public func markedAsScriptNumbers() -> Tensor {
        isWrappedNumber = true
        return self
    }

    static func wrapped(_ value: Scalar) throws -> Tensor {
        try cachedWrapped(WrappedKey(value)) { try makeWrapped(value) }
    }

    /// This wrapped number in `target`'s dtype: `x * 0.999` on float32 `x` converts the float64
    /// number on every call otherwise, a whole tensor allocation per op.
    func wrappedConverted(to target: DType) throws -> Tensor {
        let key = WrappedKey(self, as: target)
        return try Tensor.cachedWrapped(key) {
            let out = try materialized(dtype: target)
            out.isWrappedNumber = true
            return out
        }
    }

    /// The thread's cached wrapped number for `key`, made by `make` on a miss.
    private static func cachedWrapped(_ key: WrappedKey, _ make: () throws -> Tensor) throws -> Tensor {
        // Scripts multiply by the same few constants over and over; wrapped numbers are never
        // written to, so each thread keeps the recent ones (keyed by bit pattern: -0.0 ≠ 0.0).
        if let cached = ThreadState.withCurrent({ $0.wrappedNumbers[key] }) { return cached }
        let state = ThreadState.current
        // Cached numbers outlive the call that made them: charge them to no host's account.
        let account = state.memoryAccount
        state.memoryAccount = nil
        defer { state.memoryAccount = account }
        let t = try make()
        state.wrappedNumbers[key] = t
        return t
    }

    private static func makeWrapped(_ value: Scalar) throws -> Tensor {
        let t: Tensor
        switch value {
        case .bool(let b): t = try scalar(b ? 1 : 0, dtype: .bool)
        case .int(let i):
            t = try empty([], dtype: .int64)
            t.pointer(Int64.self).pointee = i
        case .double(let d): t = try scalar(d, dtype: .float64)
        }
        t.isWrappedNumber = true
        return t
    }

    /// A view of this tensor's storage with a different shape, strides and offset.
    func view(shape: [Int], strides: [Int], offset: Int) -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype,
               viewBase: viewBase ?? self)
    }

    /// A tensor sharing this one's data with no graph history (`detach()`).
    ///
    /// Like PyTorch's, it is not a view (no base): in-place changes to it are allowed, and the
    /// shared storage still bumps the version counter. Having no base also matters for ARC:
    /// saved tensors are detached aliases, and a base reference from a saved output back to
    /// the output would close a cycle through the output's grad_fn.
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype,
               contiguous: isContiguous)
    }

    // MARK: - Geometry

    /// The number of dimensions.
    public var ndim: Int { shape.count }

    /// Whether `strides` lay out `shape` row-major with no gaps.
    private static func isContiguous(_ shape: [Int], _ strides: [Int]) -> Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected &*= shape[i]
        }
        return true
    }

    /// Whether every element is the same stored value (all strides 0: an expanded scalar).
    var isBroadcastScalar: Bool { strides.allSatisfy { $0 == 0 } }

    /// Whether this is a column-major matrix (`strides == [1, size[0]]`): the layout of a
    /// contiguous matrix's transpose, as `w:t()`. PyTorch's `mm` formulas test exactly this.
    var isColumnMajor: Bool { shape.count == 2 && strides[0] == 1 && strides[1] == shape[0] }

    /// Whether no other tensor, view or saved alias shares this tensor's memory.
    func ownsStorageAlone() -> Bool { isKnownUniquelyReferenced(&storage) }

    /// Whether this tensor has no graph history (`is_leaf`).
    public var isLeaf: Bool { gradFn == nil }

    // MARK: - Element access

    /// A typed pointer to the first element; `T` must match `dtype`.
    @inline(__always)
    public func pointer<T: TensorElement>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.bytes.assumingMemoryBound(to: T.self) + offset
    }

    /// The storage offset of the element at row-major position `flat`.
    @inline(__always)
    func storageIndex(ofFlat flat: Int) -> Int {
        if shape.count == 1 { return flat * strides[0] }
        var rest = flat, index = 0
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            let size = shape[d]
            if size == 0 { return 0 }
            index += (rest % size) * strides[d]
            rest /= size
        }
        return index
    }

    /// The element at row-major position `flat`, widened to Double.
    public func element(_ flat: Int) -> Double {
        dtype.dispatch(ReadDouble(tensor: self, index: storageIndex(ofFlat: flat)))
    }

    /// The int64 element at row-major position `flat` (exact for int64 tensors).
    public func integerElement(_ flat: Int) -> Int64 {
        dtype.dispatch(ReadInteger(tensor: self, index: storageIndex(ofFlat: flat)))
    }

    /// Writes an integer at row-major position `flat` (exact for int64 tensors).
    public func setInteger(_ flat: Int, _ value: Int64) {
        let i = storageIndex(ofFlat: flat)
        switch dtype {
        case .int64: pointer(Int64.self)[i] = value
        default: setElement(flat, Double(value))
        }
    }

    /// Writes `value`, converted to `dtype`, at row-major position `flat`.
    public func setElement(_ flat: Int, _ value: Double) {
        dtype.dispatch(WriteDouble(tensor: self, index: storageIndex(ofFlat: flat), value: value))
    }

    // The conversions are the element types' own (`TensorElement`), as PyTorch casts.

    private struct ReadDouble: ElementDispatch {
        let tensor: Tensor, index: Int
        func callAsFunction<T: TensorElement>(_: T.Type) -> Double { tensor.pointer(T.self)[index].doubleValue }
    }

    private struct ReadInteger: ElementDispatch {
        let tensor: Tensor, index: Int
        func callAsFunction<T: TensorElement>(_: T.Type) -> Int64 { tensor.pointer(T.self)[index].int64Value }
    }

    private struct WriteDouble: ElementDispatch {
        let tensor: Tensor, index: Int, value: Double
        func callAsFunction<T: TensorElement>(_: T.Type) { tensor.pointer(T.self)[index] = T(converting: value) }
    }

    /// The value of a one-element tensor (`item()`).
    public func item() throws -> Scalar {
        guard numel == 1 else {
            throw TorchError("a Tensor with \(numel) elements cannot be converted to Scalar")
        }
        switch dtype {
        case .float32, .float64: return .double(element(0))
        case .int64: return .int(integerElement(0))
        case .bool: return .bool(element(0) != 0)
        }
    }

    /// The elements in row-major order, widened to Double.
    public func doubles() -> [Double] { (0..<numel).map(element) }
}

/// A number given to an op where a tensor could stand (`x * 2`).
public enum Scalar: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case double(Double)

    public var doubleValue: Double {
        switch self {
        case .bool(let b): b ? 1 : 0
        case .int(let i): Double(i)
        case .double(let d): d
        }
    }
}

/// The per-thread cache of wrapped numbers: direct-mapped, so a lookup on the per-op path is a
/// multiply, a shift and one comparison (a Dictionary's hashing cost more than the op).
///
/// The slots are one buffer of key and tensor pairs, owned by the thread's state (`drain`
/// frees them): two arrays cost a bounds check and an optional's comparison per lookup, about
/// half of the lookup each op pays for `x * 0.999`.
struct WrappedNumberCache {
    private static let slotBits = 6
    private struct Slot {
        var key: WrappedKey
        var value: Tensor?
    }
    private let slots: UnsafeMutablePointer<Slot>

    init() {
        slots = .allocate(capacity: 1 << Self.slotBits)
        slots.initialize(repeating: Slot(key: WrappedKey(.bool(false)), value: nil), count: 1 << Self.slotBits)
    }

    private static func slot(_ key: WrappedKey) -> Int {
        var h = key.bits &+ UInt64(key.kind) &* 0x9E37_79B9
        h &+= UInt64(key.target.map { $0.rawValue + 1 } ?? 0) &* 0x85EB_CA6B
        return Int(truncatingIfNeeded: (h &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - slotBits))
    }

    /// The cached tensor of `key`; setting one replaces whatever shared its slot.
    subscript(key: WrappedKey) -> Tensor? {
        get {
            let slot = slots + Self.slot(key)
            return slot.pointee.key == key ? slot.pointee.value : nil
        }
        nonmutating set {
            slots[Self.slot(key)] = Slot(key: key, value: newValue)
        }
    }

    /// Releases every cached tensor and the slots (the thread's state is going away).
    func drain() {
        slots.deinitialize(count: 1 << Self.slotBits)
        slots.deallocate()
    }
}

/// A wrapped number's identity for the per-thread cache: its kind and exact bits, and the
/// dtype it was converted to (nil for the number as the script gave it).
struct WrappedKey: Hashable {
    let kind: UInt8
    let bits: UInt64
    let target: DType?

    init(_ value: Scalar) {
        switch value {
        case .bool(let b): kind = 0; bits = b ? 1 : 0
        case .int(let i): kind = 1; bits = UInt64(bitPattern: i)
        case .double(let d): kind = 2; bits = d.bitPattern
        }
        target = nil
    }

    /// The key of `number` (a wrapped number's tensor) converted to `target`.
    init(_ number: Tensor, as target: DType) {
        switch number.dtype {
        case .bool: kind = 0; bits = number.pointer(Bool.self).pointee ? 1 : 0
        case .int64: kind = 1; bits = UInt64(bitPattern: number.pointer(Int64.self).pointee)
        case .float64: kind = 2; bits = number.pointer(Double.self).pointee.bitPattern
        case .float32: kind = 3; bits = UInt64(number.pointer(Float.self).pointee.bitPattern)
        }
        self.target = target
    }
}

/// The rarely set parts of a tensor (see `Tensor.extras`), which only their tensor holds:
/// they die with it.
private final class TensorExtras {
    var gradStorage: Tensor?
    var accumulator: AccumulateGrad?
    var tangent: Tensor?
    var leafHooks: [GradHook] = []

    /// The accumulator may outlive its leaf (graphs hold it): it must not refer to it after.
    /// Cleared here rather than in the tensor's deinit, where reading the extras of every
    /// dying tensor (an op's result has none) was a retain and a release.
    deinit { accumulator?.variable = nil }
}
