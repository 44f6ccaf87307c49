import Testing
@testable import Autograd

/// OpenBLAS's own threads (`BlasThreads`): stopped once the engine adopts OpenBLAS, and not
/// started again by the products that follow.
@Suite struct BlasThreadsTests {
    @Test func adoptingStopsOpenBLASThreadsForGood() throws {
        BlasThreads.adopt()
        // Only the pthreads build (Debian's default) reports its threads.
        guard let running = BlasThreads.serverThreadsRunning else { return }
        #expect(!running)
        // 96·96·96 multiply-adds: one single-threaded call; 512³: blocks on the pool.
        for n in [96, 512] {
            let a = try Tensor.full([n, n], 0.5), b = try Tensor.full([n, n], 2)
            let product = try a.matmul(b)
            #expect(product.element(0) == Double(n))
            #expect(product.element(n * n - 1) == Double(n))
        }
        #expect(BlasThreads.serverThreadsRunning == false)
    }
}
