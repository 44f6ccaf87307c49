#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Keeps a few recently freed large buffers for reuse.
///
/// A fresh multi-megabyte buffer costs an `mmap` and a page fault per 4 KiB on first touch,
/// which dominates element-wise work on large tensors; a training loop allocates the same
/// sizes every iteration, so handing back a freed buffer of the same size avoids both.
public enum BufferCache {
    /// Buffers smaller than this go straight back to malloc.
    static let minimumBytes = 1 << 20
    /// The most bytes the cache holds.
    static let capacityBytes = 256 << 20

    private struct State {
        var buffers: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
        var total = 0
    }

    private static let state = Mutex(UnsafeSendable(State()))

    /// A cached buffer of exactly `bytes`, if one is available.
    static func take(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes >= minimumBytes else { return nil }
        return state.withLock { box -> UnsafeSendable<UnsafeMutableRawPointer?> in
            var s = box.value
            guard let i = s.buffers.lastIndex(where: { $0.bytes == bytes }) else { return UnsafeSendable(nil) }
            let p = s.buffers.remove(at: i).pointer
            s.total -= bytes
            box = UnsafeSendable(s)
            return UnsafeSendable(p)
        }.value
    }

    /// Keeps `pointer` for reuse, or frees it (also freeing the oldest to make room).
    static func put(_ pointer: UnsafeMutableRawPointer, _ bytes: Int) {
        guard bytes >= minimumBytes, bytes <= capacityBytes / 2 else { free(pointer); return }
        let evicted = state.withLock { box -> UnsafeSendable<[UnsafeMutableRawPointer]> in
            var s = box.value
            var out: [UnsafeMutableRawPointer] = []
            while s.total + bytes > capacityBytes, !s.buffers.isEmpty {
                let old = s.buffers.removeFirst()
                s.total -= old.bytes
                out.append(old.pointer)
            }
            s.buffers.append((bytes, pointer))
            s.total += bytes
            box = UnsafeSendable(s)
            return UnsafeSendable(out)
        }
        for p in evicted.value { free(p) }
    }

    /// Frees every cached buffer (a host closing, or memory pressure).
    public static func clear() {
        let all = state.withLock { box -> UnsafeSendable<[UnsafeMutableRawPointer]> in
            let out = box.value.buffers.map(\.pointer)
            box = UnsafeSendable(State())
            return UnsafeSendable(out)
        }
        for p in all.value { free(p) }
    }
}
