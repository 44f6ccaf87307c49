/// An error raised by the engine, with PyTorch's wording where PyTorch has one.
public struct TorchError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

// MARK: - Positions in messages

extension ThreadState {
    /// Formats a 0-based dimension or index for a message in the caller's convention
    /// (Lua scripts count from 1, Swift code from 0).
    @inline(__always)
    static func userPosition(_ zeroBased: Int) -> Int {
        zeroBased >= 0 ? zeroBased + current.indexBase : zeroBased
    }
}
