#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Autograd

// The readers of Autograd/IO against hostile input (issue 13, "nothing trusted"): every
// truncation and many bit flips of valid files, and a hand-made header for each check. Each
// case must throw a TorchError or load consistent tensors; a crash, hang or huge allocation
// fails the run.

/// A fresh empty directory under /tmp, removed by `remove`.
private struct ScratchDirectory {
    let path: String
    init() {
        var template = Array("/tmp/luagrad-files-XXXXXX".utf8CString)
        path = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
    }
    func entries() -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
    func remove() {
        for name in entries() { unlink(path + "/" + name) }
        rmdir(path)
    }
}

/// The bytes of the file at `path`.
private func contents(_ path: String) throws -> [UInt8] {
    let reader = try FileReader(path: path)
    return try reader.bytes(at: 0, count: reader.size)
}

/// A small deterministic generator (the same flips on every run).
private struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Valid files of each format, made by the writers.
private func validFiles() throws -> (safetensors: [UInt8], npy: [UInt8], fortranNPY: [UInt8]) {
    let scratch = ScratchDirectory()
    defer { scratch.remove() }
    let contentsToWrite = Safetensors.Contents(tensors: [
        ("fc.weight", try Tensor([Float](repeating: 0.5, count: 6), shape: [2, 3])),
        ("fc.bias", try Tensor([1.0, 2.0] as [Double])),
        ("steps", try Tensor([Int64(7)], shape: [])),
        ("mask", try Tensor([true, false, true])),
        ("empty", try Tensor.empty([0, 4])),
    ], metadata: [("format", "pt"), ("note", "x")])
    try Safetensors.write(contentsToWrite, to: scratch.path + "/a.safetensors")
    try NPY.write(try Tensor([Float](repeating: 1.5, count: 6), shape: [3, 2]), to: scratch.path + "/a.npy")
    // Fortran order by hand: NumPy writes it for asfortranarray, LuaGrad never does.
    var fortran = try contents(scratch.path + "/a.npy")
    let header = Array("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), } ".utf8)
    fortran.replaceSubrange(10..<10 + header.count, with: header)
    return (try contents(scratch.path + "/a.safetensors"), try contents(scratch.path + "/a.npy"), fortran)
}

/// Reads `bytes` with `reader`; true when it loaded, false when it threw a TorchError.
private func survives(_ bytes: [UInt8], _ reader: (MemoryBytes) throws -> [Tensor]) -> Bool {
    do {
        for t in try reader(MemoryBytes(bytes)) {
            #expect(t.numel == Shapes.numel(t.shape))
            _ = t.doubles()
        }
        return true
    } catch let error as TorchError {
        #expect(!error.message.isEmpty)
        return false
    } catch {
        Issue.record("unexpected error type: \(error)")
        return false
    }
}

private func readSafetensors(_ bytes: MemoryBytes) throws -> [Tensor] {
    try Safetensors.read(from: bytes, name: "fuzz").tensors.map(\.tensor)
}

private func readNPY(_ bytes: MemoryBytes) throws -> [Tensor] { [try NPY.read(from: bytes, name: "fuzz")] }

@Suite struct FileFormatFuzzTests {
    @Test func validFilesLoad() throws {
        let files = try validFiles()
        let contents = try Safetensors.read(from: MemoryBytes(files.safetensors), name: "valid")
        #expect(contents.tensors.map(\.name) == ["fc.weight", "fc.bias", "steps", "mask", "empty"])
        #expect(contents.metadata.map(\.key) == ["format", "note"])
        #expect(try NPY.read(from: MemoryBytes(files.npy), name: "valid").doubles() == [Double](repeating: 1.5, count: 6))
        let fortran = try NPY.read(from: MemoryBytes(files.fortranNPY), name: "valid")
        #expect(fortran.shape == [3, 2])
    }

    @Test func everyTruncationFailsCleanly() throws {
        let files = try validFiles()
        for (bytes, reader) in [(files.safetensors, readSafetensors), (files.npy, readNPY), (files.fortranNPY, readNPY)] {
            for length in 0..<bytes.count {
                #expect(!survives(Array(bytes[0..<length]), reader), "a prefix of \(length) bytes loaded")
            }
        }
    }

    @Test func bitFlipsFailCleanlyOrLoad() throws {
        let files = try validFiles()
        var random = SplitMix(state: 13)
        for (bytes, reader) in [(files.safetensors, readSafetensors), (files.npy, readNPY), (files.fortranNPY, readNPY)] {
            for _ in 0..<3000 {
                var flipped = bytes
                // Mostly the header, where the checks are; one to three flips at a time.
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    let limit = random.next() % 4 == 0 ? bytes.count : min(bytes.count, 200)
                    let position = Int(random.next() % UInt64(limit))
                    flipped[position] ^= UInt8(1) << (random.next() % 8)
                }
                _ = survives(flipped, reader)
            }
        }
    }

    /// A safetensors file with this header text, then `data` bytes of zeros.
    private func safetensors(_ header: String, data: Int = 0, length: UInt64? = nil) -> [UInt8] {
        let text = Array(header.utf8)
        let n = length ?? UInt64(text.count)
        return (0..<8).map { UInt8((n >> (8 * UInt64($0))) & 0xFF) } + text + [UInt8](repeating: 0, count: data)
    }

    @Test(arguments: [
        ("", 0, "fewer than the 8 of the header length"),
        ("[]", 0, "does not start with '{'"),
        ("{\"a\": 1,}", 0, "not valid JSON"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "appears twice"),
        ("{\"a\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "unknown or unsupported dtype 'Q8'"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "non-negative integer"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4, "non-negative integer"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, "is too large"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "needs 8 bytes but its data_offsets span 4"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "0 <= begin <= end"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "no tensor covers data bytes 0..<4"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "4 bytes after the last tensor"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 2, "need 4 bytes of data but the file has 2"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[9223372036854775800,9223372036854775804]}}", 4, "no tensor covers"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4, "unknown field 'extra'"),
        ("{\"__metadata__\":{\"k\":1}}", 0, "is not a string"),
        ("{\"a\":\"\\ud800\"}", 0, "not valid JSON"),
        (" {}", 0, "does not start with '{'"),
    ])
    func hostileSafetensorsHeaders(header: String, data: Int, message: String) {
        // An empty header stands for an empty file.
        expectError(header.isEmpty ? [] : safetensors(header, data: data), readSafetensors, message)
    }

    @Test func hugeAndLyingHeaderLengths() {
        expectError(safetensors("{}", length: 200_000_000), readSafetensors, "above the limit of 100000000 bytes")
        expectError(safetensors("{}", length: UInt64.max), readSafetensors, "above the limit")
        expectError(safetensors("{}", length: 11), readSafetensors, "runs past the end of the file (10 bytes)")
        expectError(safetensors("{\"a\":1}", length: 3), readSafetensors, "not valid JSON")
    }

    @Test func deepAndLongJSONIsRefusedWithoutRecursingForever() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        expectError(safetensors("{\"a\":" + deep + "}"), readSafetensors, "nested deeper than 64 levels")
        #expect(throws: JSONError.self) { try JSON.parse(Array("01".utf8)) }
        #expect(throws: JSONError.self) { try JSON.parse(Array("\"\u{01}\"".utf8)) }
        #expect(throws: JSONError.self) { try JSON.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONError.self) { try JSON.parse(Array("[1,]".utf8)) }
        #expect(try JSON.parse(Array(" {\"k\": [1, 2.5e3, \"\\u00e9\\ud83d\\ude00\", true, null]} ".utf8)).text
                == "{\"k\":[1,2500.0,\"é😀\",true,null]}")
    }

    /// A version 1.0 .npy file with this header dict, then `data` bytes.
    private func npy(_ dict: String, data: Int = 0, magic: [UInt8] = NPY.magic + [1, 0]) -> [UInt8] {
        let header = Array(dict.utf8)
        return magic + [UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header + [UInt8](repeating: 0, count: data)
    }

    @Test(arguments: [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, [UInt8](Array("\u{93}NUMPX".utf8)), "magic string"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, NPY.magic + [9, 0], "version 9.0"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8, NPY.magic + [1, 0], "needs a comma"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8, NPY.magic + [1, 0], "non-negative integers"),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8, NPY.magic + [1, 0], "not True or False"),
        ("{'descr': '<f4', 'shape': (2,), }", 8, NPY.magic + [1, 0], "lacks one of"),
        ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, NPY.magic + [1, 0], "twice"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", 8, NPY.magic + [1, 0], "text after its dict"),
        ("{'descr': 'O', 'fortran_order': False, 'shape': (2,), }", 8, NPY.magic + [1, 0], "not supported"),
        ("{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }", 8, NPY.magic + [1, 0], "not supported"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8, NPY.magic + [1, 0], "too large"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (" + String(repeating: "1, ", count: 70) + "), }", 4, NPY.magic + [1, 0], "more than 64 dimensions"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 7, NPY.magic + [1, 0], "needs 8 bytes of data but the file has 7"),
        ("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", 0, NPY.magic + [1, 0], "needs 8 bytes"),
    ])
    func hostileNPYHeaders(dict: String, data: Int, magic: [UInt8], message: String) {
        expectError(npy(dict, data: data, magic: magic), readNPY, message)
    }

    @Test func unsignedValuesThatDoNotFitInt64AreRefused() {
        let bytes = npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }") + [UInt8](repeating: 0xFF, count: 8)
        expectError(bytes, readNPY, "does not fit in int64")
    }

    @Test func boolBytesOtherThanZeroAndOneLoadAsTrue() throws {
        let t = try NPY.read(from: MemoryBytes(npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }") + [0, 2, 255]), name: "b")
        #expect(t.doubles() == [0, 1, 1])
    }

    @Test func halfAndBFloat16ConvertExactly() throws {
        // 1.0, -2.0, 65504, the smallest subnormal, inf (F16); 1.0, -3.0 (BF16).
        let half: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x7C]
        let bf16: [UInt8] = [0x80, 0x3F, 0x40, 0xC0]
        let header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[10,14]}}"
        let contents = try Safetensors.read(from: MemoryBytes(safetensors(header) + half + bf16), name: "h")
        #expect(contents.tensors[0].tensor.dtype == .float32)
        #expect(contents.tensors[0].tensor.doubles() == [1, -2, 65504, 0x1p-24, .infinity])
        #expect(contents.tensors[1].tensor.doubles() == [1, -3])
    }

    @Test func loadedTensorsAreChargedToTheMemoryAccount() throws {
        final class Budget: MemoryAccount, @unchecked Sendable {
            var left = 1000
            func reserve(_ bytes: Int) throws {
                guard bytes <= left else { throw TorchError("over budget") }
                left -= bytes
            }
            func release(_ bytes: Int) { left += bytes }
        }
        let bytes = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000,), }", data: 8000)
        let state = ThreadState.current
        let saved = state.memoryAccount
        state.memoryAccount = Budget()
        defer { state.memoryAccount = saved }
        expectError(bytes, readNPY, "over budget")
    }

    @Test func aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws {
        let scratch = ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.path + "/m.npy"
        try NPY.write(try Tensor([1.0, 2.0] as [Double]), to: path)
        let before = try contents(path)
        #expect(throws: TorchError.self) {
            try AtomicFile.write(to: path) { writer in
                try writer.write([1, 2, 3])
                throw TorchError("the disk is full")
            }
        }
        #expect(try contents(path) == before)
        #expect(scratch.entries() == ["m.npy"])
        #expect(throws: TorchError.self) { try NPY.write(try Tensor([1.0] as [Double]), to: scratch.path + "/missing/m.npy") }
    }

    private func expectError(_ bytes: some Collection<UInt8>, _ reader: (MemoryBytes) throws -> [Tensor], _ message: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try reader(MemoryBytes(Array(bytes)))
            Issue.record("loaded; expected an error containing '\(message)'", sourceLocation: sourceLocation)
        } catch let error as TorchError {
            #expect(error.message.contains(message), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
