import Autograd
import CLua
import CLuaShim

/// The file and data readers behind `torch.datasets` (`Sources/LuaGrad/Lua/datasets.lua`):
///
/// ```lua
/// local images = torch.io.load_idx("train-images-idx3-ubyte", {dtype = torch.float32})
/// local pixels, labels = torch.datasets._digits_arrays()   -- (1797, 64) float32 0..16, int64 1..10
/// ```
///
/// `load_idx` reads MNIST's IDX format (`IDX` in Autograd) under the host's `FileAccess`;
/// `_digits_arrays` parses the digits compiled into the binary (Sources/LuaGrad/Data).
enum DatasetFunctions {
    /// Adds `torch.io.load_idx` and `torch.datasets._digits_arrays` to the module at `module`.
    static func install(_ s: LuaStack, module: Int32) {
        s.setFunctions(["load_idx": loadIDX], in: "io", of: module)
        s.setFunctions(["_digits_arrays": digitsArrays], in: "datasets", of: module)
    }

    // MARK: - IDX files

    /// `torch.io.load_idx(path [, {dtype = torch.float32}])`: the array in an IDX file.
    static let loadIDX: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard s.type(1) == LUA_TSTRING, let raw = s.string(1), !raw.isEmpty else {
                throw LuaError.badArgument(1, "load_idx", expected: "file name", got: s.typeName(1))
            }
            let dtype = try s.option("dtype", at: 2, of: "load_idx") { i in
                guard let d = BridgeContext.get(s.L).dtype(s.L, i) else {
                    throw LuaError("load_idx(): dtype must be a torch dtype, got \(s.typeName(i))")
                }
                return d
            }
            let access = BridgeContext.get(s.L).fileAccess
            let path = try access.resolve(raw, "load_idx")
            s.push(try IDX.read(path: path, followLinks: access.followsLinks, dtype: dtype))
            return 1
        }
    }

    // MARK: - The digits

    /// The number of images in `digits.csv` and the values on each line (64 pixels, a label).
    static let digitsCount = 1797
    private static let fieldsPerLine = 65

    /// `torch.datasets._digits_arrays()`: the pixels (1797, 64) as float32 counts 0..16 and the
    /// labels (1797) as int64 1..10 (the file's digit plus one: class labels are 1-based).
    static let digitsArrays: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            let (pixels, labels) = try parseDigits(PackageResources.digits_csv)
            s.push(pixels)
            s.push(labels)
            return 2
        }
    }

    /// Parses the digits CSV: lines of 65 non-negative integers separated by commas.
    static func parseDigits(_ bytes: [UInt8]) throws -> (pixels: Tensor, labels: Tensor) {
        let pixels = try Tensor.empty([digitsCount, fieldsPerLine - 1], dtype: .float32)
        let labels = try Tensor.empty([digitsCount], dtype: .int64)
        let p = pixels.pointer(Float.self), l = labels.pointer(Int64.self)
        var row = 0, field = 0, value = 0, inNumber = false
        func finishField() throws {
            guard inNumber, row < digitsCount, field < fieldsPerLine else {
                throw LuaError("digits.csv: malformed at line \(row + 1)")
            }
            if field == fieldsPerLine - 1 { l[row] = Int64(value) + 1 } else { p[row * (fieldsPerLine - 1) + field] = Float(value) }
            field += 1
            value = 0
            inNumber = false
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                inNumber = true
            case UInt8(ascii: ","):
                try finishField()
            case UInt8(ascii: "\n"):
                try finishField()
                guard field == fieldsPerLine else { throw LuaError("digits.csv: line \(row + 1) has \(field) fields") }
                row += 1
                field = 0
            case UInt8(ascii: "\r"):
                continue
            default:
                throw LuaError("digits.csv: unexpected byte \(byte) at line \(row + 1)")
            }
        }
        if inNumber {
            try finishField()
            row += 1
        }
        guard row == digitsCount else { throw LuaError("digits.csv: \(row) lines instead of \(digitsCount)") }
        return (pixels, labels)
    }
}
