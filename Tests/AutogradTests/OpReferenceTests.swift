import Foundation
import Testing
@testable import Autograd

/// `docs/reference/ops.md` is generated from the op table; these tests keep it in step.
@Suite struct OpReferenceTests {
    /// The committed reference, located from this file (Tests/AutogradTests/ → repo root).
    static let referencePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/reference/ops.md").path

    /// Fails when the committed file differs from what the table renders. With
    /// `LUAGRAD_UPDATE_DOCS=1` in the environment it rewrites the file instead
    /// (that is what `scripts/gen-docs` does).
    @Test func committedReferenceIsCurrent() throws {
        let rendered = OpReference.markdown()
        if ProcessInfo.processInfo.environment["LUAGRAD_UPDATE_DOCS"] == "1" {
            try FileManager.default.createDirectory(
                atPath: (Self.referencePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try rendered.write(toFile: Self.referencePath, atomically: true, encoding: .utf8)
            return
        }
        let committed = (try? String(contentsOfFile: Self.referencePath, encoding: .utf8)) ?? ""
        let isCurrent = committed == rendered
        #expect(isCurrent, """
            docs/reference/ops.md is stale (or missing): regenerate it with scripts/gen-docs and commit it. \
            First difference: \(Self.firstDifference(committed, rendered))
            """)
    }

    /// The first line where two texts differ, for a short failure message.
    static func firstDifference(_ a: String, _ b: String) -> String {
        let left = a.split(separator: "\n", omittingEmptySubsequences: false)
        let right = b.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(left.count, right.count) {
            let l = i < left.count ? String(left[i]) : "(end of file)"
            let r = i < right.count ? String(right[i]) : "(end of file)"
            if l != r { return "line \(i + 1): committed \(l.debugDescription), table gives \(r.debugDescription)" }
        }
        return "none"
    }

    /// Every section title starts a section: a section whose first op moved in the table would
    /// otherwise merge silently into the one before it.
    @Test func everySectionIsPresent() {
        let titles = OpReference.sections.map(\.title)
        #expect(titles.filter { $0 != OpReference.moreTitle } == OpReference.sectionStarts.map(\.title))
        #expect(OpReference.sections.flatMap(\.ops).count == OpTable.bound.count)
    }

    @Test func everyOpIsDocumented() {
        let page = OpReference.markdown()
        for op in OpTable.bound {
            #expect(!op.doc.isEmpty, "\(op.name) has no doc line")
            #expect(page.contains(op.signature.usage), "\(op.name) is missing from the reference")
        }
    }

    @Test func callFormsFollowExposure() throws {
        let sub = try #require(OpTable.bound.first { $0.name == "sub" })
        #expect(OpReference.callForms(sub) == ["torch.sub(input, other, {alpha=nil})", "input:sub(other, {alpha=nil})"])
        #expect(OpReference.aliases(sub) == ["subtract"])
        let view = try #require(OpTable.bound.first { $0.name == "view" })
        #expect(OpReference.callForms(view) == ["input:view(size...)"])
        let zeros = try #require(OpTable.bound.first { $0.name == "zeros" })
        #expect(OpReference.callForms(zeros) == ["torch.zeros(size..., {dtype=nil, requires_grad=false})"])
        let sum = try #require(OpTable.bound.first { $0.name == "sum" })
        #expect(OpReference.callForms(sum).last == "input:sum(dim=nil, {keepdim=false, dtype=nil})")
        #expect(OpReference.operators(sub) == ["a - b"])
        #expect(OpReference.reflectionNote(sub) == "`2 - x` runs `rsub(x, 2)`")
    }

    /// Ops listed as composite without samples still lack them (the list only shrinks), and
    /// every op with a formula has a grad_fn name. (That composite ops' results do carry a
    /// grad_fn is checked from Lua, in Tests/lua/test_help.lua: a graph built here would disturb
    /// the `Node.live` counts that other suites read while running in parallel.)
    @Test func gradientTextsAgreeWithTheTable() {
        for name in OpReference.compositeWithoutSamples {
            let op = OpTable.bound.first { $0.name == name }
            #expect(op != nil, "\(name) is not in the op table")
            #expect(op?.samples.isEmpty == true, "\(name) has samples now: remove it from compositeWithoutSamples")
        }
        let composite = Set(OpTable.bound.filter(OpReference.isComposite).map(\.name))
        #expect(composite.isSuperset(of: ["matmul", "reshape", "flatten", "contiguous", "rdiv"]))
        let lacking = OpTable.bound.filter { $0.gradFnName == nil && $0.isDifferentiable }
        #expect(lacking.isEmpty, "differentiable ops without a grad_fn name: \(lacking.map(\.name))")
    }
}
