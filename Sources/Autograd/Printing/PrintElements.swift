// MARK: - The values a printed tensor holds

/// A tensor's elements as the printer reads them: a function from the row-major
/// (C order) flat index to the value.
///
/// The printer calls it only for the elements it shows (and measures), so a huge
/// tensor costs no more to print than its summary.
public enum PrintElements {
    /// Floating-point values; float32 values are widened to `Double` exactly, as
    /// Python's `tensor.tolist()` and `item()` do.
    case floating((Int) -> Double)
    /// int64 values.
    case integer((Int) -> Int64)
    /// bool values, printed `True` / `False`.
    case boolean((Int) -> Bool)
}
