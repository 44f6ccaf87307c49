import Autograd

/// What a call of one op from Lua reads of its signature, worked out once.
///
/// The binding reads the op's name, parameters and result layout on every call; reading them
/// off `op.signature` copied the whole signature (a retain and a release of each of its
/// arrays) per call, a twentieth of `x:sum()`.
final class BoundOp: Sendable {
    /// The op: a table constant, alive for the whole process.
    unowned(unsafe) let op: Op
    /// The canonical Lua name, as error messages give it.
    let name: String
    let params: [Param]
    /// Whether every parameter is a positional tensor operand and the op has one result: the
    /// binding's quickest path (`torch.sin(x)`, `x:mul(y)`).
    let takesOnlyOperands: Bool
    let drawsRandomNumbers: Bool
    /// Results that hold 0-based positions (`Signature.positionResults`).
    let positionResults: [Int]
    /// Whether the call returns several values (extra outputs or positions).
    let returnsSeveral: Bool
    /// The arguments of a call that leaves every parameter out, when each parameter keeps one
    /// place in the arguments whether given or not (then a call without keywords starts from
    /// this array and writes the given ones in: no array built per call); nil otherwise.
    let argumentsLeftOut: [Arg]?
    /// For each parameter, its place in the arguments (-1 for one that only gives inputs).
    let argumentPlaces: [Int]

    init(_ op: Op) {
        let signature = op.signature
        self.op = op
        name = signature.names[0]
        params = signature.params
        takesOnlyOperands = op.takesOnlyOperands && op.extraOutputs == 0
        drawsRandomNumbers = signature.drawsRandomNumbers
        positionResults = signature.positionResults
        returnsSeveral = op.extraOutputs > 0 || !signature.positionResults.isEmpty
        (argumentsLeftOut, argumentPlaces) = BoundOp.layout(signature.params)
    }

    /// The arguments of a call leaving every parameter out, and each parameter's place among
    /// them, when the places are fixed (see `argumentsLeftOut`).
    ///
    /// `ArgumentBinder.bind` appends, per parameter: for an optional tensor, `.bool(true)` when
    /// given and its default when not; for an input of other kinds, nothing when given but its
    /// default when left out (so such a parameter with a default has no fixed place); for a
    /// sizes parameter, one value gathered from several positions (left to the general path);
    /// for any other kind, one value either way. A required parameter left out is an error, so
    /// its place holds `.absent` that no call sees.
    private static func layout(_ params: [Param]) -> ([Arg]?, [Int]) {
        var arguments: [Arg] = []
        var places: [Int] = []
        for p in params {
            switch p.kind {
            case .sizes, .tensorList, .data, .positions, .labels:
                return (nil, [])
            case .tensorOrNumber:
                if p.defaultValue != nil { return (nil, []) }
                places.append(-1)
            case .tensor where p.defaultValue == nil:
                places.append(-1)
            default:
                places.append(arguments.count)
                arguments.append(p.defaultValue ?? .absent)
            }
        }
        return (arguments, places)
    }
}
