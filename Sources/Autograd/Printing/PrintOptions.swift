// MARK: - PyTorch's default print options

/// The defaults of `torch.set_printoptions` (PyTorch's `PRINT_OPTS`), which LuaGrad always uses.
enum PrintOptions {
    /// Digits after the decimal point (`'{:.4f}'`, `'{:.4e}'`).
    static let precision = 4
    /// Tensors with more elements than this are summarized with `...`.
    static let threshold = 1000
    /// Items shown at each end of a summarized dimension.
    static let edgeItems = 3
    /// Characters per line before a row wraps (and before a suffix moves to its own line).
    static let lineWidth = 80
}
