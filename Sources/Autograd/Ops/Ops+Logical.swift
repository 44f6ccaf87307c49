/// Logical ops and classification: logical_or, logical_xor, logical_not, isnan, isinf.
extension Ops {
    // MARK: - Logical ops and classification

    static let logicalOr = Op(
        "logical_or", Signature(["logical_or"], [.tensor(), .operand()], returns: "BoolTensor"),
        doc: "Element-wise logical OR of the truth values.",
        forward: { call in
            let a = try call.inputs[0].converted(to: .bool), b = try call.inputs[1].converted(to: .bool)
            return try Tensor.arithmetic(a, b, dtype: .bool, op: "logical_or", LogicalOrKernel())
        })

    struct LogicalOrKernel: LogicalKernel {
        func bool(_ a: Bool, _ b: Bool) -> Bool { a || b }
    }

    static let logicalXor = Op(
        "logical_xor", Signature(["logical_xor"], [.tensor(), .operand()], returns: "BoolTensor"),
        doc: "Element-wise logical exclusive OR of the truth values.",
        forward: { call in
            let a = try call.inputs[0].converted(to: .bool), b = try call.inputs[1].converted(to: .bool)
            return try Tensor.arithmetic(a, b, dtype: .bool, op: "logical_xor", LogicalXorKernel())
        })

    struct LogicalXorKernel: LogicalKernel {
        func bool(_ a: Bool, _ b: Bool) -> Bool { a != b }
    }

    static let logicalNot = Op(
        "logical_not", Signature(["logical_not"], [.tensor()], returns: "BoolTensor"),
        doc: "Element-wise logical NOT: true where the element is zero (or false).",
        forward: { call in try Tensor.classify(call.inputs[0], LogicalNotKernel()) })

    struct LogicalNotKernel: PredicateKernel {
        func float<T: FloatElement>(_ x: T) -> Bool { x == 0 }
        func int(_ x: Int64) -> Bool { x == 0 }
        func bool(_ x: Bool) -> Bool { !x }
    }

    static let isnan = Op(
        "isnan", Signature(["isnan"], [.tensor()], returns: "BoolTensor"),
        doc: "True where the element is NaN.",
        forward: { call in try Tensor.classify(call.inputs[0], IsNaNKernel()) })

    struct IsNaNKernel: PredicateKernel {
        func float<T: FloatElement>(_ x: T) -> Bool { x.isNaN }
        func int(_ x: Int64) -> Bool { false }
        func bool(_ x: Bool) -> Bool { false }
    }

    static let isinf = Op(
        "isinf", Signature(["isinf"], [.tensor()], returns: "BoolTensor"),
        doc: "True where the element is positive or negative infinity.",
        forward: { call in
            try Tensor.classify(call.inputs[0], IsInfKernel())
        })

    struct IsInfKernel: PredicateKernel {
        func float<T: FloatElement>(_ x: T) -> Bool { x.isInfinite }
        func int(_ x: Int64) -> Bool { false }
        func bool(_ x: Bool) -> Bool { false }
    }
}
