/// The IDX format of the MNIST and Fashion-MNIST files (`train-images-idx3-ubyte`, ...):
/// a 4-byte magic (two zero bytes, an element-type code, the number of dimensions), one
/// big-endian 32-bit size per dimension, then the elements in C order, big-endian.
///
/// Element types: `0x08` unsigned byte, `0x09` signed byte, `0x0B` 16-bit, `0x0C` 32-bit
/// integers, `0x0D` float32, `0x0E` float64. Integers load as int64 and floats as themselves,
/// unless a float dtype is asked for: then every element is converted to it (what image files
/// want: 47 million bytes of Fashion-MNIST become float32 directly, never an int64 copy).
///
/// The header is checked against the file before anything is allocated: the sizes must
/// multiply to exactly the number of elements the file holds, so a hostile header cannot
/// make the reader allocate more than the file's own size (times the element's width).
public enum IDX {
    /// The largest number of dimensions accepted (the MNIST files have 1 or 3).
    public static let maxDimensions = 8

    /// Reads the array in the IDX file at `path`; `dtype` converts the elements (nil: the
    /// natural dtype, int64 or float).
    public static func read(path: String, followLinks: Bool = true, dtype: DType? = nil) throws -> Tensor {
        try read(from: FileReader(path: path, followLinks: followLinks), name: path, dtype: dtype)
    }

    /// Reads IDX bytes from `source`; `name` is used in error messages.
    public static func read(from source: some ByteSource, name: String, dtype: DType? = nil) throws -> Tensor {
        func invalid(_ reason: String) -> TorchError {
            TorchError("'\(name)' is not a valid IDX file: \(reason)")
        }
        guard source.size >= 4 else { throw invalid("it is \(source.size) bytes long, shorter than the 4-byte magic number") }
        let magic = try source.bytes(at: 0, count: 4)
        if magic[0] == 0x1F, magic[1] == 0x8B {
            throw invalid("it is gzip-compressed; uncompress it first (gunzip '\(name)')")
        }
        guard magic[0] == 0, magic[1] == 0 else {
            throw invalid("the magic number does not start with two zero bytes")
        }
        guard let element = Element(code: magic[2]) else {
            throw invalid("the element type 0x\(String(magic[2], radix: 16, uppercase: true)) is not one of 08, 09, 0B, 0C, 0D, 0E")
        }
        let rank = Int(magic[3])
        guard (1...maxDimensions).contains(rank) else {
            throw invalid("\(rank) dimensions (1 to \(maxDimensions) are accepted)")
        }
        guard source.size >= 4 + 4 * rank else { throw invalid("the file ends inside the sizes of its \(rank) dimensions") }
        let sizeBytes = try source.bytes(at: 4, count: 4 * rank)
        let shape = (0..<rank).map { d in sizeBytes[4 * d..<4 * d + 4].reduce(0) { $0 << 8 | Int($1) } }
        let dataStart = 4 + 4 * rank
        let available = source.size - dataStart
        // Counting in elements the file can hold keeps every product below the file's size.
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product * element.size <= available else {
                throw invalid("the sizes \(Shapes.format(shape)) need more data than the file's \(available) bytes")
            }
            count = product
        }
        guard count * element.size == available else {
            throw invalid("the sizes \(Shapes.format(shape)) need \(count * element.size) bytes of data but the file has \(available)")
        }
        let target = dtype ?? element.naturalDType
        guard target != .bool else { throw TorchError("IDX files load as integers or floats, not torch.bool") }
        guard element.isInteger || target != .int64 else {
            throw TorchError("'\(name)' holds floating-point values, which do not load as torch.int64")
        }
        let tensor = try Tensor.empty(shape, dtype: target)
        try element.read(from: source, at: dataStart, count: count, into: tensor)
        return tensor
    }

    // MARK: - Elements

    /// How an IDX file stores one element.
    struct Element {
        enum Kind { case unsignedByte, signedByte, int16, int32, float32, float64 }
        let kind: Kind

        init?(code: UInt8) {
            switch code {
            case 0x08: kind = .unsignedByte
            case 0x09: kind = .signedByte
            case 0x0B: kind = .int16
            case 0x0C: kind = .int32
            case 0x0D: kind = .float32
            case 0x0E: kind = .float64
            default: return nil
            }
        }

        var size: Int {
            switch kind {
            case .unsignedByte, .signedByte: 1
            case .int16: 2
            case .int32, .float32: 4
            case .float64: 8
            }
        }

        var isInteger: Bool { kind != .float32 && kind != .float64 }

        var naturalDType: DType {
            switch kind {
            case .float32: .float32
            case .float64: .float64
            default: .int64
            }
        }

        /// Element `i` of `raw` (big-endian) as a Double: exact for every IDX type.
        @inline(__always)
        func value(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Double {
            var bits: UInt64 = 0
            for b in 0..<size { bits = bits << 8 | UInt64(raw[i * size + b]) }
            switch kind {
            case .unsignedByte: return Double(bits)
            case .signedByte: return Double(Int8(truncatingIfNeeded: bits))
            case .int16: return Double(Int16(truncatingIfNeeded: bits))
            case .int32: return Double(Int32(truncatingIfNeeded: bits))
            case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
            case .float64: return Double(bitPattern: bits)
            }
        }

        /// Fills `tensor` (fresh, contiguous) with `count` elements from `offset`, in chunks.
        func read(from source: some ByteSource, at offset: Int, count: Int, into tensor: Tensor) throws {
            try source.readChunks(at: offset, count: count, size: size, chunkBytes: 256 * 1024) { bytes, first, n in
                tensor.dtype.dispatch(Convert(type: self, bytes: bytes, count: n, into: tensor, startingAt: first))
            }
        }
    }

    /// Converts a chunk of stored elements into a tensor's elements (exactly: every IDX value
    /// fits a double; the caller refuses bool).
    private struct Convert: ElementDispatch {
        let type: Element, bytes: UnsafeRawBufferPointer, count: Int, into: Tensor, startingAt: Int

        func callAsFunction<T: TensorElement>(_: T.Type) {
            let out = into.pointer(T.self) + startingAt
            for i in 0..<count { out[i] = T(converting: type.value(bytes, i)) }
        }
    }
}
