/// Reading an op's non-tensor arguments by the parameter names its `Signature` declares.
///
/// `call.int("dim")` finds the parameter's position among the op's arguments (`Op.argumentNames`,
/// resolved once when the op is declared), and returns the argument there, or the declared
/// default when the caller left it out. A required argument that is missing, or one of the
/// wrong kind, throws a `TorchError` naming the op and the parameter instead of reading as
/// some made-up default. The `optional...` forms return nil for an absent argument (`dim=nil`).
///
/// The lookup compares the name with each argument name in turn: ops have a handful of
/// arguments and short ASCII names, so it costs a few nanoseconds and no allocation.
public protocol OpArguments {
    /// The op being run or differentiated.
    var op: Op { get }
    /// The non-tensor arguments, in signature order.
    var args: [Arg] { get }
}

extension OpCall: OpArguments {}
extension BackwardContext: OpArguments {
    public var op: Op { node.op }
}

extension OpArguments {
    /// The argument for parameter `name`: the one given, else the declared default (`.absent`
    /// for a required parameter).
    @inline(__always)
    public func arg(_ name: String) throws -> Arg {
        // The length is worked out here, where the name is a literal the compiler folds.
        let k = Unmanaged.passUnretained(op)._withUnsafeGuaranteedRef {
            $0.argumentPosition(of: name, length: name.utf8.count)
        }
        guard k >= 0 else { throw TorchError("\(op.name) has no parameter '\(name)'") }
        if k < args.count, !args[k].isAbsent { return args[k] }
        return Unmanaged.passUnretained(op)._withUnsafeGuaranteedRef { $0.argumentDefaults[k] }
    }

    /// Whether the caller gave parameter `name` (false for an unknown name).
    ///
    /// Inlined: called out of line on the call a `gradFnOverload` reads through its pointer,
    /// the whole call was copied for the call (a retain and release of each reference in it).
    @inline(__always)
    public func isGiven(_ name: String) -> Bool {
        let k = Unmanaged.passUnretained(op)._withUnsafeGuaranteedRef {
            $0.argumentPosition(of: name, length: name.utf8.count)
        }
        return k >= 0 && k < args.count && !args[k].isAbsent
    }

    public func int(_ name: String) throws -> Int {
        let value = try arg(name)
        if case .int(let v) = value { return v }
        throw mismatch(name, value, "an integer")
    }

    public func optionalInt(_ name: String) throws -> Int? {
        let value = try arg(name)
        if value.isAbsent { return nil }
        if case .int(let v) = value { return v }
        throw mismatch(name, value, "an integer")
    }

    public func bool(_ name: String) throws -> Bool {
        let value = try arg(name)
        if case .bool(let v) = value { return v }
        throw mismatch(name, value, "a boolean")
    }

    public func double(_ name: String) throws -> Double {
        let value = try arg(name)
        if let v = value.double { return v }
        throw mismatch(name, value, "a number")
    }

    public func optionalDouble(_ name: String) throws -> Double? {
        let value = try arg(name)
        if value.isAbsent { return nil }
        if let v = value.double { return v }
        throw mismatch(name, value, "a number")
    }

    /// A list of integers (sizes, dims); one integer reads as a list of one.
    public func ints(_ name: String) throws -> [Int] {
        let value = try arg(name)
        if let v = value.ints { return v }
        throw mismatch(name, value, "a list of integers")
    }

    public func optionalInts(_ name: String) throws -> [Int]? {
        let value = try arg(name)
        if value.isAbsent { return nil }
        if let v = value.ints { return v }
        throw mismatch(name, value, "a list of integers")
    }

    /// A dtype; nil when absent (every dtype parameter means "inferred" when left out).
    public func dtype(_ name: String) throws -> DType? {
        let value = try arg(name)
        if value.isAbsent { return nil }
        if let v = value.dtype { return v }
        throw mismatch(name, value, "a dtype")
    }

    public func string(_ name: String) throws -> String {
        let value = try arg(name)
        if case .string(let v) = value { return v }
        throw mismatch(name, value, "a string")
    }

    public func scalar(_ name: String) throws -> Scalar {
        let value = try arg(name)
        if case .scalar(let v) = value { return v }
        throw mismatch(name, value, "a number")
    }

    public func optionalScalar(_ name: String) throws -> Scalar? {
        let value = try arg(name)
        if value.isAbsent { return nil }
        if case .scalar(let v) = value { return v }
        throw mismatch(name, value, "a number")
    }

    private func mismatch(_ name: String, _ value: Arg, _ expected: String) -> TorchError {
        if value.isAbsent { return TorchError("\(op.name)() missing required argument '\(name)'") }
        return TorchError("\(op.name)(): argument '\(name)' must be \(expected), not \(value)")
    }
}

extension ParamKind {
    /// Whether arguments of this kind arrive as tensor inputs rather than in `args`.
    var isTensorInput: Bool {
        switch self {
        case .tensor, .tensorOrNumber, .tensorList, .positions, .data, .labels: true
        default: false
        }
    }
}
