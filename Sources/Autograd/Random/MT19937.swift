/// The 32-bit Mersenne Twister exactly as PyTorch's CPU generator runs it.
///
/// Reproduces `at::mt19937_engine` (aten/src/ATen/core/MT19937RNGEngine.h): the
/// Matsumoto–Nishimura MT19937 with Cokus's "left/next" bookkeeping. Two details
/// matter for bit-exactness and differ from textbook descriptions:
/// - seeding keeps the full 64-bit seed (reported by `seed`) but initialises the
///   state from its low 32 bits only (`init_with_uint32`);
/// - a fresh engine has `left == 1`, so the very first draw regenerates the whole
///   state block before tempering.
public struct MT19937: Sendable, Equatable {
    // MARK: - Constants (MT19937RNGEngine.h)

    /// Words of state (`MERSENNE_STATE_N`).
    public static let stateSize = 624
    static let shift = 397                // MERSENNE_STATE_M
    static let matrixA: UInt32 = 0x9908_b0df
    static let upperMask: UInt32 = 0x8000_0000
    static let lowerMask: UInt32 = 0x7fff_ffff

    // MARK: - State (`mt19937_data_pod`)

    /// The seed the engine was created with, all 64 bits of it.
    public private(set) var seed: UInt64
    /// Draws left before the state block is regenerated (1...624).
    public private(set) var left: Int
    /// Index of the next state word to temper (0...624).
    public private(set) var next: Int
    /// The 624 state words.
    public private(set) var state: [UInt32]

    // MARK: - Creation

    /// Seeds the engine as `mt19937_engine(seed)` does.
    public init(seed: UInt64 = 5489) {
        var words = [UInt32](repeating: 0, count: Self.stateSize)
        words[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<Self.stateSize {
            let previous = words[j - 1]
            words[j] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(j)
        }
        self.seed = seed
        self.state = words
        self.left = 1
        self.next = 0
    }

    /// Restores a saved engine; `nil` unless the parts pass PyTorch's `is_valid()`
    /// check and `next + left ≤ 625`.
    ///
    /// The extra condition holds for every state an engine reaches by drawing; a
    /// state breaking it would make PyTorch read past its state array.
    public init?(seed: UInt64, left: Int, next: Int, state: [UInt32]) {
        guard state.count == Self.stateSize,
              left > 0, left <= Self.stateSize,
              next >= 0, next <= Self.stateSize,
              next + left <= Self.stateSize + 1
        else { return nil }
        self.seed = seed
        self.left = left
        self.next = next
        self.state = state
    }

    // MARK: - Drawing

    /// The next tempered 32-bit output (`operator()`).
    public mutating func next32() -> UInt32 {
        left -= 1
        if left == 0 { regenerate() }
        // `next` stays below 624 here: after a regeneration it is 0, and at most
        // 623 further draws happen before `left` reaches 0 again.
        let y = state[next]
        next += 1
        return Self.temper(y)
    }

    /// The output transform of one state word.
    @inline(__always)
    static func temper(_ word: UInt32) -> UInt32 {
        var y = word
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// Writes `transform` of the next `count` draws to `out[0..<count]`: the same
    /// values, in the same order, as `count` calls of `next32()`.
    ///
    /// Draws come a run of state words at a time, so the tempering and `transform`
    /// form one loop that the compiler vectorizes; `regenerate` runs between runs.
    @inline(__always)
    mutating func generate<T>(into out: UnsafeMutablePointer<T>, count: Int, _ transform: (UInt32) -> T) {
        var done = 0
        while done < count {
            if left == 1 {
                // `next32` would regenerate and then draw word 0, leaving `left` at
                // 624: with `left` at 625 the run below ends in the same state.
                regenerate()
                left = Self.stateSize + 1
            }
            let run = Swift.min(left - 1, count - done)
            let first = next
            state.withUnsafeBufferPointer { words in
                let source = words.baseAddress! + first, target = out + done
                for j in 0..<run { target[j] = transform(Self.temper(source[j])) }
            }
            next += run
            left -= run
            done += run
        }
    }

    /// Refills the state block (`next_state`).
    private mutating func regenerate() {
        left = Self.stateSize
        next = 0
        let n = Self.stateSize, m = Self.shift
        state.withUnsafeMutableBufferPointer { p in
            @inline(__always) func twist(_ u: UInt32, _ v: UInt32) -> UInt32 {
                let mixed = (u & Self.upperMask) | (v & Self.lowerMask)
                return (mixed >> 1) ^ (v & 1 == 1 ? Self.matrixA : 0)
            }
            for j in 0..<(n - m) {
                p[j] = p[j + m] ^ twist(p[j], p[j + 1])
            }
            for j in (n - m)..<(n - 1) {
                p[j] = p[j + m - n] ^ twist(p[j], p[j + 1])
            }
            p[n - 1] = p[m - 1] ^ twist(p[n - 1], p[0])
        }
    }
}
