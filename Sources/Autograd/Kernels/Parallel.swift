/// Splits large element-wise work across the machine's cores.
///
/// Kernels call `Parallel.chunks` with their element count; below `threshold` the body runs
/// once on the calling thread, so small tensors pay nothing. Above it the range is cut into
/// equal parts, a multiple of the worker count, that `WorkerPool` hands out (the caller's
/// share from the front, the workers' from the back): the caller never waits for a worker to
/// wake, only for parts a worker has already claimed. Matrix products split over the same
/// pool (`Tensor.blasGemm`), so the process has one set of threads.
enum Parallel {
    /// Elements from which element-wise work is split (2^16, PyTorch's grain of 32 768 times
    /// two). An add of 65 536 floats took 9.4 µs on one thread and 5.5 µs split (PyTorch:
    /// 7.9 µs). It was 2^19 while OpenBLAS kept threads of its own: the pool's workers, spinning
    /// after an element-wise part, then competed with them for the cores in the products that
    /// follow (a batch-256 training step went from 0.89 to 1.53 times PyTorch's time with the
    /// split at 2^16). Products now run on this pool too (`Tensor.blasGemm`).
    static let threshold = 1 << 16
    /// Elements from which a sum is cut into partial sums (`Tensor.fastSum`), whatever the
    /// thread count. Kept apart from `threshold`: the partition decides the last bits of the
    /// double-precision sum. At 2^20, a whole-tensor sum of 2^18 floats ran on one core: 20 µs
    /// against PyTorch's 9.9; from 2^17 it takes 10.3.
    static let reductionThreshold = 1 << 17
    /// Elements per part at least (a part is the unit a thread claims; smaller parts bound the
    /// wait for a worker that was descheduled in the middle of one).
    static let grain = 1 << 15
    /// Parts per worker a large job is cut into at most.
    static let partsPerWorker = 8
    /// Worker count: `OMP_NUM_THREADS` when set, as in PyTorch (one thread per rank when
    /// several processes share a machine, `mpirun -x OMP_NUM_THREADS=1`), else the machine's
    /// cores, at most 8. Matrix products split over the same pool (OpenBLAS itself runs on
    /// one thread), so this is the process's whole thread count.
    static let workers = max(1, min(8, requestedThreads() ?? sysconfCores()))
    /// The machine's cores as `workers` counts them without `OMP_NUM_THREADS` (at least 2,
    /// at most 8): where work is cut into a number of parts that decides its rounding, the
    /// number comes from here, so it stays the same whatever thread count a script runs with.
    static let machineCores = max(2, min(8, sysconfCores()))

    /// Calls `body` with disjoint ranges covering `0..<count`, concurrently when `count` is large.
    @inline(__always)
    static func chunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        if count < threshold || workers == 1 {
            body(0..<count)
            return
        }
        // A multiple of `workers` parts of one size (a multiple of 16 elements), so each
        // thread's share of a job is equal and stays the same range from one op to the next.
        let perWorker = min(partsPerWorker, max(1, count / (grain * workers)))
        let size = ((count + workers * perWorker - 1) / (workers * perWorker) + 15) & ~15
        let parts = (count + size - 1) / size
        // Workers run on other threads: they check the starting thread's host for a stop.
        let stop = Cancellation.probe()
        WorkerPool.shared.run(parts: parts) { p, descending in
            let start = p * size
            return sweep(start..<min(start + size, count), descending: descending, stop: stop, body)
        }
    }

    /// Calls `body` with disjoint ranges covering `0..<count` lines of `length` elements each,
    /// concurrently when the lines hold `minimum` elements or more in all.
    ///
    /// For kernels that treat a line as a unit (softmax, a reduction along the last dim): a
    /// line's result never depends on which part it lands in, so neither do the bits. A
    /// kernel that spends nanoseconds per element (an `exp` each) passes a lower `minimum`
    /// than memory-bound work's `threshold`, as PyTorch's softmax grain counts an `exp` as 16
    /// operations.
    @inline(__always)
    static func lines(_ count: Int, length: Int, minimum: Int = threshold, _ body: (Range<Int>) -> Void) {
        lines(count, elements: count &* length, minimum: minimum, body)
    }

    /// Calls `body` with disjoint ranges covering the outputs `0..<count` of a reduction that
    /// reads `elements` elements in all (outputs of strided lines, `norm` or `var` along a
    /// dim), concurrently when those are `minimum` or more; each output comes from one part
    /// alone, so the split changes no bits.
    @inline(__always)
    static func lines(_ count: Int, elements: Int, minimum: Int = threshold, _ body: (Range<Int>) -> Void) {
        if elements < minimum || workers == 1 || count < 2 {
            body(0..<count)
            return
        }
        let parts = min(count, workers * min(partsPerWorker, max(1, elements / (grain * workers))))
        let size = (count + parts - 1) / parts
        let stop = Cancellation.probe()
        WorkerPool.shared.run(parts: (count + size - 1) / size) { p in
            body(p * size..<min(p * size + size, count))
            return !stop()
        }
    }

    /// Elements of a part that run in order in one call of an element-wise loop: a part that
    /// runs back to front (`WorkerPool.run(parts:_:)`) takes its pieces in reverse order.
    /// 128 KiB of floats per operand, so the few pieces a job ends on fit in a core's L2.
    static let piece = 1 << 15

    /// Calls `body` over `range` in pieces of `piece` elements, in order or in reverse order,
    /// checking `stop` after about every `Cancellation.chunk` elements; false when it stopped.
    ///
    /// A part shorter than a chunk is not checked: parts are that short only in jobs of fewer
    /// than 2^20 elements, which last well under a millisecond. (A check after every part,
    /// as before, read the host's limits from the worker's core: with the retains of its
    /// closure, about 2% of the samples of an `add_` of 3·10⁶ floats.)
    @inline(__always)
    private static func sweep(
        _ range: Range<Int>, descending: Bool, stop: () -> Bool, _ body: (Range<Int>) -> Void
    ) -> Bool {
        let pieces = (range.count + piece - 1) / piece, checkEvery = max(1, Cancellation.chunk / piece)
        for k in 0..<pieces {
            let start = range.lowerBound + (descending ? pieces - 1 - k : k) * piece
            body(start..<min(start + piece, range.upperBound))
            if (k + 1) % checkEvery == 0 && k + 1 < pieces && stop() { return false }
        }
        return true
    }

    /// Sets `count` elements of `itemSize` bytes at `start` to all-bits-zero, split like an
    /// element-wise op of `count` elements.
    ///
    /// Why split a `memset`: a training step's `p.grad:zero_()` comes right after the ops that
    /// wrote and read that gradient in parts (the weight product's blocks, `p.grad * lr`), so
    /// each half of it sits modified in one core's cache. One thread zeroing all of it pulled
    /// the other core's half across first: 15–16 µs for the MLP's 784×256 gradient on two
    /// threads against 9–10 µs on one; split the same way as those ops, each core clears
    /// what it holds.
    static func zeroFill(_ start: UnsafeMutableRawPointer, count: Int, itemSize: Int) {
        chunks(count) { r in
            memset(start + r.lowerBound &* itemSize, 0, r.count &* itemSize)
        }
    }

    /// Calls `body(p)` for each part `0..<parts` concurrently.
    @inline(__always)
    static func forEach(_ parts: Int, _ body: (Int) -> Void) {
        WorkerPool.shared.run(parts: parts) { p in
            body(p)
            return true
        }
    }

    /// `OMP_NUM_THREADS` as a positive count, or nil when unset or not a number.
    private static func requestedThreads() -> Int? {
        #if canImport(Glibc)
        guard let text = getenv("OMP_NUM_THREADS"), let n = Int(String(cString: text)), n > 0 else { return nil }
        return n
        #else
        return nil
        #endif
    }

    private static func sysconfCores() -> Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }
}

/// Carries a value into concurrent work the compiler cannot prove safe: kernels hand each
/// worker a disjoint range of the same buffers.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

#if canImport(Glibc)
import Glibc
#endif
