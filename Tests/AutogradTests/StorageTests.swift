import Testing
@testable import Autograd

/// Storage layout: small buffers inside the storage object, larger ones apart and aligned.
@Suite struct StorageTests {
    /// Sizes on both sides of each layout boundary, in float32 elements: inline up to 256
    /// bytes, malloc up to 1 KiB, 64-byte aligned above, the buffer cache from 1 MiB.
    static let sizes = [0, 1, 2, 63, 64, 65, 255, 256, 257, 1 << 18, (1 << 18) + 1]

    @Test(arguments: sizes) func elementsSurviveAtEverySize(count: Int) throws {
        let t = try Tensor.empty([count], dtype: .float32)
        let p = t.storage.bytes.assumingMemoryBound(to: Float.self)
        for i in 0..<count { p[i] = Float(i) + 0.5 }
        let copy = try t.materialized()
        let q = copy.storage.bytes.assumingMemoryBound(to: Float.self)
        #expect((0..<count).allSatisfy { q[$0] == Float($0) + 0.5 })
        #expect(t.storage.byteCount == count * 4)
    }

    @Test func largeBuffersAreAlignedForVectorLoads() throws {
        for count in [257, 4096, (1 << 18) + 1] {
            let t = try Tensor.empty([count], dtype: .float32)
            #expect(Int(bitPattern: t.storage.bytes) % 64 == 0)
        }
        for count in [1, 7, 64] {
            let t = try Tensor.empty([count], dtype: .float64)
            #expect(Int(bitPattern: t.storage.bytes) % 8 == 0)
        }
    }

    /// A small storage that its last tensor lets go of waits in the thread's pool
    /// (`StoragePool`) and is made again for the next output of its size, as a fresh one would
    /// be: returned to its memory account meanwhile, then charged again, at version 0.
    @Test func pooledStoragesAreMadeAgainAsFresh() throws {
        let one = try Tensor.number(1)
        let state = ThreadState.current
        let previous = state.memoryAccount
        let account = CountingAccount()
        state.memoryAccount = account
        defer { state.memoryAccount = previous }
        var t: Tensor? = try Tensor([Float(1), 2, 3])
        try t?.add_(one)
        #expect(t?.storage.version == 1)
        #expect(account.held == 12)
        t = nil
        #expect(account.held == 0)
        let u = try Tensor.empty([3], dtype: .float32)
        #expect(u.storage.version == 0)
        #expect(u.storage.byteCount == 12)
        #expect(account.held == 12)
    }

    /// Counts the bytes charged to it.
    private final class CountingAccount: MemoryAccount, @unchecked Sendable {
        var held = 0
        func reserve(_ bytes: Int) throws { held += bytes }
        func release(_ bytes: Int) { held -= bytes }
    }

    @Test func viewsShareTheVersionCounter() throws {
        let x = try Tensor([Float(1), 2, 3])
        let view = try x.reshape([3, 1])
        #expect(x.storage.version == 0)
        try x.add_(Tensor.number(1))
        #expect(view.storage.version == 1)
        #expect(view.storage === x.storage)
    }
}
