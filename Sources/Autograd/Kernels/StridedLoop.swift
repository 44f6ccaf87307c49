/// Row-major iteration over strided operands: the one loop every non-contiguous kernel uses.
enum StridedLoop {
    /// Calls `body` with the element offsets of two operands for every index of `shape`.
    @inline(__always)
    static func run(_ shape: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int) -> Void) {
        let nd = shape.count
        if nd == 0 { body(0, 0); return }
        if shape.contains(0) { return }
        let inner = shape[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1]
        var index = [Int](repeating: 0, count: nd)
        var oa = 0, ob = 0
        outer: while true {
            var a = oa, b = ob
            for _ in 0..<inner { body(a, b); a &+= ia; b &+= ib }
            var d = nd - 2
            while d >= 0 {
                index[d] += 1
                oa &+= sa[d]; ob &+= sb[d]
                if index[d] < shape[d] { continue outer }
                oa &-= sa[d] &* shape[d]; ob &-= sb[d] &* shape[d]
                index[d] = 0
                d -= 1
            }
            return
        }
    }

    /// Calls `body` with the element offsets of three operands for every index of `shape`.
    @inline(__always)
    static func run(_ shape: [Int], _ sa: [Int], _ sb: [Int], _ sc: [Int],
                    _ body: (Int, Int, Int) -> Void) {
        let nd = shape.count
        if nd == 0 { body(0, 0, 0); return }
        if shape.contains(0) { return }
        let inner = shape[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1], ic = sc[nd - 1]
        var index = [Int](repeating: 0, count: nd)
        var oa = 0, ob = 0, oc = 0
        outer: while true {
            var a = oa, b = ob, c = oc
            for _ in 0..<inner { body(a, b, c); a &+= ia; b &+= ib; c &+= ic }
            var d = nd - 2
            while d >= 0 {
                index[d] += 1
                oa &+= sa[d]; ob &+= sb[d]; oc &+= sc[d]
                if index[d] < shape[d] { continue outer }
                oa &-= sa[d] &* shape[d]; ob &-= sb[d] &* shape[d]; oc &-= sc[d] &* shape[d]
                index[d] = 0
                d -= 1
            }
            return
        }
    }
}
