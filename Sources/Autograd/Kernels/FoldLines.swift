/// Reductions whose outputs fold their own elements in order, split over threads by output.
///
/// `reduce` takes its fold as closures: inlined where it runs on the calling thread, but a
/// closure handed to a worker stays an indirect call per element (var(2) of 256 lines of 1024
/// ran slower on two threads than on one that way). A `LineFold` is a type, as the element-wise
/// kernels' functions are, so the workers' loops are specialized for it.
protocol LineFold {
    associatedtype Element: TensorElement
    associatedtype Result: TensorElement
    /// One output from the `count` elements `element(0) ..< element(count)`, folded in order.
    func callAsFunction(_ count: Int, _ element: (Int) -> Element) -> Result
}

extension Tensor {
    /// Folds the elements over `dims` into each output element with `fold`, outputs split over
    /// the worker threads when the tensor is large. Each output folds its elements in the same
    /// order (the reduced dims' row-major order) however the outputs are split, so the split
    /// changes no bits.
    func foldLines<F: LineFold>(dims: [Int], keepdim: Bool, into dtype: DType, _ fold: F) throws -> Tensor {
        let out = try Tensor.empty(reducedShape(dims, keepdim: keepdim), dtype: dtype)
        let (keptShape, keptStrides, redShape, redStrides) = splitDims(dims)
        let count = Shapes.numel(redShape) ?? 0
        if keptShape.isEmpty && isContiguous {
            // Everything of a contiguous tensor (`x:var()`): one line, no offsets to build.
            let src = pointer(F.Element.self)
            out.pointer(F.Result.self).pointee = fold(count) { src[$0] }
            return out
        }
        var starts: [Int] = [], offsets: [Int] = []
        starts.reserveCapacity(out.numel)
        offsets.reserveCapacity(count)
        StridedLoop.run(keptShape, keptStrides, keptStrides) { base, _ in starts.append(base) }
        StridedLoop.run(redShape, redStrides, redStrides) { r, _ in offsets.append(r) }
        // A unit-stride line (the last dim of a contiguous tensor) reads without the offsets.
        let unit = offsets.indices.allSatisfy { offsets[$0] == $0 }
        let src = pointer(F.Element.self), dst = out.pointer(F.Result.self)
        starts.withUnsafeBufferPointer { starts in
            offsets.withUnsafeBufferPointer { offsets in
                Parallel.lines(starts.count, elements: numel) { lines in
                    for l in lines {
                        let line = src + starts[l]
                        dst[l] = unit ? fold(count) { line[$0] } : fold(count) { line[offsets[$0]] }
                    }
                }
            }
        }
        return out
    }
}
