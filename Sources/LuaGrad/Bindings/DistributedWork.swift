#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autograd
import CLua
import CLuaShim
import CMPIShim

// MARK: - Tensors as MPI buffers

/// A tensor's elements as one contiguous run of memory that MPI may read or write.
///
/// A contiguous tensor lends its own memory (MPI writes the result in place, as PyTorch's
/// collectives do); any other layout is copied to a contiguous buffer, and `finish()` copies
/// the result back into the original view.
struct MPIBuffer {
    /// What MPI reads and writes: the tensor itself or a contiguous copy.
    let contiguous: Tensor
    /// The tensor to copy the result back into, when `contiguous` is a copy.
    let target: Tensor?

    /// Stages `tensor`; with `copyIn` false a copy starts uninitialized (an output only).
    init(_ tensor: Tensor, copyIn: Bool = true) throws {
        if tensor.isContiguous {
            contiguous = tensor
            target = nil
        } else {
            contiguous = copyIn ? try withNoGrad { try tensor.detach().clone(contiguous: true) } : try Tensor.empty(tensor.shape, dtype: tensor.dtype)
            target = tensor
        }
    }

    /// An input only: `tensor` itself when contiguous, else a contiguous copy never copied back.
    init(input tensor: Tensor) throws {
        contiguous = try withNoGrad { try tensor.detach().contiguous() }
        target = nil
    }

    /// A fresh contiguous buffer of `count` elements (the gathered rows of several tensors).
    init(count: Int, dtype: DType) throws {
        contiguous = try Tensor.empty([count], dtype: dtype)
        target = nil
    }

    /// The address of the first element.
    var pointer: UnsafeMutableRawPointer { contiguous.rawAddress }

    /// The element count, checked against MPI's `int` counts.
    func count(_ function: String) throws -> Int32 {
        guard let count = Int32(exactly: contiguous.numel) else {
            throw LuaError("\(function): a tensor of \(contiguous.numel) elements is too large for one MPI call (at most \(Int32.max))")
        }
        return count
    }

    /// MPI's element type for the buffer's dtype.
    var type: lg_mpi_type { MPIBuffer.type(of: contiguous.dtype) }

    static func type(of dtype: DType) -> lg_mpi_type {
        switch dtype {
        case .bool: LG_MPI_BOOL
        case .int64: LG_MPI_INT64
        case .float32: LG_MPI_FLOAT
        case .float64: LG_MPI_DOUBLE
        }
    }

    /// Copies a staged result back into the original view.
    func finish() throws {
        guard let target else { return }
        try withNoGrad { _ = try target.detach().copy_(contiguous) }
    }

    /// Copies `count` elements at `offset` (in elements) of this buffer into `tensor`.
    func copySlice(at offset: Int, into tensor: Tensor) throws {
        let size = contiguous.dtype.itemSize
        let source = pointer + offset * size
        if tensor.isContiguous {
            tensor.rawAddress.copyMemory(from: source, byteCount: tensor.numel * size)
        } else {
            let staged = try Tensor.empty(tensor.shape, dtype: tensor.dtype)
            staged.rawAddress.copyMemory(from: source, byteCount: tensor.numel * size)
            try withNoGrad { _ = try tensor.detach().copy_(staged) }
        }
    }

    /// Copies `tensor`'s elements into this buffer at `offset` (in elements).
    func copySlice(from tensor: Tensor, at offset: Int) throws {
        let size = contiguous.dtype.itemSize
        let source = try withNoGrad { try tensor.detach().contiguous() }
        (pointer + offset * size).copyMemory(from: source.rawAddress, byteCount: source.numel * size)
    }
}

extension Tensor {
    /// The address of the element at the tensor's offset.
    var rawAddress: UnsafeMutableRawPointer { storage.bytes + offset * dtype.itemSize }
}

// MARK: - Outstanding operations

/// One started MPI operation: its request, the buffers MPI uses until it completes, and what
/// to do once it has (copy results back into views, divide an average).
final class DistributedWork {
    /// The collective's name, for messages (`all_reduce`).
    let name: String
    /// The MPI request; nil once completed.
    var request: lg_mpi_request?
    /// Runs after completion, with the sender's rank (receives) or -1.
    private let completion: ((Int32) throws -> Void)?
    /// Whether the completion and the copies back have run.
    private var finished = false
    /// Keeps every buffer MPI reads or writes alive until the operation completes.
    private let buffers: [MPIBuffer]
    /// The sender's rank once a receive completed.
    private(set) var source: Int32 = -1

    init(name: String, request: lg_mpi_request?, source: Int32 = -1, buffers: [MPIBuffer],
         completion: ((Int32) throws -> Void)? = nil) {
        self.name = name
        self.request = request
        self.source = source
        self.buffers = buffers
        self.completion = completion
    }

    /// Whether the operation has completed (it makes MPI progress; runs the completion once).
    func test() throws -> Bool {
        if request != nil {
            var done: Int32 = 0
            var from: Int32 = -1
            try check(lg_mpi_test(&request, &done, &from))
            guard done != 0 else { return false }
            source = from
        }
        try complete()
        return true
    }

    /// Waits for completion. The host's limits (a deadline, a cancellation) are checked while
    /// waiting; an operation cannot be abandoned by one process, so a stop ends the whole job.
    func wait(limits: OpaquePointer?) throws {
        var spins = 0
        while try !test() {
            spins += 1
            if let limits, spins % 64 == 0, lg_limits_poll(limits) != 0 {
                DistributedRuntime.abortJob(
                    "rank \(DistributedRuntime.rank): the script was stopped (time limit or cancellation) while waiting for \(name); "
                        + "an MPI operation cannot be abandoned by one process, so the whole job is aborted")
            }
            // Past a short spin, give the core away: ranks often outnumber cores.
            if spins > 256 { sched_yield() }
        }
    }

    private func complete() throws {
        guard !finished else { return }
        finished = true
        try completion?(source)
        for buffer in buffers { try buffer.finish() }
    }

    private func check(_ status: Int32) throws {
        if status != 0 { throw LuaError("\(name): \(DistributedRuntime.errorText(status))") }
    }
}
