/// Reads and writes the safetensors format (Hugging Face's `safetensors`, what
/// `safetensors.torch.save_file` and `load_file` use).
///
/// A file is a little-endian u64 header length N, N bytes of JSON, then the data. The JSON maps
/// each tensor's name to `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}`
/// (offsets relative to the data's start, row-major little-endian elements) and may hold
/// `"__metadata__"`: string keys to string values.
///
/// Reading trusts nothing: the header must fit in the file and in `maxHeaderBytes`, be strict
/// JSON of the expected shape, name each tensor once, use a known dtype, give every shape a
/// byte size equal to its offsets, and the tensors must cover the data exactly (no gap, no
/// overlap, nothing after). All of it is checked before any tensor is allocated, and tensor
/// storage is charged to the thread's memory account like any other tensor's.
public enum Safetensors {
    /// What a file holds: named tensors in file order (the order of their data) and metadata.
    public struct Contents {
        public var tensors: [(name: String, tensor: Tensor)]
        public var metadata: [(key: String, value: String)]

        public init(tensors: [(name: String, tensor: Tensor)], metadata: [(key: String, value: String)] = []) {
            self.tensors = tensors
            self.metadata = metadata
        }
    }

    /// The largest header accepted (the reference implementation's cap).
    public static let maxHeaderBytes = 100_000_000
    /// The most dimensions a tensor may have.
    public static let maxDimensions = 64

    // MARK: - Dtypes

    /// The safetensors name of each dtype LuaGrad writes.
    public static func name(of dtype: DType) -> String {
        switch dtype {
        case .bool: "BOOL"
        case .int64: "I64"
        case .float32: "F32"
        case .float64: "F64"
        }
    }

    /// How each dtype name the reader accepts is stored (see `StoredElement` for what each
    /// becomes: F16 and BF16 load as float32; I8, I16, I32, U8, U16, U32 and U64 as int64).
    static let storedElements: [String: StoredElement] = [
        "BOOL": StoredElement(.bool, size: 1),
        "U8": StoredElement(.unsigned, size: 1), "I8": StoredElement(.signed, size: 1),
        "U16": StoredElement(.unsigned, size: 2), "I16": StoredElement(.signed, size: 2),
        "U32": StoredElement(.unsigned, size: 4), "I32": StoredElement(.signed, size: 4),
        "U64": StoredElement(.unsigned, size: 8), "I64": StoredElement(.signed, size: 8),
        "F16": StoredElement(.float, size: 2), "BF16": StoredElement(.bfloat, size: 2),
        "F32": StoredElement(.float, size: 4), "F64": StoredElement(.float, size: 8),
    ]

    // MARK: - Writing

    /// Writes `contents` to `path` atomically (see `AtomicFile`). Tensors are written in the
    /// given order; views and non-contiguous tensors write their values.
    public static func write(_ contents: Contents, to path: String) throws {
        if let duplicate = firstDuplicate(contents.tensors.map(\.name)) {
            throw TorchError("cannot save two tensors under the name '\(duplicate)'")
        }
        if let duplicate = firstDuplicate(contents.metadata.map(\.key)) {
            throw TorchError("cannot save two metadata entries under the key '\(duplicate)'")
        }
        var members: [(key: String, value: JSON)] = []
        if !contents.metadata.isEmpty {
            members.append(("__metadata__", .object(contents.metadata.map { ($0.key, JSON.string($0.value)) })))
        }
        var offset = 0
        for (name, tensor) in contents.tensors {
            if name == "__metadata__" { throw TorchError("a tensor cannot be named '__metadata__'") }
            let bytes = tensor.numel * tensor.dtype.itemSize
            members.append((name, .object([
                ("dtype", .string(Self.name(of: tensor.dtype))),
                ("shape", .array(tensor.shape.map { .integer(Int64($0)) })),
                ("data_offsets", .array([.integer(Int64(offset)), .integer(Int64(offset + bytes))])),
            ])))
            offset += bytes
        }
        var header = Array(JSON.object(members).text.utf8)
        // The reference writer pads with spaces so the data starts 8-byte aligned.
        while header.count % 8 != 0 { header.append(0x20) }
        guard header.count <= maxHeaderBytes else {
            throw TorchError("cannot save: the safetensors header would exceed \(maxHeaderBytes) bytes")
        }
        try AtomicFile.write(to: path) { writer in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try writer.write($0) }
            try writer.write(header)
            for (_, tensor) in contents.tensors {
                try tensor.withContiguousBytes { try writer.write($0) }
            }
        }
    }

    private static func firstDuplicate(_ names: [String]) -> String? {
        var seen = Set<String>()
        return names.first { !seen.insert($0).inserted }
    }

    // MARK: - Reading

    /// Reads the file at `path`.
    public static func read(path: String, followLinks: Bool = true) throws -> Contents {
        try read(from: FileReader(path: path, followLinks: followLinks), name: path)
    }

    /// Reads safetensors bytes from `source`; `name` is used in error messages.
    public static func read(from source: some ByteSource, name: String) throws -> Contents {
        let layout = try Layout(source, name: name)
        var tensors: [(name: String, tensor: Tensor)] = []
        tensors.reserveCapacity(layout.entries.count)
        for entry in layout.entries {
            let tensor = try Tensor.empty(entry.shape, dtype: entry.stored.dtype)
            try entry.stored.read(from: source, at: layout.dataStart + entry.begin, into: tensor)
            tensors.append((entry.name, tensor))
        }
        return Contents(tensors: tensors, metadata: layout.metadata)
    }

    /// A checked header: where each tensor is and what it holds.
    struct Layout {
        struct Entry {
            let name: String
            let stored: StoredElement
            let shape: [Int]
            let begin: Int
            let end: Int
        }

        /// In data order.
        var entries: [Entry] = []
        var metadata: [(key: String, value: String)] = []
        let dataStart: Int

        init(_ source: some ByteSource, name: String) throws {
            func invalid(_ reason: String) -> TorchError {
                TorchError("'\(name)' is not a valid safetensors file: \(reason)")
            }
            guard source.size >= 8 else { throw invalid("it has \(source.size) bytes, fewer than the 8 of the header length") }
            let lengthBytes = try source.bytes(at: 0, count: 8)
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard length <= UInt64(maxHeaderBytes) else {
                throw invalid("the header length \(length) is above the limit of \(maxHeaderBytes) bytes")
            }
            guard length <= UInt64(source.size - 8) else {
                throw invalid("the header length \(length) runs past the end of the file (\(source.size) bytes)")
            }
            let headerLength = Int(length)
            dataStart = 8 + headerLength
            // The header is the one allocation sized by the file before any check: charge it.
            let account = ThreadState.current.memoryAccount
            try account?.reserve(headerLength)
            defer { account?.release(headerLength) }
            let header = try source.bytes(at: 8, count: headerLength)
            guard header.first == UInt8(ascii: "{") else { throw invalid("the header does not start with '{'") }
            let json: JSON
            do { json = try JSON.parse(header) } catch let error as JSONError {
                throw invalid("the header is not valid JSON (\(error.message) at byte \(8 + error.offset))")
            }
            guard let members = json.members else { throw invalid("the header is not a JSON object") }
            if let key = JSON.duplicateKey(members) { throw invalid("the name '\(key)' appears twice") }
            for (key, value) in members {
                if key == "__metadata__" {
                    metadata = try Self.metadata(value, invalid)
                } else {
                    entries.append(try Self.entry(key, value, invalid))
                }
            }
            entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
            var covered = 0
            for entry in entries {
                if entry.begin > covered { throw invalid("no tensor covers data bytes \(covered)..<\(entry.begin)") }
                if entry.begin < covered { throw invalid("the data of '\(entry.name)' overlaps another tensor's") }
                covered = entry.end
            }
            let dataLength = source.size - dataStart
            if covered > dataLength {
                throw invalid("the tensors need \(covered) bytes of data but the file has \(dataLength)")
            }
            if covered < dataLength { throw invalid("\(dataLength - covered) bytes after the last tensor belong to none") }
        }

        private static func metadata(_ value: JSON, _ invalid: (String) -> TorchError) throws -> [(key: String, value: String)] {
            guard let members = value.members else { throw invalid("__metadata__ is not an object") }
            if let key = JSON.duplicateKey(members) { throw invalid("the metadata key '\(key)' appears twice") }
            return try members.map { key, value in
                guard let text = value.stringValue else { throw invalid("the metadata value of '\(key)' is not a string") }
                return (key, text)
            }
        }

        private static func entry(_ name: String, _ value: JSON, _ invalid: (String) -> TorchError) throws -> Entry {
            guard let fields = value.members else { throw invalid("the entry of '\(name)' is not an object") }
            if let key = JSON.duplicateKey(fields) { throw invalid("'\(name)' has the field '\(key)' twice") }
            var dtype: String?, shapeJSON: [JSON]?, offsetsJSON: [JSON]?
            for (key, field) in fields {
                switch key {
                case "dtype": dtype = field.stringValue
                case "shape": shapeJSON = field.elements
                case "data_offsets": offsetsJSON = field.elements
                default: throw invalid("'\(name)' has an unknown field '\(key)'")
                }
            }
            guard let dtype else { throw invalid("'\(name)' has no dtype string") }
            guard let stored = storedElements[dtype] else {
                throw invalid("'\(name)' has the unknown or unsupported dtype '\(dtype)'")
            }
            guard let shapeJSON else { throw invalid("'\(name)' has no shape list") }
            guard shapeJSON.count <= maxDimensions else { throw invalid("'\(name)' has more than \(maxDimensions) dimensions") }
            var shape: [Int] = []
            for size in shapeJSON {
                guard let size = size.integerValue, size >= 0 else {
                    throw invalid("the shape of '\(name)' holds something other than a non-negative integer")
                }
                shape.append(Int(size))
            }
            guard let offsetsJSON, offsetsJSON.count == 2,
                  let begin = offsetsJSON[0].integerValue, let end = offsetsJSON[1].integerValue,
                  begin >= 0, end >= begin else {
                throw invalid("'\(name)' needs data_offsets [begin, end] with 0 <= begin <= end")
            }
            // Zero elements need no bytes whatever the other sizes; otherwise the product must
            // not overflow and must match the offsets exactly.
            var bytes = shape.contains(0) ? 0 : stored.size
            if bytes > 0 {
                for size in shape {
                    let (product, overflow) = bytes.multipliedReportingOverflow(by: size)
                    guard !overflow, product <= Storage.maxBytes else {
                        throw invalid("the shape \(Shapes.format(shape)) of '\(name)' is too large")
                    }
                    bytes = product
                }
            }
            guard Int64(bytes) == end - begin else {
                throw invalid("'\(name)' of dtype \(dtype) and shape \(Shapes.format(shape)) needs \(bytes) bytes but its data_offsets span \(end - begin)")
            }
            return Entry(name: name, stored: stored, shape: shape, begin: Int(begin), end: Int(end))
        }
    }
}
