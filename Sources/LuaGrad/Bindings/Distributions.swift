import Autograd
import CLua
import CLuaShim

/// `torch.distributions`: distributions scripts can sample from, drawing what PyTorch draws.
///
/// So far `Multinomial(total_count, probs)` (also reachable as
/// `torch.distributions.multinomial.Multinomial`, the module path D2L imports it from):
///
/// ```lua
/// local Multinomial = torch.distributions.Multinomial
/// local fair = torch.tensor{0.5, 0.5}
/// print(Multinomial(100, fair):sample())          --> tensor([49., 51.]) (say)
/// local counts = Multinomial(1, fair):sample{1000} -- 1000 × 2 one-hot rows
/// ```
///
/// A distribution is a Lua table with PyTorch's fields (`total_count`, `probs` normalized to sum
/// to 1 along the last dim, `mean`, `variance`, `batch_shape`, `event_shape`) and methods from its
/// metatable (`sample`).
enum Distributions {
    /// Builds `torch.distributions` in the module table at `module` (reusing one that exists).
    static func install(_ s: LuaStack, module: Int32) {
        let L = s.L
        let module = s.absolute(module)
        guard lua_checkstack(L, 8) != 0 else { return }
        s.pushSubtable(module, "distributions")
        let distributions = s.top

        // The metatable of Multinomial objects: methods behind __index.
        lg_newtable(L)
        lg_newtable(L)
        s.push(function: Multinomial.sample)
        s.setField(-2, "sample")
        s.setField(-2, "__index")
        s.push(function: Multinomial.toString)
        s.setField(-2, "__tostring")
        s.push("torch.distributions.Multinomial")
        s.setField(-2, "__name")
        // The constructor keeps the metatable as its upvalue.
        s.push(function: Multinomial.new, upvalues: 1)
        lua_pushvalue(L, -1)
        s.setField(distributions, "Multinomial")
        // torch.distributions.multinomial.Multinomial, as Python spells the module path.
        lg_newtable(L)
        lg_insert(L, -2)
        s.setField(-2, "Multinomial")
        s.setField(distributions, "multinomial")
        s.pop() // distributions
    }
}

// MARK: - Multinomial

/// PyTorch's `torch.distributions.Multinomial` (torch/distributions/multinomial.py).
enum Multinomial {
    /// `Multinomial(total_count, probs)`, `Multinomial(total_count, {probs=p})` or
    /// `Multinomial{total_count=n, probs=p}`: upvalue 2 is the metatable of the objects.
    static let new: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            var countSlot: Int32 = 1, probsSlot: Int32 = 2
            // Keyword forms: read `total_count` and `probs` from a trailing table.
            for table in [Int32(2), 1] where s.type(table) == LUA_TTABLE && s.tensor(table) == nil {
                lua_getfield_raw(s.L, table, "logits")
                let hasLogits = !s.isNoneOrNil(-1)
                s.pop()
                if hasLogits { throw LuaError("Multinomial(): logits are not supported yet; pass probs") }
                lua_getfield_raw(s.L, table, "probs")
                probsSlot = s.top
                if table == 1 {
                    lua_getfield_raw(s.L, table, "total_count")
                    countSlot = s.top
                }
                break
            }
            let totalCount: Int
            if s.isNoneOrNil(countSlot) {
                totalCount = 1
            } else if let n = s.integer(countSlot), let count = Int(exactly: n) {
                totalCount = count
            } else {
                throw LuaError("inhomogeneous total_count is not supported (Multinomial(): total_count must be an integer, got \(s.typeName(countSlot)))")
            }
            if s.isNoneOrNil(probsSlot) {
                throw LuaError("Either `probs` or `logits` must be specified, but not both.")
            }
            guard let given = s.tensor(probsSlot) else {
                throw LuaError.badArgument(2, "Multinomial", expected: "Tensor of probs", got: s.typeName(probsSlot))
            }
            let probs = try normalized(given)
            try validate(probs, totalCount: totalCount)

            lg_newtable(s.L)
            let object = s.top
            s.push(totalCount)
            s.setField(object, "total_count")
            s.push(probs)
            s.setField(object, "probs")
            let count = try Tensor.number(totalCount)
            s.push(try probs.mul(count))
            s.setField(object, "mean")
            s.push(try count.mul(probs).mul(probs.rsub(Tensor.number(1))))
            s.setField(object, "variance")
            SizeObject.push(s, Array(probs.shape.dropLast()))
            s.setField(object, "batch_shape")
            SizeObject.push(s, [probs.shape[probs.ndim - 1]])
            s.setField(object, "event_shape")
            lua_pushvalue(s.L, lg_upvalueindex(2))
            lua_setmetatable(s.L, object)
            return 1
        }
    }

    /// `m:sample(sample_shape)`: counts of shape `sample_shape + batch_shape + event_shape`.
    ///
    /// `sample_shape` is a table of sizes (`{1000}`, or a `torch.Size`), a single integer, or
    /// nothing for one sample.
    static let sample: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            guard s.type(1) == LUA_TTABLE else {
                throw LuaError("Multinomial.sample: call it as a method, m:sample(...)")
            }
            lua_getfield_raw(s.L, 1, "probs")
            lua_getfield_raw(s.L, 1, "total_count")
            guard let probs = s.tensor(-2), let total = s.integer(-1), let totalCount = Int(exactly: total) else {
                throw LuaError("Multinomial.sample: not a Multinomial distribution")
            }
            s.pop(2)
            var sampleShape: [Int] = []
            if let n = s.integer(2) {
                sampleShape = [Int(clamping: n)]
            } else if s.type(2) == LUA_TTABLE {
                for k in 0..<s.rawLength(2) {
                    s.rawGet(2, k + 1)
                    defer { s.pop() }
                    guard let v = s.integer(-1) else {
                        throw LuaError("Multinomial.sample: sample_shape must hold integers, element \(k + 1) is \(s.typeName(-1))")
                    }
                    sampleShape.append(Int(clamping: v))
                }
            } else if !s.isNoneOrNil(2) {
                throw LuaError.badArgument(2, "sample", expected: "table of sizes", got: s.typeName(2))
            }
            s.push(try counts(probs: probs, totalCount: totalCount, sampleShape: sampleShape))
            return 1
        }
    }

    static let toString: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            s.push("Multinomial()")
            return 1
        }
    }

    // MARK: - The computations

    /// `probs / probs.sum(-1, keepdim=True)`, as `Categorical` normalizes its parameter.
    static func normalized(_ probs: Tensor) throws -> Tensor {
        guard probs.ndim >= 1 else { throw LuaError("`probs` parameter must be at least one-dimensional.") }
        return try probs.div(probs.sum(dims: [-1], keepdim: true))
    }

    /// PyTorch's argument validation: `total_count` a non-negative integer, and every row of
    /// `probs` a point of the simplex (non-negative, summing to 1 within 1e-6).
    static func validate(_ probs: Tensor, totalCount: Int) throws {
        let categories = probs.shape[probs.ndim - 1]
        let values = probs.detach().doubles()
        let rows = categories == 0 ? 0 : values.count / categories
        let onSimplex = (0..<rows).allSatisfy { row in
            let p = values[(row * categories)..<((row + 1) * categories)]
            return p.allSatisfy { $0 >= 0 } && abs(p.reduce(0, +) - 1) < 1e-6
        }
        let shape = "(" + probs.shape.map(String.init).joined(separator: ", ") + (probs.ndim == 1 ? ",)" : ")")
        guard onSimplex else {
            throw LuaError("Expected parameter probs (Tensor of shape \(shape)) of distribution Categorical(probs: \(TensorFormatter.sizeString(probs.shape))) to satisfy the constraint Simplex(), but found invalid values:\n\(probs.detach())")
        }
        guard totalCount >= 0 else {
            throw LuaError("Expected parameter total_count of distribution Binomial to satisfy the constraint IntegerGreaterThan(lower_bound=0), but found invalid values: \(totalCount)")
        }
    }

    /// `Multinomial.sample`: `total_count × n` categorical draws per row with replacement
    /// (one `torch.multinomial` call, so the stream matches PyTorch's), counted per category.
    ///
    /// PyTorch draws `samples_2d = multinomial(probs_2d, total_count·n, True)` and reshapes
    /// its transpose to `(total_count, n, batch)`, so draw `t·n + j` of row `b` belongs to
    /// sample `j` of batch entry `b`.
    static func counts(probs: Tensor, totalCount: Int, sampleShape: [Int]) throws -> Tensor {
        try Shapes.validate(sampleShape)
        let categories = probs.shape[probs.ndim - 1]
        let batch = Array(probs.shape.dropLast())
        let outShape = sampleShape + batch + [categories]
        try Shapes.validate(outShape)
        let n = Shapes.numel(sampleShape) ?? 0
        let rows = Shapes.numel(batch) ?? 0
        let (draws, overflow) = totalCount.multipliedReportingOverflow(by: n)
        guard !overflow else { throw LuaError("Multinomial.sample: \(totalCount) × \(n) draws is too many") }
        let flat = try probs.detach().reshape([rows, categories])
        let positions = try flat.multinomial(draws, replacement: true)
        var tally = [Int64](repeating: 0, count: Shapes.numel(outShape) ?? 0)
        for b in 0..<rows {
            for d in 0..<draws {
                let sample = d % n
                let category = Int(positions.integerElement(b * draws + d))
                tally[(sample * rows + b) * categories + category] += 1
            }
        }
        let out = try Tensor(tally, shape: outShape)
        return try out.to(probs.dtype)
    }
}
