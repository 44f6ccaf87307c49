/// libstdc++'s `nth_element`, `sort` and `partial_sort`, step for step.
///
/// PyTorch's CPU `topk` (aten/src/ATen/native/TopKImpl.h) orders (value, index)
/// pairs with these unstable algorithms, so which of several equal values comes
/// first depends on their exact sequence of swaps. `multinomial` without
/// replacement meets such ties when it must return categories of probability zero;
/// replaying GCC's algorithms keeps even those indices identical to PyTorch's.
///
/// Each function works on `elements[range]` with a strict weak order (`order.before`,
/// "comes first"), and follows bits/stl_algo.h and bits/stl_heap.h of GCC 9–14. The order is
/// a type, not a closure, so that each use is specialized with its comparison inlined: through
/// a closure, `sort` and `topk` of float lines took 1.9 and 2.7 times PyTorch's time.
enum LibstdcxxSelection {
    /// The elements being arranged: the caller's array, without its bounds and uniqueness
    /// checks on every step (the three entry points check their range once).
    typealias Elements<O: StrictOrder> = UnsafeMutableBufferPointer<O.Element>

    /// `std::nth_element(first, nth, last, comp)`.
    static func nthElement<O: StrictOrder>(_ a: inout [O.Element], _ first: Int, _ nth: Int, _ last: Int,
                                           _ order: O) {
        guard first != last, nth != last else { return }
        precondition(0 <= first && first <= nth && nth < last && last <= a.count)
        a.withUnsafeMutableBufferPointer { a in
            introselect(a, first, nth, last, depthLimit: 2 * floorLog2(last - first), order)
        }
    }

    /// `std::sort(first, last, comp)`.
    static func sort<O: StrictOrder>(_ a: inout [O.Element], _ first: Int, _ last: Int, _ order: O) {
        guard first != last else { return }
        precondition(0 <= first && first <= last && last <= a.count)
        a.withUnsafeMutableBufferPointer { a in
            introsortLoop(a, first, last, depthLimit: 2 * floorLog2(last - first), order)
            finalInsertionSort(a, first, last, order)
        }
    }

    /// `std::partial_sort(first, middle, last, comp)`.
    static func partialSort<O: StrictOrder>(_ a: inout [O.Element], _ first: Int, _ middle: Int, _ last: Int,
                                            _ order: O) {
        precondition(0 <= first && first <= middle && middle <= last && last <= a.count)
        a.withUnsafeMutableBufferPointer { a in
            heapSelect(a, first, middle, last, order)
            sortHeap(a, first, middle, order)
        }
    }

    // MARK: - Introselect and introsort

    private static let insertionThreshold = 16   // _S_threshold

    private static func floorLog2(_ n: Int) -> Int {
        Int.bitWidth - 1 - n.leadingZeroBitCount
    }

    private static func introselect<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ nth: Int, _ last: Int,
                                       depthLimit: Int, _ order: O) {
        var first = first, last = last, depthLimit = depthLimit
        while last - first > 3 {
            if depthLimit == 0 {
                heapSelect(a, first, nth + 1, last, order)
                a.swapAt(first, nth)
                return
            }
            depthLimit -= 1
            let cut = unguardedPartitionPivot(a, first, last, order)
            if cut <= nth { first = cut } else { last = cut }
        }
        insertionSort(a, first, last, order)
    }

    private static func introsortLoop<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ last: Int,
                                         depthLimit: Int, _ order: O) {
        var last = last, depthLimit = depthLimit
        while last - first > insertionThreshold {
            if depthLimit == 0 {
                heapSelect(a, first, last, last, order)   // partial_sort(first, last, last)
                sortHeap(a, first, last, order)
                return
            }
            depthLimit -= 1
            let cut = unguardedPartitionPivot(a, first, last, order)
            introsortLoop(a, cut, last, depthLimit: depthLimit, order)
            last = cut
        }
    }

    private static func unguardedPartitionPivot<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ last: Int,
                                                   _ order: O) -> Int {
        let mid = first + (last - first) / 2
        moveMedianToFirst(a, first, first + 1, mid, last - 1, order)
        return unguardedPartition(a, first + 1, last, pivot: first, order)
    }

    private static func moveMedianToFirst<O: StrictOrder>(_ a: Elements<O>, _ result: Int, _ x: Int, _ y: Int, _ z: Int,
                                             _ order: O) {
        if order.before(a[x], a[y]) {
            if order.before(a[y], a[z]) { a.swapAt(result, y) }
            else if order.before(a[x], a[z]) { a.swapAt(result, z) }
            else { a.swapAt(result, x) }
        } else if order.before(a[x], a[z]) { a.swapAt(result, x) }
        else if order.before(a[y], a[z]) { a.swapAt(result, z) }
        else { a.swapAt(result, y) }
    }

    private static func unguardedPartition<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ last: Int, pivot: Int,
                                              _ order: O) -> Int {
        var first = first, last = last
        while true {
            while order.before(a[first], a[pivot]) { first += 1 }
            last -= 1
            while order.before(a[pivot], a[last]) { last -= 1 }
            if !(first < last) { return first }
            a.swapAt(first, last)
            first += 1
        }
    }

    // MARK: - Insertion sorts

    private static func insertionSort<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ last: Int,
                                         _ order: O) {
        guard first != last else { return }
        var i = first + 1
        while i != last {
            if order.before(a[i], a[first]) {
                let value = a[i]
                var j = i
                while j > first { a[j] = a[j - 1]; j -= 1 }   // move_backward
                a[first] = value
            } else {
                unguardedLinearInsert(a, i, order)
            }
            i += 1
        }
    }

    private static func unguardedLinearInsert<O: StrictOrder>(_ a: Elements<O>, _ last: Int, _ order: O) {
        let value = a[last]
        var hole = last, next = last - 1
        while order.before(value, a[next]) {
            a[hole] = a[next]
            hole = next
            next -= 1
        }
        a[hole] = value
    }

    private static func finalInsertionSort<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ last: Int,
                                              _ order: O) {
        if last - first > insertionThreshold {
            insertionSort(a, first, first + insertionThreshold, order)
            for i in (first + insertionThreshold)..<last { unguardedLinearInsert(a, i, order) }
        } else {
            insertionSort(a, first, last, order)
        }
    }

    // MARK: - Heaps (bits/stl_heap.h)

    private static func heapSelect<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ middle: Int, _ last: Int,
                                      _ order: O) {
        makeHeap(a, first, middle, order)
        var i = middle
        while i < last {
            if order.before(a[i], a[first]) { popHeap(a, first, middle, result: i, order) }
            i += 1
        }
    }

    private static func makeHeap<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ last: Int, _ order: O) {
        let length = last - first
        guard length >= 2 else { return }
        var parent = (length - 2) / 2
        while true {
            adjustHeap(a, first, hole: parent, length: length, value: a[first + parent], order)
            if parent == 0 { return }
            parent -= 1
        }
    }

    private static func sortHeap<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ last: Int, _ order: O) {
        var last = last
        while last - first > 1 {
            last -= 1
            popHeap(a, first, last, result: last, order)
        }
    }

    private static func popHeap<O: StrictOrder>(_ a: Elements<O>, _ first: Int, _ last: Int, result: Int,
                                   _ order: O) {
        let value = a[result]
        a[result] = a[first]
        adjustHeap(a, first, hole: 0, length: last - first, value: value, order)
    }

    private static func adjustHeap<O: StrictOrder>(_ a: Elements<O>, _ first: Int, hole: Int, length: Int, value: O.Element,
                                      _ order: O) {
        let top = hole
        var hole = hole, child = hole
        while child < (length - 1) / 2 {
            child = 2 * (child + 1)
            if order.before(a[first + child], a[first + child - 1]) { child -= 1 }
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
        while hole > top && order.before(a[first + parent], value) {
            a[first + hole] = a[first + parent]
            hole = parent
            parent = (hole - 1) / 2
        }
        a[first + hole] = value
    }
}

/// A strict weak order on `Element`: whether `x` comes before `y`.
protocol StrictOrder {
    associatedtype Element
    func before(_ x: Element, _ y: Element) -> Bool
}
