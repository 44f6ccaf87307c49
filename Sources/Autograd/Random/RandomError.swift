/// A rejected argument to a random function, worded as PyTorch words it.
///
/// `message` is PyTorch's own error text (from the `TORCH_CHECK` that rejects the
/// same input), so the Lua bridge can raise it unchanged.
public struct RandomError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
