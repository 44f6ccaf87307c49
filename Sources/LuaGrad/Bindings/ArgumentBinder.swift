import Autograd
import CLua
import CLuaShim

/// Converts the Lua arguments of a call into an op's inputs and arguments, from its signature.
///
/// Positional arguments fill parameters in order; a trailing table with string keys supplies
/// keyword arguments by PyTorch's names (`x:sum(1, {keepdim=true})`). A table given where
/// sizes, dims, data or a tensor list is expected is that value, and its string keys are
/// keywords too (`torch.zeros{2, 3, requires_grad=true}`). Positions and dims are 1-based.
struct ArgumentBinder {
    let stack: LuaStack
    let function: String

    /// The op's tensor inputs and non-tensor arguments, read from the whole stack.
    func bind(_ bound: BoundOp) throws -> (inputs: OpInputs, args: [Arg]) {
        let last = stack.top
        if let leftOut = bound.argumentsLeftOut, last == 0 || stack.type(last) != LUA_TTABLE {
            return try bindPositional(bound, leftOut)
        }
        let (inputs, args) = try bind(bound.params, drawsRandomNumbers: bound.drawsRandomNumbers)
        return (OpInputs(inputs), args)
    }

    /// The inputs and arguments of a call without a keyword table to an op whose arguments
    /// have fixed places (`BoundOp.argumentsLeftOut`): what `bind(_:drawsRandomNumbers:)`
    /// gives for such a call, with the same errors, but the arguments start as the shared
    /// array of defaults (`x:sum()` builds none) and the first two inputs are held inline.
    private func bindPositional(_ bound: BoundOp, _ leftOut: [Arg]) throws -> (inputs: OpInputs, args: [Arg]) {
        let last = stack.top
        var args = leftOut
        var inputs = InputList()
        var position: Int32 = 1
        // Read in place: copying each `Param` out retained and released its name and default.
        try bound.params.withUnsafeBufferPointer { params in
            try bound.argumentPlaces.withUnsafeBufferPointer { places in
                for k in params.indices {
                    let kind = params[k].kind
                    guard !params[k].keywordOnly, position <= last else {
                        // Left out: the default is in place; a required one is missing.
                        if params[k].defaultValue == nil {
                            throw LuaError("\(function)() missing required argument '\(params[k].name)' (#\(position))")
                        }
                        continue
                    }
                    let i = position
                    position += 1
                    if stack.isNoneOrNil(i) && kind != .dims && kind != .dtype {
                        if params[k].defaultValue == nil {
                            throw LuaError("\(function)() missing required argument '\(params[k].name)' (#\(i))")
                        }
                        continue
                    }
                    switch kind {
                    case .tensor:
                        inputs.append(try stack.checkTensor(i, function))
                        if places[k] >= 0 { args[places[k]] = .bool(true) }
                    case .tensorOrNumber:
                        inputs.append(try operand(i))
                    default:
                        args[places[k]] = try argument(i, params[k])
                    }
                }
            }
        }
        if position <= last {
            throw LuaError("\(function)() takes at most \(bound.params.filter { !$0.keywordOnly }.count) positional arguments, but argument #\(position) was given")
        }
        return (inputs.opInputs, args)
    }

    /// The op's tensor inputs and non-tensor arguments for `params`, read from stack slots
    /// `first...last`.
    func bind(_ params: [Param], drawsRandomNumbers: Bool, first: Int32 = 1, last: Int32? = nil) throws -> (inputs: [Tensor], args: [Arg]) {
        var last = last ?? stack.top
        var keywords: [String: Int32] = [:]
        var keywordTable: Int32? = nil
        if last >= first, stack.type(last) == LUA_TTABLE, BridgeContext.get(stack.L).dtype(stack.L, last) == nil {
            let names = stringKeys(last)
            if !names.isEmpty {
                keywordTable = last
                for name in names { keywords[name] = 0 }
                // A keywords-only table is not also a positional value.
                if stack.rawLength(last) == 0 && !takesTable(params, position: Int(last - first)) { last -= 1 }
            } else if Int(last - first) >= params.lazy.filter({ !$0.keywordOnly }).count, isEmpty(table: last) {
                // `{}` past every positional parameter holds keywords, none of them given:
                // `F.softmax(x, 2)` passes `{dtype = o.dtype}`, empty when no dtype is asked.
                last -= 1
            }
        }

        var inputs: [Tensor] = []
        var args: [Arg] = []
        args.reserveCapacity(params.count)
        var position = first
        // The parameters are read in place: copying each `Param` out of the array retained and
        // released its name and its default value (a tenth of a call like `x:sum()`).
        try params.withUnsafeBufferPointer { params in
            for k in params.indices {
                let kind = params[k].kind
                var slot: Int32? = nil
                var fromKeyword = false
                if !params[k].keywordOnly, position <= last { slot = position }
                // Without a keyword table there is nothing to look up (hashing each parameter's
                // name was a tenth of a call like `x:norm()`).
                if let table = keywordTable {
                    let name = params[k].name
                    if slot == nil, keywords[name] != nil {
                        lua_getfield_raw(stack.L, table, name)
                        slot = stack.top
                        fromKeyword = true
                    }
                    keywords.removeValue(forKey: name)
                }
                defer { if fromKeyword { stack.pop() } }

                guard let i = slot, !stack.isNoneOrNil(i) || kind == .dims || kind == .dtype else {
                    if let value = params[k].defaultValue {
                        if kind == .sizes { args.append(.ints([])) } else { args.append(value) }
                        if !fromKeyword, slot != nil { position += 1 }
                        continue
                    }
                    if kind == .sizes { args.append(.ints([])); continue }
                    throw LuaError("\(function)() missing required argument '\(params[k].name)' (#\(position))")
                }
                if kind == .sizes && !fromKeyword && stack.type(i) != LUA_TTABLE {
                    guard stack.type(i) == LUA_TNUMBER else { throw bad(i, "sizes (integers or a table)") }
                    // Sizes as varargs: every remaining integer argument.
                    var sizes: [Int] = []
                    while position <= last, stack.type(position) == LUA_TNUMBER {
                        sizes.append(try int(position, params[k]))
                        position += 1
                    }
                    args.append(.ints(sizes))
                    continue
                }
                try convert(i, params[k], &inputs, &args)
                if !fromKeyword { position += 1 }
            }
        }
        if position <= last {
            throw LuaError("\(function)() takes at most \(params.filter { !$0.keywordOnly }.count) positional arguments, but argument #\(position) was given")
        }
        // `generator` is read by the caller (OpBindings), which draws from it.
        if drawsRandomNumbers { keywords.removeValue(forKey: "generator") }
        if !keywords.isEmpty, let unknown = keywords.keys.sorted().first {
            throw LuaError("\(function)() got an unexpected keyword argument '\(unknown)'")
        }
        return (inputs, args)
    }

    // MARK: - Conversions

    private func convert(_ i: Int32, _ p: Param, _ inputs: inout [Tensor], _ args: inout [Arg]) throws {
        switch p.kind {
        case .tensor:
            inputs.append(try stack.checkTensor(i, function))
            // An optional tensor leaves one argument either way (`.absent` when not given), so
            // ops with several (`weight`, `pos_weight`) know which ones arrived.
            if p.defaultValue != nil { args.append(.bool(true)) }
        case .tensorOrNumber:
            inputs.append(try operand(i))
        case .tensorList:
            guard stack.type(i) == LUA_TTABLE else { throw bad(i, "table of tensors") }
            let n = stack.rawLength(i)
            for k in 1...max(n, 1) where n > 0 {
                stack.rawGet(i, k)
                defer { stack.pop() }
                guard let t = stack.tensor(-1) else {
                    throw LuaError("bad argument #\(i) to '\(function)' (element \(k) is a \(stack.typeName(-1)), not a Tensor)")
                }
                inputs.append(t)
            }
        case .data:
            inputs.append(try TensorData(stack: stack, function: function).tensor(from: i))
        case .positions:
            // 1-based positions in Lua (negative ones count from the end and stay as they are).
            let t = try stack.tensor(i) ?? TensorData(stack: stack, function: function).tensor(from: i)
            guard t.dtype == .int64 else {
                throw LuaError("bad argument #\(i) to '\(function)' (\(p.name) must be an int64 tensor of positions, got \(t.dtype))")
            }
            inputs.append(try t.fromLuaPositions())
        case .labels:
            // 1-based class labels in Lua: every value shifts down by one (0 and negatives too,
            // so the op reports them out of range and `ignore_index` shifts alike).
            let t = try stack.tensor(i) ?? TensorData(stack: stack, function: function).tensor(from: i)
            inputs.append(t.dtype == .int64 ? try t.sub(Tensor.number(1)) : t)
        default:
            args.append(try argument(i, p))
        }
    }

    /// A tensor, or a number wrapped as a 0-d tensor.
    private func operand(_ i: Int32) throws -> Tensor {
        if let t = stack.tensor(i) { return t }
        if let s = stack.scalar(i) { return try Tensor.wrapping(s) }
        throw bad(i, "Tensor or number")
    }

    /// The argument for a parameter of a kind that gives one (not a tensor input).
    private func argument(_ i: Int32, _ p: Param) throws -> Arg {
        switch p.kind {
        case .number:
            guard let s = stack.scalar(i) else { throw bad(i, "number") }
            return .scalar(s)
        case .int:
            return .int(try int(i, p))
        case .index, .dim:
            return .int(try position(i, p))
        case .double:
            guard let d = stack.number(i) else { throw bad(i, "number") }
            return .double(d)
        case .bool:
            guard stack.type(i) == LUA_TBOOLEAN else { throw bad(i, "boolean") }
            return .bool(stack.boolean(i))
        case .dims:
            if stack.isNoneOrNil(i) { return .absent }
            if stack.type(i) == LUA_TTABLE { return .ints(try list(i, p).map { try zeroBased($0, p) }) }
            return .ints([try position(i, p)])
        case .sizes:
            guard stack.type(i) == LUA_TTABLE else { throw bad(i, "sizes (integers or a table)") }
            return .ints(try list(i, p))
        case .dtype:
            if stack.isNoneOrNil(i) { return .absent }
            guard let d = BridgeContext.get(stack.L).dtype(stack.L, i) else { throw bad(i, "dtype") }
            return .dtype(d)
        case .label:
            return .int(try int(i, p) - 1)
        case .string:
            guard let text = stack.string(i) else { throw bad(i, "string") }
            return .string(text)
        case .tensor, .tensorOrNumber, .tensorList, .data, .positions, .labels:
            preconditionFailure("\(p.kind) parameters give inputs (convert)")
        }
    }

    private func bad(_ i: Int32, _ expected: String) -> LuaError {
        .badArgument(i, function, expected: expected, got: stack.typeName(i))
    }

    private func int(_ i: Int32, _ p: Param) throws -> Int {
        guard let v = stack.integer(i) else {
            throw LuaError("bad argument #\(i) to '\(function)' (\(p.name) must be an integer, got \(describe(i)))")
        }
        guard let n = Int(exactly: v) else { throw bad(i, "integer") }
        return n
    }

    /// A 1-based position or dim as a 0-based one (negative values count from the end).
    private func position(_ i: Int32, _ p: Param) throws -> Int {
        try zeroBased(int(i, p), p)
    }

    private func zeroBased(_ v: Int, _ p: Param) throws -> Int {
        if v > 0 { return v - 1 }
        if v < 0 { return v }
        throw LuaError("bad argument to '\(function)' (\(p.name) 0 is out of range: positions and dims count from 1, and -1 is the last)")
    }

    private func list(_ i: Int32, _ p: Param) throws -> [Int] {
        let n = stack.rawLength(i)
        var out: [Int] = []
        out.reserveCapacity(n)
        for k in 0..<n {
            stack.rawGet(i, k + 1)
            defer { stack.pop() }
            guard let v = stack.integer(-1), let x = Int(exactly: v) else {
                throw LuaError("bad argument #\(i) to '\(function)' (\(p.name) must hold integers, element \(k + 1) is \(describe(-1)))")
            }
            out.append(x)
        }
        return out
    }

    private func describe(_ i: Int32) -> String {
        if let d = stack.number(i) { return "\(d)" }
        return stack.typeName(i)
    }

    /// The string keys of the table at `i` (read with `lua_next`, which calls no metamethod).
    private func stringKeys(_ i: Int32) -> [String] {
        var keys: [String] = []
        let t = stack.absolute(i)
        stack.pushNil()
        while lua_next(stack.L, t) != 0 {
            if stack.type(-2) == LUA_TSTRING, let k = stack.string(-2) { keys.append(k) }
            stack.pop()
        }
        return keys
    }

    /// Whether the table at stack slot `t` has no entries at all.
    private func isEmpty(table t: Int32) -> Bool {
        stack.pushNil()
        guard lua_next(stack.L, t) != 0 else { return true }
        stack.pop(2)
        return false
    }

    /// Whether the parameter at positional index `position` accepts a table.
    private func takesTable(_ params: [Param], position: Int) -> Bool {
        let positional = params.filter { !$0.keywordOnly }
        guard position < positional.count else { return false }
        // Only sizes take a keywords-only table as their value: `torch.randn{requires_grad=true}`
        // is 0-d. Anywhere else (`x:sum{dim=1}`) such a table holds keywords.
        return positional[position].kind == .sizes
    }
}

/// Up to two tensors inline, the rest in an array: the inputs of one call as the binder
/// gathers them (nearly every op has one or two, and an array per call was an allocation).
private struct InputList {
    private var first: Tensor?
    private var second: Tensor?
    private var rest: [Tensor] = []

    mutating func append(_ t: Tensor) {
        if first == nil { first = t } else if second == nil { second = t } else { rest.append(t) }
    }

    var opInputs: OpInputs {
        guard let first else { return OpInputs([]) }
        guard let second else { return OpInputs(first) }
        return rest.isEmpty ? OpInputs(first, second) : OpInputs([first, second] + rest)
    }
}

/// Pushes `t[name]` of the table at `index` without metamethods.
func lua_getfield_raw(_ L: OpaquePointer, _ index: Int32, _ name: String) {
    // lua_rawget on anything but a table is undefined behaviour: a script can pass anything.
    guard lua_type(L, index) == LUA_TTABLE else {
        lua_pushnil(L)
        return
    }
    let t = lua_absindex(L, index)
    LuaStack(L: L).push(name)
    lua_rawget(L, t)
}


extension Tensor {
    /// Converts 1-based Lua positions to 0-based ones (negatives count from the end, unchanged).
    func fromLuaPositions() throws -> Tensor {
        let out = try Tensor.empty(shape, dtype: .int64)
        if dtype == .int64 && isContiguous {
            // Read and written in place: element by element, each read and write dispatched on
            // the dtype and worked out the storage position (x[idx] of ten rows spent a sixth
            // of its time here).
            let source = pointer(Int64.self), target = out.pointer(Int64.self)
            for k in 0..<numel {
                let v = source[k]
                if v == 0 { throw LuaError("position 0 is out of range: positions count from 1") }
                target[k] = v > 0 ? v - 1 : v
            }
            return out
        }
        for k in 0..<numel {
            let v = integerElement(k)
            if v == 0 { throw LuaError("position 0 is out of range: positions count from 1") }
            out.setInteger(k, v > 0 ? v - 1 : v)
        }
        return out
    }
}
