import Autograd
import CLua
import CLuaShim

/// The op table arranged for Lua: overload groups by name, and which names are functions,
/// methods and metamethods. Built once per process from `OpTable.bound`.
struct OpBindings: Sendable {
    static let shared = OpBindings(OpTable.bound)

    /// Ops sharing a Lua name, tried in table order (`pow` has three).
    let groups: [[Op]]
    /// The same groups as the calls from Lua read them.
    let bound: [[BoundOp]]
    /// `torch.NAME` functions: name and group.
    let functions: [(name: String, group: Int)]
    /// `x:NAME` methods: name and group.
    let methods: [(name: String, group: Int)]
    /// `torch._C._nn.NAME` functions (`Exposure.nn`): name and group.
    let nnFunctions: [(name: String, group: Int)]
    /// Metamethods: `__add` and the group of its op.
    let metamethods: [(name: String, group: Int)]
    /// Group index by canonical op name, for reflected metamethods (`rsub`).
    let groupByName: [String: Int]
    /// What each binary metamethod runs for each kind of operands, resolved once.
    let plans: [MetamethodPlan]

    init(_ ops: [Op]) {
        var groups: [[Op]] = []
        var index: [String: Int] = [:]
        var functions: [(String, Int)] = [], methods: [(String, Int)] = [], metas: [(String, Int)] = []
        var nnFunctions: [(String, Int)] = []
        for op in ops {
            let canonical = op.signature.names[0]
            let group: Int
            if let g = index[canonical] {
                group = g
                groups[g].append(op)
            } else {
                group = groups.count
                groups.append([op])
                index[canonical] = group
                for name in op.signature.names {
                    switch op.signature.exposure {
                    case .functionAndMethod:
                        functions.append((name, group))
                        methods.append((name, group))
                    case .function: functions.append((name, group))
                    case .method: methods.append((name, group))
                    case .nn: nnFunctions.append((name, group))
                    case .internal: break
                    }
                }
            }
            for meta in op.signature.metamethods where !metas.contains(where: { $0.0 == meta }) {
                metas.append((meta, group))
            }
        }
        // A name exposed as a function by any overload is a function (pow(2, x)); likewise methods.
        for (g, overloads) in groups.enumerated() {
            let name = overloads[0].signature.names[0]
            if overloads.contains(where: { $0.signature.exposure == .function || $0.signature.exposure == .functionAndMethod }),
               !functions.contains(where: { $0.0 == name }) {
                functions.append((name, g))
            }
            if overloads.contains(where: { $0.signature.exposure == .method || $0.signature.exposure == .functionAndMethod }),
               !methods.contains(where: { $0.0 == name }) {
                methods.append((name, g))
            }
        }
        self.groups = groups
        self.bound = groups.map { $0.map(BoundOp.init) }
        self.functions = functions.map { (name: $0.0, group: $0.1) }
        self.methods = methods.map { (name: $0.0, group: $0.1) }
        self.nnFunctions = nnFunctions.map { (name: $0.0, group: $0.1) }
        self.metamethods = metas.map { (name: $0.0, group: $0.1) }
        self.groupByName = index
        self.plans = self.metamethods.map { MetamethodPlan(name: $0.name, group: groups[$0.group], groups: groups, index: index) }
    }

    // MARK: - Calls from Lua

    /// `torch.f(...)` / `x:f(...)` of a group of one op: the datum is that `BoundOp`
    /// (`lg_pushswiftmethod`).
    static let callOp: lg_SwiftMethod = { L, op in
        luaEntry(L) { s in
            BridgeContext.collectBeforeOp(s.L)
            guard let op else { throw LuaError("op function without its op") }
            // Borrowed: `shared` holds every `BoundOp` for the whole process, and reading
            // it out of the groups retained and released the group and the op per call.
            return try Unmanaged<BoundOp>.fromOpaque(op)._withUnsafeGuaranteedRef { try call($0, s) }
        }
    }

    /// `torch.f(...)` / `x:f(...)` of a group of overloads, resolved per call: the datum is the
    /// group's index (`lg_pushswiftmethod`).
    static let callGroup: lg_SwiftMethod = { L, group in
        luaEntry(L) { s in
            BridgeContext.collectBeforeOp(s.L)
            return try call(OpBindings.resolve(OpBindings.shared.bound[Int(bitPattern: group)], s), s)
        }
    }

    /// Binds the Lua arguments to `bound`'s op, runs it and pushes the results.
    private static func call(_ bound: BoundOp, _ s: LuaStack) throws -> Int32 {
        let op = bound.op
        // The common case, `torch.sin(x)` or `x:mul(y)`: only tensor operands, all given.
        if bound.takesOnlyOperands && s.top == Int32(bound.params.count)
            && !(1...Swift.max(s.top, 1)).contains(where: { s.isNoneOrNil($0) }) {
            func operand(_ k: Int) throws -> Tensor {
                let i = Int32(k + 1), kind = bound.params[k].kind
                if let t = s.tensor(i) { return t }
                if kind == .tensorOrNumber, let n = s.scalar(i) { return try Tensor.wrapping(n) }
                throw LuaError.badArgument(i, bound.name, expected: kind == .tensor ? "Tensor" : "Tensor or number", got: s.typeName(i))
            }
            // One and two operands go inline (no array per call).
            let inputs = switch s.top {
            case 1: OpInputs(try operand(0))
            case 2: OpInputs(try operand(0), try operand(1))
            default: OpInputs(try (0..<Int(s.top)).map(operand))
            }
            return OpBindings.pushResult(try op.apply(inputs), of: op, s)
        }
        let (inputs, args) = try ArgumentBinder(stack: s, function: bound.name).bind(bound)
        let generator = bound.drawsRandomNumbers ? try GeneratorObject.keyword(s, function: bound.name) : nil
        if bound.returnsSeveral {
            let results = try GeneratorObject.drawing(from: generator) { try op.applyAll(inputs, args) }
            guard lua_checkstack(s.L, Int32(clamping: results.count + 1)) != 0 else {
                throw LuaError("\(bound.name)(): too many results (\(results.count)) for the Lua stack")
            }
            for (k, r) in results.enumerated() {
                s.push(bound.positionResults.contains(k) ? try r.add(Tensor.number(1)) : r)
            }
            return Int32(results.count)
        }
        let result = try GeneratorObject.drawing(from: generator) { try op.apply(inputs, args) }
        return OpBindings.pushResult(result, of: op, s)
    }

    /// The first overload whose tensor parameters all receive tensors (the last one otherwise).
    private static func resolve(_ overloads: [BoundOp], _ s: LuaStack) -> BoundOp {
        for bound in overloads.dropLast() {
            var position: Int32 = 1
            var fits = true
            for p in bound.params where !p.keywordOnly {
                if p.kind == .tensor && s.tensor(position) == nil { fits = false; break }
                position += 1
            }
            if fits { return bound }
        }
        return overloads[overloads.count - 1]
    }

    /// Pushes an op's result: the receiver itself for in-place ops, a boolean for predicates.
    static func pushResult(_ result: Tensor, of op: Op, _ s: LuaStack) -> Int32 {
        if op.inPlaceBase != nil {
            lua_pushvalue(s.L, 1)
        } else if op.returnsBoolean {
            s.push(result.element(0) != 0)
        } else {
            s.push(result)
        }
        return 1
    }

    /// Binary metamethods (`a + b`, `2 - x`): the datum is the index of the metamethod's plan
    /// (`lg_pushswiftmethod`).
    static let binaryMetamethod: lg_SwiftMethod = { L, plan in
        luaEntry(L) { s in
            BridgeContext.collectBeforeOp(s.L)
            let index = Int(bitPattern: plan)
            // Each operand is handed over to the op (`consume`): kept alive by the stack slot
            // it came from, it is retained once, where a copy per use retained it twice. The
            // plan is read one op at a time: a copy of the whole plan held all three ops strongly.
            guard let a = s.tensor(1) else {
                let a = try number(s, 1, index)
                let b = try s.checkTensor(2, OpBindings.shared.metamethods[index].name)
                let op = OpBindings.shared.plans[index].numberTensor
                s.push(try OpBindings.shared.plans[index].swapsNumber ? op.apply(b, a) : op.apply(a, b))
                return 1
            }
            guard let b = s.tensor(2) else {
                s.push(try OpBindings.shared.plans[index].tensorNumber.apply(consume a, try number(s, 2, index)))
                return 1
            }
            s.push(try OpBindings.shared.plans[index].tensorTensor.apply(consume a, consume b))
            return 1
        }
    }

    /// Operand `i` of the metamethod with plan `plan`, already found not to be a (live)
    /// tensor: a number, wrapped (testing for a tensor again cost two Lua calls per `x * 2`).
    private static func number(_ s: LuaStack, _ i: Int32, _ plan: Int) throws -> Tensor {
        if let n = s.scalar(i) { return try Tensor.wrapping(n) }
        throw LuaError("attempt to perform arithmetic on a \(s.typeName(i)) value (\(OpBindings.shared.metamethods[plan].name))")
    }

    /// `-x`.
    static let unaryMinus: lg_SwiftFunction = { L in
        luaEntry(L) { s in
            BridgeContext.collectBeforeOp(s.L)
            s.push(try s.checkTensor(1, "__unm").neg())
            return 1
        }
    }
}

/// The ops a binary metamethod runs: for tensor op tensor, tensor op number, number op tensor.
///
/// The ops are held unowned: they are the op table's constants, alive for the whole process,
/// and reading a plan per `a * b` retained and released all three. The metamethod's name stays
/// in `OpBindings.metamethods` (read for error messages only): a plan holds no reference, so
/// reading one per operator copies a few words.
struct MetamethodPlan: Sendable {
    unowned(unsafe) let tensorTensor: Op
    unowned(unsafe) let tensorNumber: Op
    unowned(unsafe) let numberTensor: Op
    /// Whether `number op tensor` passes the operands swapped (`2 + x` runs `add(x, 2)`).
    let swapsNumber: Bool

    init(name: String, group: [Op], groups: [[Op]], index: [String: Int]) {
        func first(_ ops: [Op], _ fits: (Signature) -> Bool) -> Op { ops.first { fits($0.signature) } ?? ops[0] }
        let declaring = group.first { $0.signature.metamethods.contains(name) } ?? group[0]
        tensorTensor = first(group) { $0.params.count >= 2 && $0.params[1].kind == .tensor }
        tensorNumber = first(group) { $0.params.count >= 2 && $0.params[0].kind == .tensor && $0.params[1].kind == .tensorOrNumber }
        switch declaring.signature.reflection {
        case .wrapNumber:
            numberTensor = first(group) { $0.params.first?.kind == .tensorOrNumber } 
            swapsNumber = false
        case .commutative:
            numberTensor = tensorNumber
            swapsNumber = true
        case .swappedOp(let other):
            numberTensor = index[other].map { groups[$0][0] } ?? tensorNumber
            swapsNumber = true
        }
    }
}
