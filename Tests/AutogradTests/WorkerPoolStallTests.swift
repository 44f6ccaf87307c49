import Testing
@testable import Autograd

/// How long the pool's posters run alone after a worker kept one waiting
/// (`WorkerPool.aloneSpan`): short after a stall out of the blue, growing while stalls recur.
@Suite struct WorkerPoolStallTests {
    let ms = 1_000_000

    @Test func aFirstStallSendsPostersAloneForTheShortestStretch() {
        #expect(WorkerPool.aloneSpan(afterStallAt: 7_000 * ms, lastStall: 0, lastSpan: 0) == WorkerPool.aloneShortest)
        #expect(WorkerPool.aloneShortest == 1 * ms)
    }

    /// A process that holds the other core stalls the first job after each stretch: the
    /// stretches double up to 50 ms, so retries cost at most one stall per 50 ms.
    @Test func recurringStallsDoubleTheStretchUpTo50ms() {
        var t = 1_000 * ms, last = 0, span = 0
        var spans: [Int] = []
        for _ in 0..<9 {
            span = WorkerPool.aloneSpan(afterStallAt: t, lastStall: last, lastSpan: span)
            spans.append(span / ms)
            last = t
            t += span + ms / 2    // the next job after the stretch stalls again
        }
        #expect(spans == [1, 2, 4, 8, 16, 32, 50, 50, 50])
    }

    /// Within 100 ms (or four stretches) of the last stall a stall counts as recurring; after
    /// that, as a vCPU taken away for a moment now and then, which costs 1 ms alone, not 50.
    @Test func aStallLongAfterTheLastOneStartsOver() {
        #expect(WorkerPool.recurrenceWindow == 100 * ms)
        #expect(WorkerPool.aloneSpan(afterStallAt: 2_000 * ms, lastStall: 1_990 * ms, lastSpan: 50 * ms) == 50 * ms)
        #expect(WorkerPool.aloneSpan(afterStallAt: 2_199 * ms, lastStall: 2_000 * ms, lastSpan: 50 * ms) == 50 * ms)
        #expect(WorkerPool.aloneSpan(afterStallAt: 2_300 * ms, lastStall: 2_000 * ms, lastSpan: 50 * ms) == 1 * ms)
        #expect(WorkerPool.aloneSpan(afterStallAt: 2_030 * ms, lastStall: 2_000 * ms, lastSpan: 1 * ms) == 2 * ms)
        #expect(WorkerPool.aloneSpan(afterStallAt: 2_099 * ms, lastStall: 2_000 * ms, lastSpan: 2 * ms) == 4 * ms)
        #expect(WorkerPool.aloneSpan(afterStallAt: 2_101 * ms, lastStall: 2_000 * ms, lastSpan: 8 * ms) == 1 * ms)
        #expect(WorkerPool.aloneSpan(afterStallAt: 3_000 * ms, lastStall: 2_000 * ms, lastSpan: 1 * ms) == 1 * ms)
    }
}
