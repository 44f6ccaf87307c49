import COpenBLAS

/// OpenBLAS on its caller's thread only: products split over `WorkerPool` instead
/// (`BlasProduct`), so the process has one set of threads.
///
/// OpenBLAS is opened on the first product (`Sources/COpenBLAS/openblas_loader.c`), and the
/// loader sets it to one thread and stops the threads it started as it loaded before any
/// product runs. Why stop them: Debian's pthreads build starts one per core when it is
/// loaded, and each spins on `sched_yield` for about 0.1 s (its THREAD_TIMEOUT of 2^28
/// cycles) before it sleeps; `openblas_set_num_threads(1)` leaves them be. While one spins it
/// takes the pool worker's core: an in-place add of 10⁶ floats in a short script took 85 µs
/// against 53 µs without it, and a script printing one line 27 ms of CPU against 13.
/// `blas_thread_shutdown_` is that build's own exit path (0.3.21), looked up at run time
/// because other builds lack it. A single-threaded call never starts them again;
/// `openblas_set_num_threads` would, so the loader is the only caller of it.
public enum BlasThreads {
    /// Opens OpenBLAS and adopts it as above, once per process. Products do it before their
    /// first call (`load`); a host need not (a script that multiplies no matrices never loads it).
    public static func adopt() { _ = lg_openblas_load() }

    /// Opens OpenBLAS as `adopt` does; throws, with the dynamic linker's reason, when the
    /// library cannot be loaded, so a product fails as a Lua error instead of the process.
    static func load() throws {
        if let failure = lg_openblas_load() { throw TorchError(String(cString: failure)) }
    }

    /// Whether OpenBLAS's own threads are running (its `blas_server_avail`), or nil for a
    /// build that has none to report (OpenMP or serial OpenBLAS). Opens OpenBLAS first.
    static var serverThreadsRunning: Bool? {
        guard let flag = lg_openblas_symbol("blas_server_avail") else { return nil }
        return flag.assumingMemoryBound(to: Int32.self).pointee != 0
    }
}
