/// The element types a tensor can hold, named as PyTorch names them.
public enum DType: Int, Sendable, CaseIterable, CustomStringConvertible {
    case bool
    case int64
    case float32
    case float64

    /// PyTorch's spelling, as printed: `torch.float32`.
    public var description: String {
        switch self {
        case .bool: "torch.bool"
        case .int64: "torch.int64"
        case .float32: "torch.float32"
        case .float64: "torch.float64"
        }
    }

    /// The name without the `torch.` prefix: `float32`.
    public var shortName: String { String(description.dropFirst(6)) }

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool: 1
        case .int64, .float64: 8
        case .float32: 4
        }
    }

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// The promotion category: bool < integer < floating point.
    var category: Int {
        switch self {
        case .bool: 0
        case .int64: 1
        case .float32, .float64: 2
        }
    }

    /// The dtype PyTorch gives a Python scalar of this category (`torch.get_default_dtype()` for floats).
    static func defaultFor(category: Int) -> DType {
        switch category {
        case 0: .bool
        case 1: .int64
        default: .float32
        }
    }

    /// The smallest dtype that holds both, as `torch.promote_types` computes it.
    public static func promote(_ a: DType, _ b: DType) -> DType {
        a.rawValue >= b.rawValue ? a : b
    }
}
