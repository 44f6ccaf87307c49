/// How scripts call an op: its Lua names, where it is exposed and the parameters it takes.
///
/// Bindings are generated from this description, and `help()` and the reference docs print it.
public struct Signature: Sendable {
    /// Names in the `torch` table and/or as tensor methods; the first is canonical.
    public var names: [String]
    /// Where the op is reachable.
    public var exposure: Exposure
    /// The parameters, in positional order.
    public var params: [Param]
    /// Lua metamethods that call this op (`__add`).
    public var metamethods: [String]
    /// What the op returns, for docs.
    public var returns: String
    /// What `number op tensor` runs for a metamethod of this op.
    public var reflection: Reflection = .wrapNumber
    /// Results (0 is the main one, then extra outputs) that hold 0-based positions, which the
    /// Lua binding shows 1-based (`argmax`, the indices of `max(x, dim)`, `sort`).
    public var positionResults: [Int] = []
    /// Whether the op draws random numbers, and so takes a `generator` keyword (a script's
    /// `torch.Generator`, used instead of the thread's generator for the call).
    public var drawsRandomNumbers = false

    /// An op reachable as `torch.name(...)` and `x:name(...)`.
    public init(_ names: [String], _ params: [Param], metamethods: [String] = [], returns: String = "Tensor") {
        self.init(names, .functionAndMethod, params, metamethods: metamethods, returns: returns)
    }

    public init(_ names: [String], _ exposure: Exposure, _ params: [Param],
                metamethods: [String] = [], returns: String = "Tensor") {
        self.names = names
        self.exposure = exposure
        self.params = params
        self.metamethods = metamethods
        self.returns = returns
    }

    /// Whether every parameter is a positional tensor operand (the binding's fast path).
    public var takesOnlyOperands: Bool {
        params.allSatisfy { !$0.keywordOnly && ($0.kind == .tensor || $0.kind == .tensorOrNumber) }
    }

    /// This signature with `reflection` set.
    public func reflected(_ reflection: Reflection) -> Signature {
        var copy = self
        copy.reflection = reflection
        return copy
    }

    /// This signature with `positionResults` set.
    public func returningPositions(_ results: [Int]) -> Signature {
        var copy = self
        copy.positionResults = results
        return copy
    }

    /// This signature marked as drawing random numbers (it accepts `{generator=g}`).
    public func drawingRandomNumbers() -> Signature {
        var copy = self
        copy.drawsRandomNumbers = true
        return copy
    }

    /// The Lua call form shown by `help()`: `torch.sum(input, dim=nil, {keepdim=false})`.
    public var usage: String {
        var positional: [String] = []
        var keywords: [String] = []
        for p in params {
            if p.keywordOnly {
                keywords.append("\(p.name)=\(p.defaultText ?? "?")")
            } else if let d = p.defaultText {
                positional.append("\(p.name)=\(d)")
            } else {
                positional.append(p.kind == .sizes ? "\(p.name)..." : p.name)
            }
        }
        if drawsRandomNumbers { keywords.append("generator=nil") }
        if !keywords.isEmpty { positional.append("{" + keywords.joined(separator: ", ") + "}") }
        // Method-only ops read as the Tensor method they are; `help` adds the call form.
        let prefix = exposure == .method ? "Tensor." : exposure == .nn ? "torch._C._nn." : "torch."
        return "\(prefix)\(names[0])(\(positional.joined(separator: ", "))) -> \(returns)"
    }
}

/// Where an op is reachable from Lua.
public enum Exposure: Sendable {
    /// `torch.f(x, ...)` and `x:f(...)`.
    case functionAndMethod
    /// `torch.f(...)` only (creation ops).
    case function
    /// `x:f(...)` only.
    case method
    /// `torch._C._nn.f(...)` only: functions PyTorch keeps out of `torch` (`mse_loss`,
    /// `one_hot`, `gelu`), which `torch.nn.functional` wraps with PyTorch's arguments.
    case nn
    /// Not reachable from Lua: an op the graph records for gradients of views and in-place
    /// writes, or one that other ops and `Tensor` methods run (`OpTable.internalOps`).
    case `internal`
}

/// One parameter of an op.
public struct Param: Sendable {
    public let name: String
    public let kind: ParamKind
    /// The value used when the argument is absent; nil makes the parameter required.
    public let defaultValue: Arg?
    /// Only accepted in the trailing keyword table (`{keepdim=true}`).
    public let keywordOnly: Bool

    public init(_ name: String, _ kind: ParamKind, default defaultValue: Arg? = nil,
                keywordOnly: Bool = false) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.keywordOnly = keywordOnly
    }

    var defaultText: String? {
        guard let defaultValue else { return nil }
        switch defaultValue {
        case .absent: return "nil"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .ints(let v): return "{" + v.map(String.init).joined(separator: ", ") + "}"
        case .dtype(let t): return t.description
        case .scalar(let s): return String(s.doubleValue)
        case .string(let s): return "\"\(s)\""
        }
    }

    // MARK: - Shorthands for the op table

    public static func tensor(_ name: String = "input") -> Param { Param(name, .tensor) }
    public static func operand(_ name: String = "other") -> Param { Param(name, .tensorOrNumber) }
    public static func keyword(_ name: String, _ kind: ParamKind, _ value: Arg) -> Param {
        Param(name, kind, default: value, keywordOnly: true)
    }
}

/// The kinds of values a parameter takes; the binder converts script values accordingly.
public enum ParamKind: Sendable, Equatable {
    /// A tensor. An optional one (with a default) leaves an argument either way: `.absent`
    /// when not given, `.bool(true)` when given (the tensor itself goes to the inputs).
    case tensor
    /// A tensor, or a number wrapped as a 0-d tensor that promotes like a Python scalar.
    case tensorOrNumber
    /// A number given as a scalar argument (`fill_(value)`).
    case number
    /// An integer.
    case int
    /// A position along a dimension: 1-based in Lua, negative counts from the end.
    case index
    /// A float.
    case double
    /// A boolean.
    case bool
    /// A dimension: 1-based in Lua, negative counts from the end.
    case dim
    /// One dimension or a list of them; nil means all.
    case dims
    /// Sizes as varargs or a table: `zeros(2, 3)`, `zeros{2, 3}`.
    case sizes
    /// A dtype (`torch.float64`).
    case dtype
    /// A list of tensors (`cat{a, b}`), all passed as inputs.
    case tensorList
    /// An int64 tensor of positions along a dim (`index_select`, `gather`): 1-based in Lua.
    case positions
    /// Nested tables of numbers or booleans (`torch.tensor{{1, 2}, {3, 4}}`), passed as an input.
    case data
    /// An int64 tensor of class labels (`nll_loss`, `one_hot`): 1-based in Lua, so label 1 is
    /// the first class; tensors of other dtypes pass unchanged for the op to judge.
    case labels
    /// One class label (`ignore_index`): 1-based in Lua, like `labels`.
    case label
    /// A string (`approximate="tanh"`).
    case string
}

/// How a binary metamethod treats a number on its left (`2 - x`).
public enum Reflection: Sendable {
    /// The number becomes a wrapped 0-d tensor in the first position.
    case wrapNumber
    /// The operands are swapped (`2 + x` is `x + 2`).
    case commutative
    /// Another op runs with the operands swapped (`2 - x` is `rsub(x, 2)`).
    case swappedOp(String)
}
