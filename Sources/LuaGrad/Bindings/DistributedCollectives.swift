import Autograd
import CLua
import CLuaShim
import CMPIShim

/// The collectives and point-to-point operations of `torch.distributed._C`.
///
/// Each runs an MPI operation on MPI_COMM_WORLD and returns the number of a `DistributedWork`.
/// The last argument, `async`, says whether it is started non-blocking (`async_op`, and DDP's
/// buckets) or runs blocking: Open MPI's blocking collectives move large buffers about twice
/// as fast as its non-blocking ones, but cannot be interrupted by the host's time limit (see
/// `DistributedWork.wait`). Arguments arrive checked by `distributed.lua` and are checked again
/// here, since a wrong buffer size would let MPI write past a tensor.
enum DistributedCollectives {
    static let functions: [(String, lg_SwiftFunction)] = [
        ("all_reduce", allReduce), ("broadcast", broadcast), ("reduce", reduce), ("all_gather", allGather),
        ("gather", gather), ("scatter", scatter), ("reduce_scatter", reduceScatter), ("barrier", barrier),
        ("send", send), ("recv", recv),
    ]

    // MARK: - Arguments

    /// Runs `body` as `DistributedFunctions.locked` does, once the default process group exists.
    private static func collective(_ L: OpaquePointer?, _ body: (LuaStack) throws -> Int32) -> Int32 {
        DistributedFunctions.locked(L) { s in
            guard DistributedRuntime.isInitialized else {
                throw LuaError("Default process group has not been initialized, please make sure to call init_process_group.")
            }
            return try body(s)
        }
    }

    /// The tensor at 1, which MPI reads and overwrites with the result, staged, and its count.
    private static func inPlace(_ s: LuaStack, _ function: String) throws -> (Tensor, MPIBuffer, Int32) {
        let t = try s.checkTensor(1, function)
        let buffer = try MPIBuffer(t)
        return (t, buffer, try buffer.count(function))
    }

    /// A reduction: MPI's operator, and whether the result is then divided by the world size
    /// (AVG). On bool tensors SUM is a logical or and PRODUCT a logical and, as in PyTorch.
    private static func reduction(_ s: LuaStack, _ i: Int32, dtype: DType, _ function: String) throws -> (lg_mpi_op, average: Bool) {
        let name = s.string(i) ?? "SUM"
        switch name {
        case "SUM": return (dtype == .bool ? LG_MPI_MAX : LG_MPI_SUM, false)
        case "PRODUCT": return (dtype == .bool ? LG_MPI_MIN : LG_MPI_PROD, false)
        case "MIN": return (LG_MPI_MIN, false)
        case "MAX": return (LG_MPI_MAX, false)
        case "AVG":
            guard dtype.isFloatingPoint else {
                throw LuaError("\(function): ReduceOp.AVG needs a floating-point tensor, got \(dtype)")
            }
            return (LG_MPI_SUM, true)
        default: throw LuaError("\(function): unknown reduce op '\(name)' (SUM, PRODUCT, MIN, MAX or AVG)")
        }
    }

    /// A rank argument: an integer in 0..<world size.
    private static func rank(_ s: LuaStack, _ i: Int32, _ what: String, _ function: String) throws -> Int32 {
        guard let r = s.integer(i), r >= 0, r < Int64(DistributedRuntime.size) else {
            throw LuaError("\(function): \(what) must be a rank from 0 to \(DistributedRuntime.size - 1), got \(s.string(i) ?? s.typeName(i))")
        }
        return Int32(r)
    }

    /// The tensors of the table at `i`: exactly `count` of them, each like `model`.
    private static func list(_ s: LuaStack, _ i: Int32, like model: Tensor, count: Int, _ what: String,
                             _ function: String) throws -> [Tensor] {
        guard s.type(i) == LUA_TTABLE else { throw LuaError.badArgument(i, function, expected: "table of Tensors", got: s.typeName(i)) }
        let tensors = try tensorList(s, i, function, allowNil: false).compactMap { $0 }
        guard tensors.count == count else {
            throw LuaError("\(function): \(what) must hold \(count) tensors (one per rank), got \(tensors.count)")
        }
        for t in tensors where t.dtype != model.dtype || t.numel != model.numel {
            throw LuaError("\(function): every tensor of \(what) must have \(model.numel) elements of \(model.dtype), got \(t.numel) of \(t.dtype)")
        }
        return tensors
    }

    /// gather's and scatter's root (argument 3, named `rootName`) and, on the root only, its
    /// list of one tensor per rank (argument 2); elsewhere the list is empty.
    private static func rootList(_ s: LuaStack, like t: Tensor, _ rootName: String, _ listName: String,
                                 _ function: String) throws -> (root: Int32, tensors: [Tensor]) {
        let root = try rank(s, 3, rootName, function)
        guard root == DistributedRuntime.rank else { return (root, []) }
        return (root, try list(s, 2, like: t, count: Int(DistributedRuntime.size), listName, function))
    }

    /// Runs an operation and registers its work; pushes the work's number. Blocking unless
    /// the argument `async` (the last one, at `asyncIndex`) is true: `body` gets a request to
    /// fill for a started operation, or nil to block, and where a blocking receive writes the
    /// sender's rank.
    private static func start(_ s: LuaStack, _ name: String, asyncIndex: Int32, buffers: [MPIBuffer],
                              completion: ((Int32) throws -> Void)? = nil,
                              _ body: (UnsafeMutablePointer<lg_mpi_request?>?, UnsafeMutablePointer<Int32>) -> Int32) throws -> Int32 {
        var request: lg_mpi_request? = nil
        var sender: Int32 = -1
        let status = s.boolean(asyncIndex) ? body(&request, &sender) : body(nil, &sender)
        guard status == 0 else { throw LuaError("\(name): \(DistributedRuntime.errorText(status))") }
        let work = DistributedWork(name: name, request: request, source: sender, buffers: buffers, completion: completion)
        s.push(DistributedRuntime.register(work))
        return 1
    }

    /// all_gather and gather: `t` goes out as `input`; what arrives fills `gathered`, one slice per
    /// rank, copied into `outputs` once complete (no outputs, and no slices, off gather's root).
    private static func gathering(_ s: LuaStack, _ name: String, _ t: Tensor, into outputs: [Tensor], asyncIndex: Int32,
                                  _ body: (_ input: MPIBuffer, _ gathered: MPIBuffer, _ count: Int32,
                                           _ request: UnsafeMutablePointer<lg_mpi_request?>?) -> Int32) throws -> Int32 {
        let input = try MPIBuffer(input: t)
        let gathered = try MPIBuffer(count: t.numel * outputs.count, dtype: t.dtype)
        let count = try input.count(name)
        _ = try gathered.count(name)
        return try start(s, name, asyncIndex: asyncIndex, buffers: [input, gathered], completion: { _ in
            for (k, output) in outputs.enumerated() { try gathered.copySlice(at: k * t.numel, into: output) }
        }) { request, _ in body(input, gathered, count, request) }
    }

    /// Divides every element of a floating-point buffer by the world size (AVG).
    private static func divideByWorldSize(_ buffer: MPIBuffer) {
        let n = buffer.contiguous.numel, size = DistributedRuntime.size
        switch buffer.contiguous.dtype {
        case .float32:
            let p = buffer.pointer.assumingMemoryBound(to: Float.self)
            for k in 0..<n { p[k] /= Float(size) }
        case .float64:
            let p = buffer.pointer.assumingMemoryBound(to: Double.self)
            for k in 0..<n { p[k] /= Double(size) }
        case .bool, .int64: break
        }
    }

    // MARK: - Collectives

    /// `_C.all_reduce(t, op, async)`.
    static let allReduce: lg_SwiftFunction = { L in
        collective(L) { s in
            let (t, buffer, count) = try inPlace(s, "all_reduce")
            let (op, average) = try reduction(s, 2, dtype: t.dtype, "all_reduce")
            return try start(s, "all_reduce", asyncIndex: 3, buffers: [buffer], completion: average ? { _ in divideByWorldSize(buffer) } : nil) { request, _ in
                lg_mpi_allreduce(buffer.pointer, count, buffer.type, op, request)
            }
        }
    }

    /// `_C.broadcast(t, src, async)`.
    static let broadcast: lg_SwiftFunction = { L in
        collective(L) { s in
            let (_, buffer, count) = try inPlace(s, "broadcast")
            let root = try rank(s, 2, "src", "broadcast")
            return try start(s, "broadcast", asyncIndex: 3, buffers: [buffer]) { request, _ in
                lg_mpi_bcast(buffer.pointer, count, buffer.type, root, request)
            }
        }
    }

    /// `_C.reduce(t, dst, op, async)`: the result lands in `t` on `dst`; elsewhere `t` is unchanged.
    static let reduce: lg_SwiftFunction = { L in
        collective(L) { s in
            let t = try s.checkTensor(1, "reduce")
            let root = try rank(s, 2, "dst", "reduce")
            let (op, average) = try reduction(s, 3, dtype: t.dtype, "reduce")
            let isRoot = root == DistributedRuntime.rank
            // Only the root receives: elsewhere a non-contiguous tensor is read, never written back.
            let buffer = try isRoot ? MPIBuffer(t) : MPIBuffer(input: t)
            let count = try buffer.count("reduce")
            return try start(s, "reduce", asyncIndex: 4, buffers: [buffer], completion: average && isRoot ? { _ in divideByWorldSize(buffer) } : nil) { request, _ in
                lg_mpi_reduce(buffer.pointer, count, buffer.type, op, root, isRoot ? 1 : 0, request)
            }
        }
    }

    /// `_C.all_gather(list, t, async)`: every rank's `t` into `list[rank + 1]`.
    static let allGather: lg_SwiftFunction = { L in
        collective(L) { s in
            let t = try s.checkTensor(2, "all_gather")
            let outputs = try list(s, 1, like: t, count: Int(DistributedRuntime.size), "tensor_list", "all_gather")
            return try gathering(s, "all_gather", t, into: outputs, asyncIndex: 3) { input, gathered, count, request in
                lg_mpi_allgather(input.pointer, gathered.pointer, count, input.type, request)
            }
        }
    }

    /// `_C.gather(t, list, dst, async)`: every rank's `t` into `list` on `dst` (nil elsewhere).
    static let gather: lg_SwiftFunction = { L in
        collective(L) { s in
            let t = try s.checkTensor(1, "gather")
            let (root, outputs) = try rootList(s, like: t, "dst", "gather_list", "gather")
            return try gathering(s, "gather", t, into: outputs, asyncIndex: 4) { input, gathered, count, request in
                lg_mpi_gather(input.pointer, gathered.pointer, count, input.type, root, request)
            }
        }
    }

    /// `_C.scatter(t, list, src, async)`: `list[r + 1]` on `src` into `t` on rank r.
    static let scatter: lg_SwiftFunction = { L in
        collective(L) { s in
            let t = try s.checkTensor(1, "scatter")
            let (root, inputs) = try rootList(s, like: t, "src", "scatter_list", "scatter")
            let pieces = try MPIBuffer(count: t.numel * inputs.count, dtype: t.dtype)
            for (k, input) in inputs.enumerated() { try pieces.copySlice(from: input, at: k * t.numel) }
            let output = try MPIBuffer(t, copyIn: false)
            let count = try output.count("scatter")
            _ = try pieces.count("scatter")
            return try start(s, "scatter", asyncIndex: 4, buffers: [pieces, output]) { request, _ in
                lg_mpi_scatter(pieces.pointer, output.pointer, count, output.type, root, request)
            }
        }
    }

    /// `_C.reduce_scatter(output, list, op, async)`: the reduction of every rank's `list[r + 1]` into
    /// `output` on rank r.
    static let reduceScatter: lg_SwiftFunction = { L in
        collective(L) { s in
            let t = try s.checkTensor(1, "reduce_scatter")
            let (op, average) = try reduction(s, 3, dtype: t.dtype, "reduce_scatter")
            let inputs = try list(s, 2, like: t, count: Int(DistributedRuntime.size), "input_list", "reduce_scatter")
            let pieces = try MPIBuffer(count: t.numel * inputs.count, dtype: t.dtype)
            for (k, input) in inputs.enumerated() { try pieces.copySlice(from: input, at: k * t.numel) }
            let output = try MPIBuffer(t, copyIn: false)
            let count = try output.count("reduce_scatter")
            _ = try pieces.count("reduce_scatter")
            return try start(s, "reduce_scatter", asyncIndex: 4, buffers: [pieces, output], completion: average ? { _ in divideByWorldSize(output) } : nil) { request, _ in
                lg_mpi_reduce_scatter_block(pieces.pointer, output.pointer, count, output.type, op, request)
            }
        }
    }

    /// `_C.barrier(async)`.
    static let barrier: lg_SwiftFunction = { L in
        collective(L) { s in
            return try start(s, "barrier", asyncIndex: 1, buffers: []) { request, _ in lg_mpi_barrier(request) }
        }
    }

    // MARK: - Point to point

    /// `_C.send(t, dst, tag, async)`.
    static let send: lg_SwiftFunction = { L in
        collective(L) { s in
            let t = try s.checkTensor(1, "send")
            let destination = try rank(s, 2, "dst", "send")
            guard destination != DistributedRuntime.rank else {
                throw LuaError("send: Invalid destination rank: should not be the same as rank of the current process.")
            }
            let tag = try messageTag(s, 3, "send")
            let buffer = try MPIBuffer(input: t)
            let count = try buffer.count("send")
            return try start(s, "send", asyncIndex: 4, buffers: [buffer]) { request, _ in
                lg_mpi_send(buffer.pointer, count, buffer.type, destination, tag, request)
            }
        }
    }

    /// `_C.recv(t, src, tag, async)`: `src` nil receives from any rank; the work's wait returns the sender.
    static let recv: lg_SwiftFunction = { L in
        collective(L) { s in
            let t = try s.checkTensor(1, "recv")
            // In a world of one there is nobody to receive from: MPI would wait forever.
            guard DistributedRuntime.size > 1 else { throw LuaError("recv: there is no other rank to receive from (world size 1)") }
            let source = s.isNoneOrNil(2) ? -1 : try rank(s, 2, "src", "recv")
            guard source != DistributedRuntime.rank else {
                throw LuaError("recv: Invalid source rank: should not be the same as rank of the current process.")
            }
            let tag = try messageTag(s, 3, "recv")
            let buffer = try MPIBuffer(t, copyIn: false)
            let count = try buffer.count("recv")
            return try start(s, "recv", asyncIndex: 4, buffers: [buffer]) { request, sender in
                lg_mpi_recv(buffer.pointer, count, buffer.type, source, tag, request, sender)
            }
        }
    }

    /// A message tag: a non-negative integer (MPI guarantees at least 32767).
    private static func messageTag(_ s: LuaStack, _ i: Int32, _ function: String) throws -> Int32 {
        if s.isNoneOrNil(i) { return 0 }
        guard let tag = s.integer(i), tag >= 0, tag <= 32767 else {
            throw LuaError("\(function): tag must be an integer from 0 to 32767, got \(s.string(i) ?? s.typeName(i))")
        }
        return Int32(tag)
    }
}
