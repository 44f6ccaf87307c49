import Autograd
import CLua
import CLuaShim

/// Lua indexing of tensors (DESIGN.md §2): `x[i]`, `x[{i, j}]`, `x[{{first, last}, j}]`,
/// `x[{{}, 2}]`. Positions are 1-based, ranges inclusive, negatives count from the end.
/// Every form gives a view, so `x[{1, 2}] = 17` writes into `x`.
enum Indexing {
    /// The view of `t` selected by the key at stack slot `key`.
    static func view(_ t: Tensor, key: Int32, _ s: LuaStack) throws -> Tensor {
        if let k = s.tensor(key) {
            // A bool mask selects elements; an int64 tensor selects positions along dim 1.
            // Both copy, as in PyTorch (advanced indexing). A minibatch's `X[idx]` reads the
            // 1-based positions as they are; other int64 keys (and a bad position, for its
            // message) go through a 0-based copy of the key.
            if let rows = try t.index(oneBasedRows: k) { return rows }
            if k.dtype == .bool { return try t.index(k) }
            try checkPositions(k, of: t)
            return try t.index(k.fromLuaPositions())
        }
        if let i = s.integer(key) {
            return try select(t, dim: 0, i, original: 0)
        }
        guard s.type(key) == LUA_TTABLE else {
            if s.number(key) != nil { throw LuaError("tensor index must be an integer, got \(s.number(key)!)") }
            throw LuaError("tensor index must be an integer or a table, got \(s.typeName(key))")
        }
        let n = s.rawLength(key)
        guard n <= t.ndim else {
            throw LuaError("too many indices for tensor of dimension \(t.ndim)")
        }
        var result = t
        var dim = 0
        for k in 1...max(n, 1) where n > 0 {
            s.rawGet(key, k)
            defer { s.pop() }
            if let i = s.integer(-1) {
                result = try select(result, dim: dim, i, original: k - 1)
            } else if s.type(-1) == LUA_TTABLE {
                result = try range(result, dim: dim, s)
                dim += 1
            } else {
                throw LuaError("index \(k) must be an integer or a range table, got \(s.typeName(-1))")
            }
        }
        return result
    }

    /// Writes `value` (the slot `value`: a number or a tensor) into the selected view.
    static func assign(_ t: Tensor, key: Int32, value: Int32, _ s: LuaStack) throws {
        if let mask = s.tensor(key), mask.dtype == .bool {
            if let source = s.tensor(value) { try t.maskedFill_(mask, source) }
            else if let n = s.scalar(value) { try t.maskedFill_(mask, n) }
            else { throw LuaError("cannot assign a \(s.typeName(value)) to masked elements (number or Tensor expected)") }
            return
        }
        if let k = s.tensor(key) {
            try checkPositions(k, of: t)
            let positions = try k.fromLuaPositions()
            let source = try s.tensor(value) ?? Tensor.wrapping(s.scalar(value) ?? .double(.nan))
            guard s.tensor(value) != nil || s.scalar(value) != nil else {
                throw LuaError("cannot assign a \(s.typeName(value)) to tensor elements (number or Tensor expected)")
            }
            try assignRows(t, positions, source)
            return
        }
        let target = try view(t, key: key, s)
        if let source = s.tensor(value) {
            try target.copy_(source)
        } else if let n = s.scalar(value) {
            try target.fill_(Tensor.wrapping(n))
        } else {
            throw LuaError("cannot assign a \(s.typeName(value)) to a tensor element (number or Tensor expected)")
        }
    }

    /// Checks that `key` is an int64 tensor of positions along dim 1 of `t` and that each names
    /// a row, with PyTorch's messages (positions as the script wrote them, dims from 1). A 0-d
    /// `t` is left to the op, whose message says why no key fits it.
    private static func checkPositions(_ key: Tensor, of t: Tensor) throws {
        guard key.dtype == .int64 else { throw LuaError("tensors used as indices must be long, int, byte or bool tensors") }
        guard t.ndim > 0 else { return }
        let size = Int64(t.shape[0])
        for k in 0..<key.numel {
            let p = key.integerElement(k)
            if p == 0 { throw LuaError("position 0 is out of range: positions count from 1") }
            if p > size || p < -size { throw LuaError("index \(p) is out of bounds for dimension 1 with size \(size)") }
        }
    }

    /// `x[positions] = source`: each selected row along dim 1 gets `source` (or its matching
    /// row when `source` has one per position), written in place through views.
    private static func assignRows(_ t: Tensor, _ positions: Tensor, _ source: Tensor) throws {
        guard t.ndim > 0 else { throw LuaError("cannot index a 0-d tensor with a tensor") }
        let count = positions.numel
        let perRow = source.ndim > 0 && source.ndim == t.ndim && source.shape[0] == count
        // Every position names a row (`checkPositions`).
        for k in 0..<count {
            let p = Int(positions.integerElement(k))
            try t.select(0, p).copy_(perRow ? source.select(0, k) : source)
        }
    }

    /// Selects position `i` along `dim` of `t`; `original` is that dim in the indexed tensor,
    /// which is what messages name.
    private static func select(_ t: Tensor, dim: Int, _ i: Int64, original: Int) throws -> Tensor {
        guard t.ndim > dim else { throw LuaError("too many indices for tensor of dimension \(t.ndim)") }
        let size = t.shape[dim]
        guard i != 0, i >= -Int64(size), i <= Int64(size) else {
            throw LuaError("index \(i) is out of bounds for dimension \(original + 1) with size \(size)")
        }
        return try t.select(dim, Int(i > 0 ? i - 1 : i))
    }

    /// `{}` (everything), `{first, last}` (inclusive) or `{i}` (one position, dim kept).
    private static func range(_ t: Tensor, dim: Int, _ s: LuaStack) throws -> Tensor {
        guard t.ndim > dim else { throw LuaError("too many indices for tensor of dimension \(t.ndim)") }
        let size = t.shape[dim]
        let n = s.rawLength(-1)
        guard n <= 2 else { throw LuaError("a range is {first, last}: got \(n) numbers") }
        if n == 0 { return t }
        s.rawGet(-1, 1)
        let first = s.integer(-1)
        s.pop()
        var last = first
        if n == 2 {
            s.rawGet(-1, 2)
            last = s.integer(-1)
            s.pop()
        }
        guard let first, let last else { throw LuaError("range bounds must be integers") }
        func zeroBased(_ p: Int64) throws -> Int {
            guard p != 0 else { throw LuaError("range bound 0 is out of range: positions count from 1") }
            let z = p > 0 ? p - 1 : p + Int64(size)
            return Int(max(min(z, Int64(size)), -1))
        }
        let start = max(try zeroBased(first), 0)
        let end = min(try zeroBased(last) + 1, size)
        return try t.slice(dim, start, max(end, start))
    }
}
