import Dispatch

/// Splits large element-wise work across the machine's cores.
///
/// Kernels call `Parallel.chunks` with their element count; below `threshold` the body runs
/// once on the calling thread, so small tensors pay nothing.
enum Parallel {
    /// Elements below which splitting costs more than it saves.
    static let threshold = 1 << 20
    /// Worker count: `OMP_NUM_THREADS` when set, as in PyTorch (one thread per rank when
    /// several processes share a machine, `mpirun -x OMP_NUM_THREADS=1`), else the machine's
    /// cores, at most 8. OpenBLAS is given the same count.
    static let workers = max(1, min(8, requestedThreads() ?? sysconfCores()))

    /// Calls `body` with disjoint ranges covering `0..<count`, concurrently when `count` is large.
    @inline(__always)
    static func chunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        if count < threshold || workers == 1 {
            body(0..<count)
            return
        }
        let parts = workers
        let size = (count + parts - 1) / parts
        // Workers run on other threads: they check the starting thread's host for a stop.
        let stop = Cancellation.probe()
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let start = p * size
                let end = min(start + size, count)
                guard start < end else { return }
                Cancellation.forEachChunk(end - start, isCancelled: stop) { r in
                    box.value((start + r.lowerBound)..<(start + r.upperBound))
                }
            }
        }
    }

    /// Calls `body(p)` for each part `0..<parts` concurrently.
    @inline(__always)
    static func forEach(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 { if parts == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { box.value($0) }
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
