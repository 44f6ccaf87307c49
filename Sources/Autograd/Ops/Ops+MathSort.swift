/// Sorting along a dimension: `sort` and `topk`, with positions as a second result.
///
/// Which of several equal values comes first is PyTorch's: its CPU kernels order (value,
/// position) pairs with libstdc++'s unstable `std::sort`, `nth_element` and `partial_sort`,
/// which `LibstdcxxSelection` replays step for step.
extension Ops {
    static let sort = Op(
        "sort", Signature(["sort"], [
            .tensor(), Param("dim", .dim, default: .int(-1)), Param("descending", .bool, default: .bool(false)),
            .keyword("stable", .bool, .bool(false)),
        ], returns: "Tensor, LongTensor").returningPositions([1]),
        doc: "The values sorted along `dim` (ascending unless `descending`; NaN sorts as largest) and their 1-based positions.",
        gradFn: "SortBackward0", saves: [.aux(0)], extraOutputs: 1,
        samples: [
            OpSample([.tensor([2, 4])], [.int(-1), .bool(false), .bool(false)]),
            OpSample([.tensor([3, 2])], [.int(0), .bool(true), .bool(true)]),
        ],
        forward: { call in
            let (values, indices) = try call.inputs[0].sortKernel(dim: call.int("dim"), descending: call.bool("descending"),
                                                                  stable: try call.bool("stable"))
            call.aux = [indices]
            return values
        },
        backward: { ctx in
            [try Tensor.valueSelectingBackward(ctx.grad, dim: ctx.int("dim"), indices: ctx.saved(0),
                                               sizes: ctx.inputShape(0), keepdim: true)]
        })

    static let topk = Op(
        "topk", Signature(["topk"], [
            .tensor(), Param("k", .int), Param("dim", .dim, default: .int(-1)),
            Param("largest", .bool, default: .bool(true)), Param("sorted", .bool, default: .bool(true)),
        ], returns: "Tensor, LongTensor").returningPositions([1]),
        doc: "The `k` largest (or smallest) values along `dim` and their 1-based positions.",
        gradFn: "TopkBackward0", saves: [.aux(0)], extraOutputs: 1,
        samples: [
            OpSample([.tensor([2, 4])], [.int(2), .int(-1), .bool(true), .bool(true)]),
            OpSample([.tensor([3, 2])], [.int(2), .int(0), .bool(false), .bool(true)]),
        ],
        forward: { call in
            let (values, indices) = try call.inputs[0].topkKernel(k: call.int("k"), dim: call.int("dim"),
                                                                  largest: try call.bool("largest"),
                                                                  sorted: try call.bool("sorted"))
            call.aux = [indices]
            return values
        },
        backward: { ctx in
            [try Tensor.valueSelectingBackward(ctx.grad, dim: ctx.int("dim"), indices: ctx.saved(0),
                                               sizes: ctx.inputShape(0), keepdim: true)]
        })
}

extension Tensor {
    /// A (value, position) pair being ordered.
    private typealias Keyed<T> = (value: T, index: Int)

    /// "Comes first" for (value, position) pairs in ascending (`largestFirst` false) or
    /// descending order; NaN is largest.
    private struct PairOrder<T: TensorElement>: StrictOrder {
        let largestFirst: Bool

        @inline(__always)
        func before(_ x: Keyed<T>, _ y: Keyed<T>) -> Bool {
            if largestFirst { return (x.value.isNaNValue && !y.value.isNaNValue) || T.precedes(y.value, x.value) }
            return (!x.value.isNaNValue && y.value.isNaNValue) || T.precedes(x.value, y.value)
        }
    }

    /// Runs `body` on each line along `d` as an array of (value, position) pairs and writes the
    /// first `count` pairs it leaves to `values` and `indices` (contiguous, `count` long on `d`).
    private func rearrangeLines<T: TensorElement>(_: T.Type, dim d: Int, count: Int, values: Tensor, indices: Tensor,
                                                   _ body: (inout [Keyed<T>]) -> Void) {
        let x = atLeastOneDim
        let size = x.shape[d], step = x.strides[d]
        var outShape = x.shape
        outShape[d] = count
        var kept = Shapes.contiguousStrides(outShape)
        let outStep = kept.remove(at: d)
        let p = x.pointer(T.self), pv = values.pointer(T.self), pi = indices.pointer(Int64.self)
        if x.isContiguous && d == x.ndim - 1 {
            // Lines side by side (`x:sort(2)`, `logits:topk(5, 2)`): split over the pool, each
            // line rearranged whole by one thread (so the same order of ties as one thread).
            Parallel.lines(x.numel / size, length: size) { lines in
                var line = [Keyed<T>](repeating: (p[0], 0), count: size)
                for l in lines {
                    let base = l &* size, o = l &* count
                    Tensor.fill(&line) { i in (p[base &+ i], i) }
                    body(&line)
                    for j in 0..<count {
                        pv[o &+ j] = line[j].value
                        pi[o &+ j] = Int64(line[j].index)
                    }
                }
            }
            return
        }
        var line = [Keyed<T>](repeating: (p[0], 0), count: size)
        x.forEachLine(along: d, outStrides: kept) { base, o in
            Tensor.fill(&line) { i in (p[base + i * step], i) }
            body(&line)
            for j in 0..<count {
                pv[o + j * outStep] = line[j].value
                pi[o + j * outStep] = Int64(line[j].index)
            }
        }
    }

    /// `line[i] = pair(i)` for every `i`. (Appending pair by pair, each append checking the
    /// capacity and storing the count, was a third of `topk`'s time.)
    @inline(__always)
    private static func fill<T>(_ line: inout [Keyed<T>], _ pair: (Int) -> Keyed<T>) {
        line.withUnsafeMutableBufferPointer { b in
            for i in 0..<b.count { b[i] = pair(i) }
        }
    }

    /// `sort`: values and 0-based positions along `dim`.
    func sortKernel(dim: Int, descending: Bool, stable: Bool) throws -> (values: Tensor, indices: Tensor) {
        let d = try Shapes.wrapDim(dim, ndim)
        let values = try Tensor.empty(shape, dtype: dtype), indices = try Tensor.empty(shape, dtype: .int64)
        guard numel > 0 else { return (values, indices) }
        dtype.dispatch(SortLines(source: self, dim: d, values: values, indices: indices,
                                 descending: descending, stable: stable))
        return (values, indices)
    }

    private struct SortLines: ElementDispatch {
        let source: Tensor, dim: Int, values: Tensor, indices: Tensor, descending: Bool, stable: Bool

        func callAsFunction<T: TensorElement>(_: T.Type) {
            let x = source.atLeastOneDim
            // A dim of stride 0 holds one repeated value: PyTorch leaves it, positions in order.
            let unsorted = x.strides[dim] == 0
            let order = PairOrder<T>(largestFirst: descending)
            source.rearrangeLines(T.self, dim: dim, count: x.shape[dim], values: values, indices: indices) { line in
                if unsorted { return }
                if stable {
                    line.sort { order.before($0, $1) || (!order.before($1, $0) && $0.index < $1.index) }
                } else {
                    LibstdcxxSelection.sort(&line, 0, line.count, order)
                }
            }
        }
    }

    /// `topk`: the `k` first values in the chosen order along `dim`, as PyTorch's topk_impl_loop
    /// finds them (`partial_sort` when 64·k ≤ n, else `nth_element` and a `sort` of the first k − 1).
    func topkKernel(k: Int, dim: Int, largest: Bool, sorted: Bool) throws -> (values: Tensor, indices: Tensor) {
        let d = try Shapes.wrapDim(dim, ndim)
        guard dtype != .bool else { throw TorchError("topk does not support bool dtypes on CPU") }
        let size = atLeastOneDim.shape[d]
        guard k >= 0, k <= size else { throw TorchError("selected index k out of range") }
        var outShape = shape
        if ndim > 0 { outShape[d] = k }
        let values = try Tensor.empty(outShape, dtype: dtype), indices = try Tensor.empty(outShape, dtype: .int64)
        guard k > 0, Shapes.numel(outShape) ?? 0 > 0 else { return (values, indices) }
        dtype.dispatch(TopLines(source: self, dim: d, k: k, values: values, indices: indices,
                                largest: largest, sorted: sorted))
        return (values, indices)
    }

    private struct TopLines: ElementDispatch {
        let source: Tensor, dim: Int, k: Int, values: Tensor, indices: Tensor, largest: Bool, sorted: Bool

        func callAsFunction<T: TensorElement>(_: T.Type) {
            let order = PairOrder<T>(largestFirst: largest)
            source.rearrangeLines(T.self, dim: dim, count: k, values: values, indices: indices) { line in
                let n = line.count
                if k * 64 <= n {
                    LibstdcxxSelection.partialSort(&line, 0, k, n, order)
                } else {
                    LibstdcxxSelection.nthElement(&line, 0, k - 1, n, order)
                    if sorted { LibstdcxxSelection.sort(&line, 0, k - 1, order) }
                }
            }
        }
    }
}
