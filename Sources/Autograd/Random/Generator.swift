/// A CPU random number generator that draws exactly what PyTorch's draws.
///
/// Mirrors `at::CPUGeneratorImpl` (aten/src/ATen/CPUGeneratorImpl.cpp): an `MT19937`
/// engine plus the two cached Box–Muller samples that PyTorch's scalar normal path
/// keeps between calls. After `manualSeed(s)`, the same sequence of calls gives the
/// same bits as the same calls after `torch.manual_seed(s)`; the distributions live
/// in `Generator+Distributions.swift` and `Generator+Sampling.swift`.
///
/// Threading: a generator is mutable state used by one thread at a time. It is not
/// `Sendable`; give each thread (or each script host) its own.
public final class Generator {
    /// PyTorch's `default_rng_seed_val`, the seed of a generator nobody seeded.
    public static let defaultSeed: UInt64 = 67_280_421_310_721

    // MARK: - State

    /// The Mersenne Twister that produces every random bit.
    public private(set) var engine: MT19937
    /// PyTorch's float Box–Muller cache. No CPU kernel fills it (they all sample
    /// normals in double), but it is part of the generator's state.
    public var nextFloatNormalSample: Float?
    /// The unused `r·sin θ` of the last scalar-path Box–Muller pair, if any
    /// (`next_double_normal_sample_`); the next scalar normal returns it.
    public var nextDoubleNormalSample: Double?

    // MARK: - Creation and seeding

    /// A generator seeded as `CPUGeneratorImpl(seed)` is.
    public init(seed: UInt64 = Generator.defaultSeed) {
        engine = MT19937(seed: seed)
    }

    /// Reseeds as `torch.manual_seed(seed)` does: a new engine and no cached normals.
    ///
    /// PyTorch takes the seed as an unsigned 64-bit integer; a negative Python seed
    /// reaches it as its two's-complement bit pattern (`UInt64(bitPattern:)`).
    public func manualSeed(_ seed: UInt64) {
        nextFloatNormalSample = nil
        nextDoubleNormalSample = nil
        engine = MT19937(seed: seed)
    }

    /// The seed of the last `manualSeed` (or of `init`), as `torch.initial_seed()`.
    public var initialSeed: UInt64 { engine.seed }

    // MARK: - Raw draws

    /// The next 32 random bits (`CPUGeneratorImpl::random`).
    public func random() -> UInt32 {
        engine.next32()
    }

    /// The next 64 random bits: two draws, the first one high (`random64`).
    public func random64() -> UInt64 {
        let high = UInt64(engine.next32())
        let low = UInt64(engine.next32())
        return high << 32 | low
    }

    /// Writes `transform` of the next `count` 32-bit draws to `out`, in draw order
    /// (`count` calls of `random()`, as one vectorizable loop per run of state words).
    @inline(__always)
    func generate<T>(into out: UnsafeMutablePointer<T>, count: Int, _ transform: (UInt32) -> T) {
        engine.generate(into: out, count: count, transform)
    }

    // MARK: - Saving and restoring

    /// Everything that decides the generator's future output.
    public struct State: Sendable, Equatable {
        public var engine: MT19937
        public var nextFloatNormalSample: Float?
        public var nextDoubleNormalSample: Double?

        public init(engine: MT19937, nextFloatNormalSample: Float?, nextDoubleNormalSample: Double?) {
            self.engine = engine
            self.nextFloatNormalSample = nextFloatNormalSample
            self.nextDoubleNormalSample = nextDoubleNormalSample
        }
    }

    /// The generator's state, as `get_rng_state` / `set_rng_state` exchange it.
    public var state: State {
        get {
            State(engine: engine,
                  nextFloatNormalSample: nextFloatNormalSample,
                  nextDoubleNormalSample: nextDoubleNormalSample)
        }
        set {
            engine = newValue.engine
            nextFloatNormalSample = newValue.nextFloatNormalSample
            nextDoubleNormalSample = newValue.nextDoubleNormalSample
        }
    }
}

/// A generator is mutable and shared by reference: one thread at a time.
@available(*, unavailable)
extension Generator: Sendable {}
