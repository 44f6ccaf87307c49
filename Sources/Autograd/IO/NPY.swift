/// Reads and writes NumPy's `.npy` format (`numpy.save` / `numpy.load`), one array per file.
///
/// A file is the magic `\x93NUMPY`, a version (major, minor), a little-endian header length
/// (u16 in version 1, u32 in versions 2 and 3), then an ASCII (version 3: UTF-8) Python dict
/// literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and
/// a newline so the data starts on a 64-byte boundary, then the elements.
///
/// Writing uses version 1.0, or 2.0 when the header needs more than 65535 bytes, with the
/// descrs `<f4`, `<f8`, `<i8` and `|b1`. Reading accepts versions 1 to 3, either byte order,
/// C or Fortran order, and the descrs of bools, integers of 1 to 8 bytes (signed or not) and
/// floats of 2, 4 or 8 bytes, converted as `StoredElement` says. Every field is checked before
/// anything is allocated, and the data must be exactly as long as the shape says.
public enum NPY {
    /// The largest header accepted (NumPy itself refuses headers above 10000 bytes by default).
    public static let maxHeaderBytes = 1 << 20
    /// The most dimensions an array may have (NumPy's limit).
    public static let maxDimensions = 64

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The descr NumPy writes for `dtype`.
    public static func descr(of dtype: DType) -> String {
        switch dtype {
        case .bool: "|b1"
        case .int64: "<i8"
        case .float32: "<f4"
        case .float64: "<f8"
        }
    }

    // MARK: - Writing

    /// Writes `tensor` to `path` atomically (see `AtomicFile`), in C order; views and
    /// non-contiguous tensors write their values.
    public static func write(_ tensor: Tensor, to path: String) throws {
        let shape: String
        switch tensor.shape.count {
        case 0: shape = "()"
        case 1: shape = "(\(tensor.shape[0]),)"
        default: shape = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dict = "{'descr': '\(descr(of: tensor.dtype))', 'fortran_order': False, 'shape': \(shape), }"
        var major: UInt8 = 1
        var prefix = magic.count + 2 + 2
        var padded = padding(dict, prefix: prefix)
        if padded.count > Int(UInt16.max) {
            major = 2
            prefix = magic.count + 2 + 4
            padded = padding(dict, prefix: prefix)
        }
        var bytes = magic + [major, 0]
        let length = padded.count
        bytes += major == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
                            : (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) }
        bytes += padded
        try AtomicFile.write(to: path) { writer in
            try writer.write(bytes)
            try tensor.withContiguousBytes { try writer.write($0) }
        }
    }

    /// The dict's bytes, padded with spaces and ended with `\n` so that data starts on a
    /// 64-byte boundary after a prefix of `prefix` bytes.
    private static func padding(_ dict: String, prefix: Int) -> [UInt8] {
        var bytes = Array(dict.utf8)
        let total = prefix + bytes.count + 1
        bytes += [UInt8](repeating: 0x20, count: (64 - total % 64) % 64)
        bytes.append(0x0A)
        return bytes
    }

    // MARK: - Reading

    /// Reads the array in the file at `path` as a contiguous tensor.
    public static func read(path: String, followLinks: Bool = true) throws -> Tensor {
        try read(from: FileReader(path: path, followLinks: followLinks), name: path)
    }

    /// Reads `.npy` bytes from `source`; `name` is used in error messages.
    public static func read(from source: some ByteSource, name: String) throws -> Tensor {
        func invalid(_ reason: String) -> TorchError {
            TorchError("'\(name)' is not a valid .npy file: \(reason)")
        }
        guard source.size >= 10, try source.bytes(at: 0, count: 6) == magic else {
            throw invalid("it does not start with the magic string \\x93NUMPY")
        }
        let version = try source.bytes(at: 6, count: 2)
        guard (1...3).contains(version[0]) else {
            throw invalid("version \(version[0]).\(version[1]) is not one this reader knows (1.0, 2.0, 3.0)")
        }
        let lengthSize = version[0] == 1 ? 2 : 4
        guard source.size >= 8 + lengthSize else { throw invalid("the file ends inside the header length") }
        let length = try source.bytes(at: 8, count: lengthSize).reversed().reduce(0) { $0 << 8 | Int($1) }
        let headerStart = 8 + lengthSize
        guard length <= maxHeaderBytes else { throw invalid("the header length \(length) is above the limit of \(maxHeaderBytes) bytes") }
        guard length <= source.size - headerStart else {
            throw invalid("the header length \(length) runs past the end of the file (\(source.size) bytes)")
        }
        let headerBytes = try source.bytes(at: headerStart, count: length)
        guard version[0] == 3 || headerBytes.allSatisfy({ $0 < 0x80 }),
              let header = String(validating: headerBytes, as: UTF8.self) else {
            throw invalid("the header is not \(version[0] == 3 ? "UTF-8" : "ASCII") text")
        }
        let fields: Header
        do { fields = try Header(parsing: header) } catch let error as TorchError {
            throw invalid(error.message)
        }
        let stored = try storedElement(fields.descr, invalid)
        var bytes = stored.size
        if fields.shape.contains(0) { bytes = 0 }
        for size in fields.shape where bytes > 0 {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Storage.maxBytes else {
                throw invalid("the shape \(Shapes.format(fields.shape)) is too large")
            }
            bytes = product
        }
        let dataStart = headerStart + length
        let dataLength = source.size - dataStart
        guard bytes == dataLength else {
            throw invalid("shape \(Shapes.format(fields.shape)) of '\(fields.descr)' needs \(bytes) bytes of data but the file has \(dataLength)")
        }
        guard fields.fortranOrder, fields.shape.count > 1 else {
            let tensor = try Tensor.empty(fields.shape, dtype: stored.dtype)
            try stored.read(from: source, at: dataStart, into: tensor)
            return tensor
        }
        // Fortran order is C order of the reversed shape: read that, then transpose.
        let reversed = try Tensor.empty(fields.shape.reversed(), dtype: stored.dtype)
        try stored.read(from: source, at: dataStart, into: reversed)
        let transposed = reversed.view(shape: fields.shape, strides: Array(reversed.strides.reversed()), offset: 0)
        return try transposed.materialized()
    }

    /// How a descr such as `<f4` or `|b1` stores its elements.
    private static func storedElement(_ descr: String, _ invalid: (String) -> TorchError) throws -> StoredElement {
        let characters = Array(descr)
        guard characters.count >= 3, let size = Int(String(characters[2...])) else {
            throw invalid("the dtype '\(descr)' is not supported (bool, integers and floats are)")
        }
        let order = characters[0]
        guard order == "<" || order == ">" || order == "|" || order == "=" else {
            throw invalid("the dtype '\(descr)' has an unknown byte order '\(order)'")
        }
        let bigEndian = order == ">"
        let element: StoredElement
        switch (characters[1], size) {
        case ("b", 1): element = StoredElement(.bool, size: 1)
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): element = StoredElement(.signed, size: size, bigEndian: bigEndian)
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): element = StoredElement(.unsigned, size: size, bigEndian: bigEndian)
        case ("f", 2), ("f", 4), ("f", 8): element = StoredElement(.float, size: size, bigEndian: bigEndian)
        default: throw invalid("the dtype '\(descr)' is not supported (bool, integers and floats are)")
        }
        return element
    }
}
