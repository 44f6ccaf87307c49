// Temporary until the PyTorch-identical generator lands.
public final class Generator {
    var state: UInt64
    public init(seed: UInt64 = 67280421310721) { state = seed }
    public func manualSeed(_ seed: UInt64) { state = seed }
    public func random() -> UInt32 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt32(truncatingIfNeeded: state >> 32)
    }
    public func fillUniform(_ out: UnsafeMutableBufferPointer<Float>, from: Double, to: Double) {
        for i in out.indices { out[i] = Float(from + (to - from) * Double(random()) / 4294967296.0) }
    }
    public func fillUniform(_ out: UnsafeMutableBufferPointer<Double>, from: Double, to: Double) {
        for i in out.indices { out[i] = from + (to - from) * Double(random()) / 4294967296.0 }
    }
    public func fillNormal(_ out: UnsafeMutableBufferPointer<Float>, mean: Double, std: Double) {
        for i in out.indices { out[i] = Float(mean + std * box()) }
    }
    public func fillNormal(_ out: UnsafeMutableBufferPointer<Double>, mean: Double, std: Double) {
        for i in out.indices { out[i] = mean + std * box() }
    }
    private func box() -> Double {
        let u1 = (Double(random()) + 1) / 4294967297.0, u2 = Double(random()) / 4294967296.0
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
#if canImport(Glibc)
import Glibc
#endif
