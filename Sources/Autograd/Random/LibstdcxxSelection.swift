/// libstdc++'s `nth_element`, `sort` and `partial_sort`, step for step.
///
/// PyTorch's CPU `topk` (aten/src/ATen/native/TopKImpl.h) orders (value, index)
/// pairs with these unstable algorithms, so which of several equal values comes
/// first depends on their exact sequence of swaps. `multinomial` without
/// replacement meets such ties when it must return categories of probability zero;
/// replaying GCC's algorithms keeps even those indices identical to PyTorch's.
///
/// Each function works on `elements[range]` with a strict-weak-order `before`
/// ("comes first"), and follows bits/stl_algo.h and bits/stl_heap.h of GCC 9–14.
enum LibstdcxxSelection {
    /// `std::nth_element(first, nth, last, comp)`.
    static func nthElement<T>(_ a: inout [T], _ first: Int, _ nth: Int, _ last: Int,
                              _ before: (T, T) -> Bool) {
        guard first != last, nth != last else { return }
        introselect(&a, first, nth, last, depthLimit: 2 * floorLog2(last - first), before)
    }

    /// `std::sort(first, last, comp)`.
    static func sort<T>(_ a: inout [T], _ first: Int, _ last: Int, _ before: (T, T) -> Bool) {
        guard first != last else { return }
        introsortLoop(&a, first, last, depthLimit: 2 * floorLog2(last - first), before)
        finalInsertionSort(&a, first, last, before)
    }

    /// `std::partial_sort(first, middle, last, comp)`.
    static func partialSort<T>(_ a: inout [T], _ first: Int, _ middle: Int, _ last: Int,
                               _ before: (T, T) -> Bool) {
        heapSelect(&a, first, middle, last, before)
        sortHeap(&a, first, middle, before)
    }

    // MARK: - Introselect and introsort

    private static let insertionThreshold = 16   // _S_threshold

    private static func floorLog2(_ n: Int) -> Int {
        Int.bitWidth - 1 - n.leadingZeroBitCount
    }

    private static func introselect<T>(_ a: inout [T], _ first: Int, _ nth: Int, _ last: Int,
                                       depthLimit: Int, _ before: (T, T) -> Bool) {
        var first = first, last = last, depthLimit = depthLimit
        while last - first > 3 {
            if depthLimit == 0 {
                heapSelect(&a, first, nth + 1, last, before)
                a.swapAt(first, nth)
                return
            }
            depthLimit -= 1
            let cut = unguardedPartitionPivot(&a, first, last, before)
            if cut <= nth { first = cut } else { last = cut }
        }
        insertionSort(&a, first, last, before)
    }

    private static func introsortLoop<T>(_ a: inout [T], _ first: Int, _ last: Int,
                                         depthLimit: Int, _ before: (T, T) -> Bool) {
        var last = last, depthLimit = depthLimit
        while last - first > insertionThreshold {
            if depthLimit == 0 {
                partialSort(&a, first, last, last, before)
                return
            }
            depthLimit -= 1
            let cut = unguardedPartitionPivot(&a, first, last, before)
            introsortLoop(&a, cut, last, depthLimit: depthLimit, before)
            last = cut
        }
    }

    private static func unguardedPartitionPivot<T>(_ a: inout [T], _ first: Int, _ last: Int,
                                                   _ before: (T, T) -> Bool) -> Int {
        let mid = first + (last - first) / 2
        moveMedianToFirst(&a, first, first + 1, mid, last - 1, before)
        return unguardedPartition(&a, first + 1, last, pivot: first, before)
    }

    private static func moveMedianToFirst<T>(_ a: inout [T], _ result: Int, _ x: Int, _ y: Int, _ z: Int,
                                             _ before: (T, T) -> Bool) {
        if before(a[x], a[y]) {
            if before(a[y], a[z]) { a.swapAt(result, y) }
            else if before(a[x], a[z]) { a.swapAt(result, z) }
            else { a.swapAt(result, x) }
        } else if before(a[x], a[z]) { a.swapAt(result, x) }
        else if before(a[y], a[z]) { a.swapAt(result, z) }
        else { a.swapAt(result, y) }
    }

    private static func unguardedPartition<T>(_ a: inout [T], _ first: Int, _ last: Int, pivot: Int,
                                              _ before: (T, T) -> Bool) -> Int {
        var first = first, last = last
        while true {
            while before(a[first], a[pivot]) { first += 1 }
            last -= 1
            while before(a[pivot], a[last]) { last -= 1 }
            if !(first < last) { return first }
            a.swapAt(first, last)
            first += 1
        }
    }

    // MARK: - Insertion sorts

    private static func insertionSort<T>(_ a: inout [T], _ first: Int, _ last: Int,
                                         _ before: (T, T) -> Bool) {
        guard first != last else { return }
        var i = first + 1
        while i != last {
            if before(a[i], a[first]) {
                let value = a[i]
                var j = i
                while j > first { a[j] = a[j - 1]; j -= 1 }   // move_backward
                a[first] = value
            } else {
                unguardedLinearInsert(&a, i, before)
            }
            i += 1
        }
    }

    private static func unguardedLinearInsert<T>(_ a: inout [T], _ last: Int, _ before: (T, T) -> Bool) {
        let value = a[last]
        var hole = last, next = last - 1
        while before(value, a[next]) {
            a[hole] = a[next]
            hole = next
            next -= 1
        }
        a[hole] = value
    }

    private static func finalInsertionSort<T>(_ a: inout [T], _ first: Int, _ last: Int,
                                              _ before: (T, T) -> Bool) {
        if last - first > insertionThreshold {
            insertionSort(&a, first, first + insertionThreshold, before)
            for i in (first + insertionThreshold)..<last { unguardedLinearInsert(&a, i, before) }
        } else {
            insertionSort(&a, first, last, before)
        }
    }

    // MARK: - Heaps (bits/stl_heap.h)

    private static func heapSelect<T>(_ a: inout [T], _ first: Int, _ middle: Int, _ last: Int,
                                      _ before: (T, T) -> Bool) {
        makeHeap(&a, first, middle, before)
        var i = middle
        while i < last {
            if before(a[i], a[first]) { popHeap(&a, first, middle, result: i, before) }
            i += 1
        }
    }

    private static func makeHeap<T>(_ a: inout [T], _ first: Int, _ last: Int, _ before: (T, T) -> Bool) {
        let length = last - first
        guard length >= 2 else { return }
        var parent = (length - 2) / 2
        while true {
            adjustHeap(&a, first, hole: parent, length: length, value: a[first + parent], before)
            if parent == 0 { return }
            parent -= 1
        }
    }

    private static func sortHeap<T>(_ a: inout [T], _ first: Int, _ last: Int, _ before: (T, T) -> Bool) {
        var last = last
        while last - first > 1 {
            last -= 1
            popHeap(&a, first, last, result: last, before)
        }
    }

    private static func popHeap<T>(_ a: inout [T], _ first: Int, _ last: Int, result: Int,
                                   _ before: (T, T) -> Bool) {
        let value = a[result]
        a[result] = a[first]
        adjustHeap(&a, first, hole: 0, length: last - first, value: value, before)
    }

    private static func adjustHeap<T>(_ a: inout [T], _ first: Int, hole: Int, length: Int, value: T,
                                      _ before: (T, T) -> Bool) {
        let top = hole
        var hole = hole, child = hole
        while child < (length - 1) / 2 {
            child = 2 * (child + 1)
            if before(a[first + child], a[first + child - 1]) { child -= 1 }
            a[first + hole] = a[first + child]
            hole = child
        }
        if length & 1 == 0 && child == (length - 2) / 2 {
            child = 2 * (child + 1)
            a[first + hole] = a[first + child - 1]
            hole = child - 1
        }
        // __push_heap
        var parent = (hole - 1) / 2
        while hole > top && before(a[first + parent], value) {
            a[first + hole] = a[first + parent]
            hole = parent
            parent = (hole - 1) / 2
        }
        a[first + hole] = value
    }
}
