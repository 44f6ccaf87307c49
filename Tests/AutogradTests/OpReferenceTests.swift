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
        let committed = try? String(contentsOfFile: Self.referencePath, encoding: .utf8)
        #expect(committed == rendered,
                "docs/reference/ops.md is stale (or missing): regenerate it with scripts/gen-docs and commit it")
    }

    /// Every section title starts a section: a section whose first op moved in the table would
    /// otherwise merge silently into the one before it.
    @Test func everySectionIsPresent() {
        let titles = OpReference.sections.map(\.title)
        #expect(titles == OpReference.sectionStarts.map(\.title))
        #expect(OpReference.sections.flatMap(\.ops).count == OpTable.all.count)
    }

    @Test func everyOpIsDocumented() {
        let page = OpReference.markdown()
        for op in OpTable.all {
            #expect(!op.doc.isEmpty, "\(op.name) has no doc line")
            #expect(page.contains(op.signature.usage), "\(op.name) is missing from the reference")
        }
    }

    @Test func callFormsFollowExposure() throws {
        let sub = try #require(OpTable.all.first { $0.name == "sub" })
        #expect(OpReference.callForms(sub) == [
            "torch.sub(input, other)", "input:sub(other)", "torch.subtract(input, other)", "input:subtract(other)",
        ])
        let view = try #require(OpTable.all.first { $0.name == "view" })
        #expect(OpReference.callForms(view) == ["input:view(size...)"])
        let zeros = try #require(OpTable.all.first { $0.name == "zeros" })
        #expect(OpReference.callForms(zeros) == ["torch.zeros(size..., {dtype=nil, requires_grad=false})"])
        let sum = try #require(OpTable.all.first { $0.name == "sum" })
        #expect(OpReference.callForms(sum).last == "input:sum(dim=nil, {keepdim=false, dtype=nil})")
        #expect(OpReference.operators(sub) == ["a - b"])
        #expect(OpReference.reflectionNote(sub) == "`2 - x` runs `rsub(x, 2)`")
    }

    /// The ops the reference calls composite really record a graph through the ops they run,
    /// and no other op lacking a grad_fn does.
    @Test func compositeOpsRecordTheirParts() throws {
        let x = try Tensor([1.0, 2.0, 3.0, 4.0] as [Float], shape: [2, 2])
        try x.setRequiresGrad(true)
        let transposed = try x.t()
        let results: [String: Tensor] = [
            "rdiv": try Ops.rdiv.apply([x, Tensor.number(2)]),
            "matmul": try Ops.matmul.apply([x, x]),
            "reshape": try Ops.reshape.apply([transposed], [.ints([4])]),
            "flatten": try Ops.flatten.apply([x]),
            "contiguous": try Ops.contiguous.apply([transposed]),
        ]
        #expect(Set(results.keys) == OpReference.composite)
        for (name, result) in results {
            #expect(result.gradFn != nil, "\(name) recorded no graph")
        }
        let lacking = OpTable.all.filter { $0.gradFnName == nil && $0.isDifferentiable }
        #expect(lacking.isEmpty, "differentiable ops without a grad_fn name: \(lacking.map(\.name))")
    }
}
