#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS

/// OpenBLAS on its caller's thread only: products split over `WorkerPool` instead
/// (`BlasProduct`), so the process has one set of threads.
public enum BlasThreads {
    /// Sets OpenBLAS to one thread and stops the threads it started when it was loaded; once
    /// per process. Hosts call it as they open (`ScriptHost`), products before their first call.
    public static func adopt() { _ = adopted }

    /// Whether OpenBLAS's own threads are running (its `blas_server_avail`), or nil for a
    /// build that has none to report (OpenMP or serial OpenBLAS).
    static var serverThreadsRunning: Bool? {
        guard let flag = symbol("blas_server_avail") else { return nil }
        return flag.assumingMemoryBound(to: Int32.self).pointee != 0
    }

    static let adopted: Void = {
        openblas_set_num_threads(1)
        stopServerThreads()
    }()

    /// Stops the pthreads build's server threads for good.
    ///
    /// Why: Debian's OpenBLAS starts one per core when it is loaded, and each spins on
    /// `sched_yield` for about 0.1 s (its THREAD_TIMEOUT of 2^28 cycles) before it sleeps;
    /// `openblas_set_num_threads(1)` leaves them be. While one spins it takes the pool worker's
    /// core: an in-place add of 10⁶ floats in a short script took 85 µs against 53 µs without
    /// it, and a script printing one line 27 ms of CPU against 13. `blas_thread_shutdown_` is
    /// that build's own exit path (0.3.21), looked up at run time because other builds lack
    /// it. A single-threaded call never starts them again; `openblas_set_num_threads` would,
    /// so this file is the only caller of it.
    private static func stopServerThreads() {
        guard let shutdown = symbol("blas_thread_shutdown_") else { return }
        typealias Shutdown = @convention(c) () -> Int32
        _ = unsafeBitCast(shutdown, to: Shutdown.self)()
    }

    /// A symbol of the OpenBLAS the process has loaded (found whatever scope loaded it: the Lua
    /// module's host opens C modules with local symbols).
    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        #if canImport(Glibc)
        guard let library = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD) else { return nil }
        defer { dlclose(library) }
        return dlsym(library, name)
        #else
        return nil
        #endif
    }
}
