/// How a file stores one element, and the LuaGrad dtype it loads as.
///
/// Files may hold types LuaGrad lacks; they load converted to the nearest dtype that holds
/// every value exactly: float16 and bfloat16 as float32, 8- to 32-bit integers (signed or not)
/// as int64. Unsigned 64-bit integers load as int64 when every value fits, and fail otherwise.
public struct StoredElement: Equatable, Sendable {
    public enum Kind: Sendable { case float, bfloat, signed, unsigned, bool }

    public let kind: Kind
    /// Bytes per element.
    public let size: Int
    public let bigEndian: Bool

    public init(_ kind: Kind, size: Int, bigEndian: Bool = false) {
        self.kind = kind
        self.size = size
        self.bigEndian = bigEndian
    }

    /// The dtype the element loads as.
    public var dtype: DType {
        switch kind {
        case .float: size == 8 ? .float64 : .float32
        case .bfloat: .float32
        case .signed, .unsigned: .int64
        case .bool: .bool
        }
    }

    /// The little-endian storage of `dtype` (what LuaGrad writes).
    public init(_ dtype: DType) {
        switch dtype {
        case .bool: self.init(.bool, size: 1)
        case .int64: self.init(.signed, size: 8)
        case .float32: self.init(.float, size: 4)
        case .float64: self.init(.float, size: 8)
        }
    }

    /// Whether the stored bytes are exactly `dtype`'s bytes in memory, so they can be read in
    /// place. Never for bool: its bytes are checked one by one. (LuaGrad runs on
    /// little-endian machines only, as PyTorch's files assume.)
    var isNative: Bool { kind != .bool && self == StoredElement(dtype) }
}

// MARK: - Reading elements into a tensor

extension StoredElement {
    /// Fills `tensor` (contiguous, `dtype`, freshly allocated) with `tensor.numel` elements
    /// stored from `offset` of `source`, converting them in chunks.
    func read(from source: some ByteSource, at offset: Int, into tensor: Tensor) throws {
        let count = tensor.numel
        guard count > 0 else { return }
        let destination = tensor.storage.bytes + tensor.offset * tensor.dtype.itemSize
        if isNative {
            try source.read(into: UnsafeMutableRawBufferPointer(start: destination, count: count * size), at: offset)
            return
        }
        try source.readChunks(at: offset, count: count, size: size, chunkBytes: 64 * 1024) { bytes, first, n in
            try convert(bytes, count: n, to: tensor, startingAt: first)
        }
    }

    /// Converts `count` stored elements into `tensor`'s elements from `start` on.
    private func convert(_ raw: UnsafeRawBufferPointer, count: Int, to tensor: Tensor, startingAt start: Int) throws {
        switch tensor.dtype {
        case .float32:
            let out = tensor.pointer(Float.self) + start
            for i in 0..<count { out[i] = floatValue(bits(raw, i)) }
        case .float64:
            let out = tensor.pointer(Double.self) + start
            for i in 0..<count { out[i] = Double(bitPattern: bits(raw, i)) }
        case .int64:
            let out = tensor.pointer(Int64.self) + start
            for i in 0..<count { out[i] = try integerValue(bits(raw, i)) }
        case .bool:
            // Any byte other than 0 is true: a Swift Bool must never hold another pattern.
            let out = tensor.pointer(Bool.self) + start
            for i in 0..<count { out[i] = bits(raw, i) != 0 }
        }
    }

    /// The stored bits of element `i` as an unsigned number in the low `size` bytes.
    @inline(__always)
    private func bits(_ raw: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        var value: UInt64 = 0
        let base = i * size
        for b in 0..<size {
            let byte = UInt64(raw[base + b])
            value |= bigEndian ? byte << (8 * (size - 1 - b)) : byte << (8 * b)
        }
        return value
    }

    private func floatValue(_ bits: UInt64) -> Float {
        switch (kind, size) {
        case (.bfloat, _): Float(bitPattern: UInt32(truncatingIfNeeded: bits) << 16)
        case (_, 2): Float(Self.halfToDouble(UInt16(truncatingIfNeeded: bits)))
        default: Float(bitPattern: UInt32(truncatingIfNeeded: bits))
        }
    }

    private func integerValue(_ bits: UInt64) throws -> Int64 {
        switch kind {
        case .signed:
            let shift = UInt64(64 - 8 * size)
            return Int64(bitPattern: bits << shift) >> Int64(shift)
        default:
            guard bits <= UInt64(Int64.max) else {
                throw TorchError("an unsigned 64-bit value (\(bits)) does not fit in int64")
            }
            return Int64(bits)
        }
    }

    /// IEEE 754 binary16 to Double, exactly (no Float16 type needed on any platform).
    static func halfToDouble(_ h: UInt16) -> Double {
        let sign: Double = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let fraction = Double(h & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}

// MARK: - Writing a tensor's elements

extension Tensor {
    /// Calls `body` with this tensor's elements as contiguous little-endian bytes (a view or
    /// a non-contiguous tensor is copied first, so its values are what gets written).
    func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let source = isContiguous ? self : try materialized()
        let start = UnsafeRawPointer(source.storage.bytes + source.offset * dtype.itemSize)
        return try withExtendedLifetime(source) {
            try body(UnsafeRawBufferPointer(start: source.numel == 0 ? nil : start, count: source.numel * dtype.itemSize))
        }
    }
}
