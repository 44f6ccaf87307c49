import Autograd
import CLua
import CLuaShim

/// Nested Lua tables ↔ tensors: `torch.tensor{{1, 2}, {3, 4}}` and `x:tolist()`.
struct TensorData {
    let stack: LuaStack
    let function: String

    /// Deepest nesting accepted; deeper tables are almost surely cyclic or hostile.
    private static let maxDepth = 64

    /// A tensor from the number, boolean, tensor or nested table at `i`, with PyTorch's dtype
    /// inference: integers give int64, any float gives float32, booleans give bool.
    func tensor(from i: Int32) throws -> Tensor {
        if let t = stack.tensor(i) { return try t.detach().materializedCopy() }
        var shape: [Int] = []
        var values: [Scalar] = []
        var leafDepth: Int? = nil
        try collect(stack.absolute(i), depth: 0, shape: &shape, leafDepth: &leafDepth, values: &values)
        var hasFloat = false, hasInt = false, hasBool = false
        for v in values {
            switch v {
            case .double: hasFloat = true
            case .int: hasInt = true
            case .bool: hasBool = true
            }
        }
        // Values keep double precision until the op picks the dtype (float32 unless told);
        // marked as script numbers, they promote like Python's.
        if hasFloat {
            return try Tensor(values.map { $0.doubleValue }, shape: shape).markedAsScriptNumbers()
        } else if hasInt || (!hasBool && values.isEmpty) {
            if values.isEmpty { return try Tensor([Float](), shape: shape) }
            return try Tensor(values.map { v -> Int64 in if case .int(let n) = v { n } else { v.doubleValue != 0 ? 1 : 0 } }, shape: shape)
        } else {
            return try Tensor(values.map { $0.doubleValue != 0 }, shape: shape)
        }
    }

    /// Walks a nested table depth-first, fixing the shape from the first element at each
    /// depth and rejecting ragged rows the way PyTorch does.
    private func collect(_ i: Int32, depth: Int, shape: inout [Int], leafDepth: inout Int?,
                         values: inout [Scalar]) throws {
        if let s = stack.scalar(i) ?? (stack.tensor(i).flatMap { $0.numel == 1 ? try? $0.item() : nil }) {
            if leafDepth == nil { leafDepth = depth }
            if depth != leafDepth { throw ragged(depth, expected: shape[depth], got: nil) }
            values.append(s)
            return
        }
        if stack.tensor(i) != nil {
            throw LuaError("\(function)(): only one element tensors can be converted to Lua scalars")
        }
        guard stack.type(i) == LUA_TTABLE else {
            throw LuaError("\(function)(): could not infer dtype of \(stack.typeName(i))")
        }
        guard depth < TensorData.maxDepth else {
            throw LuaError("\(function)(): tables nested deeper than \(TensorData.maxDepth) levels")
        }
        let n = stack.rawLength(i)
        if let leafDepth, depth >= leafDepth {
            throw LuaError("\(function)(): expected a number at dim \(depth + 1) (got a table)")
        }
        if depth == shape.count {
            shape.append(n)
        } else if shape[depth] != n {
            throw ragged(depth, expected: shape[depth], got: n)
        }
        guard lua_checkstack(stack.L, 4) != 0 else { throw LuaError("\(function)(): stack overflow") }
        for k in 1...max(n, 1) where n > 0 {
            stack.rawGet(i, k)
            defer { stack.pop() }
            if stack.isNoneOrNil(-1) {
                throw LuaError("\(function)(): element \(k) at depth \(depth + 1) is nil (tables must be sequences)")
            }
            try collect(stack.absolute(-1), depth: depth + 1, shape: &shape, leafDepth: &leafDepth, values: &values)
        }
    }

    private func ragged(_ depth: Int, expected: Int, got: Int?) -> LuaError {
        LuaError("\(function)(): expected sequence of length \(expected) at dim \(depth + 1) (got \(got.map(String.init) ?? "a number"))")
    }

    /// Pushes `t` as nested tables of numbers or booleans (a plain value for a 0-d tensor).
    func pushList(_ t: Tensor) throws {
        guard lua_checkstack(stack.L, Int32(t.ndim) + 4) != 0 else { throw LuaError("tolist(): stack overflow") }
        var flat = 0
        try push(t, dim: 0, flat: &flat)
    }

    private func push(_ t: Tensor, dim: Int, flat: inout Int) throws {
        if dim == t.ndim {
            switch t.dtype {
            case .float32, .float64: stack.push(t.element(flat))
            case .int64: stack.push(t.integerElement(flat))
            case .bool: stack.push(t.element(flat) != 0)
            }
            flat += 1
            return
        }
        lua_createtable(stack.L, Int32(clamping: t.shape[dim]), 0)
        for k in 0..<t.shape[dim] {
            try push(t, dim: dim + 1, flat: &flat)
            lua_rawseti(stack.L, -2, lua_Integer(k + 1))
        }
    }
}

extension Tensor {
    /// A contiguous copy with no graph.
    func materializedCopy() throws -> Tensor { try withNoGrad { try detach().clone(contiguous: true) } }
}
