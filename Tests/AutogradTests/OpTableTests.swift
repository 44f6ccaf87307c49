import Foundation
import Testing
@testable import Autograd

/// `OpTable.all` is the one list of ops: an op declared under `Sources/Autograd/Ops/` but not
/// listed there would be unreachable from Lua, undocumented and never gradchecked, silently.
@Suite struct OpTableTests {
    /// `Sources/Autograd/Ops/`, found from this file's path.
    static let opsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Autograd/Ops")

    /// The Swift text of every file under `Ops/`, by file name.
    static func sources() throws -> [String: String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: opsDirectory.path)
        var texts: [String: String] = [:]
        for name in names where name.hasSuffix(".swift") {
            texts[name] = try String(contentsOf: opsDirectory.appendingPathComponent(name), encoding: .utf8)
        }
        return texts
    }

    /// The names of the `Ops` constants that hold an op: `static let NAME = Op(...)`,
    /// `Op(inPlace: ...)`, or a call of a function declared `-> Op` (`comparison("eq", ...)`).
    static func declaredOps(in texts: [String: String]) throws -> Set<String> {
        let factory = try NSRegularExpression(pattern: #"static func (\w+)(<[^>]*>)?\([^{]*\)\s*->\s*Op\s*\{"#)
        let constant = try NSRegularExpression(pattern: #"static let `?(\w+)`?\s*=\s*(\w+)\("#)
        var factories: Set<String> = ["Op"]
        for text in texts.values {
            for m in factory.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                factories.insert(String(text[Range(m.range(at: 1), in: text)!]))
            }
        }
        var names: Set<String> = []
        for text in texts.values {
            for m in constant.matches(in: text, range: NSRange(text.startIndex..., in: text))
            where factories.contains(String(text[Range(m.range(at: 2), in: text)!])) {
                names.insert(String(text[Range(m.range(at: 1), in: text)!]))
            }
        }
        return names
    }

    /// The `Ops.NAME` entries of the `OpTable.all` literal, in order.
    static func tableEntries(in texts: [String: String]) throws -> [String] {
        let text = try #require(texts["OpTable.swift"])
        let start = try #require(text.range(of: "public static let all: [Op] = ["))
        let end = try #require(text.range(of: "\n    ]", range: start.upperBound..<text.endIndex))
        let literal = String(text[start.upperBound..<end.lowerBound])
        let entry = try NSRegularExpression(pattern: #"Ops\.`?(\w+)`?"#)
        return entry.matches(in: literal, range: NSRange(literal.startIndex..., in: literal)).map {
            String(literal[Range($0.range(at: 1), in: literal)!])
        }
    }

    @Test("every op declared under Ops/ is in OpTable.all, once")
    func everyDeclaredOpIsTabled() throws {
        let texts = try Self.sources()
        let declared = try Self.declaredOps(in: texts)
        let listed = try Self.tableEntries(in: texts)
        #expect(declared.count > 100, "the declaration pattern found too few ops: \(declared.count)")
        #expect(declared.subtracting(listed).sorted() == [], "declared but missing from OpTable.all")
        #expect(Set(listed).subtracting(declared).sorted() == [], "listed but not found as a declaration")
        #expect(listed.count == Set(listed).count, "listed twice")
        // The literal parsed is the table the program sees.
        #expect(OpTable.all.count == listed.count)
        #expect(Set(OpTable.all.map(ObjectIdentifier.init)).count == OpTable.all.count)
    }

    @Test("bound and internal ops partition the table; internal ones come last")
    func boundAndInternal() {
        #expect(OpTable.bound.count + OpTable.internalOps.count == OpTable.all.count)
        let firstInternal = OpTable.all.firstIndex { $0.signature.exposure == .internal } ?? OpTable.all.count
        #expect(OpTable.all[firstInternal...].allSatisfy { $0.signature.exposure == .internal })
        #expect(OpTable.internalOps.contains { $0 === Ops.matmulBatched })
    }
}
