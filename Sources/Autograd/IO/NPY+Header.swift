extension NPY {
    /// The three fields of a `.npy` header, parsed from its Python dict literal.
    ///
    /// The parser accepts exactly what `numpy.lib.format` writes and reads: a dict with the
    /// keys `descr` (a string), `fortran_order` (`True` or `False`) and `shape` (a tuple of
    /// non-negative integers, `(3,)` for one dimension), each once, in any order, with an
    /// optional trailing comma, followed by spaces and newlines only. Anything else (structured
    /// dtypes, expressions, other keys) is refused with the reason.
    struct Header {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]

        init(parsing text: String) throws {
            var scanner = Scanner(Array(text.utf8))
            var descr: String?, fortranOrder: Bool?, shape: [Int]?
            try scanner.expect("{")
            scanner.skipSpace()
            while scanner.peek != UInt8(ascii: "}") {
                let key = try scanner.string()
                scanner.skipSpace()
                try scanner.expect(":")
                scanner.skipSpace()
                switch key {
                case "descr" where descr == nil:
                    guard scanner.peek == UInt8(ascii: "'") || scanner.peek == UInt8(ascii: "\"") else {
                        throw TorchError("the descr is not a string (structured dtypes are not supported)")
                    }
                    descr = try scanner.string()
                case "fortran_order" where fortranOrder == nil:
                    fortranOrder = try scanner.boolean()
                case "shape" where shape == nil:
                    shape = try scanner.tuple()
                case "descr", "fortran_order", "shape":
                    throw TorchError("the header has the key '\(key)' twice")
                default:
                    throw TorchError("the header has an unknown key '\(key)'")
                }
                scanner.skipSpace()
                guard scanner.peek == UInt8(ascii: ",") else { break }
                scanner.skip()
                scanner.skipSpace()
            }
            try scanner.expect("}")
            scanner.skipSpace()
            guard scanner.atEnd else { throw TorchError("the header has text after its dict") }
            guard let descr, let fortranOrder, let shape else {
                throw TorchError("the header lacks one of 'descr', 'fortran_order' and 'shape'")
            }
            guard shape.count <= NPY.maxDimensions else {
                throw TorchError("the shape has more than \(NPY.maxDimensions) dimensions")
            }
            self.descr = descr
            self.fortranOrder = fortranOrder
            self.shape = shape
        }
    }

    /// Reads the tokens of a header: bytes, a position, and nothing that can run away (every
    /// loop advances by at least one byte).
    private struct Scanner {
        let bytes: [UInt8]
        var i = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }
        var atEnd: Bool { i == bytes.count }

        mutating func skip() { i += 1 }

        mutating func skipSpace() {
            while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 }
        }

        mutating func expect(_ character: Character) throws {
            guard let b = peek, Character(Unicode.Scalar(b)) == character else {
                throw TorchError("the header is not a dict literal: expected '\(character)' at byte \(i)")
            }
            i += 1
        }

        /// A quoted string with no escapes (NumPy's keys and descrs have none).
        mutating func string() throws -> String {
            guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw TorchError("the header is not a dict literal: expected a quoted string at byte \(i)")
            }
            i += 1
            let start = i
            while let b = peek, b != quote {
                guard b != UInt8(ascii: "\\"), b != 0x0A else {
                    throw TorchError("the header has an unsupported string at byte \(i)")
                }
                i += 1
            }
            guard peek == quote else { throw TorchError("the header has an unterminated string") }
            defer { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func boolean() throws -> Bool {
            for (word, value) in [("True", true), ("False", false)] {
                let w = Array(word.utf8)
                if i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w {
                    i += w.count
                    return value
                }
            }
            throw TorchError("fortran_order is not True or False")
        }

        /// A tuple of non-negative integers: `()`, `(3,)`, `(2, 3)`, `(2, 3,)`.
        mutating func tuple() throws -> [Int] {
            guard peek == UInt8(ascii: "(") else { throw TorchError("the shape is not a tuple") }
            i += 1
            var sizes: [Int] = []
            var trailingComma = false
            skipSpace()
            while peek != UInt8(ascii: ")") {
                sizes.append(try integer())
                trailingComma = false
                skipSpace()
                guard peek == UInt8(ascii: ",") else { break }
                i += 1
                trailingComma = true
                skipSpace()
                guard sizes.count <= NPY.maxDimensions else {
                    throw TorchError("the shape has more than \(NPY.maxDimensions) dimensions")
                }
            }
            guard peek == UInt8(ascii: ")") else { throw TorchError("the shape is not a tuple of integers") }
            i += 1
            if sizes.count == 1 && !trailingComma { throw TorchError("the shape is not a tuple (a one-element tuple needs a comma)") }
            return sizes
        }

        /// A non-negative decimal integer (Python 2's `L` suffix allowed).
        mutating func integer() throws -> Int {
            var value = 0
            let start = i
            while let b = peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(b - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw TorchError("a size in the shape is too large") }
                value = sum
                i += 1
            }
            guard i > start else { throw TorchError("the shape holds something other than non-negative integers") }
            if peek == UInt8(ascii: "L") { i += 1 }
            return value
        }
    }
}
