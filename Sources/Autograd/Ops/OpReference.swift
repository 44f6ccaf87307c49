/// The op reference (`docs/reference/ops.md`) and the text of `help()`, rendered from `OpTable`.
///
/// Nothing here restates what an op does: names, usage, metamethods, doc lines and grad_fn
/// names all come from the table, so the reference cannot drift from the bindings. Only the
/// section titles are declared here (the table has no field for them).
public enum OpReference {
    // MARK: - Sections

    /// A family of bound ops, as `OpTable.all` groups them.
    public struct Section: Sendable {
        public let title: String
        public let ops: [Op]
    }

    /// Each section's title and the op that opens it, in table order. An op added to the table
    /// joins the section it is listed in; a new family in `OpTable.all` gets its own
    /// heading with a line here (until then its ops are listed under "More ops"). A section whose
    /// first op moved would merge into the previous one, which `OpReferenceTests` catches.
    static let sectionStarts: [(title: String, first: Op)] = [
        ("Creation", Ops.tensor),
        ("Arithmetic", Ops.add),
        ("Element-wise functions", Ops.exp),
        ("Reductions", Ops.sum),
        ("Linear algebra", Ops.dot),
        ("Shape and views", Ops.view),
        ("Comparison", Ops.eq),
        (inPlaceTitle, Ops.addInPlace),
        ("Layout and indexing", Ops.transpose),
        ("More creation and random numbers", Ops.linspace),
        ("Math", Ops.log1p),
    ]

    private static let inPlaceTitle = "In-place"
    /// The heading of ops that follow the in-place section without a section of their own.
    static let moreTitle = "More ops"

    /// `OpTable.bound` split into its families, in order.
    public static var sections: [Section] {
        var result: [Section] = []
        var title = "Ops"
        var ops: [Op] = []
        for op in OpTable.bound {
            var next = sectionStarts.first(where: { $0.first === op })?.title
            if next == nil, title == inPlaceTitle, op.inPlaceBase == nil { next = moreTitle }
            if let next {
                if !ops.isEmpty { result.append(Section(title: title, ops: ops)) }
                title = next
                ops = []
            }
            ops.append(op)
        }
        if !ops.isEmpty { result.append(Section(title: title, ops: ops)) }
        return result
    }

    /// Whether the op's forward pass is built from other table ops: it records no node of its
    /// own, and its results carry the grad_fn of the op that ran last (`matmul` of two matrices
    /// gives `MmBackward0`). The table says so by giving samples (for the gradcheck test) to an
    /// op without a backward formula.
    public static func isComposite(_ op: Op) -> Bool {
        !op.isDifferentiable && op.inPlaceBase == nil
            && (!op.samples.isEmpty || compositeWithoutSamples.contains(op.name))
    }

    /// Composite ops that have no samples yet; `OpReferenceTests` fails once one gets them, so
    /// this list only shrinks.
    static let compositeWithoutSamples: Set<String> = ["contiguous"]

    // MARK: - Facts about one op

    /// How scripts call the op: its `torch.sum(input, ...)` and `input:sum(...)` forms (aliases
    /// are called the same way).
    public static func callForms(_ op: Op) -> [String] {
        let signature = op.signature
        let (all, rest) = argumentTexts(signature.usage)
        let receiver = signature.params.first?.name ?? "x"
        let name = signature.names[0]
        var forms: [String] = []
        switch signature.exposure {
        case .functionAndMethod:
            forms.append("torch.\(name)(\(all))")
            forms.append("\(receiver):\(name)(\(rest))")
        case .function: forms.append("torch.\(name)(\(all))")
        case .method: forms.append("\(receiver):\(name)(\(rest))")
        case .nn: forms.append("torch._C._nn.\(name)(\(all))")
        case .internal: break
        }
        return forms
    }

    /// The op's other Lua names (`subtract` for `sub`).
    public static func aliases(_ op: Op) -> [String] { Array(op.signature.names.dropFirst()) }

    /// The Lua expressions that run the op through a metamethod: `a + b`, `-a`.
    public static func operators(_ op: Op) -> [String] {
        op.signature.metamethods.compactMap { operatorText[$0] }
    }

    /// What happens when a number is on the left of the op's operator (`2 - x`), if anything
    /// worth saying.
    public static func reflectionNote(_ op: Op) -> String? {
        guard let meta = op.signature.metamethods.first(where: { $0 != "__unm" }),
              let symbol = operatorSymbol[meta] else { return nil }
        switch op.signature.reflection {
        case .wrapNumber: return nil
        case .commutative: return "`2 \(symbol) x` is `x \(symbol) 2`"
        case .swappedOp(let other): return "`2 \(symbol) x` runs `\(other)(x, 2)`"
        }
    }

    /// What a call returns when it is more than one value, or holds positions (`argmax`).
    public static func resultsNote(_ op: Op) -> String? {
        let variadic = op.extraOutputs == Ops.variadicOutputs
        let count = variadic ? 2 : 1 + op.extraOutputs
        let positions = op.signature.positionResults.map { String($0 + 1) }
        var parts: [String] = []
        if variadic { parts.append("one result per piece (multiple return values)") }
        else if count > 1 { parts.append("\(count) results (multiple return values)") }
        if !positions.isEmpty {
            let which = count > 1 ? "result \(positions.joined(separator: ", ")) holds" : "the result holds"
            parts.append("\(which) 1-based positions")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// The grad_fn line: PyTorch's node name, or why there is none.
    public static func gradientText(_ op: Op) -> String {
        if let name = op.gradFnName {
            return op.gradFnOverload == nil ? "`\(name)`" : "`\(name)` (the name's number depends on the arguments, as in PyTorch)"
        }
        if isComposite(op) { return "that of the ops it is built from (composite)" }
        return "not differentiable"
    }

    /// The text `help(f)` prints for one op: usage, doc line, forms, operators and grad_fn.
    public static func helpText(_ op: Op) -> String {
        var lines = [op.signature.usage, "    " + op.doc]
        lines.append("    Lua: " + callForms(op).joined(separator: ", "))
        if !aliases(op).isEmpty { lines.append("    Aliases: " + aliases(op).joined(separator: ", ")) }
        let ops = operators(op)
        if !ops.isEmpty {
            var line = "    Operator: " + ops.joined(separator: ", ")
            if let note = reflectionNote(op) { line += " (\(note.replacingBackticks()))" }
            lines.append(line)
        }
        if let note = resultsNote(op) { lines.append("    Returns: " + note) }
        lines.append("    grad_fn: " + gradientText(op).replacingBackticks())
        return lines.joined(separator: "\n")
    }

    // MARK: - The reference page

    /// `docs/reference/ops.md`.
    public static func markdown() -> String {
        var out = """
            # Op reference

            <!-- Generated from OpTable.all by scripts/gen-docs. Do not edit by hand. -->

            Every op in LuaGrad's op table, in the table's order. Each entry gives the usage line
            that `help()` prints, the Lua call forms (a trailing `{...}` holds keyword arguments),
            the operators that run the op, its doc line and the grad_fn its results carry. Dims
            and positions are 1-based; `-1` is the last. Tensor methods and functions that are
            not ops (`backward`, `item`, `no_grad`, ...) are in [the Lua API](../lua-api.md).


            """
        for section in sections {
            let names = uniqueNames(section.ops).map { "[`\($0)`](#\(anchor($0)))" }
            out += "- **\(section.title)**: \(names.joined(separator: ", "))\n"
        }
        for section in sections {
            out += "\n## \(section.title)\n"
            var seen: Set<String> = []
            for op in section.ops where seen.insert(op.signature.names[0]).inserted {
                let overloads = section.ops.filter { $0.signature.names[0] == op.signature.names[0] }
                out += "\n### \(op.signature.names[0])\n"
                for overload in overloads { out += "\n" + entry(overload) }
            }
        }
        out += """

            ## Internal ops

            The graph also records these ops, which scripts do not call directly; their grad_fn
            names appear when printing results of indexing and in-place writes.

            | op | grad_fn | what it does |
            |----|---------|--------------|

            """
        for op in OpTable.internalOps {
            out += "| `\(op.name)` | \(op.gradFnName.map { "`\($0)`" } ?? "none") | \(op.doc) |\n"
        }
        return out
    }

    /// One op's entry: usage, doc line, then a list of facts.
    private static func entry(_ op: Op) -> String {
        var text = "```lua\n\(op.signature.usage)\n```\n\n\(op.doc)\n\n"
        text += "- Lua: " + callForms(op).map { "`\($0)`" }.joined(separator: ", ") + "\n"
        if !aliases(op).isEmpty {
            text += "- Aliases: " + aliases(op).map { "`\($0)`" }.joined(separator: ", ") + "\n"
        }
        let ops = operators(op)
        if !ops.isEmpty {
            text += "- Operator: " + ops.map { "`\($0)`" }.joined(separator: ", ")
            if let note = reflectionNote(op) { text += " (\(note))" }
            text += "\n"
        }
        if let note = resultsNote(op) { text += "- Returns: \(note)\n" }
        if let base = op.inPlaceBase {
            text += "- In place: writes the result of `\(base.name)` into the tensor and returns the tensor\n"
        }
        text += "- grad_fn: \(gradientText(op))\n"
        return text
    }

    // MARK: - Helpers

    private static let operatorSymbol: [String: String] = [
        "__add": "+", "__sub": "-", "__mul": "*", "__div": "/", "__mod": "%", "__idiv": "//", "__pow": "^",
    ]

    private static let operatorText: [String: String] = {
        var texts = operatorSymbol.mapValues { "a \($0) b" }
        texts["__unm"] = "-a"
        return texts
    }()

    /// The argument list of a usage line (`torch.f(ARGS) -> T`), whole and without its first
    /// argument (the receiver of the method form).
    private static func argumentTexts(_ usage: String) -> (all: String, rest: String) {
        let chars = Array(usage)
        guard let open = chars.firstIndex(of: "("), let close = chars.lastIndex(of: ")"), open < close else {
            return ("", "")
        }
        let all = String(chars[(open + 1)..<close])
        let parts = all.split(separator: ",", maxSplits: 1)
        guard parts.count == 2 else { return (all, "") }
        return (all, String(parts[1].drop(while: { $0 == " " })))
    }

    private static func uniqueNames(_ ops: [Op]) -> [String] {
        var seen: Set<String> = []
        return ops.map { $0.signature.names[0] }.filter { seen.insert($0).inserted }
    }

    /// GitHub's heading anchor for an op name (`add_` stays `add_`).
    private static func anchor(_ name: String) -> String {
        name.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }
}

extension String {
    /// The text without Markdown code backticks, for the terminal.
    fileprivate func replacingBackticks() -> String { filter { $0 != "`" } }
}
