#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A few long-lived threads that run the parts of one job alongside the thread that posts it.
///
/// Why not `DispatchQueue.concurrentPerform`: on Linux its worker threads take longer to wake
/// than a 10⁶-element add takes to run, so the calling thread ran both halves itself 199 times
/// in 200 (measured): "parallel" kernels were serial below a few milliseconds of work. These
/// workers stay awake (spinning) for a short while after each job, as OpenMP's do, so a loop
/// of element-wise ops keeps them busy, and sleep on a condition variable after that.
///
/// Parts are claimed one at a time from a shared ticket, by the workers and by the posting
/// thread, which never waits for a worker to wake up: when the other core is busy with another
/// process, the caller simply runs every part itself. It waits only for parts a worker has
/// already claimed, so parts are kept small (a few to tens of microseconds).
///
/// The poster claims parts from the front, the workers from the back. With one worker (two
/// cores) each thread so keeps about the same half of every job, as OpenMP's static schedule
/// does, and what one op writes the next op mostly reads on the same core, from its own L2.
/// Against claims from one counter in order (either thread got any part), measured under
/// real-time priority with the split at 2^16: an add of 10⁵ floats 9.9 → 8.0 µs, of 10⁶
/// 88 → 76 µs; `relu` 7.6 → 5.9 and 66 → 56 µs.
///
/// Every other job runs in reverse: each thread takes its half's parts in the opposite order
/// and a part runs back to front (`descending`), so a job starts on the data the job before
/// ended on, which is still in the thread's L2 cache (see `run(parts:_:)`).
///
/// One job runs at a time. A second poster (another host's thread, or a kernel nested inside
/// a part) finds the pool busy and runs its parts itself.
final class WorkerPool: @unchecked Sendable {
    /// The process's pool: one thread fewer than `Parallel.workers` (the poster is the other).
    static let shared = WorkerPool(threads: Parallel.workers - 1)

    /// The current job's ticket: its number (bits 32–63), the end of the parts not yet claimed
    /// (16–31; workers claim the part before it) and their start (0–15; the poster claims it).
    /// One word, so a claim is a single compare-and-swap that fails for a worker still holding
    /// an older job's ticket.
    private let ticket = Atomic<UInt64>(0)
    /// The current job's part function (a pointer to a closure on the poster's stack).
    private let body = Atomic<UInt>(0)
    /// The current job's part count (stored before its ticket, like `body`).
    private let partCount = Atomic<Int>(0)
    /// Set when a part saw a stop request: the remaining parts are skipped.
    private let halted = Atomic<Bool>(false)

    /// Parts of the current job that workers ran (or skipped after a stop), added once per
    /// worker and job, when it has no part left to claim.
    private let finished = Atomic<Int>(0)

    /// Held by the thread whose job is running.
    private let busy = Atomic<Bool>(false)
    /// Until when (monotonic nanoseconds) posters run their parts alone: set after a worker
    /// kept a poster waiting, the sign that another process holds the other core.
    private let aloneUntil = Atomic<Int>(0)
    /// The length of the last stretch alone, and when the stall that began it ended
    /// (`stalled(at:)`); only the poster of the running job writes them.
    private let aloneSpan = Atomic<Int>(0)
    private let lastStall = Atomic<Int>(0)
    /// Workers asleep on `wakeUp` (checked by posters, so a job wakes them only when needed).
    private let sleepers = Atomic<Int>(0)
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let wakeUp: UnsafeMutablePointer<pthread_cond_t>
    private let threads: Int

    /// Most parts one job may have (the ticket's 16-bit fields).
    static let maxParts = 1 << 15
    /// How long a poster may wait for a worker's parts before the pool counts it as a
    /// stall: parts last microseconds, a worker that lost its core is gone for milliseconds.
    private static let patience = 200_000
    /// How long posters then run alone, in nanoseconds, at first and at most (`stalled(at:)`).
    static let aloneShortest = 1_000_000, aloneLongest = 50_000_000
    /// Checks of the ticket a worker makes before it goes to sleep: about half a millisecond
    /// (2^17, about 65 µs, was shorter than a job plus the worker's wake-up, so a worker
    /// woken late for one job slept through the next: a loop of 2^18-float adds ran alone).
    private static let spins = 1 << 20

    private init(threads: Int) {
        self.threads = threads
        lock = .allocate(capacity: 1)
        wakeUp = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wakeUp, nil)
        for _ in 0..<threads { start() }
    }

    /// Starts one worker thread (detached; it lives as long as the process).
    private func start() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let made = pthread_create(&thread, nil, { raw in
            Unmanaged<WorkerPool>.fromOpaque(raw!).takeUnretainedValue().work()
            return nil
        }, context)
        if made == 0 { pthread_detach(thread) } else { Unmanaged<WorkerPool>.fromOpaque(context).release() }
    }

    // MARK: - Posting

    /// Runs `part(p)` for every `p` in `0..<parts`, on this thread and any free worker;
    /// returns when all have run. Runs them all here when the pool is busy or has no threads.
    /// A part returns false to skip the parts not yet started (a stop request).
    func run(parts: Int, _ part: (Int) -> Bool) {
        run(parts: parts) { p, _ in part(p) }
    }

    /// Runs `part(p, descending)` for every `p` in `0..<parts` as `run(parts:_:)` does; in
    /// every other job the parts come in reverse order within each thread's half and
    /// `descending` is true: the part should then run back to front.
    ///
    /// Why: a job over more data than the L2 caches hold leaves in each core's L2 the last
    /// megabyte it touched, and the next job (an `add_` repeated, or an op reading the output
    /// of the one before) most often reads that same data again. Run in the same order, it
    /// starts where the cache is coldest and evicts the warm end before it gets there; in
    /// reverse, it starts on the warm end. Measured under real-time priority, best of 9–15
    /// interleaved runs: `add_` of 2^18 floats 12.4 → 11.3 µs, `relu` 13.0 → 11.9 µs; of
    /// 3·10⁶ floats, `a + b` 281 → 253 µs and `relu` 166 → 153 µs. (A C loop over two
    /// halves: `add_` of 3·10⁶ floats 140–151 → 132–134 µs, of 2·10⁷ 2.87–2.92 → 2.47–2.64 ms.)
    func run(parts: Int, _ part: (_ index: Int, _ descending: Bool) -> Bool) {
        precondition(parts <= WorkerPool.maxParts, "too many parts for one job")
        guard threads > 0, parts > 1, WorkerPool.now() >= aloneUntil.load(ordering: .relaxed),
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for p in 0..<parts where !part(p, false) { return }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(part) { part in
            var function = part
            withUnsafeMutablePointer(to: &function) { pointer in
                finished.store(0, ordering: .relaxed)
                if halted.load(ordering: .relaxed) { halted.store(false, ordering: .relaxed) }
                body.store(UInt(bitPattern: pointer), ordering: .relaxed)
                partCount.store(parts, ordering: .relaxed)
                let number = (ticket.load(ordering: .relaxed) >> 32) &+ 1
                ticket.store(number << 32 | UInt64(parts) << 16, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    pthread_mutex_lock(lock)
                    pthread_cond_broadcast(wakeUp)
                    pthread_mutex_unlock(lock)
                }
                let started = WorkerPool.now()
                // The poster calls its own closure, not the posted copy, and a worker copies
                // it once per job: a retain and a release per part, from both threads, made
                // the closure's reference count a cache line the two cores passed back and
                // forth (`swift_release` was 2.9% of the samples of an add of 2^18 floats).
                var ran = 0
                while let p = claim(fromFront: true) {
                    runPart(p, part)
                    ran += 1
                }
                waitForWorkers(parts - ran, ranHere: ran, since: started)
            }
        }
    }

    /// Waits until workers report `count` parts, counting a long wait as a stall.
    private func waitForWorkers(_ count: Int, ranHere ran: Int, since started: Int) {
        // A worker that has its core finishes its last part within about one part's time of
        // the poster: allow that (a matrix product's part lasts milliseconds), plus
        // `patience`, before counting the wait as a stall.
        let allowed = WorkerPool.patience + (ran > 0 ? (WorkerPool.now() - started) / ran : 0)
        // The parts workers claimed are short, unless a worker lost its core to another
        // process: then yielding may give it back.
        var spins = 0, waitStart = 0, stalled = false
        while finished.load(ordering: .acquiring) < count {
            spins += 1
            guard spins & 0xFFF == 0 else { continue }
            sched_yield()
            let t = WorkerPool.now()
            if waitStart == 0 { waitStart = t }
            if t - waitStart > allowed { stalled = true }
        }
        if stalled { self.stalled(at: WorkerPool.now()) }
    }

    /// Sends posters alone after a stall that ended at `t`: for 1 ms after a stall out of the
    /// blue, twice the last stretch (up to 50 ms) when the stall came within 100 ms (or four
    /// stretches) of the last one.
    ///
    /// Why both: on a machine shared with other processes, waiting for a descheduled worker
    /// made a 2^18-float add three times slower than running it on one thread, and a process
    /// that keeps the other core busy stalls every job; retrying at most every 50 ms bounds
    /// that cost. But a VM's vCPU is also taken away for a millisecond or two now and then,
    /// and 50 ms alone after each such hiccup was 70 MLP steps at single-threaded speed
    /// (3–7% of the mean step time on a shared Zen 3 VM, where it came every second or so).
    private func stalled(at t: Int) {
        let next = WorkerPool.aloneSpan(afterStallAt: t, lastStall: lastStall.load(ordering: .relaxed),
                                        lastSpan: aloneSpan.load(ordering: .relaxed))
        aloneSpan.store(next, ordering: .relaxed)
        lastStall.store(t, ordering: .relaxed)
        aloneUntil.store(t + next, ordering: .relaxed)
    }

    /// How long posters run alone after a stall that ended at `t` (nanoseconds), given when
    /// the last one ended and how long it sent them alone (`stalled(at:)`).
    static func aloneSpan(afterStallAt t: Int, lastStall: Int, lastSpan: Int) -> Int {
        t - lastStall < max(4 * lastSpan, recurrenceWindow) ? min(2 * lastSpan, aloneLongest) : aloneShortest
    }

    /// Stalls closer together than this (or than four stretches) count as recurring. A
    /// process busy on the other core stalls the pool only when it preempts a worker in the
    /// middle of a part, tens of milliseconds apart (a worker not running claims nothing): with
    /// only four 1 ms stretches as the window, the stretch stayed at 1 ms there and the MLP
    /// step was 9–14% slower than with the old fixed 50 ms.
    static let recurrenceWindow = 100_000_000

    /// The monotonic clock in nanoseconds.
    private static func now() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return t.tv_sec * 1_000_000_000 + t.tv_nsec
    }

    // MARK: - Claiming

    /// A claimed part: which part, and whether it runs back to front.
    private struct Claim {
        let index: Int
        let descending: Bool
    }

    /// Claims one part of the current job, from the front (the poster) or from the back
    /// (workers); nil when none is left.
    ///
    /// In odd-numbered jobs each half's parts come in reverse order: claims from the front
    /// take the parts of the first half from its last down to part 0, claims from the back
    /// those of the second half from its first up to the last. Every thread so runs the
    /// exact reverse of what it ran in the job before (with its parts back to front).
    @inline(__always)
    private func claim(fromFront: Bool) -> Claim? {
        while true {
            let current = ticket.load(ordering: .acquiring)
            let end = (current >> 16) & 0xFFFF, start = current & 0xFFFF
            guard start < end else { return nil }
            let (taken, claimed) = fromFront ? (start, current + 1) : (end - 1, current - (1 << 16))
            if ticket.compareExchange(expected: current, desired: claimed, ordering: .acquiringAndReleasing).exchanged {
                guard current >> 32 & 1 == 1 else { return Claim(index: Int(taken), descending: false) }
                let parts = partCount.load(ordering: .relaxed), half = parts / 2, i = Int(taken)
                return Claim(index: i < half ? half - 1 - i : half + parts - 1 - i, descending: true)
            }
        }
    }

    /// Runs a claimed part unless a stop was seen; a part that asks to stop makes the others skip.
    @inline(__always)
    private func runPart(_ claim: Claim, _ part: (Int, Bool) -> Bool) {
        if halted.load(ordering: .relaxed) { return }
        if !part(claim.index, claim.descending) { halted.store(true, ordering: .relaxed) }
    }

    // MARK: - Workers

    /// A worker's loop: wait for a job with parts left (spinning, then asleep), help run it.
    private func work() {
        var seen: UInt64 = 0
        while true {
            var spins = 0
            while ticket.load(ordering: .relaxed) >> 32 == seen >> 32 {
                spins += 1
                if spins >= WorkerPool.spins {
                    sleep(unlessNewerThan: seen)
                    spins = 0
                }
            }
            seen = ticket.load(ordering: .acquiring)
            guard let first = claim(fromFront: false) else { continue }
            // A claim of an unfinished job: its poster waits for this worker's report, so the
            // function it posted (stored before the ticket this claim read) stays alive until
            // then.
            let ran = runClaimed(first, body.load(ordering: .acquiring))
            finished.add(ran, ordering: .releasing)
        }
    }

    /// Runs part `first` and each part claimed after it through one copy of the posted
    /// function, released before the parts are reported; returns how many ran.
    @inline(never)
    private func runClaimed(_ first: Claim, _ function: UInt) -> Int {
        let part = UnsafePointer<(Int, Bool) -> Bool>(bitPattern: function)!.pointee
        var next: Claim? = first, ran = 0
        while let p = next {
            runPart(p, part)
            ran += 1
            next = claim(fromFront: false)
        }
        return ran
    }

    /// Sleeps until a job newer than `seen` is posted.
    private func sleep(unlessNewerThan seen: UInt64) {
        pthread_mutex_lock(lock)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while ticket.load(ordering: .sequentiallyConsistent) >> 32 == seen >> 32 {
            pthread_cond_wait(wakeUp, lock)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(lock)
    }
}
