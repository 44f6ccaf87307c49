#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd
import CLua
import CLuaShim

/// `torch.io.read_csv(path, {sep=","})`: a CSV file as a table of columns, for data
/// preprocessing in the style of pandas (D2L 2.2).
///
/// ```lua
/// local data = torch.io.read_csv("house_tiny.csv")
/// data.columns       --> {"NumRooms", "RoofType", "Price"}   (header order)
/// data.nrows         --> 4
/// data.NumRooms      --> {0/0, 2.0, 4.0, 0/0}   numeric: missing entries are NaN
/// data.RoofType      --> {nil, nil, "Slate", nil}   strings: missing entries are nil
/// data[3]            --> data.Price, columns by position too
/// ```
///
/// - The first non-empty record is the header; empty lines are skipped; fields may be quoted
///   (`"a, b"`, `""` for a quote, line breaks inside quotes); `\n`, `\r\n` and `\r` end records;
///   a UTF-8 byte order mark is ignored.
/// - Missing entries are pandas' defaults: an empty field, `NA`, `N/A`, `NaN`, `null`, `None`, ...
/// - A column whose present entries are all numbers is numeric: Lua integers when every entry
///   is an integer and none is missing, floats otherwise (as pandas picks int64 or float64).
///   Missing numbers are NaN, so `torch.tensor(data.NumRooms)` works directly.
/// - Other columns hold strings, with nil for missing entries: since a column can have holes,
///   iterate with `for i = 1, data.nrows` rather than `ipairs`.
/// - `columns` and `nrows` are always the metadata; a column with one of those names is still
///   reachable by position. Duplicate names get pandas' suffixes (`x`, `x.1`), and an empty name
///   becomes `Unnamed: k` (k counting from 0, as pandas does).
enum CSVReader {
    /// Builds `torch.io.read_csv` in the module table at `module` (reusing a `torch.io` that exists).
    static func install(_ s: LuaStack, module: Int32) {
        s.setFunctions(["read_csv": readCSV], in: "io", of: module)
    }

    /// `torch.io.read_csv(path, {sep=","})`.
    static let readCSV: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard let path = s.string(1) else {
                throw LuaError.badArgument(1, "read_csv", expected: "string", got: s.typeName(1))
            }
            let separator = try s.option("sep", at: 2, of: "read_csv") { i in
                guard let sep = s.string(i), sep.utf8.count == 1, let byte = sep.utf8.first,
                      byte != UInt8(ascii: "\""), byte != 10, byte != 13 else {
                    throw LuaError("read_csv(): sep must be a single character other than a quote or a line break")
                }
                return byte
            } ?? UInt8(ascii: ",")
            let access = BridgeContext.get(s.L).fileAccess
            let bytes = try readFile(access.resolve(path, "read_csv"), followLinks: access.followsLinks)
            let table = try CSVTable(parsing: bytes, separator: separator)
            try push(table, s)
            return 1
        }
    }

    // MARK: - Reading the file

    /// The bytes of the file at `path`, or an error naming the path and the reason. Without
    /// `followLinks` (a granted directory) a symbolic link at `path` is refused.
    static func readFile(_ path: String, followLinks: Bool) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0, let file = fdopen(fd, "rb") else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            throw LuaError("read_csv(): cannot open '\(path)': \(reason)")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count {
                if ferror(file) != 0 { throw LuaError("read_csv(): error while reading '\(path)'") }
                break
            }
        }
        return bytes
    }

    // MARK: - Building the Lua table

    private static func push(_ table: CSVTable, _ s: LuaStack) throws {
        let L = s.L
        guard lua_checkstack(L, 6) != 0 else { throw LuaError("read_csv(): stack overflow") }
        let rows = table.rowCount
        let columns = table.columns.count
        lua_createtable(L, Int32(clamping: columns), Int32(clamping: columns + 2))
        let result = s.top
        for (k, column) in table.columns.enumerated() {
            lua_createtable(L, Int32(clamping: rows), 0)
            switch column.values {
            case .integers(let values):
                for (i, v) in values.enumerated() { s.push(v); lua_rawseti(L, -2, lua_Integer(i + 1)) }
            case .numbers(let values):
                for (i, v) in values.enumerated() { s.push(v); lua_rawseti(L, -2, lua_Integer(i + 1)) }
            case .strings(let values):
                for (i, v) in values.enumerated() {
                    if let v { s.push(v); lua_rawseti(L, -2, lua_Integer(i + 1)) }
                }
            }
            lua_pushvalue(L, -1)
            lua_rawseti(L, result, lua_Integer(k + 1))
            s.setField(result, column.name)
        }
        lua_createtable(L, Int32(clamping: columns), 0)
        for (k, column) in table.columns.enumerated() {
            s.push(column.name)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
        s.setField(result, "columns")
        s.push(rows)
        s.setField(result, "nrows")
    }
}

// MARK: - Parsing

/// A parsed CSV file: named, typed columns of equal length.
struct CSVTable {
    enum Values {
        case integers([Int64])
        /// Missing entries are NaN.
        case numbers([Double])
        /// Missing entries are nil.
        case strings([String?])
    }

    struct Column {
        let name: String
        let values: Values
    }

    let columns: [Column]
    let rowCount: Int

    /// pandas' default `na_values`.
    static let missingMarkers: Set<String> = [
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    ]

    init(parsing bytes: [UInt8], separator: UInt8) throws {
        var records = try CSVTable.records(bytes, separator: separator)
        guard !records.isEmpty else { throw LuaError("read_csv(): No columns to parse from file") }
        let header = CSVTable.uniqueNames(records.removeFirst().fields)
        var cells = [[String?]](repeating: [], count: header.count)
        for record in records {
            guard record.fields.count <= header.count else {
                throw LuaError("read_csv(): Error tokenizing data. Expected \(header.count) fields in line \(record.line), saw \(record.fields.count)")
            }
            for k in 0..<header.count {
                let field = k < record.fields.count ? record.fields[k] : ""
                cells[k].append(CSVTable.missingMarkers.contains(field) ? nil : field)
            }
        }
        columns = zip(header, cells).map { Column(name: $0, values: CSVTable.typed($1)) }
        rowCount = records.count
    }

    /// Names made unique as pandas does (`x`, `x.1`, ...), empty ones `Unnamed: k`.
    static func uniqueNames(_ fields: [String]) -> [String] {
        var seen: [String: Int] = [:]
        var taken = Set<String>()
        return fields.enumerated().map { k, field in
            var name = field.isEmpty ? "Unnamed: \(k)" : field
            if let count = seen[name] {
                var n = count
                while taken.contains("\(name).\(n)") { n += 1 }
                seen[name] = n + 1
                name = "\(name).\(n)"
            } else {
                seen[name] = 1
            }
            taken.insert(name)
            return name
        }
    }

    /// A column's values with pandas' type inference (integers, numbers, or strings).
    static func typed(_ cells: [String?]) -> Values {
        var integers: [Int64] = [], numbers: [Double] = []
        var allIntegers = true
        for cell in cells {
            guard let text = cell else { allIntegers = false; numbers.append(.nan); continue }
            guard let number = parseNumber(text) else { return .strings(cells) }
            numbers.append(number.value)
            if let i = number.integer { integers.append(i) } else { allIntegers = false }
        }
        return allIntegers ? .integers(integers) : .numbers(numbers)
    }

    /// A decimal number (`12`, `-3.5`, `1e-3`, `.5`, `inf`), surrounding blanks allowed.
    static func parseNumber(_ raw: String) -> (value: Double, integer: Int64?)? {
        let text = raw.trimmingBlanks
        let lower = text.lowercased()
        for (word, value) in [("inf", Double.infinity), ("infinity", .infinity)] {
            if lower == word || lower == "+" + word { return (value, nil) }
            if lower == "-" + word { return (-value, nil) }
        }
        var digits = 0, dots = 0, exponent = false, exponentDigits = 0
        var previous: UInt8 = 0
        for (k, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if exponent { exponentDigits += 1 } else { digits += 1 }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard k == 0 || previous == UInt8(ascii: "e") || previous == UInt8(ascii: "E") else { return nil }
            case UInt8(ascii: "."):
                guard !exponent else { return nil }
                dots += 1
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                guard !exponent, digits > 0 else { return nil }
                exponent = true
            default:
                return nil
            }
            previous = c
        }
        guard digits > 0, dots <= 1, !exponent || exponentDigits > 0, let value = Double(text) else { return nil }
        let integer = dots == 0 && !exponent ? Int64(text) : nil
        return (value, integer)
    }

    /// One record: its fields and the line it starts on (1-based, for messages).
    struct Record {
        var fields: [String]
        var line: Int
    }

    /// Splits `bytes` into records of fields, skipping empty lines.
    static func records(_ bytes: [UInt8], separator: UInt8) throws -> [Record] {
        let quote = UInt8(ascii: "\""), lf: UInt8 = 10, cr: UInt8 = 13
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var inQuotes = false, quoteLine = 0
        var recordHasContent = false

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRecord() {
            if recordHasContent {
                endField()
                records.append(Record(fields: fields, line: recordLine))
            }
            fields.removeAll()
            field.removeAll(keepingCapacity: true)
            recordHasContent = false
        }

        while i < bytes.count {
            let c = bytes[i]
            if inQuotes {
                if c == quote {
                    if i + 1 < bytes.count && bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                    inQuotes = false
                } else {
                    if c == lf || (c == cr && (i + 1 >= bytes.count || bytes[i + 1] != lf)) { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case quote where field.isEmpty:
                inQuotes = true
                quoteLine = line
                recordHasContent = true
            case separator:
                endField()
                recordHasContent = true
            case lf, cr:
                if c == cr && i + 1 < bytes.count && bytes[i + 1] == lf { i += 1 }
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(c)
                recordHasContent = true
            }
            i += 1
        }
        if inQuotes { throw LuaError("read_csv(): unterminated quoted field starting on line \(quoteLine)") }
        endRecord()
        return records
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingBlanks: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
