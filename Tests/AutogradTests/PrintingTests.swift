import Foundation
import Testing
@testable import Autograd

// Every expected string here was printed by PyTorch 2.15 (see
// Fixtures/printing/make_fixtures.py, which regenerates printing_cases.json).

// MARK: - Fixtures

/// The decoded `printing_cases.json`.
private struct PrintingFixtures: Decodable {
    struct TensorCase: Decodable {
        let expr: String
        let dtype: String
        let shape: [Int]
        let values: [FlatValue]
        let requires_grad: Bool
        let grad_fn: String?
        let str: String
    }

    /// One flat element: `float.hex()` text, an int64 as decimal text, or a bool.
    enum FlatValue: Decodable {
        case text(String)
        case bool(Bool)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = .bool(flag)
            } else {
                self = .text(try container.decode(String.self))
            }
        }
    }

    struct FormatCase: Decodable {
        let value: String
        let fixed4: String
        let sci4: String
        let fixed0: String
    }

    struct SizeCase: Decodable {
        let shape: [Int]
        let str: String
    }

    struct LargeArange: Decodable {
        let numel: Int
        let str: String
    }

    let torch_version: String
    let cases: [TensorCase]
    let format_cases: [FormatCase]
    let size_cases: [SizeCase]
    let large_arange: LargeArange

    /// Loaded once, from beside this source file.
    static let shared: Result<PrintingFixtures, any Error> = Result {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/printing/printing_cases.json")
        return try JSONDecoder().decode(PrintingFixtures.self, from: Data(contentsOf: url))
    }
}

private struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// `float.hex()` text back to the exact double (Swift parses C99 hex floats, `nan`, `inf`).
private func double(fromHex text: String) throws -> Double {
    guard let value = Double(text) else { throw FixtureError(description: "bad float \(text)") }
    return value
}

/// The elements of a fixture case, as the engine would hand them to the printer.
private func elements(of testCase: PrintingFixtures.TensorCase) throws -> PrintElements {
    switch testCase.dtype {
    case "float32", "float64":
        let values = try testCase.values.map { value -> Double in
            guard case .text(let text) = value else { throw FixtureError(description: "expected a float") }
            return try double(fromHex: text)
        }
        return .floating { values[$0] }
    case "int64":
        let values = try testCase.values.map { value -> Int64 in
            guard case .text(let text) = value, let number = Int64(text) else {
                throw FixtureError(description: "expected an int64")
            }
            return number
        }
        return .integer { values[$0] }
    case "bool":
        let values = try testCase.values.map { value -> Bool in
            guard case .bool(let flag) = value else { throw FixtureError(description: "expected a bool") }
            return flag
        }
        return .boolean { values[$0] }
    default:
        throw FixtureError(description: "unknown dtype \(testCase.dtype)")
    }
}

private func dtype(named name: String) throws -> DType {
    guard let dtype = DType.allCases.first(where: { $0.shortName == name }) else {
        throw FixtureError(description: "unknown dtype \(name)")
    }
    return dtype
}

// MARK: - str(tensor)

@Suite("Printing tensors as PyTorch does")
struct PrintingTests {
    @Test("every fixture tensor prints exactly as PyTorch printed it")
    func fixtureTensors() throws {
        let fixtures = try PrintingFixtures.shared.get()
        #expect(fixtures.cases.count >= 60)
        for testCase in fixtures.cases {
            let printed = TensorFormatter.string(
                shape: testCase.shape,
                dtype: try dtype(named: testCase.dtype),
                elements: try elements(of: testCase),
                requiresGrad: testCase.requires_grad,
                gradFnName: testCase.grad_fn)
            #expect(printed == testCase.str, "\(testCase.expr)")
        }
    }

    @Test("the fixtures cover every dtype, 0-d to 4-d, empty and summarized tensors")
    func fixtureCoverage() throws {
        let cases = try PrintingFixtures.shared.get().cases
        #expect(Set(cases.map(\.dtype)) == ["float32", "float64", "int64", "bool"])
        #expect(Set(cases.map(\.shape.count)).isSuperset(of: [0, 1, 2, 3, 4]))
        #expect(cases.contains { $0.shape.contains(0) })
        #expect(cases.contains { $0.str.contains("...") })
        #expect(cases.contains { $0.str.contains("grad_fn=") })
        #expect(cases.contains { $0.str.contains("requires_grad=True") })
    }

    @Test("a 10^7-element tensor reads only its summary and prints at once")
    func largeTensorReadsOnlyTheSummary() throws {
        let fixture = try PrintingFixtures.shared.get().large_arange
        var reads = 0
        let clock = ContinuousClock()
        var printed = ""
        let elapsed = clock.measure {
            printed = TensorFormatter.string(
                shape: [fixture.numel], dtype: .float32,
                elements: .floating { index in
                    reads += 1
                    return Double(index)  // torch.arange(10**7, dtype=torch.float32)
                })
        }
        #expect(printed == fixture.str)
        // Six shown elements, each read once to measure and once to print.
        #expect(reads == 12)
        #expect(elapsed < .milliseconds(100))
    }

    @Test("shapes print as torch.Size")
    func sizeStrings() throws {
        for sizeCase in try PrintingFixtures.shared.get().size_cases {
            #expect(TensorFormatter.sizeString(sizeCase.shape) == sizeCase.str)
        }
    }

    @Test("bad sizes do not trap")
    func negativeSizesCountAsZero() {
        let printed = TensorFormatter.string(shape: [-2, 3], dtype: .float32, elements: .floating { _ in 0 })
        #expect(printed.hasPrefix("tensor([]"))
    }
}

// MARK: - Python's float formatting

@Suite("Python's '{:.4f}', '{:.4e}' and '{:.0f}' for doubles")
struct PythonFloatFormatTests {
    @Test("exact rounding, ties to even, matches CPython for every fixture double")
    func formatCases() throws {
        let cases = try PrintingFixtures.shared.get().format_cases
        #expect(cases.count > 500)
        for formatCase in cases {
            let value = try double(fromHex: formatCase.value)
            #expect(PythonFloatFormat.fixed(value, precision: 4) == formatCase.fixed4, "\(formatCase.value)")
            #expect(PythonFloatFormat.scientific(value, precision: 4) == formatCase.sci4, "\(formatCase.value)")
            #expect(PythonFloatFormat.fixed(value, precision: 0) == formatCase.fixed0, "\(formatCase.value)")
        }
    }
}
