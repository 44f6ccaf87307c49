/// How an op's grad_fn name depends on the call (`Op.gradFnOverload`): PyTorch numbers the
/// overloads of one op (`SumBackward0` for `sum()`, `SumBackward1` for `sum(dim)`).
///
/// Most depend only on whether an argument was given, which the node's own arguments still
/// say when `grad_fn.name` is read: recording them decides nothing. A closure over the call,
/// run as each node was recorded, copied the whole call (a retain and a release of every
/// operand and array in it) per recorded `sum()` or `mean()`, taken as a value or read through
/// a pointer alike (twelfth round); a `borrowing OpCall` parameter crashes the compiler
/// (Swift 6.3.1, eleventh round).
enum GradFnOverload: Sendable {
    /// `absent` unless the argument `parameter` was given, then `given`.
    case argumentGiven(String, absent: String, given: String)
    /// Decided from the call when the node is recorded (`remainder` reads an operand).
    case custom(@Sendable (UnsafePointer<OpCall>) -> String)

    /// The position of the argument an `argumentGiven` overload reads, -1 for none.
    func position(among names: [String]) -> Int {
        guard case .argumentGiven(let parameter, _, _) = self else { return -1 }
        return names.firstIndex(of: parameter) ?? -1
    }

    /// The name of a node whose arguments are `args` (nil for a `custom` overload).
    func name(args: [Arg], position: Int) -> String? {
        guard case .argumentGiven(_, let absent, let given) = self else { return nil }
        return position >= 0 && position < args.count && !args[position].isAbsent ? given : absent
    }

    /// A `custom` overload's name for `call` (nil for the others).
    func customName(of call: borrowing OpCall) -> String? {
        guard case .custom(let overload) = self else { return nil }
        return withUnsafePointer(to: call) { overload($0) }
    }
}
